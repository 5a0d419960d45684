import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { BackendError, type TableSchema } from '@localbackend/adapter';
import { prepareQuery, type PrepareQueryInput, type SqlDialect } from '../src/index';
import { prepareQueryStats } from '../src/prepare-query';
import { DATES, filter, IDS, SCHEMA, str, num } from './arbitraries';
import { TASK } from './fixtures';

function outcome(
  input: PrepareQueryInput,
  dialect: SqlDialect,
  schema: TableSchema | undefined,
  cache: boolean,
): unknown {
  try {
    const q = prepareQuery(input, { dialect, table: 'Item', schema, cache });
    return { sql: q.sql, parameters: q.parameters };
  } catch (error) {
    if (!BackendError.is(error)) throw error;
    return { error: error.code, message: error.message };
  }
}

const VERBATIM = new Set([
  'combinator',
  'operator',
  'property',
  'relatedTo',
  'relationProperty',
  'input',
  '__type',
  'className',
  'key',
  '$options',
  'options',
  'order',
]);

/** The same filter with other values: strings, numbers and dates replaced, structure kept. */
function revalue(raw: unknown, rnd: () => number, parent = ''): unknown {
  if (typeof raw === 'string') {
    if (VERBATIM.has(parent)) return raw;
    if (DATES.includes(raw)) return DATES[Math.floor(rnd() * DATES.length)];
    if (IDS.includes(raw)) return IDS[Math.floor(rnd() * IDS.length)];
    return rnd() < 0.5 ? raw : `${raw}${rnd() < 0.5 ? 'a' : 'é'}`;
  }
  if (typeof raw === 'number') return rnd() < 0.3 ? raw : raw + Math.floor(rnd() * 5) - 2;
  if (Array.isArray(raw)) return raw.map((v) => revalue(v, rnd, parent));
  if (raw instanceof Date) return new Date(raw.getTime() + 1000);
  if (typeof raw === 'object' && raw !== null && !(raw instanceof RegExp)) {
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, revalue(v, rnd, k)]));
  }
  return raw;
}

