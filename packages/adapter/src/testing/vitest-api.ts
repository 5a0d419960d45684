import type * as Vitest from 'vitest';

/** The parts of vitest's API the suite uses. */
export type VitestApi = Pick<typeof Vitest, 'describe' | 'it' | 'expect' | 'onTestFinished'>;

let cached: VitestApi | undefined;

/**
 * vitest's API, looked up when the suite runs instead of imported when this module loads, so that
 * `@localbackend/adapter/testing` loads anywhere (also with `require()` and without vitest
 * installed) and only needs vitest when `describeAdapterConformance` is called from a test file.
 * Inside a vitest worker the API is the namespace vitest publishes as `__vitest_index__` (what
 * `import.meta.vitest` returns for in-source tests) — the same module a test file imports.
 */
export function vitestApi(): VitestApi {
  if (cached !== undefined) return cached;
  const api = (globalThis as { __vitest_index__?: VitestApi }).__vitest_index__;
  if (api === undefined || typeof api.describe !== 'function') {
    throw new Error(
      '@localbackend/adapter/testing: describeAdapterConformance() must be called from a vitest test file',
    );
  }
  cached = api;
  return api;
}
