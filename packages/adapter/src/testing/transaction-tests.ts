import { vitestApi } from './vitest-api';
import { BackendError } from '../backend-error';
import type { ChangeEvent, CloudStoreAdapter } from '../cloud-store-adapter';
import type { SuiteContext } from './conformance-context';
import { expectBackendError } from './fixtures';

class Abort extends Error {}

/** Transactions (commit, rollback, nesting, isolation) and change events. */
export function transactionTests(ctx: SuiteContext): void {
  const { describe, expect, it } = vitestApi();
  describe.skipIf(!ctx.has('transactions'))(ctx.title('transactions', 'transactions'), () => {
    it('commits every change and returns what fn returned', async () => {
      const db = await ctx.open();
      const result = await db.transaction(async (tx) => {
        const a = await tx.create({ collection: 'Todo', data: { title: 'a' } });
        await tx.create({ collection: 'Todo', data: { title: 'b' } });
        await tx.save({ collection: 'Todo', objectId: a.objectId, data: { title: 'a2' } });
        return a.objectId;
      });
      expect((await db.fetch({ collection: 'Todo', objectId: result })).title).toBe('a2');
      expect(await db.count({ collection: 'Todo' })).toBe(2);
    });

    it('a synchronous fn works too', async () => {
      const db = await ctx.open();
      expect(await db.transaction(() => 42)).toBe(42);
    });

    it("reads inside see the transaction's own writes", async () => {
      const db = await ctx.open();
      await db.transaction(async (tx) => {
        const a = await tx.create({ collection: 'Todo', data: { title: 'inside' } });
        expect((await tx.fetch({ collection: 'Todo', objectId: a.objectId })).title).toBe('inside');
        expect(await tx.count({ collection: 'Todo' })).toBe(1);
      });
    });

    it('an exception rolls back creates, saves, deletes and increments, and rejects with it', async () => {
      const db = await ctx.open();
      const kept = await db.create({ collection: 'Todo', data: { title: 'kept', n: 1 } });
      const doomed = await db.create({ collection: 'Todo', data: { title: 'doomed' } });
      const error = new Abort('stop');
      await expect(
        db.transaction(async (tx) => {
          await tx.create({ collection: 'Todo', data: { title: 'new' } });
          await tx.save({
            collection: 'Todo',
            objectId: kept.objectId,
            data: { title: 'changed' },
          });
          await tx.increment({ collection: 'Todo', objectId: kept.objectId, fields: { n: 10 } });
          await tx.delete({ collection: 'Todo', objectId: doomed.objectId });
          throw error;
        }),
      ).rejects.toBe(error);
      expect(await db.fetch({ collection: 'Todo', objectId: kept.objectId })).toEqual(kept);
      expect((await db.fetch({ collection: 'Todo', objectId: doomed.objectId })).title).toBe(
        'doomed',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(2);
    });

    it('a failing operation inside (e.g. a duplicate) rolls everything back when it propagates', async () => {
      const db = await ctx.open();
      const first = await db.create({ collection: 'Todo', data: { title: 'first' } });
      await expectBackendError(
        db.transaction(async (tx) => {
          await tx.create({ collection: 'Todo', data: { title: 'second' } });
          await tx.save({ collection: 'Todo', objectId: 'missing123', data: { title: 'x' } });
        }),
        'NOT_FOUND',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(1);
      expect((await db.fetch({ collection: 'Todo', objectId: first.objectId })).title).toBe(
        'first',
      );
    });

    it('fields and collections created inside a rolled-back transaction leave no trace in the data', async () => {
      const db = await ctx.open();
      await expect(
        db.transaction(async (tx) => {
          await tx.create({ collection: 'Brand', data: { brandNew: 1 } });
          throw new Abort('no');
        }),
      ).rejects.toThrow('no');
      expect(await db.count({ collection: 'Brand' })).toBe(0);
      const after = await db.create({ collection: 'Brand', data: { brandNew: 'now a string' } });
      expect(after.brandNew).toBe('now a string');
    });

    it('a nested transaction joins the outer one: committed together', async () => {
      const db = await ctx.open();
      await db.transaction(async (tx) => {
        await tx.create({ collection: 'Todo', data: { title: 'outer' } });
        await tx.transaction(async (inner) => {
          await inner.create({ collection: 'Todo', data: { title: 'inner' } });
        });
      });
      expect(await db.count({ collection: 'Todo' })).toBe(2);
    });

    it('an exception in a nested transaction that propagates rolls back everything', async () => {
      const db = await ctx.open();
      await expect(
        db.transaction(async (tx) => {
          await tx.create({ collection: 'Todo', data: { title: 'outer' } });
          await tx.transaction(async (inner) => {
            await inner.create({ collection: 'Todo', data: { title: 'inner' } });
            throw new Abort('inner failed');
          });
        }),
      ).rejects.toThrow('inner failed');
      expect(await db.count({ collection: 'Todo' })).toBe(0);
    });

    it('another caller never observes uncommitted writes of a transaction that rolls back', async () => {
      const db = await ctx.open();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let created!: () => void;
      const createdSignal = new Promise<void>((resolve) => (created = resolve));
      const tx = db.transaction(async (t) => {
        await t.create({ collection: 'Todo', data: { title: 'uncommitted' } });
        created();
        await gate;
        throw new Abort('rollback');
      });
      await createdSignal;
      const outsideCount = db.count({ collection: 'Todo' });
      const outsideQuery = db.query({ collection: 'Todo', where: { title: 'uncommitted' } });
      setTimeout(release, 20);
      await expect(tx).rejects.toThrow('rollback');
      expect(await outsideCount).toBe(0);
      expect((await outsideQuery).results).toEqual([]);
    });

    it('writes from other callers during a transaction are not swallowed by its rollback', async () => {
      const db = await ctx.open();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let started!: () => void;
      const startedSignal = new Promise<void>((resolve) => (started = resolve));
      const tx = db.transaction(async (t) => {
        await t.create({ collection: 'Todo', data: { title: 'in tx' } });
        started();
        await gate;
        throw new Abort('rollback');
      });
      await startedSignal;
      const outside = db.create({ collection: 'Todo', data: { title: 'outside' } });
      setTimeout(release, 20);
      await expect(tx).rejects.toThrow('rollback');
      await outside;
      const { results } = await db.query({ collection: 'Todo' });
      expect(results.map((r) => r.title)).toEqual(['outside']);
    });

    it('concurrent transactions incrementing one counter lose no update', async () => {
      const db = await ctx.open();
      const counter = await db.create({ collection: 'Counter', data: { value: 0 } });
      await Promise.all(
        Array.from({ length: 20 }, () =>
          db.transaction(async (tx) => {
            const current = await tx.fetch({ collection: 'Counter', objectId: counter.objectId });
            await new Promise((r) => setTimeout(r, 1));
            await tx.save({
              collection: 'Counter',
              objectId: counter.objectId,
              data: { value: (current.value as number) + 1 },
            });
          }),
        ),
      );
      expect((await db.fetch({ collection: 'Counter', objectId: counter.objectId })).value).toBe(
        20,
      );
    });

    it('the transaction handle cannot be used after the transaction ended', async () => {
      const db = await ctx.open();
      let leaked: CloudStoreAdapter | undefined;
      await db.transaction((tx) => {
        leaked = tx;
      });
      const error = await leaked!
        .create({ collection: 'Todo', data: { title: 'late' } })
        .catch((e: unknown) => e);
      expect(BackendError.is(error)).toBe(true);
      expect(await db.count({ collection: 'Todo' })).toBe(0);
    });
  });

  describe.skipIf(!ctx.has('events'))(ctx.title('change events', 'events'), () => {
    function record(db: Awaited<ReturnType<SuiteContext['open']>>): ChangeEvent[] {
      const events: ChangeEvent[] = [];
      for (const type of ['create', 'save', 'delete'] as const) db.on(type, (e) => events.push(e));
      return events;
    }

    it('create, save and delete emit { type, collection, objectId, object, previous? }', async () => {
      const db = await ctx.open();
      const events = record(db);
      const created = await db.create({ collection: 'Todo', data: { title: 'a' } });
      const saved = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: { title: 'b' },
      });
      await db.delete({ collection: 'Todo', objectId: created.objectId });
      expect(events.map((e) => e.type)).toEqual(['create', 'save', 'delete']);
      expect(events[0]).toMatchObject({
        type: 'create',
        collection: 'Todo',
        objectId: created.objectId,
        object: created,
      });
      expect(events[1]).toMatchObject({
        type: 'save',
        objectId: created.objectId,
        object: saved,
        previous: created,
      });
      expect(events[2]).toMatchObject({
        type: 'delete',
        objectId: created.objectId,
        object: { title: 'b' },
      });
    });

    it('an event is emitted before the write resolves', async () => {
      const db = await ctx.open();
      const events = record(db);
      await db.create({ collection: 'Todo', data: { title: 'a' } });
      expect(events).toHaveLength(1);
    });

    it('increment emits save', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Todo', data: { n: 1 } });
      const events = record(db);
      await db.increment({ collection: 'Todo', objectId: created.objectId, fields: { n: 1 } });
      expect(events).toMatchObject([{ type: 'save', object: { n: 2 }, previous: { n: 1 } }]);
    });

    it('failed writes emit nothing', async () => {
      const db = await ctx.open();
      const events = record(db);
      await db
        .save({ collection: 'Todo', objectId: 'missing123', data: { a: 1 } })
        .catch(() => undefined);
      await db.delete({ collection: 'Todo', objectId: 'missing123' }).catch(() => undefined);
      expect(events).toEqual([]);
    });

    it.skipIf(!ctx.has('transactions'))(
      ctx.title('a transaction emits its events only after the commit, in order', 'transactions'),
      async () => {
        const db = await ctx.open();
        const events = record(db);
        let seenInside = -1;
        await db.transaction(async (tx) => {
          await tx.create({ collection: 'Todo', data: { title: 'a' } });
          await tx.create({ collection: 'Todo', data: { title: 'b' } });
          seenInside = events.length;
        });
        expect(seenInside).toBe(0);
        expect(events.map((e) => e.object.title)).toEqual(['a', 'b']);
      },
    );

    it.skipIf(!ctx.has('transactions'))(
      ctx.title('a rolled-back transaction emits nothing', 'transactions'),
      async () => {
        const db = await ctx.open();
        const existing = await db.create({ collection: 'Todo', data: { title: 'x' } });
        const events = record(db);
        await db
          .transaction(async (tx) => {
            await tx.create({ collection: 'Todo', data: { title: 'a' } });
            await tx.save({
              collection: 'Todo',
              objectId: existing.objectId,
              data: { title: 'y' },
            });
            await tx.delete({ collection: 'Todo', objectId: existing.objectId });
            throw new Abort('no');
          })
          .catch(() => undefined);
        expect(events).toEqual([]);
      },
    );

    it('off() stops a listener', async () => {
      const db = await ctx.open();
      const seen: ChangeEvent[] = [];
      const listener = (e: ChangeEvent) => seen.push(e);
      db.on('create', listener);
      await db.create({ collection: 'Todo', data: { title: 'a' } });
      db.off('create', listener);
      await db.create({ collection: 'Todo', data: { title: 'b' } });
      expect(seen).toHaveLength(1);
    });

    it('a throwing listener does not fail the write or starve other listeners', async () => {
      const db = await ctx.open();
      const seen: ChangeEvent[] = [];
      db.on('create', () => {
        throw new Error('listener bug');
      });
      db.on('create', (e) => seen.push(e));
      const created = await db.create({ collection: 'Todo', data: { title: 'a' } });
      expect(created.title).toBe('a');
      expect(seen).toHaveLength(1);
      expect(await db.count({ collection: 'Todo' })).toBe(1);
    });
  });
}
