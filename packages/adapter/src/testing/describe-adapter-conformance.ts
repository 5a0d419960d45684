import { vitestApi } from './vitest-api';
import {
  createSuiteContext,
  type ConformanceCapabilities,
  type ConformanceFactory,
  type ConformanceOptions,
} from './conformance-context';
import { bulkTests } from './bulk-tests';
import { crudTests } from './crud-tests';
import { errorTests } from './error-tests';
import { queryTests } from './query-tests';
import { relationTests } from './relation-tests';
import { schemaTests } from './schema-tests';
import { transactionTests } from './transaction-tests';

const ADAPTER_FLAGS = [
  'transactions',
  'relations',
  'fullText',
  'regex',
  'geo',
  'aggregate',
  'schema',
  'events',
  'backup',
  'bulk',
] as const satisfies readonly (keyof ConformanceCapabilities)[];

/**
 * Registers the shared `CloudStoreAdapter` conformance suite (vitest): CRUD and value
 * round-trips, every filter operator in every accepted format (Parse wire, Noodl filter format,
 * shorthand, visual filter), sort / paging / count, include, select, relations, aggregate and
 * distinct, increments under concurrency, transactions and rollback, change events (and their
 * absence on rollback), the optional bulk methods `createMany` / `deleteMany` (when declared), schema operations in auto and strict mode, and every error code an
 * adapter raises, with hostile inputs.
 *
 * `createAdapter` must return a fresh adapter over an EMPTY store for every test. Features the
 * adapter lacks are declared in `capabilities`; their tests are reported as skipped with the
 * reason in the test name.
 *
 * @example
 * ```ts
 * import { describeAdapterConformance } from '@localbackend/adapter/testing';
 * import { LocalSQLAdapter } from '@localbackend/sqlite';
 *
 * describeAdapterConformance('LocalSQLAdapter (:memory:)', ({ schemaMode }) =>
 *   new LocalSQLAdapter(':memory:', { schemaMode }),
 * );
 * ```
 */
export function describeAdapterConformance(
  name: string,
  createAdapter: ConformanceFactory,
  options: ConformanceOptions = {},
): void {
  const { describe, expect, it } = vitestApi(options.vitest);
  const ctx = createSuiteContext(createAdapter, options);
  describe(`CloudStoreAdapter conformance: ${name}`, () => {
    it('the adapter claims every capability the suite is told to test', async () => {
      const db = await ctx.open();
      for (const flag of ADAPTER_FLAGS) {
        if (ctx.caps[flag]) expect(db.capabilities[flag], `capabilities.${flag}`).toBe(true);
      }
    });
    crudTests(ctx);
    queryTests(ctx);
    relationTests(ctx);
    transactionTests(ctx);
    bulkTests(ctx);
    schemaTests(ctx);
    errorTests(ctx);
  });
}
