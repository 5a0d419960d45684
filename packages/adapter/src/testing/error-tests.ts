import { vitestApi } from './vitest-api';
import type { SuiteContext } from './conformance-context';
import { expectBackendError } from './fixtures';

function nest(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let i = 0; i < depth; i++) value = { inner: value };
  return value;
}

function nestedWhere(depth: number): Record<string, unknown> {
  let where: Record<string, unknown> = { n: 1 };
  for (let i = 0; i < depth; i++) where = { $or: [where, { n: 2 }] };
  return where;
}

/** Every error code an adapter raises, with hostile inputs; the store stays intact. */
export function errorTests(ctx: SuiteContext): void {
  const { describe, expect, it } = vitestApi();
  describe('errors', () => {
    it('INVALID_COLLECTION_NAME for malformed collection names', async () => {
      const db = await ctx.open();
      for (const name of [
        '',
        'bad name',
        '1abc',
        'Todo; DROP TABLE x',
        'a-b',
        'x'.repeat(200),
        'Tödo',
      ]) {
        await expectBackendError(
          db.create({ collection: name, data: { a: 1 } }),
          'INVALID_COLLECTION_NAME',
        );
        await expectBackendError(db.query({ collection: name }), 'INVALID_COLLECTION_NAME');
      }
      await expectBackendError(db.query({ collection: 42 as never }), 'INVALID_COLLECTION_NAME');
    });

    it('INVALID_FIELD_NAME for malformed field names, in data and in where', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { title: 'x' } });
      for (const key of ['bad key', '$where', 'a.b', '1st', '__proto__', 'x'.repeat(100)]) {
        const data = JSON.parse(`{${JSON.stringify(key)}: 1}`) as Record<string, number>;
        await expectBackendError(db.create({ collection: 'Todo', data }), 'INVALID_FIELD_NAME');
      }
      await expectBackendError(db.query({ collection: 'Todo', where: { 'bad key': 1 } }), [
        'INVALID_FIELD_NAME',
        'INVALID_QUERY',
      ]);
      expect(await db.count({ collection: 'Todo' })).toBe(1);
    });

    it('INVALID_OBJECT_ID for malformed objectIds', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { title: 'x' } });
      for (const id of ["1' OR '1'='1", '', 'a/b', 'x'.repeat(100)]) {
        await expectBackendError(
          db.fetch({ collection: 'Todo', objectId: id }),
          'INVALID_OBJECT_ID',
        );
        await expectBackendError(
          db.delete({ collection: 'Todo', objectId: id }),
          'INVALID_OBJECT_ID',
        );
      }
      await expectBackendError(
        db.create({ collection: 'Todo', objectId: 'bad id!', data: {} }),
        'INVALID_OBJECT_ID',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(1);
    });

    it('INVALID_POINTER for a malformed Pointer', async () => {
      const db = await ctx.open();
      await expectBackendError(
        db.create({
          collection: 'Todo',
          data: { list: { __type: 'Pointer', className: 'List' } as never },
        }),
        'INVALID_POINTER',
      );
      await expectBackendError(
        db.create({
          collection: 'Todo',
          data: { list: { __type: 'Pointer', className: 'bad name', objectId: 'abc' } as never },
        }),
        'INVALID_POINTER',
      );
    });

    it('INVALID_VALUE for malformed values, operations and data', async () => {
      const db = await ctx.open();
      const bad: unknown[] = [
        { n: Number.NaN },
        { n: Number.POSITIVE_INFINITY },
        { d: { __type: 'Date', iso: 'yesterday' } },
        { w: { __type: 'Weird' } },
        { g: { __type: 'GeoPoint', latitude: 100, longitude: 0 } },
        { o: { __op: 'Explode' } },
        { m: new Map() },
        { f: () => 1 },
      ];
      for (const data of bad) {
        await expectBackendError(db.create({ collection: 'Todo', data: data as never }), [
          'INVALID_VALUE',
          'TYPE_MISMATCH',
        ]);
      }
      await expectBackendError(
        db.create({ collection: 'Todo', data: 'not an object' as never }),
        'INVALID_VALUE',
      );
      await expectBackendError(
        db.create({ collection: 'Todo', data: [1, 2] as never }),
        'INVALID_VALUE',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(0);
    });

    it('INVALID_QUERY for malformed queries; UNKNOWN_OPERATOR for unknown operators', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { n: 1 } });
      await expectBackendError(
        db.query({ collection: 'Todo', where: { n: { $foo: 1 } } }),
        'UNKNOWN_OPERATOR',
      );
      await expectBackendError(db.query({ collection: 'Todo', where: { $or: 'x' } as never }), [
        'INVALID_QUERY',
        'TYPE_MISMATCH',
      ]);
      await expectBackendError(db.query({ collection: 'Todo', limit: -1 }), 'INVALID_QUERY');
      await expectBackendError(db.query({ collection: 'Todo', skip: 1.5 }), 'INVALID_QUERY');
      await expectBackendError(db.query({ collection: 'Todo', where: 'n = 1' as never }), [
        'INVALID_QUERY',
        'TYPE_MISMATCH',
      ]);
      await expectBackendError(db.query({ collection: 'Todo', sort: 42 as never }), [
        'INVALID_QUERY',
        'TYPE_MISMATCH',
      ]);
      await expectBackendError(db.query({ collection: 'Todo', where: { n: { $in: 5 } } }), [
        'INVALID_QUERY',
        'TYPE_MISMATCH',
      ]);
    });

    it('a bad filter is an error even before the collection has records', async () => {
      const db = await ctx.open();
      await expectBackendError(
        db.query({ collection: 'Empty', where: { n: { $foo: 1 } } }),
        'UNKNOWN_OPERATOR',
      );
    });

    it('hostile depth: deeply nested values and filters are refused, not a crash', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { n: 1 } });
      await expectBackendError(
        db.create({ collection: 'Todo', data: { deep: nest(500) } as never }),
        ['INVALID_VALUE', 'RESOURCE_LIMIT'],
      );
      await expectBackendError(db.query({ collection: 'Todo', where: nestedWhere(5000) }), [
        'INVALID_QUERY',
        'RESOURCE_LIMIT',
      ]);
      expect(await db.count({ collection: 'Todo' })).toBe(1);
    });

    it.skipIf(!ctx.has('maxRecordBytes'))(
      ctx.title(
        'PAYLOAD_TOO_LARGE for a value over the size limit; nothing is stored',
        'maxRecordBytes',
      ),
      async () => {
        const db = await ctx.open();
        const created = await db.create({ collection: 'Todo', data: { title: 'small' } });
        const huge = 'x'.repeat(ctx.caps.maxRecordBytes + 1024);
        await expectBackendError(
          db.create({ collection: 'Todo', data: { title: huge } }),
          'PAYLOAD_TOO_LARGE',
        );
        await expectBackendError(
          db.save({ collection: 'Todo', objectId: created.objectId, data: { title: huge } }),
          'PAYLOAD_TOO_LARGE',
        );
        expect((await db.fetch({ collection: 'Todo', objectId: created.objectId })).title).toBe(
          'small',
        );
        expect(await db.count({ collection: 'Todo' })).toBe(1);
      },
    );

    it('UNAVAILABLE after disconnect', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { n: 1 } });
      await db.disconnect();
      await expectBackendError(db.query({ collection: 'Todo' }), 'UNAVAILABLE');
      await expectBackendError(db.create({ collection: 'Todo', data: { n: 2 } }), 'UNAVAILABLE');
      await db.connect();
    });

    it('options that are not objects are refused with a BackendError', async () => {
      const db = await ctx.open();
      await expectBackendError(db.query(null as never), ['INVALID_VALUE', 'INVALID_QUERY']);
      await expectBackendError(db.create(undefined as never), ['INVALID_VALUE', 'INVALID_QUERY']);
      await expectBackendError(
        db.increment({ collection: 'Todo', objectId: 'abc', fields: { n: 'x' } as never }),
        ['TYPE_MISMATCH', 'INVALID_VALUE'],
      );
    });
  });
}
