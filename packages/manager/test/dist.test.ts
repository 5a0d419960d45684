/**
 * The built package as an editor loads it: CommonJS `require` and ESM `import` of dist/, with the
 * default child entry (dist/backend-child.js) found next to the library.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, managerDir } from './helpers/built';

let root: string;
beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-dist-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const script = (load: string, port: number): string => `
${load}
(async () => {
  const manager = new BackendManager({ root: ${JSON.stringify(root)}, basePort: ${port}, maxPort: ${port + 50} });
  const backend = await manager.createBackend('dist check');
  const status = await manager.startBackend(backend.id);
  const health = await (await fetch('http://127.0.0.1:' + status.port + '/health')).json();
  await manager.stopAll();
  console.log(JSON.stringify({ mode: status.mode, pid: status.pid, self: process.pid, health: health.status, id: health.id === backend.id }));
})().catch((error) => { console.error(error); process.exit(1); });
`;

describe('the built package', () => {
  it('works through CommonJS require with the default child entry', () => {
    const out = execFileSync(
      process.execPath,
      [
        '-e',
        script(
          `const { BackendManager } = require(${JSON.stringify(path.join(managerDir, 'dist', 'index.cjs'))});`,
          33_000,
        ),
      ],
      { encoding: 'utf8' },
    );
    const result = JSON.parse(out) as {
      mode: string;
      pid: number;
      self: number;
      health: string;
      id: boolean;
    };
    expect(result).toMatchObject({ mode: 'child', health: 'ok', id: true });
    expect(result.pid).not.toBe(result.self);
  });

  it('works through ESM import with the default child entry', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        script(
          `const { BackendManager } = await import(${JSON.stringify(path.join(managerDir, 'dist', 'index.js'))});`,
          33_100,
        ),
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toMatchObject({ mode: 'child', health: 'ok', id: true });
  });
});
