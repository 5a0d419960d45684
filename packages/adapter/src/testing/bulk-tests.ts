import { vitestApi } from './vitest-api';
import { BackendError } from '../backend-error';
import type {
  ChangeEvent,
  CloudStoreAdapter,
  CreateManyOptions,
  DeleteManyOptions,
} from '../cloud-store-adapter';
import type { StoredRecord } from '../field-value';
import type { SuiteContext } from './conformance-context';
import { FILTER_CASES } from './filter-cases';
import { expectBackendError, keysOf, seedItems } from './fixtures';

class Abort extends Error {}

interface Bulk {
  createMany(options: CreateManyOptions): Promise<StoredRecord[]>;
  deleteMany(options: DeleteManyOptions): Promise<number>;
}

/** The bulk methods of `db` (the suite only calls this when the adapter declares `bulk`). */
function bulk(db: CloudStoreAdapter): Bulk {
  const { createMany, deleteMany } = db;
  if (createMany === undefined || deleteMany === undefined) {
    throw new Error('capabilities.bulk is true but createMany / deleteMany are missing');
  }
  return { createMany: createMany.bind(db), deleteMany: deleteMany.bind(db) };
}

function record(events: ChangeEvent[]): (event: ChangeEvent) => void {
  return (event) => events.push(event);
}

