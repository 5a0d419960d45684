import { describe, expect, test } from 'vitest';
import { BackendError, type TableSchema } from '@localbackend/adapter';
import { matches } from './matches';
import { parseWhere } from './parse-where';

const schema: TableSchema = {
  name: 'Post',
  columns: [
    { name: 'title', type: 'String', textIndex: true },
    { name: 'body', type: 'String' },
    { name: 'tags', type: 'Array' },
    { name: 'when', type: 'Date' },
    { name: 'likes', type: 'Relation', targetClass: '_User' },
    { name: 'meta', type: 'Object' },
  ],
};

const rec = (fields: Record<string, unknown>) => ({
  objectId: 'p1',
  createdAt: '2024-01-01T00:00:00.000Z',
  updatedAt: '2024-01-01T00:00:00.000Z',
  ...fields,
});
const m = (record: Record<string, unknown>, where: unknown, s: TableSchema | undefined = schema) =>
  matches(rec(record), parseWhere(where, { schema: s }), { schema: s });

describe('matches()', () => {
  test('null and missing are the same; $ne and $nin also match them', () => {
    expect(m({}, { body: null })).toBe(true);
    expect(m({ body: null }, { body: { $exists: false } })).toBe(true);
    expect(m({}, { body: { $ne: 'x' } })).toBe(true);
    expect(m({}, { body: { $nin: ['x'] } })).toBe(true);
    expect(m({ body: 'x' }, { body: { $nin: ['x'] } })).toBe(false);
  });

  test('types never mix: 5 is not "5", true is not 1, a string is never less than a number', () => {
    expect(m({ meta: { n: 5 } }, { 'meta.n': '5' })).toBe(false);
    expect(m({ meta: { n: 1 } }, { 'meta.n': true })).toBe(false);
    expect(m({ meta: { n: 'a' } }, { 'meta.n': { $gt: 5 } })).toBe(false);
    expect(m({ meta: { n: 'a' } }, { 'meta.n': { $lt: 5 } })).toBe(false);
  });

  test('strings compare by code point (like SQLite BINARY and Postgres "C")', () => {
    expect(m({ body: 'Z' }, { body: { $lt: 'a' } })).toBe(true);
    expect(m({ body: '\uffff' }, { body: { $lt: '😀' } })).toBe(true);
  });

  test('Array fields: equality and $in mean "contains", $all "contains all"', () => {
    expect(m({ tags: ['a', 'b'] }, { tags: 'a' })).toBe(true);
    expect(m({ tags: ['a', 'b'] }, { tags: { $ne: 'a' } })).toBe(false);
    expect(m({ tags: ['a', 'b'] }, { tags: { $in: ['x', 'b'] } })).toBe(true);
    expect(m({ tags: ['a', 'b'] }, { tags: { $all: ['a', 'b'] } })).toBe(true);
    expect(m({ tags: ['a'] }, { tags: { $all: ['a', 'b'] } })).toBe(false);
    expect(m({ tags: [] }, { tags: { $all: [] } })).toBe(false);
  });

  test('without a schema arrays are values, not containers (except for $all)', () => {
    expect(matches(rec({ tags: ['a'] }), parseWhere({ tags: 'a' }))).toBe(false);
    expect(matches(rec({ tags: ['a'] }), parseWhere({ tags: { $all: ['a'] } }))).toBe(true);
  });

  test('Date fields accept ISO strings, {__type: Date} and Date objects in records', () => {
    for (const when of [
      '2024-05-01T00:00:00.000Z',
      { __type: 'Date', iso: '2024-05-01T00:00:00.000Z' },
      new Date('2024-05-01T00:00:00.000Z'),
    ]) {
      expect(m({ when }, { when: { $gt: '2024-04-01T00:00:00Z' } })).toBe(true);
    }
  });

  test('text search: FTS-like tokens with a text index, LIKE-like substrings without', () => {
    expect(
      m({ title: 'Crème brûlée' }, { title: { $text: { $search: { $term: 'CREME' } } } }),
    ).toBe(true);
    expect(m({ title: 'buttermilk' }, { title: { $text: { $search: { $term: 'milk' } } } })).toBe(
      false,
    );
    expect(m({ body: 'buttermilk' }, { body: { $text: { $search: { $term: 'MILK' } } } })).toBe(
      true,
    );
    expect(m({ body: 'Crème' }, { body: { $text: { $search: { $term: 'creme' } } } })).toBe(false);
  });

  test('$relatedTo and Relation fields need a relations lookup', () => {
    const where = parseWhere({
      $relatedTo: {
        object: { __type: 'Pointer', className: 'Blog', objectId: 'b1' },
        key: 'posts',
      },
    });
    expect(() => matches(rec({}), where)).toThrow(BackendError);
    try {
      matches(rec({}), where);
    } catch (e) {
      expect((e as BackendError).code).toBe('UNSUPPORTED');
    }
    const relations = (owner: { className: string; objectId: string }, key: string, id: string) =>
      owner.className === 'Blog' && owner.objectId === 'b1' && key === 'posts' && id === 'p1';
    expect(matches(rec({}), where, { relations })).toBe(true);
    const likes = parseWhere({ likes: { pointsTo: 'u1' } }, { schema });
    expect(
      matches(rec({}), likes, {
        schema,
        relations: (o, k, id) =>
          o.className === 'Post' && o.objectId === 'p1' && k === 'likes' && id === 'u1',
      }),
    ).toBe(true);
  });

  test('a hand-built AST is validated', () => {
    expect(() =>
      matches(rec({}), { kind: 'compare', field: { field: 'x y', path: [] }, op: 'eq', value: 1 }),
    ).toThrow(BackendError);
    expect(() =>
      matches(
        rec({}),
        { kind: 'compare', field: { field: 'when', path: [] }, op: 'eq', value: 'nope' },
        { schema },
      ),
    ).toThrow(BackendError);
    expect(
      matches(
        rec({ when: '2024-01-01T00:00:00.000Z' }),
        {
          kind: 'compare',
          field: { field: 'when', path: [] },
          op: 'eq',
          value: '2024-01-01T00:00:00Z',
        },
        { schema },
      ),
    ).toBe(true);
  });
});
