import { describe, expect, test } from 'vitest';
import { BackendError, type TableSchema } from '@localbackend/adapter';
import { parseSort } from './parse-sort';
import { parseSelect } from './parse-select';
import { parseInclude } from './parse-include';

const schema: TableSchema = {
  name: 'Todo',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'list', type: 'Pointer', targetClass: 'List' },
    { name: 'meta', type: 'Object' },
    { name: 'tags', type: 'Relation', targetClass: 'Tag' },
  ],
};

const key = (field: string, direction: 'asc' | 'desc', ...path: string[]) => ({
  field: { field, path },
  direction,
});

describe('parseSort', () => {
  test('every accepted format gives the same keys', () => {
    const expected = [key('createdAt', 'desc'), key('title', 'asc')];
    expect(parseSort('-createdAt,title')).toEqual(expected);
    expect(parseSort(' -createdAt , +title ')).toEqual(expected);
    expect(parseSort(['-createdAt', 'title'])).toEqual(expected);
    expect(
      parseSort([
        { property: 'createdAt', order: 'descending' },
        { property: 'title', order: 'ascending' },
      ]),
    ).toEqual(expected);
    expect(parseSort({ createdAt: -1, title: 1 })).toEqual(expected);
    expect(parseSort({ createdAt: 'desc', title: 'asc' })).toEqual(expected);
  });

  test('JSON paths, duplicates dropped, empty input', () => {
    expect(parseSort('meta.rank,-meta.rank')).toEqual([key('meta', 'asc', 'rank')]);
    expect(parseSort(undefined)).toEqual([]);
    expect(parseSort('')).toEqual([]);
  });

  test('schema: unknown fields are errors or dropped in missing mode', () => {
    expect(() => parseSort('ghost', { schema })).toThrow(BackendError);
    expect(parseSort('ghost,-title', { schema, unknownFields: 'missing' })).toEqual([
      key('title', 'desc'),
    ]);
    expect(() => parseSort('tags', { schema })).toThrow(/not a Relation/);
  });

  test('errors name the path', () => {
    expect(() => parseSort([{ property: 'title', order: 'up' }])).toThrow(
      'sort[0].order: expected "ascending" or "descending", got "up"',
    );
  });
});

describe('parseSelect', () => {
  test('names, trimmed and unique; a.b selects a; Relation fields dropped', () => {
    expect(parseSelect('title, meta.x ,title')).toEqual(['title', 'meta']);
    expect(parseSelect(['title', 'tags'], { schema })).toEqual(['title']);
    expect(parseSelect(['ghost', 'title'], { schema, unknownFields: 'missing' })).toEqual([
      'title',
    ]);
    expect(() => parseSelect(['ghost'], { schema })).toThrow(
      'select[0]: the field "ghost" does not exist in Todo',
    );
  });
});

describe('parseInclude', () => {
  test('key paths', () => {
    expect(parseInclude('list,list.owner,list')).toEqual([['list'], ['list', 'owner']]);
    expect(parseInclude(['list'], { schema })).toEqual([['list']]);
    expect(parseInclude('ghost', { schema, unknownFields: 'missing' })).toEqual([]);
    expect(parseInclude('title,list', { schema })).toEqual([['list']]);
    expect(() => parseInclude('list.__proto__')).toThrow(BackendError);
  });
});
