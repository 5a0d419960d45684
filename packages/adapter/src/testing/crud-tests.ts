import { vitestApi } from './vitest-api';
import type { SuiteContext } from './conformance-context';
import { expectBackendError } from './fixtures';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Create / fetch / save / increment / delete and value round-trips. */
export function crudTests(ctx: SuiteContext): void {
  const { describe, expect, it } = vitestApi();
  describe('CRUD', () => {
    it('create returns the stored record with objectId, createdAt and updatedAt', async () => {
      const db = await ctx.open();
      const record = await db.create({
        collection: 'Todo',
        data: { title: 'Buy milk', done: false },
      });
      expect(record.objectId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
      expect(record.createdAt).toMatch(ISO);
      expect(record.updatedAt).toBe(record.createdAt);
      expect(record).toMatchObject({ title: 'Buy milk', done: false });
    });

    it('generated objectIds are 10 alphanumeric characters and unique', async () => {
      const db = await ctx.open();
      const ids = new Set<string>();
      for (let i = 0; i < 50; i++)
        ids.add((await db.create({ collection: 'Todo', data: { i } })).objectId);
      expect(ids.size).toBe(50);
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{10}$/);
    });

    it.skipIf(!ctx.has('customObjectIds'))(
      ctx.title(
        'create keeps a custom objectId (options.objectId or data.objectId)',
        'customObjectIds',
      ),
      async () => {
        const db = await ctx.open();
        const a = await db.create({
          collection: 'Todo',
          objectId: 'custom1',
          data: { title: 'a' },
        });
        const b = await db.create({
          collection: 'Todo',
          data: { objectId: 'custom2', title: 'b' },
        });
        expect([a.objectId, b.objectId]).toEqual(['custom1', 'custom2']);
        expect((await db.fetch({ collection: 'Todo', objectId: 'custom2' })).title).toBe('b');
      },
    );

    it.skipIf(!ctx.has('customObjectIds'))(
      ctx.title(
        'creating an objectId that exists is DUPLICATE_VALUE and changes nothing',
        'customObjectIds',
      ),
      async () => {
        const db = await ctx.open();
        await db.create({ collection: 'Todo', objectId: 'same1', data: { title: 'first' } });
        await expectBackendError(
          db.create({ collection: 'Todo', objectId: 'same1', data: { title: 'second' } }),
          'DUPLICATE_VALUE',
        );
        expect((await db.fetch({ collection: 'Todo', objectId: 'same1' })).title).toBe('first');
        expect(await db.count({ collection: 'Todo' })).toBe(1);
      },
    );

    it('fetch returns what create stored', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Todo', data: { title: 'x', n: 2 } });
      expect(await db.fetch({ collection: 'Todo', objectId: created.objectId })).toEqual(created);
    });

    it('fetch with select returns only those fields plus the system fields', async () => {
      const db = await ctx.open();
      const created = await db.create({
        collection: 'Todo',
        data: { title: 'x', n: 2, done: true },
      });
      const fetched = await db.fetch({
        collection: 'Todo',
        objectId: created.objectId,
        select: ['title'],
      });
      expect(Object.keys(fetched).sort()).toEqual(['createdAt', 'objectId', 'title', 'updatedAt']);
    });

    it('every column type round-trips: dates as ISO strings, pointers as ids, tagged GeoPoint and File', async () => {
      const db = await ctx.open();
      const target = await db.create({ collection: 'List', data: { name: 'l' } });
      const data = {
        text: 'héllo 👋 "quotes" \'single\' \\ back',
        empty: '',
        int: 42,
        float: -3.25,
        zero: 0,
        yes: true,
        no: false,
        when: new Date('2026-03-04T05:06:07.089Z'),
        wireDate: { __type: 'Date', iso: '2026-01-02T03:04:05.006Z' },
        list: ['a', 1, true, null, { k: 'v' }, [1, 2]],
        obj: { nested: { deep: [1, { x: 'y' }] }, n: 1.5, b: false },
        ptr: { __type: 'Pointer', className: 'List', objectId: target.objectId },
        place: { __type: 'GeoPoint', latitude: 59.91, longitude: 10.75 },
        file: { __type: 'File', name: 'a.png', url: 'http://127.0.0.1/files/a.png' },
      } as const;
      const created = await db.create({ collection: 'Everything', data: data as never });
      const fetched = await db.fetch({ collection: 'Everything', objectId: created.objectId });
      expect(fetched).toEqual(created);
      expect(fetched).toMatchObject({
        text: data.text,
        empty: '',
        int: 42,
        float: -3.25,
        zero: 0,
        yes: true,
        no: false,
        when: '2026-03-04T05:06:07.089Z',
        wireDate: '2026-01-02T03:04:05.006Z',
        list: ['a', 1, true, null, { k: 'v' }, [1, 2]],
        obj: { nested: { deep: [1, { x: 'y' }] }, n: 1.5, b: false },
        ptr: target.objectId,
        place: { __type: 'GeoPoint', latitude: 59.91, longitude: 10.75 },
        file: { __type: 'File', name: 'a.png', url: 'http://127.0.0.1/files/a.png' },
      });
    });

    it('a Date column accepts an ISO string on later writes', async () => {
      const db = await ctx.open();
      const created = await db.create({
        collection: 'Todo',
        data: { due: new Date('2026-01-01T00:00:00.000Z') },
      });
      const saved = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: { due: '2026-02-01T10:00:00Z' },
      });
      expect(saved.due).toBe('2026-02-01T10:00:00.000Z');
    });

    it('a Pointer column accepts a bare objectId on later writes', async () => {
      const db = await ctx.open();
      const l1 = await db.create({ collection: 'List', data: { name: '1' } });
      const l2 = await db.create({ collection: 'List', data: { name: '2' } });
      const todo = await db.create({
        collection: 'Todo',
        data: { list: { __type: 'Pointer', className: 'List', objectId: l1.objectId } },
      });
      const saved = await db.save({
        collection: 'Todo',
        objectId: todo.objectId,
        data: { list: l2.objectId },
      });
      expect(saved.list).toBe(l2.objectId);
    });

    it('null and missing are the same: a null field is left out of the record', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Todo', data: { title: 'x', note: 'y' } });
      const saved = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: { note: null },
      });
      expect('note' in saved).toBe(false);
      expect('note' in (await db.fetch({ collection: 'Todo', objectId: created.objectId }))).toBe(
        false,
      );
    });

    it('save is a partial update and moves updatedAt forward', async () => {
      const db = await ctx.open();
      const created = await db.create({
        collection: 'Todo',
        data: { title: 'x', done: false, n: 1 },
      });
      await new Promise((r) => setTimeout(r, 5));
      const saved = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: { done: true },
      });
      expect(saved).toMatchObject({
        objectId: created.objectId,
        title: 'x',
        done: true,
        n: 1,
        createdAt: created.createdAt,
      });
      expect(saved.updatedAt > created.updatedAt).toBe(true);
      expect(await db.fetch({ collection: 'Todo', objectId: created.objectId })).toEqual(saved);
    });

    it('save ignores attempts to change objectId, createdAt and updatedAt', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Todo', data: { title: 'x' } });
      const saved = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: {
          title: 'y',
          createdAt: '2000-01-01T00:00:00.000Z',
          updatedAt: '2000-01-01T00:00:00.000Z',
        },
      });
      expect(saved.createdAt).toBe(created.createdAt);
      expect(saved.updatedAt >= created.updatedAt).toBe(true);
      expect(saved.objectId).toBe(created.objectId);
    });

    it('save applies __op operations: Increment, Add, AddUnique, Remove, Delete', async () => {
      const db = await ctx.open();
      const created = await db.create({
        collection: 'Todo',
        data: { n: 1, tags: ['a', 'b'], note: 'gone soon' },
      });
      const saved = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: {
          n: { __op: 'Increment', amount: 2.5 },
          tags: { __op: 'AddUnique', objects: ['b', 'c'] },
          note: { __op: 'Delete' },
        },
      });
      expect(saved.n).toBe(3.5);
      expect(saved.tags).toEqual(['a', 'b', 'c']);
      expect('note' in saved).toBe(false);
      const again = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: { tags: { __op: 'Remove', objects: ['a'] } },
      });
      expect(again.tags).toEqual(['b', 'c']);
      const added = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: { tags: { __op: 'Add', objects: ['b'] } },
      });
      expect(added.tags).toEqual(['b', 'c', 'b']);
    });

    it('create accepts operations as Parse does on a new object', async () => {
      const db = await ctx.open();
      const created = await db.create({
        collection: 'Todo',
        data: {
          n: { __op: 'Increment', amount: 3 },
          tags: { __op: 'AddUnique', objects: ['a', 'a'] },
          gone: { __op: 'Delete' },
        },
      });
      expect(created.n).toBe(3);
      expect(created.tags).toEqual(['a']);
      expect('gone' in created).toBe(false);
    });

    it('increment adds to numeric fields and returns the record', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Post', data: { views: 10, likes: 1 } });
      const after = await db.increment({
        collection: 'Post',
        objectId: created.objectId,
        fields: { views: 5, likes: -1 },
      });
      expect(after).toMatchObject({ views: 15, likes: 0 });
    });

    it('increment of a field that is not set yet starts from 0', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Post', data: { views: 1 } });
      await db.save({ collection: 'Post', objectId: created.objectId, data: { views: null } });
      const after = await db.increment({
        collection: 'Post',
        objectId: created.objectId,
        fields: { views: 2 },
      });
      expect(after.views).toBe(2);
    });

    it('concurrent increments are atomic: 100 parallel +1 end at 100', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Counter', data: { value: 0 } });
      await Promise.all(
        Array.from({ length: 100 }, () =>
          db.increment({ collection: 'Counter', objectId: created.objectId, fields: { value: 1 } }),
        ),
      );
      expect((await db.fetch({ collection: 'Counter', objectId: created.objectId })).value).toBe(
        100,
      );
    });

    it('concurrent save Increment operations mixed with other saves lose nothing', async () => {
      const db = await ctx.open();
      const created = await db.create({
        collection: 'Counter',
        data: { value: 0, label: 'start' },
      });
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          i % 3 === 0
            ? db.save({
                collection: 'Counter',
                objectId: created.objectId,
                data: { label: `l${i}` },
              })
            : db.save({
                collection: 'Counter',
                objectId: created.objectId,
                data: { value: { __op: 'Increment', amount: 2 } },
              }),
        ),
      );
      expect((await db.fetch({ collection: 'Counter', objectId: created.objectId })).value).toBe(
        80,
      );
    });

    it('delete removes the record; fetching it is NOT_FOUND', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Todo', data: { title: 'x' } });
      await db.delete({ collection: 'Todo', objectId: created.objectId });
      await expectBackendError(
        db.fetch({ collection: 'Todo', objectId: created.objectId }),
        'NOT_FOUND',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(0);
    });

    it('fetch, save, increment and delete of a missing record are NOT_FOUND', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { title: 'x' } });
      await expectBackendError(
        db.fetch({ collection: 'Todo', objectId: 'missing123' }),
        'NOT_FOUND',
      );
      await expectBackendError(
        db.save({ collection: 'Todo', objectId: 'missing123', data: { title: 'y' } }),
        'NOT_FOUND',
      );
      await expectBackendError(
        db.increment({ collection: 'Todo', objectId: 'missing123', fields: { n: 1 } }),
        'NOT_FOUND',
      );
      await expectBackendError(
        db.delete({ collection: 'Todo', objectId: 'missing123' }),
        'NOT_FOUND',
      );
    });

    it('a record in a collection that was never written is NOT_FOUND (auto mode)', async () => {
      const db = await ctx.open();
      await expectBackendError(db.fetch({ collection: 'Nothing', objectId: 'abc' }), [
        'NOT_FOUND',
        'TABLE_NOT_FOUND',
      ]);
    });

    it('records returned to the caller are independent copies', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Todo', data: { title: 'x', obj: { a: 1 } } });
      (created as Record<string, unknown>).title = 'mutated';
      ((created as Record<string, unknown>).obj as Record<string, unknown>).a = 2;
      expect(await db.fetch({ collection: 'Todo', objectId: created.objectId })).toMatchObject({
        title: 'x',
        obj: { a: 1 },
      });
    });
  });
}
