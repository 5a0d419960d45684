import { describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteDialect,
} from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import type { TableSchema } from '@localbackend/adapter';
import { parseWhere } from './parse-where';
import { SQLITE_FUNCTIONS } from './sqlite-functions';
import { toKyselyExpression } from './to-kysely-expression';

interface DB {
  Todo: { objectId: string; title: string | null; priority: number | null; meta: string | null };
}

const schema: TableSchema = {
  name: 'Todo',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'priority', type: 'Number' },
    { name: 'meta', type: 'Object' },
  ],
};

const where = parseWhere(
  {
    $or: [{ priority: { $gte: 2 } }, { 'meta.city': 'Oslo' }],
    title: { $regex: '^b', $options: 'i' },
  },
  { schema },
);

describe('toKyselyExpression', () => {
  test('filters a Kysely query on SQLite', async () => {
    const sqlite = new Database(':memory:');
    for (const f of SQLITE_FUNCTIONS)
      sqlite.function(
        f.name,
        { deterministic: f.deterministic },
        f.fn as (...a: unknown[]) => unknown,
      );
    sqlite.exec(
      'CREATE TABLE "Todo" ("objectId" TEXT PRIMARY KEY, "title" TEXT, "priority" REAL, "meta" TEXT)',
    );
    sqlite.exec(
      `INSERT INTO "Todo" VALUES ('a', 'Buy milk', 1, '{"city":"Oslo"}'), ('b', 'bake', 3, NULL), ('c', 'Walk', 5, NULL), ('d', 'Boat', 1, '{"city":"Rome"}')`,
    );
    const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqlite }) });
    const rows = await db
      .selectFrom('Todo')
      .select('objectId')
      .where(toKyselyExpression(where, { dialect: 'sqlite', table: 'Todo', schema }))
      .orderBy('objectId')
      .execute();
    expect(rows.map((r) => r.objectId)).toEqual(['a', 'b']);
    await db.destroy();
  });

  test('Kysely numbers the parameters for Postgres', async () => {
    const db = new Kysely<DB>({
      dialect: {
        createAdapter: () => new PostgresAdapter(),
        createDriver: () => new DummyDriver(),
        createIntrospector: (k) => new PostgresIntrospector(k),
        createQueryCompiler: () => new PostgresQueryCompiler(),
      },
    });
    const q = db
      .selectFrom('Todo')
      .select('objectId')
      .where(toKyselyExpression(where, { dialect: 'postgres', table: 'Todo', schema }))
      .orderBy('objectId')
      .compile();
    expect(q.sql).toContain('"Todo"."priority" >= $1::float8');
    expect(q.parameters).toEqual([2, ['city'], ['city'], 'Oslo', '(?i)^b']);
    const pg = new PGlite();
    await pg.exec(`CREATE TABLE "Todo" ("objectId" TEXT PRIMARY KEY, "title" TEXT, "priority" DOUBLE PRECISION, "meta" JSONB);
      INSERT INTO "Todo" VALUES ('a', 'Buy milk', 1, '{"city":"Oslo"}'), ('b', 'bake', 3, NULL), ('c', 'Walk', 5, NULL), ('d', 'Boat', 1, '{"city":"Rome"}')`);
    const rows = await pg.query<{ objectId: string }>(q.sql, q.parameters as unknown[]);
    expect(rows.rows.map((r) => r.objectId)).toEqual(['a', 'b']);
    await pg.close();
  });
});
