import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { NodeCatalog } from '../catalog/node-catalog';
import { normalizeWorkflowDocument } from '../model/normalize-workflow';
import { builtInNodes } from '../nodes/built-in-nodes';
import { Engine, type EngineServices } from '../runtime/engine';
import { noAdapter } from '../runtime/no-adapter';

const services: EngineServices = {
  adapter: noAdapter,
  schema: () => noAdapter.getSchema(),
  config: async () => ({}),
  resolveSession: async () => undefined,
  logIn: () => Promise.reject(new Error('no')),
  impersonate: () => Promise.reject(new Error('no')),
};

describe('scratch', () => {
  it('runs fixtures', async () => {
    const engine = new Engine(new NodeCatalog(builtInNodes));
    for (const [i, f] of ['example-cf-api-test-post.json', 'example-cf-no-auth-ok-expression-js.json'].entries()) {
      const model = normalizeWorkflowDocument(JSON.parse(readFileSync(`/work/shared/fixtures/noodl/${f}`, 'utf8')), f);
      engine.addDocument(`d${i}`, model);
    }
    engine.setGeneration(1, ['d0', 'd1']);
    const a = await engine.execute(1, 'd0', { runId: 'r1', workflow: 'API/test/POST', component: '/#__cloud__/API/test/POST', start: { kind: 'request', body: '{"param1":"x"}', headers: {} } }, services);
    console.log(a);
    const b = await engine.execute(1, 'd1', { runId: 'r2', workflow: 'x', component: '/#__cloud__/Simple/No Auth OK', start: { kind: 'request', body: '', headers: {} } }, services);
    console.log(b);
    const c = await engine.execute(1, 'd1', { runId: 'r3', workflow: 'x', component: '/#__cloud__/Simple/Failure Result', start: { kind: 'request', body: '', headers: {} } }, services);
    console.log(c);
    expect(a.response?.body).toBe('{"result":{"test":"x post ok"}}');
  });
});