/** `createMany` / `deleteMany`: results, atomicity, events, transactions, relations, errors. */
export function bulkTests(ctx: SuiteContext): void {
  const { describe, expect, it } = vitestApi();
  describe.skipIf(!ctx.has('bulk'))(ctx.title('bulk operations', 'bulk'), () => {
    it('an adapter that declares bulk has createMany and deleteMany', async () => {
      const db = await ctx.open();
      expect(db.capabilities.bulk).toBe(true);
      expect(typeof db.createMany).toBe('function');
      expect(typeof db.deleteMany).toBe('function');
    });

    it('createMany returns the records as stored, in order, and they read back the same', async () => {
      const db = await ctx.open();
      const due = new Date('2026-03-01T10:00:00.000Z');
      const stored = await bulk(db).createMany({
        collection: 'Todo',
        records: [
          { title: 'a', n: 1, done: false, tags: ['x'], meta: { k: 1 }, due },
          { title: 'b', n: 2.5, done: true },
          { title: 'c' },
        ],
      });
      expect(stored.map((r) => r.title)).toEqual(['a', 'b', 'c']);
      expect(new Set(stored.map((r) => r.objectId)).size).toBe(3);
      expect(stored[0]).toMatchObject({ n: 1, done: false, tags: ['x'], meta: { k: 1 } });
      expect(stored[0]!.createdAt).toBe(stored[0]!.updatedAt);
      for (const r of stored)
        expect(await db.fetch({ collection: 'Todo', objectId: r.objectId })).toEqual(r);
      expect(await db.count({ collection: 'Todo' })).toBe(3);
    });

    it('createMany with the same records gives the same stored fields as create one by one', async () => {
      const db = await ctx.open();
      const data = [
        { title: 'x', n: 3, done: true, tags: [1, 'two'], due: new Date(0) },
        { title: 'y', meta: { nested: { deep: [1, 2] } } },
      ];
      const one = [];
      for (const d of data) one.push(await db.create({ collection: 'One', data: d }));
      const many = await bulk(db).createMany({ collection: 'Many', records: data });
      const strip = (r: StoredRecord) => {
        const { objectId: _i, createdAt: _c, updatedAt: _u, ...rest } = r;
        return rest;
      };
      expect(many.map(strip)).toEqual(one.map(strip));
    });

    it('createMany with no records writes nothing and returns []', async () => {
      const db = await ctx.open();
      expect(await bulk(db).createMany({ collection: 'Todo', records: [] })).toEqual([]);
      expect(await db.count({ collection: 'Todo' })).toBe(0);
    });

    it('createMany handles records of different fields and many rows (auto schema)', async () => {
      const db = await ctx.open();
      const records = Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0 ? { i, title: `t${i}` } : i % 3 === 1 ? { i, flag: true } : { i },
      );
      const stored = await bulk(db).createMany({ collection: 'Mixed', records });
      expect(stored.map((r) => r.i)).toEqual(records.map((r) => r.i));
      expect(await db.count({ collection: 'Mixed' })).toBe(300);
      expect(await db.count({ collection: 'Mixed', where: { flag: true } })).toBe(100);
    });

    it.skipIf(!ctx.has('customObjectIds'))(
      ctx.title('createMany keeps objectIds given in the records', 'customObjectIds'),
      async () => {
        const db = await ctx.open();
        const stored = await bulk(db).createMany({
          collection: 'Todo',
          records: [{ objectId: 'bulkid01', title: 'a' }, { title: 'b' }],
        });
        expect(stored[0]!.objectId).toBe('bulkid01');
        expect((await db.fetch({ collection: 'Todo', objectId: 'bulkid01' })).title).toBe('a');
      },
    );

    it.skipIf(!ctx.has('customObjectIds'))(
      ctx.title(
        'a duplicate objectId (existing or within the call) is DUPLICATE_VALUE naming the record, and nothing is written',
        'customObjectIds',
      ),
      async () => {
        const db = await ctx.open();
        await db.create({ collection: 'Todo', objectId: 'taken001', data: { title: 'first' } });
        const existing = await expectBackendError(
          bulk(db).createMany({
            collection: 'Todo',
            records: [{ title: 'ok' }, { objectId: 'taken001', title: 'dup' }],
          }),
          'DUPLICATE_VALUE',
        );
        expect(existing.message).toMatch(/^records\[1\]/);
        const within = await expectBackendError(
          bulk(db).createMany({
            collection: 'Todo',
            records: [
              { objectId: 'twice001', title: 'a' },
              { title: 'b' },
              { objectId: 'twice001', title: 'c' },
            ],
          }),
          'DUPLICATE_VALUE',
        );
        expect(within.message).toMatch(/^records\[2\]/);
        expect(await db.count({ collection: 'Todo' })).toBe(1);
        expect((await db.fetch({ collection: 'Todo', objectId: 'taken001' })).title).toBe('first');
      },
    );

    it('one invalid record fails the whole createMany with an error naming it; nothing is written', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { title: 'x', n: 1 } });
      const records = Array.from({ length: 150 }, (_, i) => ({ title: `t${i}`, n: i }));
      records[120] = { title: 't120', n: 'not a number' as never };
      const error = await expectBackendError(
        bulk(db).createMany({ collection: 'Todo', records }),
        'TYPE_MISMATCH',
      );
      expect(error.message).toMatch(/^records\[120\]\.n: /);
      expect(error.details?.path).toBe('records[120].n');
      expect(await db.count({ collection: 'Todo' })).toBe(1);
    });

    it('hostile createMany inputs are clear BackendErrors and change nothing', async () => {
      const db = await ctx.open();
      const b = bulk(db);
      await db.create({ collection: 'Todo', data: { title: 'x' } });
      await expectBackendError(b.createMany(null as never), 'INVALID_VALUE');
      await expectBackendError(
        b.createMany({ collection: 'Todo', records: 'nope' as never }),
        'INVALID_VALUE',
      );
      await expectBackendError(
        b.createMany({ collection: 'Todo', records: { 0: { a: 1 } } as never }),
        'INVALID_VALUE',
      );
      const notObject = await expectBackendError(
        b.createMany({ collection: 'Todo', records: [{ title: 'a' }, 42 as never] }),
        'INVALID_VALUE',
      );
      expect(notObject.message).toMatch(/^records\[1\]/);
      await expectBackendError(
        b.createMany({ collection: 'Todo; DROP TABLE x', records: [{ a: 1 }] }),
        'INVALID_COLLECTION_NAME',
      );
      for (const key of ['bad key', '$where', '__proto__', 'a.b']) {
        const data = JSON.parse(`{${JSON.stringify(key)}: 1}`) as Record<string, number>;
        const error = await expectBackendError(
          b.createMany({ collection: 'Todo', records: [{ title: 'ok' }, data] }),
          'INVALID_FIELD_NAME',
        );
        expect(error.message).toMatch(/^records\[1\]/);
      }
      await expectBackendError(
        b.createMany({ collection: 'Todo', records: [{ objectId: "1' OR '1'='1" }] }),
        'INVALID_OBJECT_ID',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(1);
    });

    it.skipIf(!ctx.has('strictSchema'))(
      ctx.title(
        'createMany in a strict schema refuses unknown collections and fields',
        'strictSchema',
      ),
      async () => {
        const db = await ctx.open('strict');
        await expectBackendError(
          bulk(db).createMany({ collection: 'Nope', records: [{ a: 1 }] }),
          'TABLE_NOT_FOUND',
        );
      },
    );

    it('deleteMany deletes exactly the matching records and returns how many', async () => {
      const db = await ctx.open();
      await bulk(db).createMany({
        collection: 'Todo',
        records: Array.from({ length: 40 }, (_, i) => ({ n: i, done: i % 4 === 0 })),
      });
      expect(await bulk(db).deleteMany({ collection: 'Todo', where: { done: true } })).toBe(10);
      expect(await db.count({ collection: 'Todo' })).toBe(30);
      expect(await db.count({ collection: 'Todo', where: { done: true } })).toBe(0);
      expect(
        await bulk(db).deleteMany({ collection: 'Todo', where: { n: { $in: [1, 2, 99] } } }),
      ).toBe(2);
      expect(await bulk(db).deleteMany({ collection: 'Todo', where: { n: 1000 } })).toBe(0);
      expect(await bulk(db).deleteMany({ collection: 'Todo', where: {} })).toBe(28);
      expect(await db.count({ collection: 'Todo' })).toBe(0);
    });

    it('deleteMany accepts the other filter formats (Noodl filter, objectId $in)', async () => {
      const db = await ctx.open();
      const stored = await bulk(db).createMany({
        collection: 'Todo',
        records: [{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }],
      });
      expect(
        await bulk(db).deleteMany({
          collection: 'Todo',
          where: { and: [{ n: { greaterThan: 3 } }] },
        }),
      ).toBe(1);
      expect(
        await bulk(db).deleteMany({
          collection: 'Todo',
          where: { objectId: { $in: [stored[0]!.objectId, stored[1]!.objectId] } },
        }),
      ).toBe(2);
      const { results } = await db.query({ collection: 'Todo' });
      expect(results.map((r) => r.n)).toEqual([3]);
    });

    it('deleteMany deletes exactly the records query matches, for every filter case in every format', async () => {
      let db = await ctx.open();
      let seeded = await seedItems(db, { relations: ctx.has('relations') });
      const all = ['a', 'b', 'c', 'd', 'e', 'f'];
      let checked = 0;
      for (const c of FILTER_CASES) {
        if (!ctx.has(...(c.needs ?? []))) continue;
        const where = c.where(seeded.ids);
        const expected = c.expect.split(',');
        const label = `${c.format}: ${c.name} ${JSON.stringify(where)}`;
        const check = async (tx: CloudStoreAdapter) => {
          expect(await bulk(tx).deleteMany({ collection: 'Item', where }), label).toBe(
            expected.length,
          );
          const { results } = await tx.query({ collection: 'Item', limit: 1000 });
          expect(keysOf(seeded, results), label).toEqual(all.filter((k) => !expected.includes(k)));
        };
        if (ctx.has('transactions')) {
          // checked inside a transaction that is then rolled back, so the fixture stays whole
          await expect(
            db.transaction(async (tx) => {
              await check(tx);
              throw new Abort('undo');
            }),
          ).rejects.toBeInstanceOf(Abort);
        } else {
          await check(db);
          db = await ctx.open();
          seeded = await seedItems(db, { relations: ctx.has('relations') });
        }
        checked++;
      }
      expect(checked).toBeGreaterThan(20);
      expect(await db.count({ collection: 'Item' })).toBe(6);
    });

    it('deleteMany on an unknown collection deletes nothing', async () => {
      const db = await ctx.open();
      expect(await bulk(db).deleteMany({ collection: 'Nothing', where: {} })).toBe(0);
    });

    it('hostile deleteMany inputs are clear BackendErrors and delete nothing', async () => {
      const db = await ctx.open();
      const b = bulk(db);
      await b.createMany({ collection: 'Todo', records: [{ n: 1 }, { n: 2 }] });
      await expectBackendError(b.deleteMany(undefined as never), 'INVALID_VALUE');
      await expectBackendError(b.deleteMany({ collection: 'Todo' } as never), 'INVALID_VALUE');
      await expectBackendError(
        b.deleteMany({ collection: 'Todo', where: 'n = 1 OR 1=1' as never }),
        'INVALID_VALUE',
      );
      await expectBackendError(b.deleteMany({ collection: 'Todo', where: { n: { $bogus: 1 } } }), [
        'UNKNOWN_OPERATOR',
        'INVALID_QUERY',
      ]);
      await expectBackendError(b.deleteMany({ collection: 'Todo', where: { 'n) OR (1=1': 1 } }), [
        'INVALID_FIELD_NAME',
        'INVALID_QUERY',
      ]);
      await expectBackendError(
        b.deleteMany({ collection: 'Todo', where: { n: { $gt: { $lt: 1 } } } }),
        ['INVALID_QUERY', 'INVALID_VALUE', 'TYPE_MISMATCH'],
      );
      let deep: Record<string, unknown> = { n: 1 };
      for (let i = 0; i < 5_000; i++) deep = { $or: [deep, { n: 2 }] };
      await expectBackendError(b.deleteMany({ collection: 'Todo', where: deep }), [
        'INVALID_QUERY',
        'RESOURCE_LIMIT',
      ]);
      await expectBackendError(
        b.deleteMany({ collection: 'Bad Name', where: {} }),
        'INVALID_COLLECTION_NAME',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(2);
    });

    it.skipIf(!ctx.has('strictSchema'))(
      ctx.title('deleteMany in a strict schema refuses unknown collections', 'strictSchema'),
      async () => {
        const db = await ctx.open('strict');
        await expectBackendError(
          bulk(db).deleteMany({ collection: 'Nope', where: {} }),
          'TABLE_NOT_FOUND',
        );
      },
    );

    it.skipIf(!ctx.has('events'))(
      ctx.title('createMany and deleteMany emit one event per record after the commit', 'events'),
      async () => {
        const db = await ctx.open();
        const events: ChangeEvent[] = [];
        db.on('create', record(events));
        db.on('delete', record(events));
        const stored = await bulk(db).createMany({
          collection: 'Todo',
          records: [{ n: 1 }, { n: 2 }, { n: 3 }],
        });
        expect(events.map((e) => [e.type, e.objectId])).toEqual(
          stored.map((r) => ['create', r.objectId]),
        );
        expect(events[1]!.object).toEqual(stored[1]);
        events.length = 0;
        expect(await bulk(db).deleteMany({ collection: 'Todo', where: { n: { $gte: 2 } } })).toBe(
          2,
        );
        expect(events.map((e) => e.type)).toEqual(['delete', 'delete']);
        expect(events.map((e) => e.object).sort((a, b) => Number(a.n) - Number(b.n))).toEqual([
          stored[1],
          stored[2],
        ]);
        expect(events.every((e) => e.collection === 'Todo')).toBe(true);
      },
    );

    it.skipIf(!ctx.has('events'))(
      ctx.title('a failed createMany emits no event', 'events'),
      async () => {
        const db = await ctx.open();
        await db.create({ collection: 'Todo', data: { n: 0 } });
        const events: ChangeEvent[] = [];
        db.on('create', record(events));
        await expectBackendError(
          bulk(db).createMany({ collection: 'Todo', records: [{ n: 1 }, { n: 'x' as never }] }),
          'TYPE_MISMATCH',
        );
        expect(events).toEqual([]);
      },
    );

    it.skipIf(!ctx.has('transactions', 'events'))(
      ctx.title(
        'inside a transaction both join it: a rollback undoes them and emits nothing, a commit emits after it',
        'transactions',
        'events',
      ),
      async () => {
        const db = await ctx.open();
        await db.create({ collection: 'Todo', data: { n: 0 } });
        const events: ChangeEvent[] = [];
        db.on('create', record(events));
        db.on('delete', record(events));
        await expect(
          db.transaction(async (tx) => {
            await bulk(tx).createMany({ collection: 'Todo', records: [{ n: 1 }, { n: 2 }] });
            expect(await tx.count({ collection: 'Todo' })).toBe(3);
            expect(await bulk(tx).deleteMany({ collection: 'Todo', where: {} })).toBe(3);
            throw new Abort('stop');
          }),
        ).rejects.toBeInstanceOf(Abort);
        expect(events).toEqual([]);
        expect(await db.count({ collection: 'Todo' })).toBe(1);
        await db.transaction(async (tx) => {
          await bulk(tx).createMany({ collection: 'Todo', records: [{ n: 1 }, { n: 2 }] });
          await bulk(tx).deleteMany({ collection: 'Todo', where: { n: 0 } });
          expect(events).toEqual([]);
        });
        expect(events.map((e) => e.type)).toEqual(['create', 'create', 'delete']);
        expect(await db.count({ collection: 'Todo' })).toBe(2);
      },
    );

    it.skipIf(!ctx.has('transactions'))(
      ctx.title(
        'a createMany that fails inside a transaction leaves the transaction usable and its earlier work intact',
        'transactions',
      ),
      async () => {
        const db = await ctx.open();
        await db.transaction(async (tx) => {
          await tx.create({ collection: 'Todo', data: { n: 1 } });
          const failed = await bulk(tx)
            .createMany({ collection: 'Todo', records: [{ n: 2 }, { n: 'x' as never }] })
            .then(
              () => undefined,
              (error: unknown) => error,
            );
          expect(BackendError.is(failed)).toBe(true);
          await tx.create({ collection: 'Todo', data: { n: 3 } });
        });
        const { results } = await db.query({ collection: 'Todo', sort: 'n' });
        expect(results.map((r) => r.n)).toEqual([1, 3]);
      },
    );

    it.skipIf(!ctx.has('relations', 'customObjectIds'))(
      ctx.title(
        'deleteMany removes the relation rows of the deleted records',
        'relations',
        'customObjectIds',
      ),
      async () => {
        const db = await ctx.open();
        const items = await bulk(db).createMany({
          collection: 'Item',
          records: [{ n: 1 }, { n: 2 }, { n: 3 }],
        });
        const owner = await db.create({ collection: 'Owner', data: { name: 'Ada' } });
        await db.addRelation({
          collection: 'Owner',
          objectId: owner.objectId,
          key: 'favorites',
          targetObjectId: items.map((i) => i.objectId),
          targetClass: 'Item',
        });
        const related = () =>
          db.query({
            collection: 'Item',
            where: {
              $relatedTo: {
                object: { __type: 'Pointer', className: 'Owner', objectId: owner.objectId },
                key: 'favorites',
              },
            },
            sort: 'n',
          });
        expect(await bulk(db).deleteMany({ collection: 'Item', where: { n: { $lt: 3 } } })).toBe(2);
        expect((await related()).results.map((r) => r.n)).toEqual([3]);
        // the recreated ids are not related again (the junction rows are gone)
        await bulk(db).createMany({
          collection: 'Item',
          records: [{ objectId: items[0]!.objectId, n: 1 }],
        });
        expect((await related()).results.map((r) => r.n)).toEqual([3]);
        expect(await bulk(db).deleteMany({ collection: 'Owner', where: {} })).toBe(1);
        expect(await db.count({ collection: 'Item' })).toBe(2);
      },
    );
  });
}
