import type * as Vitest from 'vitest';
import { BackendError } from '../backend-error';

/**
 * The parts of vitest's API the conformance suite uses: what `options.vitest` of
 * `describeAdapterConformance` takes.
 *
 * @example
 * ```ts
 * import * as vitest from 'vitest';
 * const api: VitestApi = vitest;
 * describeAdapterConformance('MyAdapter', () => new MyAdapter(), { vitest: api });
 * ```
 */
export type VitestApi = Pick<typeof Vitest, 'describe' | 'it' | 'expect' | 'onTestFinished'>;

let cached: VitestApi | undefined;

/**
 * vitest's API: the one given to `describeAdapterConformance` (`options.vitest`), else looked
 * up when the suite runs instead of imported when this module loads, so that
 * `@localbackend/adapter/testing` loads anywhere (also with `require()` and without vitest
 * installed) and only needs vitest when `describeAdapterConformance` is called from a test file.
 * Inside a vitest worker the API is the namespace vitest publishes as `__vitest_index__` (what
 * `import.meta.vitest` returns for in-source tests) — the same module a test file imports.
 */
export function vitestApi(explicit?: VitestApi): VitestApi {
  if (explicit !== undefined) {
    for (const key of ['describe', 'it', 'expect', 'onTestFinished'] as const) {
      if (typeof explicit[key] !== 'function') {
        throw new BackendError(
          'INVALID_CONFIG',
          `@localbackend/adapter/testing: options.vitest.${key} must be vitest's ${key} function`,
          { details: { path: `options.vitest.${key}` } },
        );
      }
    }
    cached = explicit;
    return explicit;
  }
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
