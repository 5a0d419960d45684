import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

function load(file: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, [`${fixtures}${file}`], {
    cwd: packageDir,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, unknown>;
}

describe('the built package', () => {
  it('exists (run `pnpm build` first; `pnpm test` does)', () => {
    expect(existsSync(`${packageDir}dist/index.cjs`)).toBe(true);
    expect(existsSync(`${packageDir}dist/index.js`)).toBe(true);
    expect(existsSync(`${packageDir}dist/index.d.ts`)).toBe(true);
    expect(existsSync(`${packageDir}dist/index.d.cts`)).toBe(true);
  });

  it('loads with require() from a CommonJS file (as an Electron main process does)', () => {
    const result = load('load.cjs');
    expect(result).toMatchObject({ format: 'cjs', status: 404, id: 10, registry: 'function' });
    expect(result.file).toMatch(/dist[\\/]index\.cjs$/);
  });

  it('loads with import from an ES module', () => {
    const result = load('load.mjs');
    expect(result).toMatchObject({ format: 'esm', status: 404, id: 10, registry: 'function' });
    expect(result.file).toMatch(/dist\/index\.js$/);
  });
});
