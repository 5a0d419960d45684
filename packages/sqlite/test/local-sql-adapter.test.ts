import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, type ChangeEvent, type ErrorCode } from '@localbackend/adapter';
import { LocalSQLAdapter, loadSchemaFile, writeSchemaFile } from '../src/index';

const dir = mkdtempSync(join(tmpdir(), 'lb-adapter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (name = `t${++n}.db`) => join(dir, name);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function codeOf(work: Promise<unknown> | (() => unknown)): Promise<ErrorCode | 'ok'> {
  try {
    await (typeof work === 'function' ? work() : work);
    return 'ok';
  } catch (error) {
    expect(BackendError.is(error), String(error)).toBe(true);
    return (error as BackendError).code;
  }
}

describe('storage layout (ARCHITECTURE §5)', () => {
  it('a file database uses WAL; tables have typed columns, _schema metadata and indexes', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path);
    await db.createTable({
      name: 'Todo',
      columns: [
        { name: 's', type: 'String' },
        { name: 'n', type: 'Number' },
        { name: 'b', type: 'Boolean' },
        { name: 'd', type: 'Date' },
        { name: 'o', type: 'Object' },
        { name: 'a', type: 'Array' },
        { name: 'g', type: 'GeoPoint' },
        { name: 'f', type: 'File' },
        { name: 'p', type: 'Pointer', targetClass: 'List' },
        { name: 'r', type: 'Relation', targetClass: 'Tag' },
        { name: 'u', type: 'String', unique: true },
        { name: 'i', type: 'Number', indexed: true },
      ],
    });
    await db.disconnect();
    const raw = new Database(path, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    const columns = raw.prepare(`SELECT name, type, pk FROM pragma_table_info('Todo')`).all();
    expect(columns).toEqual([
      { name: 'objectId', type: 'TEXT', pk: 1 },
      { name: 'createdAt', type: 'TEXT', pk: 0 },
      { name: 'updatedAt', type: 'TEXT', pk: 0 },
      { name: 's', type: 'TEXT', pk: 0 },
      { name: 'n', type: 'REAL', pk: 0 },
      { name: 'b', type: 'INTEGER', pk: 0 },
      { name: 'd', type: 'TEXT', pk: 0 },
      { name: 'o', type: 'TEXT', pk: 0 },
      { name: 'a', type: 'TEXT', pk: 0 },
      { name: 'g', type: 'TEXT', pk: 0 },
      { name: 'f', type: 'TEXT', pk: 0 },
      { name: 'p', type: 'TEXT', pk: 0 },
      { name: 'u', type: 'TEXT', pk: 0 },
      { name: 'i', type: 'REAL', pk: 0 },
    ]);
    const indexes = raw
      .prepare(
        `SELECT name, "unique" FROM pragma_index_list('Todo') WHERE origin = 'c' ORDER BY name`,
      )
      .all();
    expect(indexes).toEqual([
      { name: '_idx_Todo_createdAt', unique: 0 },
      { name: '_idx_Todo_i', unique: 0 },
      { name: '_idx_Todo_p', unique: 0 },
      { name: '_idx_Todo_u_unique', unique: 1 },
      { name: '_idx_Todo_updatedAt', unique: 0 },
    ]);
    expect(raw.prepare(`SELECT name, pk FROM pragma_table_info('_Join_r_Todo')`).all()).toEqual([
      { name: 'owningId', pk: 1 },
      { name: 'relatedId', pk: 2 },
    ]);
    const meta = raw.prepare(`SELECT name, definition FROM _schema`).all() as {
      name: string;
      definition: string;
    }[];
    expect(meta.map((m) => m.name)).toEqual(['Todo']);
    expect(JSON.parse(meta[0]!.definition).columns).toHaveLength(12);
    raw.close();
  });

  it('a textIndex column gets an external-content FTS5 table kept in sync by triggers', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path);
    await db.createTable({
      name: 'Doc',
      columns: [
        { name: 'title', type: 'String', textIndex: true },
        { name: 'body', type: 'String' },
      ],
    });
    const a = await db.create({ collection: 'Doc', data: { title: 'hello world', body: 'x' } });
    await db.create({ collection: 'Doc', data: { title: 'other' } });
    await db.addColumn('Doc', { name: 'body', type: 'String', textIndex: true });
    await db.save({ collection: 'Doc', objectId: a.objectId, data: { body: 'searchable body' } });
    const search = async (term: string) =>
      (
        await db.query({
          collection: 'Doc',
          where: {
            $or: [
              { title: { $text: { $search: { $term: term } } } },
              { body: { $text: { $search: { $term: term } } } },
            ],
          },
        })
      ).results.length;
    expect(await search('hello')).toBe(1);
    expect(await search('searchable')).toBe(1);
    await db.deleteColumn('Doc', 'title');
    expect(await search('searchable')).toBe(1);
    expect((await db.integrityCheck()).ok).toBe(true);
    await db.disconnect();
    const raw = new Database(path, { readonly: true });
    const fts = raw
      .prepare(`SELECT sql FROM sqlite_master WHERE name = '_FTS_Doc'`)
      .pluck()
      .get() as string;
    expect(fts).toMatch(
      /fts5\("body", content='Doc', content_rowid='rowid', tokenize='unicode61'\)/,
    );
    const triggers = raw
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`)
      .pluck()
      .all();
    expect(triggers).toEqual(['_trg_Doc_fts_ad', '_trg_Doc_fts_ai', '_trg_Doc_fts_au']);
    raw.close();
  });

  it('the schema survives reopening the file', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path);
    await db.create({ collection: 'Todo', data: { title: 'x', n: 1, when: new Date(0) } });
    const before = await db.getSchema();
    await db.disconnect();
    const again = new LocalSQLAdapter(path);
    expect(await again.getSchema()).toEqual(before);
    expect(await again.count({ collection: 'Todo' })).toBe(1);
    await again.disconnect();
  });

  it('getSchema lists system collections (_User...) only with includeSystem', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.create({ collection: '_User', data: { username: 'ada' } });
    await db.create({ collection: 'Todo', data: { title: 'x' } });
    expect((await db.getSchema()).tables.map((t) => t.name)).toEqual(['Todo']);
    expect((await db.getSchema({ includeSystem: true })).tables.map((t) => t.name)).toEqual([
      '_User',
      'Todo',
    ]);
  });
});

describe('options and lifecycle', () => {
  it('invalid options are INVALID_CONFIG', () => {
    const bad: [string, object][] = [
      ['', {}],
      [':memory:', { schemaMode: 'loose' }],
      [':memory:', { busyTimeoutMs: -1 }],
      [':memory:', { maxRecordBytes: 0 }],
      [':memory:', { defaultLimit: 1.5 }],
      [':memory:', { schemaFile: 42 }],
      [':memory:', { onListenerError: 'x' }],
    ];
    for (const [path, options] of bad) {
      expect(() => new LocalSQLAdapter(path, options as never), JSON.stringify(options)).toThrow(
        BackendError,
      );
    }
  });

  it('connects on first use, disconnect is idempotent, connect reopens', async () => {
    const db = new LocalSQLAdapter(file());
    const created = await db.create({ collection: 'Todo', data: { title: 'x' } });
    await db.disconnect();
    await db.disconnect();
    expect(await codeOf(db.fetch({ collection: 'Todo', objectId: created.objectId }))).toBe(
      'UNAVAILABLE',
    );
    await db.connect();
    expect((await db.fetch({ collection: 'Todo', objectId: created.objectId })).title).toBe('x');
    await db.disconnect();
  });

  it('disconnect waits for an open transaction to finish', async () => {
    const db = new LocalSQLAdapter(file());
    let committed = false;
    const tx = db.transaction(async (t) => {
      await t.create({ collection: 'Todo', data: { title: 'x' } });
      await sleep(30);
      committed = true;
    });
    await sleep(5);
    await db.disconnect();
    expect(committed).toBe(true);
    await tx;
  });

  it('creates the folder of a database file', async () => {
    const path = join(dir, 'nested', 'deeper', 'x.db');
    const db = new LocalSQLAdapter(path);
    await db.connect();
    expect(existsSync(path)).toBe(true);
    await db.disconnect();
  });

  it('a file that is not a database is a BackendError on connect', async () => {
    const path = file();
    writeFileSync(path, 'this is not a database, just text '.repeat(100));
    const db = new LocalSQLAdapter(path);
    expect(await codeOf(db.connect())).toBe('INTERNAL');
  });

  it('readonly: reads work, writes are FORBIDDEN', async () => {
    const path = file();
    const writer = new LocalSQLAdapter(path);
    const created = await writer.create({ collection: 'Todo', data: { title: 'x' } });
    await writer.disconnect();
    const reader = new LocalSQLAdapter(path, { readonly: true });
    expect((await reader.fetch({ collection: 'Todo', objectId: created.objectId })).title).toBe(
      'x',
    );
    expect(await codeOf(reader.create({ collection: 'Todo', data: { title: 'y' } }))).toBe(
      'FORBIDDEN',
    );
    await reader.disconnect();
  });

  it('limit is clamped to maxLimit; defaultLimit applies when none is given', async () => {
    const db = new LocalSQLAdapter(':memory:', { defaultLimit: 3, maxLimit: 5 });
    await db.importRecords(
      'Todo',
      Array.from({ length: 10 }, (_, i) => ({ i })),
    );
    expect((await db.query({ collection: 'Todo' })).results).toHaveLength(3);
    expect((await db.query({ collection: 'Todo', limit: 1000 })).results).toHaveLength(5);
  });
});

describe('transactions (SQLite specifics)', () => {
  it('a nested transaction whose error is caught rolls back only its own work (savepoint)', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const events: ChangeEvent[] = [];
    db.on('create', (e) => events.push(e));
    await db.transaction(async (tx) => {
      await tx.create({ collection: 'Todo', data: { title: 'outer' } });
      await tx
        .transaction(async (inner) => {
          await inner.create({ collection: 'Todo', data: { title: 'inner' } });
          throw new Error('inner fails');
        })
        .catch(() => undefined);
      await tx.create({ collection: 'Todo', data: { title: 'after' } });
    });
    const titles = (await db.query({ collection: 'Todo', sort: 'createdAt' })).results.map(
      (r) => r.title,
    );
    expect(titles.sort()).toEqual(['after', 'outer']);
    expect(events.map((e) => e.object.title).sort()).toEqual(['after', 'outer']);
  });

  it('a failed create or delete inside a transaction whose error is caught changes nothing and the transaction goes on (one-statement writes run without a savepoint)', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const events: ChangeEvent[] = [];
    for (const type of ['create', 'delete'] as const) db.on(type, (e) => events.push(e));
    await db.create({ collection: 'Todo', objectId: 'keep000001', data: { title: 'kept' } });
    await db.create({ collection: 'Todo', objectId: 'gone000001', data: { title: 'gone' } });
    events.length = 0;
    const codes: (ErrorCode | undefined)[] = [];
    const caught = (error: unknown) => codes.push(BackendError.is(error) ? error.code : undefined);
    await db.transaction(async (tx) => {
      await tx.create({ collection: 'Todo', objectId: 'first00001', data: { title: 'first' } });
      // the same id again: refused, the first one stays
      await tx
        .create({ collection: 'Todo', objectId: 'first00001', data: { title: 'again' } })
        .catch(caught);
      await tx.delete({ collection: 'Todo', objectId: 'missing001' }).catch(caught);
      await tx.delete({ collection: 'Todo', objectId: 'gone000001' });
      await tx.create({ collection: 'Todo', data: { title: 'after' } });
    });
    expect(codes).toEqual(['DUPLICATE_VALUE', 'NOT_FOUND']);
    const titles = (await db.query({ collection: 'Todo' })).results.map((r) => r.title).sort();
    expect(titles).toEqual(['after', 'first', 'kept']);
    expect(events.map((e) => `${e.type} ${String(e.object.title)}`).sort()).toEqual([
      'create after',
      'create first',
      'delete gone',
    ]);
  });

  it('calls on the adapter itself inside fn join the transaction (no deadlock)', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await expect(
      db.transaction(async () => {
        await db.create({ collection: 'Todo', data: { title: 'via adapter' } });
        expect(await db.count({ collection: 'Todo' })).toBe(1);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await db.count({ collection: 'Todo' })).toBe(0);
  });

  it('other callers queue behind an open transaction, in order', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const order: string[] = [];
    const tx = db.transaction(async (t) => {
      await t.create({ collection: 'Todo', data: { title: 'tx' } });
      await sleep(20);
      order.push('tx done');
    });
    await sleep(1);
    const outside = [
      db.create({ collection: 'Todo', data: { title: 'o1' } }).then(() => order.push('o1')),
      db.count({ collection: 'Todo' }).then((c) => order.push(`count ${c}`)),
      db.create({ collection: 'Todo', data: { title: 'o2' } }).then(() => order.push('o2')),
    ];
    await Promise.all([tx, ...outside]);
    expect(order).toEqual(['tx done', 'o1', 'count 2', 'o2']);
  });

  it('schema changes made inside a rolled-back transaction disappear from getSchema', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.create({ collection: 'Todo', data: { title: 'x' } });
    await db
      .transaction(async (tx) => {
        await tx.create({ collection: 'Todo', data: { brandNew: 1 } });
        await tx.createTable({ name: 'Other', columns: [] });
        throw new Error('no');
      })
      .catch(() => undefined);
    const schema = await db.getSchema();
    expect(schema.tables.map((t) => t.name)).toEqual(['Todo']);
    expect(schema.tables[0]!.columns.map((c) => c.name)).toEqual(['title']);
  });

  it('a transaction open longer than transactionTimeoutMs is rolled back with TIMEOUT', async () => {
    const db = new LocalSQLAdapter(':memory:', { transactionTimeoutMs: 50 });
    let late: Promise<unknown> | undefined;
    const code = await codeOf(
      db.transaction(async (tx) => {
        await tx.create({ collection: 'Todo', data: { title: 'slow' } });
        await sleep(120);
        late = codeOf(tx.create({ collection: 'Todo', data: { title: 'too late' } }));
      }),
    );
    expect(code).toBe('TIMEOUT');
    await sleep(100);
    expect(await late).toBe('FORBIDDEN');
    expect(await db.count({ collection: 'Todo' })).toBe(0);
    await db.create({ collection: 'Todo', data: { title: 'works again' } });
  });

  it('a transaction holds the write lock (BEGIN IMMEDIATE): another connection cannot write meanwhile', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path);
    await db.create({ collection: 'Todo', data: { title: 'x' } });
    await db.transaction(async (tx) => {
      await tx.fetch({
        collection: 'Todo',
        objectId: (await tx.query({ collection: 'Todo' })).results[0]!.objectId,
      });
      const other = new Database(path, { timeout: 0 });
      expect(() =>
        other.exec(
          `INSERT INTO "Todo" ("objectId", "createdAt", "updatedAt") VALUES ('zz', 'a', 'b')`,
        ),
      ).toThrow(/locked|busy/i);
      other.close();
    });
    await db.disconnect();
  });

  it('a lock held by another process is waited for, not surfaced', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path, { busyTimeoutMs: 10, lockRetryMs: 5000 });
    await db.create({ collection: 'Todo', data: { title: 'x' } });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    setTimeout(() => other.exec('COMMIT'), 150);
    const started = Date.now();
    await db.create({ collection: 'Todo', data: { title: 'waited' } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    other.close();
    await db.disconnect();
  });

  it('a lock held longer than lockRetryMs is TIMEOUT, never SQLITE_BUSY', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path, { busyTimeoutMs: 10, lockRetryMs: 100 });
    await db.create({ collection: 'Todo', data: { title: 'x' } });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    expect(await codeOf(db.create({ collection: 'Todo', data: { title: 'y' } }))).toBe('TIMEOUT');
    other.exec('ROLLBACK');
    other.close();
    await db.disconnect();
  });
});

describe('two adapters on one file', () => {
  it('a column added through one adapter is picked up by the other (no stale schema)', async () => {
    const path = file();
    const a = new LocalSQLAdapter(path);
    const b = new LocalSQLAdapter(path);
    await a.create({ collection: 'Todo', data: { title: 'a' } });
    await b.create({ collection: 'Todo', data: { title: 'b' } });
    await a.create({ collection: 'Todo', data: { title: 'a2', extra: 1 } });
    const fromB = await b.create({ collection: 'Todo', data: { title: 'b2', extra: 2 } });
    expect(fromB.extra).toBe(2);
    expect((await b.getSchema()).tables[0]!.columns.map((c) => c.name)).toEqual(['title', 'extra']);
    await a.createTable({ name: 'Fresh', columns: [{ name: 'x', type: 'String' }] });
    expect((await b.create({ collection: 'Fresh', data: { x: 'seen' } })).x).toBe('seen');
    await a.disconnect();
    await b.disconnect();
  });
});

describe('two adapters on one file: dropped columns', () => {
  it('a read after another adapter dropped a column reloads the schema instead of failing', async () => {
    const path = file();
    const a = new LocalSQLAdapter(path);
    const b = new LocalSQLAdapter(path);
    await a.create({ collection: 'Todo', data: { title: 'a', extra: 1 } });
    expect((await b.query({ collection: 'Todo', where: { extra: 1 } })).results).toHaveLength(1);
    await a.deleteColumn('Todo', 'extra');
    const { results } = await b.query({ collection: 'Todo', select: ['title', 'extra'] });
    expect(results.map((r) => r.title)).toEqual(['a']);
    expect('extra' in results[0]!).toBe(false);
    await a.disconnect();
    await b.disconnect();
  });

  it('a backup can run while a transaction is open on a file database', async () => {
    const db = new LocalSQLAdapter(file());
    await db.create({ collection: 'Todo', data: { title: 'committed' } });
    const dest = join(dir, `inside-tx-${n}.db`);
    await db.transaction(async (tx) => {
      await tx.create({ collection: 'Todo', data: { title: 'not yet committed' } });
      await db.backup(dest);
    });
    const copy = new Database(dest, { readonly: true });
    expect(copy.prepare('SELECT title FROM "Todo"').pluck().all()).toEqual(['committed']);
    copy.close();
    await db.disconnect();
  });
});

describe('events', () => {
  it('a throwing listener is reported to onListenerError', async () => {
    const errors: unknown[] = [];
    const db = new LocalSQLAdapter(':memory:', { onListenerError: (error) => errors.push(error) });
    db.on('create', () => {
      throw new Error('bug');
    });
    await db.create({ collection: 'Todo', data: { title: 'x' } });
    expect(errors).toHaveLength(1);
  });

  it('listeners get copies: mutating an event does not change the returned record', async () => {
    const db = new LocalSQLAdapter(':memory:');
    db.on('create', (e) => {
      (e.object as Record<string, unknown>).title = 'mutated';
    });
    const created = await db.create({ collection: 'Todo', data: { title: 'x' } });
    expect(created.title).toBe('x');
  });

  it('on/off validate their arguments', () => {
    const db = new LocalSQLAdapter(':memory:');
    expect(() => db.on('update' as never, () => undefined)).toThrow(BackendError);
    expect(() => db.on('create', 'x' as never)).toThrow(BackendError);
  });

  it('addRelation emits save; delete also unlinks the record from relations', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const post = await db.create({ collection: 'Post', data: { title: 'p' } });
    const user = await db.create({ collection: 'User', data: { name: 'u' } });
    const events: ChangeEvent[] = [];
    db.on('save', (e) => events.push(e));
    await db.addRelation({
      collection: 'Post',
      objectId: post.objectId,
      key: 'likes',
      targetObjectId: user.objectId,
      targetClass: 'User',
    });
    expect(events).toHaveLength(1);
    await db.delete({ collection: 'User', objectId: user.objectId });
    await db.create({ collection: 'User', objectId: user.objectId, data: { name: 'reborn' } });
    const related = await db.query({
      collection: 'User',
      where: {
        $relatedTo: {
          object: { __type: 'Pointer', className: 'Post', objectId: post.objectId },
          key: 'likes',
        },
      },
    });
    expect(related.results).toEqual([]);
  });
});

describe('schema.json', () => {
  it('writeSchemaFile / loadSchemaFile round-trip, tables sorted for stable diffs', async () => {
    const path = join(dir, 'schema-a.json');
    await writeSchemaFile(path, {
      version: 3,
      tables: [
        { name: 'Zed', columns: [] },
        { name: 'Alpha', columns: [{ name: 'title', type: 'String', required: true }] },
      ],
    });
    const text = readFileSync(path, 'utf8');
    expect(text.indexOf('Alpha')).toBeLessThan(text.indexOf('Zed'));
    expect(text.endsWith('\n')).toBe(true);
    expect(await loadSchemaFile(path)).toEqual({
      version: 3,
      tables: [
        { name: 'Alpha', columns: [{ name: 'title', type: 'String', required: true }] },
        { name: 'Zed', columns: [] },
      ],
    });
  });

  it('loadSchemaFile refuses broken files with a BackendError', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    expect(await codeOf(loadSchemaFile(broken))).toBe('INVALID_JSON');
    writeFileSync(
      broken,
      JSON.stringify({ version: 1, tables: [{ name: 'bad name', columns: [] }] }),
    );
    expect(await codeOf(loadSchemaFile(broken))).toBe('INVALID_COLLECTION_NAME');
    writeFileSync(
      broken,
      JSON.stringify({
        version: 1,
        tables: [{ name: 'T', columns: [{ name: 'x', type: 'Integer' }] }],
      }),
    );
    expect(await codeOf(loadSchemaFile(broken))).toBe('INVALID_VALUE');
    expect(await codeOf(loadSchemaFile(join(dir, 'missing.json')))).toBe('INVALID_CONFIG');
  });

  it('the schemaFile option applies the file on connect and mirrors every schema change', async () => {
    const schemaPath = join(dir, 'mirror', 'schema.json');
    await writeSchemaFile(schemaPath, {
      version: 0,
      tables: [{ name: 'Todo', columns: [{ name: 'title', type: 'String' }] }],
    });
    const db = new LocalSQLAdapter(file(), { schemaMode: 'strict', schemaFile: schemaPath });
    await db.create({ collection: 'Todo', data: { title: 'allowed by the file' } });
    await db.addColumn('Todo', { name: 'done', type: 'Boolean' });
    const mirrored = await loadSchemaFile(schemaPath);
    expect(mirrored.tables[0]!.columns.map((c) => c.name)).toEqual(['title', 'done']);
    expect(mirrored.version).toBe((await db.getSchema()).version);
    await db.transaction(async (tx) => {
      await tx.addColumn('Todo', { name: 'n', type: 'Number' });
    });
    expect((await loadSchemaFile(schemaPath)).tables[0]!.columns.map((c) => c.name)).toEqual([
      'title',
      'done',
      'n',
    ]);
    await db.disconnect();
  });
});

describe('backup, restore, integrity', () => {
  it('a :memory: database can be backed up to a file and restored into another :memory: one', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.create({ collection: 'Todo', objectId: 'keep', data: { title: 'x' } });
    const dest = join(dir, 'memory-backup.db');
    const progress: number[] = [];
    const result = await db.backup(dest, { onProgress: (p) => progress.push(p.remainingPages) });
    expect(result.totalPages).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(0);
    const other = new LocalSQLAdapter(':memory:');
    await other.create({ collection: 'Gone', data: { a: 1 } });
    await other.restore(dest);
    expect((await other.fetch({ collection: 'Todo', objectId: 'keep' })).title).toBe('x');
    expect((await other.getSchema()).tables.map((t) => t.name)).toEqual(['Todo']);
    await other.create({ collection: 'Todo', data: { title: 'writable after restore' } });
  });

  it('restore refuses a damaged file or a foreign database and leaves the current data alone', async () => {
    const db = new LocalSQLAdapter(file());
    await db.create({ collection: 'Todo', objectId: 'keep', data: { title: 'x' } });
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(8192, 7));
    expect(await codeOf(db.restore(garbage))).toBe('INVALID_VALUE');
    const foreign = join(dir, 'foreign.db');
    const raw = new Database(foreign);
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    expect(await codeOf(db.restore(foreign))).toBe('INVALID_VALUE');
    expect(await codeOf(db.restore(join(dir, 'does-not-exist.db')))).toBe('INVALID_VALUE');
    expect((await db.fetch({ collection: 'Todo', objectId: 'keep' })).title).toBe('x');
    await db.disconnect();
  });

  it('backup refuses to overwrite the database itself', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path);
    await db.connect();
    expect(await codeOf(db.backup(path))).toBe('INVALID_VALUE');
    expect(await codeOf(db.backup(':memory:'))).toBe('INVALID_VALUE');
    await db.disconnect();
  });

  it('integrityCheck reports metadata that no longer matches the tables', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path);
    await db.createTable({
      name: 'Todo',
      columns: [
        { name: 'tags', type: 'Relation', targetClass: 'Tag' },
        { name: 'title', type: 'String' },
      ],
    });
    expect(await db.integrityCheck()).toEqual({ ok: true, problems: [] });
    await db.disconnect();
    const raw = new Database(path);
    raw.exec('DROP TABLE "_Join_tags_Todo"');
    raw.close();
    await db.connect();
    const report = await db.integrityCheck();
    expect(report.ok).toBe(false);
    expect(report.problems.join('\n')).toMatch(/junction table of Relation "Todo.tags" is missing/);
    await db.disconnect();
  });
});

describe('exportData(json)', () => {
  it('contains the schema, the records per collection and the relation pairs', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const tag = await db.create({ collection: 'Tag', data: { name: 't' } });
    const todo = await db.create({ collection: 'Todo', data: { title: 'x', when: new Date(0) } });
    await db.addRelation({
      collection: 'Todo',
      objectId: todo.objectId,
      key: 'tags',
      targetObjectId: tag.objectId,
      targetClass: 'Tag',
    });
    const dump = JSON.parse(await db.exportData('json'));
    expect(dump).toMatchObject({
      format: 'localbackend',
      version: 1,
      data: {
        Tag: [{ objectId: tag.objectId, name: 't' }],
        Todo: [{ objectId: todo.objectId, when: '1970-01-01T00:00:00.000Z' }],
      },
      relations: { Todo: { tags: [[todo.objectId, tag.objectId]] } },
    });
    expect(dump.schema.tables.map((t: { name: string }) => t.name)).toEqual(['Tag', 'Todo']);
    expect(await codeOf(db.exportData('xml' as never))).toBe('INVALID_VALUE');
    expect(await codeOf(db.exportToSQL('mysql' as never))).toBe('INVALID_VALUE');
  });
});
