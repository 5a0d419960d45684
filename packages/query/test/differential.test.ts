import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { BackendError, type TableSchema } from '@localbackend/adapter';
import { compile, matches, parseWhere, type SqlDialect } from '../src/index';
import { dataset, filter, SCHEMA, UNTYPED, type Flavour } from './arbitraries';
import {
  lookupFor,
  openPg,
  openSqlite,
  pgIds,
  pgTable,
  sqliteIds,
  sqliteTable,
  type Junctions,
  type Row,
} from './helpers';

/*
 * Differential tests: for random (dataset, filter) pairs, the rows SQL returns must be exactly
 * the records matches() accepts. Each dataset is loaded once and queried with many filters.
 */

const counts: Record<string, { pairs: number; invalid: number; nonEmpty: number }> = {};

function count(name: string): { pairs: number; invalid: number; nonEmpty: number } {
  return (counts[name] ??= { pairs: 0, invalid: 0, nonEmpty: 0 });
}

afterAll(() => {
  for (const [name, c] of Object.entries(counts)) {
    console.log(
      `differential ${name}: ${c.pairs} (dataset, filter) pairs compared (${c.nonEmpty} with matches), ${c.invalid} generated filters rejected by the parser`,
    );
  }
});

function expected(
  rows: readonly Row[],
  where: ReturnType<typeof parseWhere>,
  schema: TableSchema | undefined,
  junctions: Junctions,
): string[] {
  const relations = lookupFor(junctions);
  return rows
    .filter((r) => matches(r, where, { schema, relations }))
    .map((r) => r.objectId)
    .sort();
}

function parseOrSkip(
  raw: unknown,
  schema: TableSchema | undefined,
  name: string,
): ReturnType<typeof parseWhere> | undefined {
  try {
    return parseWhere(raw, { schema });
  } catch (error) {
    if (!BackendError.is(error)) throw error;
    count(name).invalid++;
    return undefined;
  }
}

const FILTERS_PER_DATASET = 25;
/** QUERY_FUZZ=10 runs ten times as many datasets (a deeper, slower search). */
const SCALE = Math.max(1, Number(process.env.QUERY_FUZZ ?? 1));

function sqliteRun(name: string, flavour: Flavour, runs: number): void {
  const db = openSqlite();
  const schema = flavour.schemaless ? undefined : SCHEMA;
  const spec = flavour.schemaless
    ? { name: 'Item', untyped: UNTYPED }
    : { name: 'Item', schema: SCHEMA };
  fc.assert(
    fc.property(
      dataset(flavour),
      fc.array(filter(flavour), { minLength: FILTERS_PER_DATASET, maxLength: FILTERS_PER_DATASET }),
      ({ rows, junctions }, filters) => {
        sqliteTable(db, spec, rows, junctions);
        for (const raw of filters) {
          const where = parseOrSkip(raw, schema, name);
          if (where === undefined) continue;
          const q = compile(where, { dialect: 'sqlite', table: 'Item', schema });
          const want = expected(rows, where, schema, junctions);
          const got = sqliteIds(db, q);
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            throw new Error(
              `mismatch for ${JSON.stringify(raw)}\nSQL: ${q.sql}\nparams: ${JSON.stringify(q.parameters)}\nsql rows: ${got}\nmatches(): ${want}\nrecords: ${JSON.stringify(rows)}`,
            );
          }
          count(name).pairs++;
          if (want.length > 0) count(name).nonEmpty++;
        }
      },
    ),
    { numRuns: Math.round(runs * SCALE) },
  );
  db.close();
}

async function pgRun(name: string, flavour: Flavour, runs: number): Promise<void> {
  const pg = await openPg();
  const schema = flavour.schemaless ? undefined : SCHEMA;
  const spec = flavour.schemaless
    ? { name: 'Item', untyped: UNTYPED }
    : { name: 'Item', schema: SCHEMA };
  const dialect: SqlDialect = 'postgres';
  await fc.assert(
    fc.asyncProperty(
      dataset(flavour),
      fc.array(filter(flavour), { minLength: FILTERS_PER_DATASET, maxLength: FILTERS_PER_DATASET }),
      async ({ rows, junctions }, filters) => {
        await pgTable(pg, spec, rows, junctions);
        for (const raw of filters) {
          const where = parseOrSkip(raw, schema, name);
          if (where === undefined) continue;
          const q = compile(where, { dialect, table: 'Item', schema });
          const want = expected(rows, where, schema, junctions);
          let got: string[];
          try {
            got = await pgIds(pg, q);
          } catch (error) {
            throw new Error(
              `SQL error for ${JSON.stringify(raw)}: ${(error as Error).message}\nSQL: ${q.sql}\nparams: ${JSON.stringify(q.parameters)}`,
            );
          }
          if (JSON.stringify(got) !== JSON.stringify(want)) {
            throw new Error(
              `mismatch for ${JSON.stringify(raw)}\nSQL: ${q.sql}\nparams: ${JSON.stringify(q.parameters)}\nsql rows: ${got}\nmatches(): ${want}\nrecords: ${JSON.stringify(rows)}`,
            );
          }
          count(name).pairs++;
          if (want.length > 0) count(name).nonEmpty++;
        }
      },
    ),
    { numRuns: Math.round(runs * SCALE) },
  );
}

describe('SQL rows equal the records matches() accepts', () => {
  test('on SQLite with a schema (typed columns, FTS, relations, JSON paths, arrays, geo)', () => {
    sqliteRun('sqlite+schema', { pg: false, schemaless: false }, 320);
    expect(count('sqlite+schema').pairs).toBeGreaterThan(7000);
  });

  test('on SQLite without a schema (mixed types in every column)', () => {
    sqliteRun('sqlite-schemaless', { pg: false, schemaless: true }, 160);
    expect(count('sqlite-schemaless').pairs).toBeGreaterThan(3500);
  });

  test('on Postgres (PGlite) with a schema', async () => {
    await pgRun('postgres+schema', { pg: true, schemaless: false }, 30);
    expect(count('postgres+schema').pairs).toBeGreaterThan(500);
  });

  test('on Postgres (PGlite) without a schema (JSONB columns)', async () => {
    await pgRun('postgres-schemaless', { pg: true, schemaless: true }, 12);
    expect(count('postgres-schemaless').pairs).toBeGreaterThan(200);
  });
});
