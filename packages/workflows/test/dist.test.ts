import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const packageDir = join(__dirname, '..');
const dist = join(packageDir, 'dist');
const built =
  ['workflows', 'adapter', 'query'].every((p) =>
    existsSync(join(packageDir, '..', p, 'dist', 'index.js')),
  ) && existsSync(join(dist, 'worker.js'));
const fixture = join(__dirname, 'fixtures/noodl/example-cf-api-test-post.json');

const script = (load: string) => `
${load}
const fs = require('node:fs');
(async () => {
  const runtime = new WorkflowRuntime();
  runtime.load(JSON.parse(fs.readFileSync(${JSON.stringify(fixture)}, 'utf8')), { source: 'api' });
  const result = await runtime.run('API/test/POST', { body: '{"param1":"x"}' });
  const looped = new WorkflowRuntime({ scriptTimeoutMs: 100, stallTimeoutMs: 500, workers: 1 });
  looped.load({ components: [{ name: '/#__cloud__/spin', graph: { roots: [{ id: 'r', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } }, { id: 'f', type: 'JavaScriptFunction', parameters: { functionScript: 'await null; for(;;){}' } }], connections: [{ fromId: 'r', fromProperty: 'receive', toId: 'f', toProperty: 'run' }] } }] }, { source: 'spin' });
  const spin = await looped.run('spin', {});
  console.log(JSON.stringify({ body: result.body, spin: spin.error && spin.error.code }));
  await runtime.close();
  await looped.close();
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe.skipIf(!built)('the built package (dist) with its separate worker entry', () => {
  it('runs a fixture in worker threads from the ESM build', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        script(
          `import { WorkflowRuntime } from ${JSON.stringify(join(dist, 'index.js'))}; import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);`,
        ),
      ],
      { cwd: packageDir },
    );
    expect(JSON.parse(stdout)).toEqual({
      body: '{"result":{"test":"x post ok"}}',
      spin: 'TIMEOUT',
    });
  });

  it('runs a fixture in worker threads from the CommonJS build', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        script(`const { WorkflowRuntime } = require(${JSON.stringify(join(dist, 'index.cjs'))});`),
      ],
      { cwd: packageDir },
    );
    expect(JSON.parse(stdout)).toEqual({
      body: '{"result":{"test":"x post ok"}}',
      spin: 'TIMEOUT',
    });
  });
});

if (!built) {
  describe('the built package (dist)', () => {
    it.skip('needs `pnpm --filter @localbackend/workflows... build` first (adapter, query and workflows dist)', () => {});
  });
}
