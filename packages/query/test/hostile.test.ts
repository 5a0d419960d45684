import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type Database from 'better-sqlite3';
import type { PGlite } from '@electric-sql/pglite';
import { BackendError, type FilterNode, type TableSchema } from '@localbackend/adapter';
import {
  compile,
  matches,
  parseInclude,
  parseSelect,
  parseSort,
  parseWhere,
  prepareQuery,
  type CompiledQuery,
  type PrepareQueryInput,
  type SqlDialect,
} from '../src/index';
import { TASK, TASK_JUNCTIONS, TASKS } from './fixtures';
import { lookupFor, openPg, openSqlite, pgTable, sqliteTable } from './helpers';

/*
 * Hostile input: every case ends in a BackendError or in a query whose values are bound and
 * that runs without a SQL error — never a crash, a stack overflow or a damaged table.
 */

let sqlite: Database.Database;
let pg: PGlite;

beforeAll(async () => {
  sqlite = openSqlite();
  sqliteTable(sqlite, { name: 'Task', schema: TASK }, TASKS, TASK_JUNCTIONS);
  pg = await openPg();
  await pgTable(pg, { name: 'Task', schema: TASK }, TASKS, TASK_JUNCTIONS);
});

afterAll(() => sqlite.close());

const INJECTIONS = [
  `x"; DROP TABLE "Task"; --`,
  `x'); DROP TABLE Task; --`,
  `x" OR 1=1 --`,
  `/* comment */ x`,
  `x; DELETE FROM "Task"`,
  `__proto__`,
  `constructor`,
  `prototype`,
  `toString`,
  `hasOwnProperty`,
  `a.b"c`,
  `a..b`,
  `a.__proto__`,
  `$where`,
  ``,
  `a\u0000b`,
  `é`,
  `?`,
  `$1`,
];

async function tablesIntact(): Promise<void> {
  expect((sqlite.prepare('SELECT count(*) AS n FROM "Task"').get() as { n: number }).n).toBe(
    TASKS.length,
  );
  expect((await pg.query<{ n: number }>('SELECT count(*)::int AS n FROM "Task"')).rows[0]!.n).toBe(
    TASKS.length,
  );
}

async function execute(dialect: SqlDialect, q: CompiledQuery): Promise<void> {
  if (dialect === 'sqlite') sqlite.prepare(q.sql).all(...(q.parameters as unknown[]));
  else await pg.query(q.sql, q.parameters as unknown[]);
}

/** Runs the input through every entry point; only BackendErrors may escape. */
async function expectSafe(
  input: PrepareQueryInput,
  schema: TableSchema | undefined = TASK,
): Promise<'error' | 'ran'> {
  const outcomes = new Set<string>();
  for (const dialect of ['sqlite', 'postgres'] as const) {
    for (const cache of [true, false]) {
      let q: CompiledQuery;
      try {
        q = prepareQuery(input, {
          dialect,
          table: 'Task',
          schema,
          cache,
          unknownFields: schema === undefined ? undefined : 'error',
        });
      } catch (error) {
        if (!BackendError.is(error)) throw error;
        outcomes.add('error');
        continue;
      }
      await execute(dialect, q);
      outcomes.add('ran');
    }
  }
  let where: FilterNode | undefined;
  try {
    where = parseWhere(input.where, { schema });
  } catch (error) {
    if (!BackendError.is(error)) throw error;
  }
  if (where !== undefined) {
    const relations = lookupFor(TASK_JUNCTIONS);
    for (const r of TASKS) {
      try {
        matches(r, where, { schema, relations });
      } catch (error) {
        if (!BackendError.is(error)) throw error;
      }
    }
  }
  await tablesIntact();
  return outcomes.has('ran') ? 'ran' : 'error';
}