describe('the compiled-shape cache', () => {
  test('a cached query equals the uncached one for random filters and re-valued filters of the same shape', () => {
    const before = prepareQueryStats.hits;
    for (const [schemaless, dialect] of [
      [false, 'sqlite'],
      [true, 'sqlite'],
      [false, 'postgres'],
      [true, 'postgres'],
    ] as const) {
      const schema = schemaless ? undefined : SCHEMA;
      fc.assert(
        fc.property(
          filter({ pg: dialect === 'postgres', schemaless }),
          fc.option(fc.nat(50)),
          fc.option(fc.nat(50)),
          fc.constantFrom(undefined, '-createdAt', ['n', '-s'], { 'o.x': -1 }),
          fc.integer(),
          (where, limit, skip, sort, seed) => {
            let state = seed;
            const rnd = (): number => {
              state = (state * 1103515245 + 12345) & 0x7fffffff;
              return state / 0x7fffffff;
            };
            const base: PrepareQueryInput = {
              where,
              limit: limit ?? undefined,
              skip: skip ?? undefined,
              sort: schemaless ? undefined : sort,
            };
            expect(outcome(base, dialect, schema, true)).toEqual(
              outcome(base, dialect, schema, false),
            );
            for (let i = 0; i < 3; i++) {
              const other: PrepareQueryInput = {
                ...base,
                where: revalue(where, rnd),
                limit: base.limit === undefined ? undefined : base.limit + i,
              };
              expect(outcome(other, dialect, schema, true)).toEqual(
                outcome(other, dialect, schema, false),
              );
            }
          },
        ),
        { numRuns: 300 },
      );
    }
    expect(prepareQueryStats.hits - before).toBeGreaterThan(1000);
  });

  test('the same shape with new values reuses the SQL text and re-extracts the parameters', () => {
    const options = { dialect: 'sqlite' as const, table: 'Task', schema: TASK };
    const misses = prepareQueryStats.misses;
    const a = prepareQuery(
      { where: { done: false, priority: { $gte: 2 }, title: { $regex: '^Buy' } }, limit: 10 },
      options,
    );
    const b = prepareQuery(
      { where: { done: true, priority: { $gte: 7 }, title: { $regex: '^Walk' } }, limit: 3 },
      options,
    );
    expect(prepareQueryStats.misses - misses).toBe(1);
    expect(b.sql).toBe(a.sql);
    expect(a.parameters).toEqual([0, 2, 'Buy', 10]);
    expect(b.parameters).toEqual([1, 7, 'Walk', 3]);
  });

  test('a value that changes the SQL (a regex that is no longer literal) is a different shape', () => {
    const options = { dialect: 'sqlite' as const, table: 'Task', schema: TASK };
    const literal = prepareQuery({ where: { title: { $regex: '^Buy' } } }, options);
    const regex = prepareQuery({ where: { title: { $regex: '^B.y' } } }, options);
    expect(literal.sql).toContain('instr');
    expect(regex.sql).toContain('lb_regexp');
  });

  test('an invalid value on a cached shape reports the same error as without the cache', () => {
    const options = { dialect: 'postgres' as const, table: 'Task', schema: TASK };
    prepareQuery({ where: { due: { $lt: '2024-01-01T00:00:00Z' }, title: 'x' } }, options);
    expect(() =>
      prepareQuery({ where: { due: { $lt: 'yesterday' }, title: 'x' } }, options),
    ).toThrow('where.due.$lt: expected a date');
    expect(() =>
      prepareQuery({ where: { due: { $lt: '2024-01-01T00:00:00Z' }, title: 'a\u0000' } }, options),
    ).toThrow(/NUL/);
  });

  test('hasTable answers are part of the cached shape and re-checked on every hit', () => {
    const tables = new Set<string>();
    const options = {
      dialect: 'sqlite' as const,
      table: 'Task',
      schema: TASK,
      hasTable: (name: string) => tables.has(name),
    };
    const where = {
      $relatedTo: {
        object: { __type: 'Pointer', className: 'Project', objectId: 'p1' },
        key: 'tasks',
      },
    };
    expect(prepareQuery({ where }, options).sql).toBe('SELECT * FROM "Task" WHERE 0');
    tables.add('_Join_tasks_Project');
    expect(prepareQuery({ where }, options).sql).toContain('"_Join_tasks_Project"');
    expect(prepareQuery({ where }, options).sql).toContain('"_Join_tasks_Project"');
    expect(prepareQuery({ where }, { ...options, hasTable: undefined }).sql).toContain(
      '"_Join_tasks_Project"',
    );
  });

  test('count, select, sort, limit and skip', () => {
    const options = { dialect: 'sqlite' as const, table: 'Task', schema: TASK };
    expect(prepareQuery({ where: { done: false }, count: true, limit: 5 }, options).sql).toBe(
      'SELECT COUNT(*) AS "count" FROM "Task" WHERE "Task"."done" = ?',
    );
    const q = prepareQuery(
      { select: 'title,watchers', sort: [{ property: 'priority', order: 'descending' }], skip: 20 },
      options,
    );
    expect(q.sql).toBe(
      'SELECT "objectId", "createdAt", "updatedAt", "title" FROM "Task" ORDER BY "Task"."priority" DESC NULLS LAST, "Task"."objectId" ASC LIMIT -1 OFFSET ?',
    );
    expect(q.parameters).toEqual([20]);
    const pg = prepareQuery(
      { sort: '-title', limit: 5, skip: 1 },
      { ...options, dialect: 'postgres' },
    );
    expect(pg.sql).toBe(
      'SELECT * FROM "Task" ORDER BY "Task"."title" COLLATE "C" DESC NULLS LAST, "Task"."objectId" ASC LIMIT $1 OFFSET $2',
    );
  });
});

// keep the imported arbitraries referenced for readers of this file
void str;
void num;
