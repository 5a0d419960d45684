import { PGlite } from '@electric-sql/pglite';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '@localbackend/adapter';
import { LocalSQLAdapter } from '../src/index';

/** A database that uses every column type, Pointers (also a dangling one), Relations and indexes. */
async function buildSource(): Promise<LocalSQLAdapter> {
  const db = new LocalSQLAdapter(':memory:');
  await db.createTable({
    name: 'Author',
    columns: [
      { name: 'name', type: 'String', required: true },
      { name: 'email', type: 'String', unique: true },
    ],
  });
  await db.createTable({
    name: 'Book',
    columns: [
      { name: 'title', type: 'String', required: true, textIndex: true },
      { name: 'pages', type: 'Number', defaultValue: 100 },
      { name: 'rating', type: 'Number' },
      { name: 'published', type: 'Boolean', defaultValue: false },
      { name: 'releasedAt', type: 'Date', indexed: true },
      { name: 'meta', type: 'Object' },
      { name: 'tags', type: 'Array' },
      { name: 'author', type: 'Pointer', targetClass: 'Author' },
      { name: 'editor', type: 'Pointer', targetClass: 'Author' },
      { name: 'readers', type: 'Relation', targetClass: 'Author' },
      { name: 'shop', type: 'GeoPoint' },
      { name: 'cover', type: 'File' },
      { name: 'status', type: 'String', defaultValue: "it's new" },
    ],
  });
  const authors = [];
  for (const [i, name] of [
    "Ada O'Brien",
    'Bob "the builder"',
    'Cé Ünïcode ✓',
    'Dan\\Backslash',
  ].entries()) {
    authors.push(await db.create({ collection: 'Author', data: { name, email: `a${i}@x.io` } }));
  }
  const ids = authors.map((a) => a.objectId);
  const gone = await db.create({ collection: 'Author', data: { name: 'Gone' } });
  const books: StoredRecord[] = [];
  for (let i = 0; i < 30; i++) {
    const book = await db.create({
      collection: 'Book',
      data: {
        title: `Book ${i} — ${i % 2 === 0 ? 'even' : "odd's"}`,
        ...(i % 5 === 0 ? {} : { pages: i * 10 + 0.5 }),
        rating: i % 3 === 0 ? null : -i / 7,
        published: i % 2 === 0,
        releasedAt: new Date(Date.UTC(2020, i % 12, 1 + i, 10, 20, 30, 456)),
        meta: {
          i,
          nested: { deep: [i, `x${i}`, { ok: true }] },
          quote: '\'"',
          when: new Date(Date.UTC(2021, 0, 1)),
        },
        tags: i % 4 === 0 ? [] : ['a', `t${i}`, i],
        author: { __type: 'Pointer', className: 'Author', objectId: ids[i % 4]! },
        ...(i === 7
          ? { editor: { __type: 'Pointer', className: 'Author', objectId: gone.objectId } }
          : {}),
        ...(i % 6 === 0
          ? {}
          : { shop: { __type: 'GeoPoint', latitude: 59 + i / 100, longitude: 10 - i / 100 } }),
        cover: {
          __type: 'File',
          name: `cover${i}.png`,
          url: `http://127.0.0.1:8577/files/cover${i}.png`,
        },
      },
    });
    books.push(book);
  }
  for (const [i, book] of books.entries()) {
    await db.addRelation({
      collection: 'Book',
      objectId: book.objectId,
      key: 'readers',
      targetObjectId: ids.slice(0, i % 4),
      targetClass: 'Author',
    });
  }
  await db.addRelation({
    collection: 'Book',
    objectId: books[1]!.objectId,
    key: 'readers',
    targetObjectId: 'ghost00001',
  });
  await db.delete({ collection: 'Author', objectId: gone.objectId });
  return db;
}

function normalize(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value;
}

async function loadInto(
  pg: PGlite,
  db: LocalSQLAdapter,
  target: 'postgres' | 'supabase',
): Promise<void> {
  await pg.exec(await db.exportToSQL(target));
  await pg.exec(await db.exportData('sql'));
}

