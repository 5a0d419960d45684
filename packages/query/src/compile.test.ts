import { describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { BackendError, type FilterNode, type TableSchema } from '@localbackend/adapter';
import { compile, compileWhere } from './compile';
import { parseSort } from './parse-sort';
import { parseWhere } from './parse-where';
import { SQLITE_FUNCTIONS } from './sqlite-functions';

const schema: TableSchema = {
  name: 'Todo',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'done', type: 'Boolean' },
    { name: 'tags', type: 'Relation', targetClass: 'Tag' },
  ],
};

describe('compileWhere', () => {
  test('returns a boolean fragment qualified with the table (or alias)', () => {
    const ast = parseWhere({ done: false }, { schema });
    expect(compileWhere(ast, { dialect: 'sqlite', table: 'Todo', schema })).toEqual({
      sql: '"Todo"."done" = ?',
      parameters: [0],
    });
    expect(compileWhere(ast, { dialect: 'postgres', table: 'Todo', schema, alias: 't' })).toEqual({
      sql: '"t"."done" = $1::boolean',
      parameters: [false],
    });
  });

  test('the documented example is accurate', () => {
    expect(
      compileWhere(parseWhere({ priority: { $gte: 2 } }), { dialect: 'sqlite', table: 'Todo' }),
    ).toEqual({
      sql: `CASE WHEN typeof("Todo"."priority") = 'real' THEN "Todo"."priority" END >= ?`,
      parameters: [2],
    });
  });

  test('a fragment works in UPDATE and DELETE statements', () => {
    const db = new Database(':memory:');
    for (const f of SQLITE_FUNCTIONS)
      db.function(f.name, { deterministic: f.deterministic }, f.fn as (...a: unknown[]) => unknown);
    db.exec('CREATE TABLE "Todo" ("objectId" TEXT PRIMARY KEY, "title" TEXT, "done" INTEGER)');
    db.exec(`INSERT INTO "Todo" VALUES ('a', 'Buy milk', 0), ('b', 'Walk', 1)`);
    const where = compileWhere(
      parseWhere({ title: { $regex: 'milk$', $options: 'i' } }, { schema }),
      { dialect: 'sqlite', table: 'Todo', schema },
    );
    expect(
      db
        .prepare(`UPDATE "Todo" SET "done" = 1 WHERE ${where.sql}`)
        .run(...(where.parameters as unknown[])).changes,
    ).toBe(1);
    expect(
      db.prepare(`DELETE FROM "Todo" WHERE ${where.sql}`).run(...(where.parameters as unknown[]))
        .changes,
    ).toBe(1);
  });

  test('hasTable turns relations whose junction table does not exist into false', () => {
    const ast = parseWhere({ tags: { pointsTo: 't1' } }, { schema });
    expect(
      compileWhere(ast, { dialect: 'sqlite', table: 'Todo', schema, hasTable: () => false }).sql,
    ).toBe('0');
    expect(
      compileWhere(ast, { dialect: 'sqlite', table: 'Todo', schema, hasTable: () => true }).sql,
    ).toContain('"_Join_tags_Todo"');
  });
});

describe('compile', () => {
  test('select, sort (NULLs lowest, objectId tiebreak), limit and offset', () => {
    const q = compile(parseWhere({ done: true }, { schema }), {
      dialect: 'sqlite',
      table: 'Todo',
      schema,
      select: ['title', 'tags'],
      sort: parseSort('-title'),
      limit: 10,
      offset: 5,
    });
    expect(q).toEqual({
      sql: 'SELECT "objectId", "createdAt", "updatedAt", "title" FROM "Todo" WHERE "Todo"."done" = ? ORDER BY "Todo"."title" DESC NULLS LAST, "Todo"."objectId" ASC LIMIT ? OFFSET ?',
      parameters: [1, 10, 5],
    });
    expect(
      compile(undefined, {
        dialect: 'postgres',
        table: 'Todo',
        sort: parseSort('title'),
        offset: 2,
      }).sql,
    ).toBe(
      'SELECT * FROM "Todo" ORDER BY "Todo"."title" ASC NULLS FIRST, "Todo"."objectId" ASC OFFSET $1',
    );
  });

  test('count ignores sort and paging', () => {
    expect(
      compile(undefined, {
        dialect: 'sqlite',
        table: 'Todo',
        count: true,
        limit: 3,
        sort: parseSort('title'),
      }).sql,
    ).toBe('SELECT COUNT(*) AS "count" FROM "Todo"');
  });

  test('bad options are BackendErrors', () => {
    expect(() => compile(undefined, { dialect: 'mysql' as never, table: 'Todo' })).toThrow(
      BackendError,
    );
    expect(() => compile(undefined, { dialect: 'sqlite', table: 'Todo', limit: -1 })).toThrow(
      'limit: expected a non-negative integer, got -1',
    );
    expect(() =>
      compile(undefined, { dialect: 'sqlite', table: 'Todo', schema, select: ['ghost'] }),
    ).toThrow(BackendError);
  });

  test('a hand-built AST is checked against the schema', () => {
    const wrongType: FilterNode = {
      kind: 'compare',
      field: { field: 'done', path: [] },
      op: 'eq',
      value: 'yes',
    };
    expect(() => compile(wrongType, { dialect: 'postgres', table: 'Todo', schema })).toThrow(
      'where.value: expected a boolean, got a string',
    );
    const unknown: FilterNode = {
      kind: 'exists',
      field: { field: 'ghost', path: [] },
      exists: true,
    };
    expect(() => compile(unknown, { dialect: 'sqlite', table: 'Todo', schema })).toThrow(
      /does not exist/,
    );
  });

  test('regular expressions Postgres cannot run are refused at compile time', () => {
    const ast = parseWhere({ title: { $regex: '(?<year>\\d{4})' } });
    expect(compile(ast, { dialect: 'sqlite', table: 'Todo' }).sql).toContain('lb_regexp');
    expect(() => compile(ast, { dialect: 'postgres', table: 'Todo' })).toThrow(
      /Postgres does not support/,
    );
  });
});