describe('malicious identifiers are rejected with a BackendError', () => {
  for (const name of INJECTIONS) {
    test(`field name ${JSON.stringify(name)}`, async () => {
      expect(await expectSafe({ where: { [name]: 1 } })).toBe('error');
      expect(await expectSafe({ where: { [name]: 1 } }, undefined)).toBe('error');
      // A key inside an Object field is bound as a JSON path: either refused or safely bound.
      await expectSafe({ where: { [`meta.${name}`]: 1 } });
      await expectSafe({ sort: `meta.${name}` });
      expect(await expectSafe({ sort: name })).toBe(name === '' ? 'ran' : 'error');
      expect(await expectSafe({ sort: `-${name}` })).toBe('error');
      expect(await expectSafe({ select: [name] })).toBe(name === '' ? 'ran' : 'error');
      expect(
        await expectSafe({
          where: { combinator: 'and', rules: [{ property: name, operator: 'equal to', value: 1 }] },
        }),
      ).toBe('error');
      expect(
        await expectSafe({
          where: {
            $relatedTo: {
              object: { __type: 'Pointer', className: name, objectId: 'p1' },
              key: 'tasks',
            },
          },
        }),
      ).toBe('error');
      expect(
        await expectSafe({
          where: {
            $relatedTo: {
              object: { __type: 'Pointer', className: 'Project', objectId: 'p1' },
              key: name,
            },
          },
        }),
      ).toBe('error');
      expect(() => parseInclude(name === '' ? '.' : name, { schema: TASK })).toThrow(BackendError);
    });
  }

  test('a malicious table name or alias', () => {
    for (const table of INJECTIONS) {
      expect(() => compile(undefined, { dialect: 'sqlite', table })).toThrow(BackendError);
      expect(() =>
        compile(undefined, { dialect: 'postgres', table: 'Task', alias: table }),
      ).toThrow(BackendError);
      expect(() => prepareQuery({}, { dialect: 'postgres', table })).toThrow(BackendError);
    }
  });

  test('a hand-built AST with malicious names', () => {
    const bad: unknown[] = [
      {
        kind: 'compare',
        field: { field: 'x"; DROP TABLE "Task"; --', path: [] },
        op: 'eq',
        value: 1,
      },
      { kind: 'compare', field: { field: 'meta', path: ['a"b'] }, op: 'eq', value: 1 },
      { kind: 'compare', field: { field: 'title', path: [] }, op: '= 1 OR 1=1 --', value: 1 },
      { kind: 'relatedTo', object: { className: 'P"; --', objectId: 'x' }, key: 'k' },
      { kind: 'drop table', field: { field: 'title', path: [] } },
      { kind: 'regex', field: { field: 'title', path: [] }, pattern: 'a', flags: "i'); --" },
      { kind: 'compare', field: { field: 'priority', path: [] }, op: 'gt', value: Number.NaN },
      { kind: 'compare', field: { field: 'priority', path: [] }, op: 'gt', value: 'abc' },
      { kind: 'in', field: { field: 'priority', path: [] }, values: 'abc', negate: false },
      null,
    ];
    for (const node of bad) {
      for (const dialect of ['sqlite', 'postgres'] as const) {
        expect(() => compile(node as FilterNode, { dialect, table: 'Task', schema: TASK })).toThrow(
          BackendError,
        );
      }
      expect(() => matches(TASKS[0]!, node as FilterNode, { schema: TASK })).toThrow(BackendError);
    }
  });
});

describe('malicious values are bound, never spliced into SQL', () => {
  for (const value of INJECTIONS.filter((v) => !v.includes('\u0000'))) {
    test(`value ${JSON.stringify(value)}`, async () => {
      expect(await expectSafe({ where: { title: value } })).toBe('ran');
      expect(await expectSafe({ where: { title: { $in: [value, 'x'] } } })).toBe('ran');
      expect(await expectSafe({ where: { 'meta.city': { $ne: value } } })).toBe('ran');
      expect(await expectSafe({ where: { tags: { $all: [value] } } })).toBe('ran');
      expect(await expectSafe({ where: { title: { contains: value, options: 'i' } } })).toBe('ran');
      expect(
        await expectSafe({ where: { notes: { $text: { $search: { $term: `${value} x` } } } } }),
      ).toBe('ran');
      expect(
        await expectSafe({ where: { title: { $text: { $search: { $term: `${value} x` } } } } }),
      ).toBe('ran');
      expect(await expectSafe({ where: { objectId: value } })).toBe('ran');
    });
  }

  test('NUL characters are bound on SQLite and rejected (not a SQL error) on Postgres', async () => {
    const q = prepareQuery(
      { where: { title: 'a\u0000b' } },
      { dialect: 'sqlite', table: 'Task', schema: TASK },
    );
    expect(sqlite.prepare(q.sql).all(...(q.parameters as unknown[]))).toEqual([]);
    expect(() =>
      prepareQuery(
        { where: { title: 'a\u0000b' } },
        { dialect: 'postgres', table: 'Task', schema: TASK },
      ),
    ).toThrow(/NUL/);
    await tablesIntact();
  });

  test('JSON keys __proto__ and constructor never reach the prototype', async () => {
    const inputs = [
      '{"__proto__": {"$gt": 1}}',
      '{"constructor": {"prototype": 1}}',
      '{"title": {"__proto__": {"$ne": 1}}}',
      '{"title": {"$in": {"__proto__": []}}}',
      '{"meta.__proto__.x": 1}',
      '{"$or": [{"__proto__": 1}]}',
      '{"combinator": "and", "rules": [{"property": "__proto__", "operator": "equal to", "value": 1}]}',
    ];
    for (const text of inputs) {
      expect(await expectSafe({ where: JSON.parse(text) as unknown })).toBe('error');
    }
    expect(({} as Record<string, unknown>).$gt).toBeUndefined();
  });

  test('values of exotic JS types are rejected', async () => {
    const values: unknown[] = [
      Number.NaN,
      Infinity,
      -Infinity,
      10n,
      Symbol('x'),
      () => 1,
      new Map(),
      new Set(),
      new Uint8Array(2),
      new Date('nope'),
      [1, 2],
      { a: 1 },
    ];
    for (const v of values) {
      expect(await expectSafe({ where: { priority: v } })).toBe('error');
      expect(await expectSafe({ where: { title: { $eq: v } } })).toBe('error');
    }
    expect(
      await expectSafe({ where: Object.assign(Object.create(null) as object, { priority: 1 }) }),
    ).toBe('ran');
    expect(await expectSafe({ where: new Map() as unknown })).toBe('error');
    expect(await expectSafe({ where: 'priority > 1' })).toBe('error');
    expect(await expectSafe({ where: { done: false }, limit: -1 })).toBe('error');
    expect(await expectSafe({ where: { done: false }, limit: 1.5 })).toBe('error');
    expect(await expectSafe({ where: { done: false }, skip: Number.NaN })).toBe('error');
  });
});