async function compare(pg: PGlite, db: LocalSQLAdapter): Promise<void> {
  const dump = JSON.parse(await db.exportData('json')) as {
    data: Record<string, StoredRecord[]>;
    relations: Record<string, Record<string, [string, string][]>>;
  };
  for (const [table, records] of Object.entries(dump.data)) {
    const rows = (
      await pg.query<Record<string, unknown>>(
        `SELECT * FROM "${table}" ORDER BY "createdAt", "objectId"`,
      )
    ).rows;
    expect(rows.length, `${table} row count`).toBe(records.length);
    const byId = new Map(rows.map((row) => [row.objectId as string, row]));
    for (const record of records) {
      const row = byId.get(record.objectId)!;
      expect(row, `${table}/${record.objectId}`).toBeDefined();
      const fromPg: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(row))
        if (value !== null) fromPg[key] = normalize(value);
      const expected: Record<string, unknown> = { ...record };
      if (table === 'Book' && record.editor !== undefined) delete expected.editor; // dangling pointer -> NULL
      expect(fromPg, `${table}/${record.objectId}`).toEqual(expected);
    }
  }
  for (const [table, keys] of Object.entries(dump.relations)) {
    for (const [key, pairs] of Object.entries(keys)) {
      const rows = (
        await pg.query<{ owningId: string; relatedId: string }>(
          `SELECT * FROM "_Join_${key}_${table}" ORDER BY 1, 2`,
        )
      ).rows;
      const live = pairs.filter(([, related]) =>
        dump.data.Author!.some((a) => a.objectId === related),
      );
      expect(rows.map((r) => [r.owningId, r.relatedId])).toEqual(live);
    }
  }
}

describe('exportToSQL + exportData(sql) into a real Postgres (PGlite)', () => {
  it('postgres: the DDL and data load without errors; row counts and values match', async () => {
    const db = await buildSource();
    const pg = new PGlite();
    await loadInto(pg, db, 'postgres');
    await compare(pg, db);
    const types = (
      await pg.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'Book'`,
      )
    ).rows;
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.data_type]))).toEqual({
      objectId: 'text',
      createdAt: 'timestamp with time zone',
      updatedAt: 'timestamp with time zone',
      title: 'text',
      pages: 'double precision',
      rating: 'double precision',
      published: 'boolean',
      releasedAt: 'timestamp with time zone',
      meta: 'jsonb',
      tags: 'jsonb',
      author: 'text',
      editor: 'text',
      shop: 'jsonb',
      cover: 'jsonb',
      status: 'text',
    });
    const data = await db.exportData('sql');
    expect(data).toMatch(/-- Book: 1 pointer value\(s\) to deleted records exported as NULL/);
    expect(data).toMatch(/-- _Join_readers_Book: 1 relation row\(s\) to deleted records left out/);
    await pg.close();
  }, 60_000);

  it('postgres: foreign keys, unique and text indexes work in Postgres', async () => {
    const db = await buildSource();
    const pg = new PGlite();
    await loadInto(pg, db, 'postgres');
    await expect(
      pg.exec(`INSERT INTO "Book" ("objectId", "title", "author") VALUES ('x1', 't', 'missing')`),
    ).rejects.toThrow(/foreign key/);
    await expect(
      pg.exec(`INSERT INTO "Author" ("objectId", "name", "email") VALUES ('x2', 'n', 'a0@x.io')`),
    ).rejects.toThrow(/duplicate key/);
    const found = await pg.query(
      `SELECT "objectId" FROM "Book" WHERE to_tsvector('simple', coalesce("title", '')) @@ plainto_tsquery('simple', 'even')`,
    );
    expect(found.rows).toHaveLength(15);
    const defaults = await pg.query<{ status: string; pages: number; published: boolean }>(
      `INSERT INTO "Book" ("objectId", "title") VALUES ('x3', 't') RETURNING "status", "pages", "published"`,
    );
    expect(defaults.rows[0]).toEqual({ status: "it's new", pages: 100, published: false });
    await pg.close();
  }, 60_000);

  it('supabase: also loads; RLS is enabled with a policy on every table', async () => {
    const db = await buildSource();
    const pg = new PGlite();
    await loadInto(pg, db, 'supabase');
    await compare(pg, db);
    const rls = (
      await pg.query<{ relname: string; relrowsecurity: boolean }>(
        `SELECT relname, relrowsecurity FROM pg_class WHERE relname IN ('Author', 'Book', '_Join_readers_Book')`,
      )
    ).rows;
    expect(rls.map((r) => [r.relname, r.relrowsecurity]).sort()).toEqual([
      ['Author', true],
      ['Book', true],
      ['_Join_readers_Book', true],
    ]);
    const policies = (
      await pg.query<{ tablename: string; roles: string[] | string; cmd: string }>(
        `SELECT tablename, roles, cmd FROM pg_policies ORDER BY tablename`,
      )
    ).rows;
    expect(policies.map((p) => p.tablename)).toEqual(['Author', 'Book', '_Join_readers_Book']);
    for (const policy of policies) expect(policy.cmd).toBe('ALL');
    await pg.close();
  }, 60_000);

  it('an empty database exports loadable SQL', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.connect();
    const pg = new PGlite();
    await loadInto(pg, db, 'supabase');
    await pg.close();
  }, 60_000);
});
