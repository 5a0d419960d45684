import { vitestApi } from './vitest-api';
import type { CloudStoreAdapter } from '../cloud-store-adapter';
import type { ColumnDefinition, SchemaDefinition } from '../schema-definition';
import type { SuiteContext } from './conformance-context';
import { expectBackendError } from './fixtures';

function columnsOf(
  schema: SchemaDefinition,
  table: string,
): Record<string, Partial<ColumnDefinition>> {
  const found = schema.tables.find((t) => t.name === table);
  const out: Record<string, Partial<ColumnDefinition>> = {};
  for (const column of found?.columns ?? []) out[column.name] = column;
  return out;
}

async function tableNames(db: CloudStoreAdapter): Promise<string[]> {
  return (await db.getSchema()).tables.map((t) => t.name).sort();
}

/** Schema operations in auto and strict mode. */
export function schemaTests(ctx: SuiteContext): void {
  const { describe, expect, it } = vitestApi();
  describe.skipIf(!ctx.has('schema'))(ctx.title('schema: auto mode', 'schema'), () => {
    it('the first write of a field adds a column of the inferred type', async () => {
      const db = await ctx.open();
      const list = await db.create({ collection: 'List', data: { name: 'l' } });
      await db.create({
        collection: 'Todo',
        data: {
          title: 't',
          n: 1,
          done: true,
          due: new Date(),
          meta: { a: 1 },
          tags: ['x'],
          list: { __type: 'Pointer', className: 'List', objectId: list.objectId },
          place: { __type: 'GeoPoint', latitude: 1, longitude: 2 },
          pic: { __type: 'File', name: 'p.png' },
          nothing: null,
        },
      });
      const columns = columnsOf(await db.getSchema(), 'Todo');
      expect(columns).toMatchObject({
        title: { type: 'String' },
        n: { type: 'Number' },
        done: { type: 'Boolean' },
        due: { type: 'Date' },
        meta: { type: 'Object' },
        tags: { type: 'Array' },
        list: { type: 'Pointer', targetClass: 'List' },
        place: { type: 'GeoPoint' },
        pic: { type: 'File' },
      });
      expect('nothing' in columns).toBe(false);
      expect('objectId' in columns || 'createdAt' in columns).toBe(false);
    });

    it.skipIf(!ctx.has('relations'))(
      ctx.title('addRelation with targetClass adds a Relation column', 'relations'),
      async () => {
        const db = await ctx.open();
        const post = await db.create({ collection: 'Post', data: { title: 'p' } });
        const user = await db.create({ collection: 'User', data: { name: 'u' } });
        await db.addRelation({
          collection: 'Post',
          objectId: post.objectId,
          key: 'likes',
          targetObjectId: user.objectId,
          targetClass: 'User',
        });
        expect(columnsOf(await db.getSchema(), 'Post').likes).toMatchObject({
          type: 'Relation',
          targetClass: 'User',
        });
      },
    );

    it('a value of the wrong type for an existing field is TYPE_MISMATCH and stores nothing', async () => {
      const db = await ctx.open();
      const created = await db.create({
        collection: 'Todo',
        data: { n: 1, title: 't', done: false },
      });
      await expectBackendError(
        db.create({ collection: 'Todo', data: { n: 'one' } }),
        'TYPE_MISMATCH',
      );
      await expectBackendError(
        db.save({ collection: 'Todo', objectId: created.objectId, data: { title: 5 } }),
        'TYPE_MISMATCH',
      );
      await expectBackendError(
        db.save({ collection: 'Todo', objectId: created.objectId, data: { done: 'yes' } }),
        'TYPE_MISMATCH',
      );
      await expectBackendError(
        db.save({ collection: 'Todo', objectId: created.objectId, data: { n: [1] } }),
        'TYPE_MISMATCH',
      );
      await expectBackendError(
        db.save({
          collection: 'Todo',
          objectId: created.objectId,
          data: { title: { __op: 'Increment', amount: 1 } },
        }),
        'TYPE_MISMATCH',
      );
      expect(await db.count({ collection: 'Todo' })).toBe(1);
      expect(await db.fetch({ collection: 'Todo', objectId: created.objectId })).toEqual(created);
    });

    it('a query comparing a field with a value of the wrong type is TYPE_MISMATCH', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { n: 1 } });
      await expectBackendError(
        db.query({ collection: 'Todo', where: { n: { $gt: 'abc' } } }),
        'TYPE_MISMATCH',
      );
    });

    it('getSchema lists collections with their columns; version grows with every change', async () => {
      const db = await ctx.open();
      const before = await db.getSchema();
      await db.createTable({ name: 'Book', columns: [{ name: 'title', type: 'String' }] });
      const after = await db.getSchema();
      expect(after.version).toBeGreaterThan(before.version);
      expect(after.tables.find((t) => t.name === 'Book')).toEqual({
        name: 'Book',
        columns: [{ name: 'title', type: 'String' }],
      });
    });

    it('createTable with the same definition again is a no-op; with other columns SCHEMA_CONFLICT', async () => {
      const db = await ctx.open();
      const table = { name: 'Book', columns: [{ name: 'title', type: 'String' as const }] };
      await db.createTable(table);
      await db.createTable(table);
      await expectBackendError(
        db.createTable({ name: 'Book', columns: [{ name: 'title', type: 'Number' }] }),
        'SCHEMA_CONFLICT',
      );
      expect(await tableNames(db)).toEqual(['Book']);
    });

    it('addColumn adds a column; the same again is a no-op; another type is SCHEMA_CONFLICT', async () => {
      const db = await ctx.open();
      await db.createTable({ name: 'Book', columns: [] });
      await db.addColumn('Book', { name: 'pages', type: 'Number' });
      await db.addColumn('Book', { name: 'pages', type: 'Number' });
      await expectBackendError(
        db.addColumn('Book', { name: 'pages', type: 'String' }),
        'SCHEMA_CONFLICT',
      );
      expect(columnsOf(await db.getSchema(), 'Book').pages).toMatchObject({ type: 'Number' });
      const book = await db.create({ collection: 'Book', data: { pages: 10 } });
      expect(book.pages).toBe(10);
    });

    it('addColumn on a collection that does not exist is TABLE_NOT_FOUND', async () => {
      const db = await ctx.open();
      await expectBackendError(
        db.addColumn('Nope', { name: 'x', type: 'String' }),
        'TABLE_NOT_FOUND',
      );
    });

    it('deleteColumn removes the column and its data; the name can be reused with another type', async () => {
      const db = await ctx.open();
      const created = await db.create({ collection: 'Todo', data: { title: 't', note: 'n' } });
      await db.deleteColumn('Todo', 'note');
      expect('note' in (await db.fetch({ collection: 'Todo', objectId: created.objectId }))).toBe(
        false,
      );
      expect('note' in columnsOf(await db.getSchema(), 'Todo')).toBe(false);
      const again = await db.save({
        collection: 'Todo',
        objectId: created.objectId,
        data: { note: 5 },
      });
      expect(again.note).toBe(5);
    });

    it('deleteTable removes the collection and its data', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Todo', data: { title: 't' } });
      await db.create({ collection: 'Keep', data: { title: 'k' } });
      await db.deleteTable('Todo');
      expect(await tableNames(db)).toEqual(['Keep']);
      expect(await db.count({ collection: 'Todo' })).toBe(0);
      await expectBackendError(db.deleteTable('Todo'), 'TABLE_NOT_FOUND');
      const fresh = await db.create({ collection: 'Todo', data: { title: 5 } });
      expect(fresh.title).toBe(5);
    });

    it('updateSchema creates missing tables and columns and leaves the rest alone', async () => {
      const db = await ctx.open();
      await db.create({ collection: 'Existing', data: { a: 'x' } });
      await db.updateSchema({
        version: 0,
        tables: [
          {
            name: 'Existing',
            columns: [
              { name: 'a', type: 'String' },
              { name: 'b', type: 'Number' },
            ],
          },
          { name: 'Fresh', columns: [{ name: 'c', type: 'Boolean' }] },
        ],
      });
      const schema = await db.getSchema();
      expect(columnsOf(schema, 'Existing')).toMatchObject({
        a: { type: 'String' },
        b: { type: 'Number' },
      });
      expect(columnsOf(schema, 'Fresh')).toMatchObject({ c: { type: 'Boolean' } });
      expect(await db.count({ collection: 'Existing' })).toBe(1);
    });

    it('a required column: create without it or save that unsets it is REQUIRED_FIELD', async () => {
      const db = await ctx.open();
      await db.createTable({
        name: 'Book',
        columns: [
          { name: 'title', type: 'String', required: true },
          { name: 'n', type: 'Number' },
        ],
      });
      await expectBackendError(db.create({ collection: 'Book', data: { n: 1 } }), 'REQUIRED_FIELD');
      await expectBackendError(
        db.create({ collection: 'Book', data: { title: null } }),
        'REQUIRED_FIELD',
      );
      const book = await db.create({ collection: 'Book', data: { title: 't' } });
      await expectBackendError(
        db.save({ collection: 'Book', objectId: book.objectId, data: { title: null } }),
        'REQUIRED_FIELD',
      );
      await expectBackendError(
        db.save({
          collection: 'Book',
          objectId: book.objectId,
          data: { title: { __op: 'Delete' } },
        }),
        'REQUIRED_FIELD',
      );
      expect(await db.count({ collection: 'Book' })).toBe(1);
    });

    it('a defaultValue fills a field that create leaves out', async () => {
      const db = await ctx.open();
      await db.createTable({
        name: 'Book',
        columns: [
          { name: 'status', type: 'String', defaultValue: 'draft' },
          { name: 'done', type: 'Boolean', defaultValue: false },
          { name: 'n', type: 'Number', defaultValue: 3 },
        ],
      });
      const book = await db.create({ collection: 'Book', data: { n: 1 } });
      expect(book).toMatchObject({ status: 'draft', done: false, n: 1 });
    });

    it('a unique column refuses a second record with the same value (DUPLICATE_VALUE)', async () => {
      const db = await ctx.open();
      await db.createTable({
        name: 'Account',
        columns: [{ name: 'email', type: 'String', unique: true }],
      });
      const first = await db.create({ collection: 'Account', data: { email: 'a@x.io' } });
      await expectBackendError(
        db.create({ collection: 'Account', data: { email: 'a@x.io' } }),
        'DUPLICATE_VALUE',
      );
      const other = await db.create({ collection: 'Account', data: { email: 'b@x.io' } });
      await expectBackendError(
        db.save({ collection: 'Account', objectId: other.objectId, data: { email: 'a@x.io' } }),
        'DUPLICATE_VALUE',
      );
      expect(await db.count({ collection: 'Account' })).toBe(2);
      expect((await db.fetch({ collection: 'Account', objectId: first.objectId })).email).toBe(
        'a@x.io',
      );
    });

    it.skipIf(!ctx.has('fullText'))(
      ctx.title('a textIndex column is searchable with $text, also for later writes', 'fullText'),
      async () => {
        const db = await ctx.open();
        await db.createTable({
          name: 'Doc',
          columns: [{ name: 'body', type: 'String', textIndex: true }],
        });
        const a = await db.create({ collection: 'Doc', data: { body: 'The quick brown fox' } });
        const b = await db.create({ collection: 'Doc', data: { body: 'lazy dogs sleep' } });
        const search = async (term: string) =>
          (
            await db.query({
              collection: 'Doc',
              where: { body: { $text: { $search: { $term: term } } } },
            })
          ).results
            .map((r) => r.objectId)
            .sort();
        expect(await search('quick')).toEqual([a.objectId]);
        await db.save({ collection: 'Doc', objectId: a.objectId, data: { body: 'slow turtle' } });
        expect(await search('quick')).toEqual([]);
        expect(await search('turtle')).toEqual([a.objectId]);
        await db.delete({ collection: 'Doc', objectId: b.objectId });
        expect(await search('dogs')).toEqual([]);
      },
    );
  });

  describe.skipIf(!ctx.has('schema', 'strictSchema'))(
    ctx.title('schema: strict mode', 'schema', 'strictSchema'),
    () => {
      it('create in a collection that does not exist is TABLE_NOT_FOUND', async () => {
        const db = await ctx.open('strict');
        await expectBackendError(
          db.create({ collection: 'Todo', data: { title: 'x' } }),
          'TABLE_NOT_FOUND',
        );
        expect(await tableNames(db)).toEqual([]);
      });

      it('a field that is not in the schema is INVALID_FIELD_NAME; known fields work', async () => {
        const db = await ctx.open('strict');
        await db.createTable({ name: 'Todo', columns: [{ name: 'title', type: 'String' }] });
        await expectBackendError(
          db.create({ collection: 'Todo', data: { title: 'x', extra: 1 } }),
          'INVALID_FIELD_NAME',
        );
        const todo = await db.create({ collection: 'Todo', data: { title: 'x' } });
        await expectBackendError(
          db.save({ collection: 'Todo', objectId: todo.objectId, data: { extra: 1 } }),
          'INVALID_FIELD_NAME',
        );
        await db.addColumn('Todo', { name: 'extra', type: 'Number' });
        expect(
          (await db.save({ collection: 'Todo', objectId: todo.objectId, data: { extra: 1 } }))
            .extra,
        ).toBe(1);
      });

      it('querying an unknown collection is TABLE_NOT_FOUND; an unknown field in where is INVALID_FIELD_NAME', async () => {
        const db = await ctx.open('strict');
        await expectBackendError(db.query({ collection: 'Nope' }), 'TABLE_NOT_FOUND');
        await db.createTable({ name: 'Todo', columns: [{ name: 'title', type: 'String' }] });
        await expectBackendError(
          db.query({ collection: 'Todo', where: { nope: 1 } }),
          'INVALID_FIELD_NAME',
        );
        expect((await db.query({ collection: 'Todo', where: { title: 'x' } })).results).toEqual([]);
      });

      it('the schema of a strict adapter is exactly what was created', async () => {
        const db = await ctx.open('strict');
        await db.createTable({
          name: 'Todo',
          columns: [
            { name: 'title', type: 'String' },
            { name: 'n', type: 'Number' },
          ],
        });
        await db.create({ collection: 'Todo', data: { title: 'x', n: 1 } });
        expect(columnsOf(await db.getSchema(), 'Todo')).toEqual({
          title: { name: 'title', type: 'String' },
          n: { name: 'n', type: 'Number' },
        });
      });
    },
  );
}