describe('huge inputs', () => {
  const big = 'x'.repeat(10 * 1024 * 1024);

  test('a 10 MB string value is bound', async () => {
    expect(await expectSafe({ where: { title: big } })).toBe('ran');
    expect(await expectSafe({ where: { 'meta.city': { $in: [big] } } })).toBe('ran');
    expect(await expectSafe({ where: { title: { startsWith: big } } })).toBe('ran');
  });

  test('a 10 MB name, sort, regex or search is a BackendError', async () => {
    expect(await expectSafe({ where: { [big]: 1 } })).toBe('error');
    expect(await expectSafe({ sort: big })).toBe('error');
    expect(await expectSafe({ select: big })).toBe('error');
    expect(await expectSafe({ where: { title: { $regex: `(${big})` } } })).toBe('error');
    expect(
      await expectSafe({
        where: { combinator: 'and', rules: [{ property: 'title', operator: big, value: 1 }] },
      }),
    ).toBe('error');
  });

  test('10,000-deep nesting in every format is a BackendError, not a stack overflow', async () => {
    const nest = (wrap: (inner: unknown) => unknown): unknown => {
      let node: unknown = { done: false };
      for (let i = 0; i < 10_000; i++) node = wrap(node);
      return node;
    };
    for (const deep of [
      nest((n) => ({ $and: [n] })),
      nest((n) => ({ $or: [n, { done: true }] })),
      nest((n) => ({ $nor: [n] })),
      nest((n) => ({ and: [n] })),
      nest((n) => ({ combinator: 'or', rules: [n] })),
      { meta: { $eq: nest((n) => ({ x: n })) } },
      { tags: { $in: [nest((n) => [n])] } },
    ]) {
      const error = await expectSafe({ where: deep }).catch((e: unknown) => e);
      expect(error).toBe('error');
    }
    let ast: FilterNode = { kind: 'const', value: true };
    for (let i = 0; i < 10_000; i++) ast = { kind: 'not', condition: ast };
    expect(() => compile(ast, { dialect: 'sqlite', table: 'Task' })).toThrow(BackendError);
    expect(() => matches(TASKS[0]!, ast)).toThrow(BackendError);
  });

  test('a 100,000-item $in binds one parameter and runs on both databases', async () => {
    const ids = Array.from({ length: 100_000 }, (_, i) => `id${i}`);
    ids[77_777] = 't2';
    const numbers = Array.from({ length: 100_000 }, (_, i) => i + 0.5);
    numbers[99_999] = 3;
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const q = prepareQuery(
        { where: { objectId: { $in: ids }, priority: { $nin: numbers } } },
        { dialect, table: 'Task', schema: TASK },
      );
      expect(q.parameters).toHaveLength(2);
      const rows =
        dialect === 'sqlite'
          ? (sqlite.prepare(q.sql).all(...(q.parameters as unknown[])) as { objectId: string }[])
          : (await pg.query<{ objectId: string }>(q.sql, q.parameters as unknown[])).rows;
      expect(rows.map((r) => r.objectId)).toEqual(['t2']);
      const pointers = prepareQuery(
        { where: { owner: { $in: ids.map((id) => (id === 't2' ? 'u2' : id)) } } },
        { dialect, table: 'Task', schema: TASK },
      );
      expect(pointers.parameters).toHaveLength(1);
      await execute(dialect, pointers);
      const all = prepareQuery(
        { where: { tags: { $all: ids } } },
        { dialect, table: 'Task', schema: TASK },
      );
      await execute(dialect, all);
    }
    expect(
      TASKS.filter((r) => matches(r, parseWhere({ objectId: { $in: ids } }))).map(
        (r) => r.objectId,
      ),
    ).toEqual(['t2']);
    await tablesIntact();
  });

  test('more than 1,000,000 values is a BackendError', () => {
    expect(() => parseWhere({ priority: { $in: new Array(1_000_001).fill(1) } })).toThrow(
      /at most 1000000 values/,
    );
  });
});

describe('sort, select and include reject what they cannot use', () => {
  test('bad shapes', () => {
    for (const bad of [
      1,
      true,
      [1],
      [{ property: 'title', order: 'sideways' }],
      { title: 2 },
      '$score',
    ]) {
      expect(() => parseSort(bad)).toThrow(BackendError);
    }
    for (const bad of [1, { a: 1 }, [1]]) expect(() => parseSelect(bad)).toThrow(BackendError);
    expect(parseInclude('title', { schema: TASK })).toEqual([]);
    expect(() => parseSort('watchers', { schema: TASK })).toThrow(BackendError);
  });
});
