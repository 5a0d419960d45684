import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, type ChangeEvent, type ErrorCode } from '@localbackend/adapter';
import { LocalSQLAdapter } from '../src/index';

const dir = mkdtempSync(join(tmpdir(), 'lb-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = () => join(dir, `b${++n}.db`);

async function codeOf(work: Promise<unknown>): Promise<ErrorCode | 'ok'> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    expect(BackendError.is(error), String(error)).toBe(true);
    return (error as BackendError).code;
  }
}

describe('LocalSQLAdapter createMany / deleteMany', () => {
  it('declares capabilities.bulk and offers both methods on transaction handles too', async () => {
    const db = new LocalSQLAdapter(':memory:');
    expect(db.capabilities.bulk).toBe(true);
    await db.transaction((tx) => {
      expect(typeof tx.createMany).toBe('function');
      expect(typeof tx.deleteMany).toBe('function');
    });
    await db.disconnect();
  });

  it('createMany of more than 10,000 records is RESOURCE_LIMIT and writes nothing', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const records = Array.from({ length: 10_001 }, (_, i) => ({ i }));
    const error = await db.createMany({ collection: 'Big', records }).catch((e: unknown) => e);
    expect(BackendError.is(error) && error.code).toBe('RESOURCE_LIMIT');
    expect((error as BackendError).message).toMatch(/importRecords/);
    expect(await db.count({ collection: 'Big' })).toBe(0);
    expect(
      await db.createMany({ collection: 'Big', records: records.slice(0, 10_000) }),
    ).toHaveLength(10_000);
    await db.disconnect();
  });

  it('createMany writes many rows with multi-row INSERTs on a file database, read back by raw SQLite', async () => {
    const path = file();
    const db = new LocalSQLAdapter(path);
    await db.createTable({
      name: 'Log',
      columns: [
        { name: 'run', type: 'String', indexed: true },
        { name: 'seq', type: 'Number' },
        { name: 'message', type: 'String' },
      ],
    });
    const records = Array.from({ length: 1_000 }, (_, i) => ({
      run: `r${i % 10}`,
      seq: i,
      message: `line ${i}`,
    }));
    const stored = await db.createMany({ collection: 'Log', records });
    await db.disconnect();
    const raw = new Database(path, { readonly: true });
    const rows = raw.prepare('SELECT * FROM "Log" ORDER BY "seq"').all() as Record<
      string,
      unknown
    >[];
    raw.close();
    expect(rows).toHaveLength(1_000);
    expect(rows[999]).toMatchObject({ objectId: stored[999]!.objectId, seq: 999, run: 'r9' });
  });

  it('records with many fields are split so no statement exceeds SQLite limits', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const wide = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`f${i}`, i]));
    const stored = await db.createMany({
      collection: 'Wide',
      records: Array.from({ length: 400 }, () => ({ ...wide })),
    });
    expect(stored).toHaveLength(400);
    expect(await db.count({ collection: 'Wide', where: { f299: 299 } })).toBe(400);
    await db.disconnect();
  });

  it('sparse arrays and non-plain records are INVALID_VALUE naming the record', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const sparse = [{ a: 1 }, , { a: 3 }] as unknown as { a: number }[]; // eslint-disable-line no-sparse-arrays
    const hole = await db.createMany({ collection: 'T', records: sparse }).catch((e: unknown) => e);
    expect((hole as BackendError).code).toBe('INVALID_VALUE');
    expect((hole as BackendError).message).toMatch(/^records\[1\]/);
    for (const bad of [new Date(), [1, 2], 'text', null]) {
      const error = await db
        .createMany({ collection: 'T', records: [{ a: 1 }, bad as never] })
        .catch((e: unknown) => e);
      expect((error as BackendError).code).toBe('INVALID_VALUE');
      expect((error as BackendError).details?.path).toBe('records[1]');
    }
    expect(await db.count({ collection: 'T' })).toBe(0);
    await db.disconnect();
  });

  it('createMany that adds columns (auto mode) updates the schema file like create does', async () => {
    const schemaFile = join(dir, `schema-${++n}.json`);
    const db = new LocalSQLAdapter(file(), { schemaFile });
    await db.createMany({ collection: 'Note', records: [{ title: 'a' }, { title: 'b', n: 2 }] });
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
      tables: { name: string; columns: { name: string }[] }[];
    };
    const note = schema.tables.find((t) => t.name === 'Note');
    expect(note?.columns.map((c) => c.name).sort()).toEqual(['n', 'title']);
    await db.disconnect();
  });

  it('deleteMany without delete listeners deletes the same rows, and still cleans relation rows', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const items = await db.createMany({ collection: 'Item', records: [{ n: 1 }, { n: 2 }] });
    const owner = await db.create({ collection: 'Owner', data: {} });
    await db.addRelation({
      collection: 'Owner',
      objectId: owner.objectId,
      key: 'likes',
      targetObjectId: items.map((i) => i.objectId),
      targetClass: 'Item',
    });
    expect(await db.deleteMany({ collection: 'Item', where: { n: 1 } })).toBe(1);
    await db.create({ collection: 'Item', objectId: items[0]!.objectId, data: { n: 1 } });
    const { results } = await db.query({
      collection: 'Item',
      where: {
        $relatedTo: {
          object: { __type: 'Pointer', className: 'Owner', objectId: owner.objectId },
          key: 'likes',
        },
      },
    });
    expect(results.map((r) => r.n)).toEqual([2]);
    await db.disconnect();
  });

  it('delete events of deleteMany carry the full record as it was (also for system collections)', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const events: ChangeEvent[] = [];
    db.on('delete', (e) => events.push(e));
    const [run] = await db.createMany({
      collection: '_WorkflowRun',
      records: [{ workflow: 'w', input: '{"body":"x"}', durationMs: 3 }],
    });
    expect(await db.deleteMany({ collection: '_WorkflowRun', where: {} })).toBe(1);
    expect(events).toEqual([
      { type: 'delete', collection: '_WorkflowRun', objectId: run!.objectId, object: run },
    ]);
    await db.disconnect();
  });

  it('a listener that throws does not undo a committed createMany', async () => {
    const warnings: unknown[] = [];
    const db = new LocalSQLAdapter(':memory:', { onListenerError: (e) => warnings.push(e) });
    db.on('create', () => {
      throw new Error('listener bug');
    });
    await db.createMany({ collection: 'T', records: [{ a: 1 }, { a: 2 }] });
    expect(warnings).toHaveLength(2);
    expect(await db.count({ collection: 'T' })).toBe(2);
    await db.disconnect();
  });

  it('property: createMany then deleteMany matches create / delete one by one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record(
            {
              n: fc.integer({ min: -5, max: 5 }),
              s: fc.string({ maxLength: 8 }),
              b: fc.boolean(),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 40 },
        ),
        fc.integer({ min: -5, max: 5 }),
        async (records, cut) => {
          const db = new LocalSQLAdapter(':memory:');
          const many = await db.createMany({ collection: 'T', records });
          for (const data of records) await db.create({ collection: 'U', data });
          const removed = await db.deleteMany({ collection: 'T', where: { n: { $lt: cut } } });
          const { results: doomed } = await db.query({
            collection: 'U',
            where: { n: { $lt: cut } },
            limit: 1000,
          });
          for (const r of doomed) await db.delete({ collection: 'U', objectId: r.objectId });
          expect(removed).toBe(doomed.length);
          const strip = ({
            objectId: _o,
            createdAt: _c,
            updatedAt: _u,
            ...rest
          }: object & {
            objectId: string;
            createdAt: string;
            updatedAt: string;
          }) => rest;
          const left = async (c: string) =>
            (await db.query({ collection: c, limit: 1000, sort: ['n', 's'] })).results.map(strip);
          expect(await left('T')).toEqual(await left('U'));
          expect(many).toHaveLength(records.length);
          await db.disconnect();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('hostile: createMany / deleteMany after disconnect are UNAVAILABLE', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.connect();
    await db.disconnect();
    expect(await codeOf(db.createMany({ collection: 'T', records: [{ a: 1 }] }))).toBe(
      'UNAVAILABLE',
    );
    expect(await codeOf(db.deleteMany({ collection: 'T', where: {} }))).toBe('UNAVAILABLE');
  });
});
