import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../runtime/workflow-runtime';

describe('scratch', () => {
  it('runs fixtures in workers', async () => {
    const runtime = new WorkflowRuntime({});
    for (const f of ['example-cf-api-test-post.json', 'example-cf-no-auth-ok-expression-js.json']) {
      runtime.load(JSON.parse(readFileSync(`/work/shared/fixtures/noodl/${f}`, 'utf8')), { source: f });
    }
    let t = Date.now();
    await runtime.start();
    console.log('start', Date.now() - t);
    t = Date.now();
    const a = await runtime.run('API/test/POST', { body: '{"param1":"x"}' });
    console.log(a, Date.now() - t);
    const b = await runtime.run('Simple/No Auth OK', { body: '' });
    console.log(b);
    const c = await runtime.run('Simple/Failure Result', {});
    console.log(c);
    console.log(await runtime.run('nope', {}));
    console.log(await runtime.listRuns());
    expect(a.body).toBe('{"result":{"test":"x post ok"}}');
    await runtime.close();
  });
});
