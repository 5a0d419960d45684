import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, type ErrorCode } from '@localbackend/adapter';
import { LocalSQLAdapter } from '../src/index';

const dir = mkdtempSync(join(tmpdir(), 'lb-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function fileDb(
  options: ConstructorParameters<typeof LocalSQLAdapter>[1] = {},
): Promise<LocalSQLAdapter> {
  const db = new LocalSQLAdapter(join(dir, `h${++n}.db`), options);
  await db.connect();
  return db;
}

async function codeOf(promise: Promise<unknown>): Promise<ErrorCode | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    expect(BackendError.is(error), String(error)).toBe(true);
    expect((error as Error).message).not.toMatch(
      /\bSQLITE_(BUSY|ERROR|CONSTRAINT|MISUSE|CORRUPT|LOCKED)|near "|syntax error/,
    );
    return (error as BackendError).code;
  }
}

function deep(levels: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

describe('hostile input leaves the database intact', () => {
  it('names: injection attempts, reserved internal tables and SQLite names are INVALID_COLLECTION_NAME', async () => {
    const db = await fileDb();
    const keep = await db.create({ collection: 'Todo', data: { title: 'keep' } });
    const names = [
      'Todo"; DROP TABLE "Todo"; --',
      "Todo' OR 1=1",
      '_schema',
      '_SCHEMA',
      '_meta',
      '_Join_likes_Post',
      '_FTS_Todo',
      '_idx_Todo_title',
      'sqlite_master',
      'SQLITE_temp',
      'Todo\u0000',
      ' Todo',
      '__proto__',
    ];
    for (const name of names) {
      expect(await codeOf(db.create({ collection: name, data: { a: 1 } })), name).toBe(
        'INVALID_COLLECTION_NAME',
      );
      expect(await codeOf(db.query({ collection: name })), name).toBe('INVALID_COLLECTION_NAME');
      expect(await codeOf(db.createTable({ name, columns: [] })), name).toBe(
        'INVALID_COLLECTION_NAME',
      );
    }
    expect(
      await codeOf(
        db.create({ collection: '_User', data: { username: 'system collections are allowed' } }),
      ),
    ).toBe('resolved');
    expect(await db.fetch({ collection: 'Todo', objectId: keep.objectId })).toEqual(keep);
    expect((await db.integrityCheck()).ok).toBe(true);
  });

  it('field names: quotes, dots, dollars, prototype names are INVALID_FIELD_NAME', async () => {
    const db = await fileDb();
    for (const key of ['a"b', "a'b", 'a b', 'a.b', '$a', 'constructor', 'hasOwnProperty', '']) {
      expect(await codeOf(db.create({ collection: 'Todo', data: { [key]: 1 } })), key).toBe(
        'INVALID_FIELD_NAME',
      );
      expect(await codeOf(db.addColumn('Todo', { name: key, type: 'String' })), key).toMatch(
        /INVALID_FIELD_NAME|TABLE_NOT_FOUND/,
      );
    }
  });

  it('SQLite identifiers are case-insensitive: title vs Title and Todo vs todo are SCHEMA_CONFLICT', async () => {
    const db = await fileDb();
    const todo = await db.create({ collection: 'Todo', data: { title: 'x' } });
    expect(await codeOf(db.create({ collection: 'Todo', data: { Title: 'y' } }))).toBe(
      'SCHEMA_CONFLICT',
    );
    expect(
      await codeOf(db.save({ collection: 'Todo', objectId: todo.objectId, data: { TITLE: 'y' } })),
    ).toBe('SCHEMA_CONFLICT');
    expect(await codeOf(db.addColumn('Todo', { name: 'Title', type: 'String' }))).toBe(
      'SCHEMA_CONFLICT',
    );
    expect(await codeOf(db.create({ collection: 'Todo', data: { objectid: 'x' } }))).toBe(
      'SCHEMA_CONFLICT',
    );
    expect(await codeOf(db.create({ collection: 'Todo', data: { CreatedAt: 'x' } }))).toBe(
      'SCHEMA_CONFLICT',
    );
    expect(await codeOf(db.create({ collection: 'Fresh', data: { a: 1, A: 2 } }))).toBe(
      'SCHEMA_CONFLICT',
    );
    expect(await codeOf(db.create({ collection: 'todo', data: { title: 'lower' } }))).toBe(
      'SCHEMA_CONFLICT',
    );
    expect(await codeOf(db.createTable({ name: 'TODO', columns: [] }))).toBe('SCHEMA_CONFLICT');
    expect(
      await codeOf(
        db.createTable({
          name: 'Pair',
          columns: [
            { name: 'x', type: 'String' },
            { name: 'X', type: 'Number' },
          ],
        }),
      ),
    ).toBe('SCHEMA_CONFLICT');
    const schema = await db.getSchema();
    expect(schema.tables.map((t) => t.name)).toEqual(['Todo']);
    expect(schema.tables[0]!.columns.map((c) => c.name)).toEqual(['title']);
    expect((await db.integrityCheck()).ok).toBe(true);
  });

  it('wrong types for every column type are TYPE_MISMATCH', async () => {
    const db = await fileDb();
    await db.createTable({
      name: 'Typed',
      columns: [
        { name: 's', type: 'String' },
        { name: 'n', type: 'Number' },
        { name: 'b', type: 'Boolean' },
        { name: 'd', type: 'Date' },
        { name: 'o', type: 'Object' },
        { name: 'a', type: 'Array' },
        { name: 'p', type: 'Pointer', targetClass: 'Typed' },
        { name: 'g', type: 'GeoPoint' },
        { name: 'f', type: 'File' },
        { name: 'r', type: 'Relation', targetClass: 'Typed' },
      ],
    });
    const wrong: Record<string, unknown[]> = {
      s: [1, true, ['x'], { a: 1 }],
      n: ['1', true, [1], { n: 1 }],
      b: [1, 'true', 0],
      d: ['not a date', 5, { a: 1 }],
      o: ['x', 1, [1], { __type: 'GeoPoint', latitude: 1, longitude: 1 }],
      a: ['x', { a: 1 }, 1],
      p: [5, { __type: 'Pointer', className: 'Other', objectId: 'abc' }, 'not an id!'],
      g: [{ lat: 1 }, 'x', [1, 2]],
      f: ['file.png', { name: 'x' }],
      r: [['abc'], 'abc'],
    };
    for (const [field, values] of Object.entries(wrong)) {
      for (const value of values) {
        expect(
          await codeOf(db.create({ collection: 'Typed', data: { [field]: value } as never })),
          `${field}=${JSON.stringify(value)}`,
        ).toBe('TYPE_MISMATCH');
      }
    }
    expect(await db.count({ collection: 'Typed' })).toBe(0);
  });

  it('a 10 MB value is PAYLOAD_TOO_LARGE (limit 4 MiB per record); just under the limit works', async () => {
    const db = await fileDb();
    const todo = await db.create({
      collection: 'Todo',
      data: { title: 'small', blob: 'x', obj: { a: 1 }, list: [1] },
    });
    const tenMb = 'x'.repeat(10 * 1024 * 1024);
    expect(await codeOf(db.create({ collection: 'Todo', data: { blob: tenMb } }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(await codeOf(db.create({ collection: 'Todo', data: { obj: { big: tenMb } } }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(await codeOf(db.create({ collection: 'Todo', data: { list: [tenMb] } }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(
      await codeOf(db.save({ collection: 'Todo', objectId: todo.objectId, data: { blob: tenMb } })),
    ).toBe('PAYLOAD_TOO_LARGE');
    const third = 'y'.repeat(1.5 * 1024 * 1024);
    await db.save({
      collection: 'Todo',
      objectId: todo.objectId,
      data: { blob: third, title: third },
    });
    expect(
      await codeOf(
        db.save({ collection: 'Todo', objectId: todo.objectId, data: { other: third } }),
      ),
    ).toBe('PAYLOAD_TOO_LARGE');
    expect(
      await codeOf(
        db.create({ collection: 'Todo', data: { unicode: '€'.repeat(1.5 * 1024 * 1024) } }),
      ),
    ).toBe('PAYLOAD_TOO_LARGE');
    const near = 'z'.repeat(4 * 1024 * 1024 - 200);
    expect(await codeOf(db.create({ collection: 'Todo', data: { blob: near } }))).toBe('resolved');
    const stored = await db.fetch({ collection: 'Todo', objectId: todo.objectId });
    expect((stored.blob as string).length).toBe(third.length);
    expect('other' in stored).toBe(false);
    expect(await db.count({ collection: 'Todo' })).toBe(2);
    expect((await db.integrityCheck()).ok).toBe(true);
  });

  it('maxRecordBytes is configurable', async () => {
    const db = await fileDb({ maxRecordBytes: 1000 });
    expect(await codeOf(db.create({ collection: 'Todo', data: { t: 'x'.repeat(2000) } }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(await codeOf(db.create({ collection: 'Todo', data: { t: 'x'.repeat(500) } }))).toBe(
      'resolved',
    );
  });

  it('deep objects and arrays are INVALID_VALUE, even 100 000 levels deep (no stack overflow)', async () => {
    const db = await fileDb();
    const ok = await db.create({ collection: 'Todo', data: { nested: deep(60) } as never });
    for (const levels of [65, 1000, 100_000]) {
      expect(
        await codeOf(db.create({ collection: 'Todo', data: { nested: deep(levels) } as never })),
        `${levels}`,
      ).toBe('INVALID_VALUE');
    }
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(await codeOf(db.create({ collection: 'Todo', data: { cyclic } as never }))).toBe(
      'INVALID_VALUE',
    );
    expect(
      JSON.stringify((await db.fetch({ collection: 'Todo', objectId: ok.objectId })).nested),
    ).toBe(JSON.stringify(deep(60)));
    expect(await db.count({ collection: 'Todo' })).toBe(1);
  });

  it('a record with thousands of new fields is RESOURCE_LIMIT and adds no column', async () => {
    const db = await fileDb();
    await db.create({ collection: 'Todo', data: { title: 'x' } });
    const data = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`f${i}`, i]));
    expect(await codeOf(db.create({ collection: 'Todo', data }))).toBe('RESOURCE_LIMIT');
    expect((await db.getSchema()).tables[0]!.columns).toHaveLength(1);
  });

  it('strings with unpaired surrogates are refused instead of being mangled', async () => {
    const db = await fileDb();
    expect(
      await codeOf(db.create({ collection: 'Todo', data: { title: 'bad \ud800 text' } })),
    ).toBe('INVALID_VALUE');
    const inJson = await db.create({
      collection: 'Todo',
      data: { obj: { t: 'ok \ud800 in JSON' } },
    });
    expect((await db.fetch({ collection: 'Todo', objectId: inJson.objectId })).obj).toEqual({
      t: 'ok \ud800 in JSON',
    });
  });

  it('hostile filters are BackendErrors, never SQL errors', async () => {
    const db = await fileDb();
    await db.create({ collection: 'Todo', data: { title: 'x', n: 1, obj: { a: 1 } } });
    const wheres: unknown[] = [
      { title: { $regex: '(' } },
      { title: { $regex: 'a'.repeat(100_000) } },
      { 'title"; DROP TABLE "Todo"; --': 1 },
      { n: { $in: 'x' } },
      { n: { $gt: { __type: 'Pointer' } } },
      { $where: 'sleep(1000)' },
      { 'obj.a"); DROP': 1 },
      { n: { $exists: 'yes' } },
      { combinator: 'and', rules: [{ property: 'n', operator: 'explode', value: 1 }] },
      [1, 2],
    ];
    for (const where of wheres) {
      const code = await codeOf(db.query({ collection: 'Todo', where: where as never }));
      expect(
        [
          'INVALID_QUERY',
          'UNKNOWN_OPERATOR',
          'TYPE_MISMATCH',
          'INVALID_FIELD_NAME',
          'RESOURCE_LIMIT',
          'resolved',
        ],
        JSON.stringify(where).slice(0, 80),
      ).toContain(code);
    }
    expect(await db.count({ collection: 'Todo' })).toBe(1);
    expect((await db.integrityCheck()).ok).toBe(true);
  });

  it('a large $in (100 000 values) works', async () => {
    const db = await fileDb();
    const a = await db.create({ collection: 'Todo', data: { n: 5 } });
    const values = Array.from({ length: 100_000 }, (_, i) => i * 2 + 1);
    const { results } = await db.query({ collection: 'Todo', where: { n: { $in: values } } });
    expect(results.map((r) => r.objectId)).toEqual([a.objectId]);
    const ids = Array.from({ length: 100_000 }, (_, i) => `id${i}`);
    expect(await db.count({ collection: 'Todo', where: { objectId: { $nin: ids } } })).toBe(1);
  });

  it('property: any JSON value either round-trips or fails with a BackendError that is not INTERNAL', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), fc.jsonValue({ maxDepth: 4 }), {
          maxKeys: 6,
        }),
        async (data) => {
          const collection = `P${Math.random().toString(36).slice(2, 10)}`;
          try {
            const created = await db.create({ collection, data: data as never });
            const fetched = await db.fetch({ collection, objectId: created.objectId });
            expect(JSON.stringify(fetched)).toBe(JSON.stringify(created));
            for (const [key, value] of Object.entries(data)) {
              if (value === null) continue;
              expect(JSON.stringify(fetched[key])).toBe(JSON.stringify(value));
            }
          } catch (error) {
            if (!BackendError.is(error)) throw error;
            expect(error.code).not.toBe('INTERNAL');
          }
        },
      ),
      { numRuns: 300 },
    );
    expect((await db.integrityCheck()).ok).toBe(true);
  });
});
