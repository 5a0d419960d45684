import { vitestApi } from './vitest-api';
import type { CloudStoreAdapter } from '../cloud-store-adapter';
import type { SuiteContext } from './conformance-context';
import { FILTER_CASES } from './filter-cases';
import { expectBackendError, keysOf, seedItems, type Seeded } from './fixtures';

const FORMAT_TITLES = {
  parse: 'Parse / CloudStore wire format',
  noodl: 'Noodl filter format',
  shorthand: 'original-design shorthand',
  visual: 'visual filter (editor)',
} as const;

/** Filters in every format, sort, paging, count, include, select, aggregate and distinct. */
export function queryTests(ctx: SuiteContext): void {
  const { describe, expect, it } = vitestApi();
  describe('queries on a seeded fixture', () => {
    let db: CloudStoreAdapter;
    let seeded: Seeded;
    async function setup(): Promise<void> {
      db = await ctx.open();
      seeded = await seedItems(db, { relations: ctx.has('relations') });
    }

    for (const format of ['parse', 'noodl', 'shorthand', 'visual'] as const) {
      describe(`filters: ${FORMAT_TITLES[format]}`, () => {
        for (const c of FILTER_CASES.filter((x) => x.format === format)) {
          const needs = c.needs ?? [];
          it.skipIf(!ctx.has(...needs))(
            ctx.title(`${c.name} -> ${c.expect}`, ...needs),
            async () => {
              await setup();
              const where = c.where(seeded.ids);
              const { results } = await db.query({ collection: 'Item', where, limit: 1000 });
              expect(keysOf(seeded, results), JSON.stringify(where)).toEqual(c.expect.split(','));
              expect(await db.count({ collection: 'Item', where })).toBe(
                c.expect.split(',').length,
              );
            },
          );
        }
      });
    }

    describe('sort', () => {
      const cases: [string, unknown, string][] = [
        ['string "n"', 'n', 'f,a,b,c,d,e'],
        ['string "-n"', '-n', 'e,d,c,b,a,f'],
        [
          'array ["-done", "n"] (missing sorts lowest: last when descending)',
          ['-done', 'n'],
          'b,d,a,c,e,f',
        ],
        ['string "-done,n"', '-done,n', 'b,d,a,c,e,f'],
        [
          'object { done: 1, n: -1 } (missing sorts lowest: first when ascending)',
          { done: 1, n: -1 },
          'f,e,c,a,d,b',
        ],
        ["object { n: 'desc' }", { n: 'desc' }, 'e,d,c,b,a,f'],
        [
          "[{ property: 'due', order: 'descending' }]",
          [{ property: 'due', order: 'descending' }],
          'e,c,b,a,f,d',
        ],
        [
          "[{ property: 'due', order: 'ascending' }]",
          [{ property: 'due', order: 'ascending' }],
          'd,f,a,b,c,e',
        ],
      ];
      for (const [name, sort, expected] of cases) {
        it(`${name} -> ${expected}`, async () => {
          await setup();
          const { results } = await db.query({ collection: 'Item', sort: sort as never });
          expect(keysOf(seeded, results, true)).toEqual(expected.split(','));
        });
      }

      it('sort by createdAt orders by creation time', async () => {
        await setup();
        const { results } = await db.query({ collection: 'Item', sort: 'createdAt' });
        const times = results.map((r) => r.createdAt);
        expect([...times].sort()).toEqual(times);
        const desc = (await db.query({ collection: 'Item', sort: '-createdAt' })).results.map(
          (r) => r.createdAt,
        );
        expect([...desc].sort().reverse()).toEqual(desc);
      });
    });

    describe('paging and count', () => {
      it('skip and limit page through a sorted result', async () => {
        await setup();
        const page = await db.query({ collection: 'Item', sort: 'n', skip: 2, limit: 2 });
        expect(keysOf(seeded, page.results, true)).toEqual(['b', 'c']);
        const last = await db.query({ collection: 'Item', sort: 'n', skip: 5, limit: 10 });
        expect(keysOf(seeded, last.results, true)).toEqual(['e']);
        const beyond = await db.query({ collection: 'Item', sort: 'n', skip: 50 });
        expect(beyond.results).toEqual([]);
      });

      it('count: true returns the total number of matches, ignoring limit and skip', async () => {
        await setup();
        const result = await db.query({
          collection: 'Item',
          where: { done: false },
          limit: 1,
          skip: 1,
          count: true,
        });
        expect(result.results).toHaveLength(1);
        expect(result.count).toBe(3);
      });

      it('limit 0 with count returns only the count', async () => {
        await setup();
        const result = await db.query({ collection: 'Item', limit: 0, count: true });
        expect(result).toEqual({ results: [], count: 6 });
      });

      it('count is absent unless asked for', async () => {
        await setup();
        expect('count' in (await db.query({ collection: 'Item' }))).toBe(false);
      });

      it('count() counts matches', async () => {
        await setup();
        expect(await db.count({ collection: 'Item' })).toBe(6);
        expect(await db.count({ collection: 'Item', where: { done: true } })).toBe(2);
      });

      it('the default limit is 100', async () => {
        db = await ctx.open();
        await Promise.all(
          Array.from({ length: 120 }, (_, i) => db.create({ collection: 'Many', data: { i } })),
        );
        expect((await db.query({ collection: 'Many' })).results).toHaveLength(100);
        expect((await db.query({ collection: 'Many', limit: 1000 })).results).toHaveLength(120);
      });

      it('a collection that was never written reads as empty (auto mode)', async () => {
        db = await ctx.open();
        expect(await db.query({ collection: 'Nothing', where: { a: 1 }, count: true })).toEqual({
          results: [],
          count: 0,
        });
        expect(await db.count({ collection: 'Nothing' })).toBe(0);
      });

      it('a field that nobody has written yet behaves as missing (auto mode)', async () => {
        await setup();
        const { results } = await db.query({
          collection: 'Item',
          where: { neverWritten: { $exists: false } },
        });
        expect(results).toHaveLength(6);
        expect(
          (await db.query({ collection: 'Item', where: { neverWritten: 1 } })).results,
        ).toEqual([]);
      });
    });

    describe('include and select', () => {
      it('include replaces a Pointer with the record it points to', async () => {
        await setup();
        const { results } = await db.query({
          collection: 'Item',
          where: { objectId: seeded.ids.a },
          include: 'owner',
        });
        expect(results[0]!.owner).toMatchObject({ objectId: seeded.ids.o1, name: 'Ada' });
      });

      it('include follows two levels (owner.org) and leaves unset pointers alone', async () => {
        await setup();
        const { results } = await db.query({
          collection: 'Item',
          include: ['owner.org'],
          sort: 'n',
        });
        const byKey = new Map(results.map((r) => [seeded.keyOf(r.objectId), r]));
        expect(byKey.get('a')!.owner).toMatchObject({
          name: 'Ada',
          org: { objectId: seeded.ids.org, name: 'Acme' },
        });
        expect(byKey.get('c')!.owner).toMatchObject({ name: 'Bob' });
        expect('owner' in byKey.get('d')!).toBe(false);
      });

      it('fetch supports include', async () => {
        await setup();
        const record = await db.fetch({
          collection: 'Item',
          objectId: seeded.ids.e,
          include: 'owner',
        });
        expect(record.owner).toMatchObject({ objectId: seeded.ids.o2, name: 'Bob' });
      });

      it('without include a Pointer is its objectId', async () => {
        await setup();
        expect((await db.fetch({ collection: 'Item', objectId: seeded.ids.a })).owner).toBe(
          seeded.ids.o1,
        );
      });

      it('select returns only the chosen fields plus objectId, createdAt, updatedAt', async () => {
        await setup();
        for (const select of [['title', 'n'], 'title,n']) {
          const { results } = await db.query({
            collection: 'Item',
            where: { objectId: seeded.ids.a },
            select: select as never,
          });
          expect(Object.keys(results[0]!).sort()).toEqual([
            'createdAt',
            'n',
            'objectId',
            'title',
            'updatedAt',
          ]);
        }
      });
    });

    describe.skipIf(!ctx.has('aggregate'))(ctx.title('aggregate and distinct', 'aggregate'), () => {
      it('sum, avg, min, max over the matching records', async () => {
        await setup();
        const result = await db.aggregate({
          collection: 'Item',
          where: { done: false },
          aggregates: {
            total: { sum: 'n' },
            mean: { avg: 'n' },
            low: { min: 'n' },
            high: { max: 'n' },
          },
        });
        expect(result.total).toBeCloseTo(9.5);
        expect(result.mean).toBeCloseTo(9.5 / 3);
        expect(result.low).toBe(1);
        expect(result.high).toBe(5.5);
      });

      it('min and max of a Date field are ISO strings', async () => {
        await setup();
        const result = await db.aggregate({
          collection: 'Item',
          aggregates: { first: { min: 'due' }, last: { max: 'due' } },
        });
        expect(result).toEqual({
          first: '2025-12-31T00:00:00.000Z',
          last: '2026-05-15T00:00:00.000Z',
        });
      });

      it('distinct inside aggregate, and distinct()', async () => {
        await setup();
        const result = await db.aggregate({
          collection: 'Item',
          aggregates: { owners: { distinct: 'owner' } },
        });
        expect([...(result.owners as string[])].sort()).toEqual(
          [seeded.ids.o1, seeded.ids.o2].sort(),
        );
        const done = await db.distinct({ collection: 'Item', field: 'done' });
        expect([...done].sort()).toEqual([false, true]);
        const owners = await db.distinct({
          collection: 'Item',
          field: 'owner',
          where: { n: { $gt: 2 } },
        });
        expect(owners).toEqual([seeded.ids.o2]);
      });

      it('aggregates over no records: sum 0, the others null, distinct empty', async () => {
        await setup();
        const result = await db.aggregate({
          collection: 'Item',
          where: { n: { $gt: 1000 } },
          aggregates: {
            total: { sum: 'n' },
            mean: { avg: 'n' },
            low: { min: 'n' },
            values: { distinct: 'n' },
          },
        });
        expect(result).toEqual({ total: 0, mean: null, low: null, values: [] });
      });

      it('sum of a String field is TYPE_MISMATCH; an unknown aggregate is UNKNOWN_OPERATOR', async () => {
        await setup();
        await expectBackendError(
          db.aggregate({ collection: 'Item', aggregates: { t: { sum: 'title' } } }),
          'TYPE_MISMATCH',
        );
        await expectBackendError(
          db.aggregate({ collection: 'Item', aggregates: { t: { median: 'n' } as never } }),
          ['UNKNOWN_OPERATOR', 'INVALID_QUERY'],
        );
      });
    });
  });
}
