import { describe, expect, it } from 'vitest';
import type { TableSchema } from './schema-definition';
import { encodeParseRecord } from './parse-record-codec';

const list: TableSchema = { name: 'List', columns: [{ name: 'due', type: 'Date' }] };
const todo: TableSchema = {
  name: 'Todo',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'due', type: 'Date' },
    { name: 'list', type: 'Pointer', targetClass: 'List' },
    { name: 'tags', type: 'Relation', targetClass: 'Tag' },
    { name: 'where', type: 'GeoPoint' },
  ],
};
const base = {
  objectId: 't1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-02T00:00:00.000Z',
};

describe('encodeParseRecord', () => {
  it('encodes dates, pointers and relations as Parse does, keeping createdAt/updatedAt strings', () => {
    expect(
      encodeParseRecord(
        {
          ...base,
          title: 'x',
          due: '2026-03-01T00:00:00.000Z',
          list: 'l1',
          where: { __type: 'GeoPoint', latitude: 1, longitude: 2 },
        },
        todo,
      ),
    ).toEqual({
      ...base,
      title: 'x',
      due: { __type: 'Date', iso: '2026-03-01T00:00:00.000Z' },
      list: { __type: 'Pointer', className: 'List', objectId: 'l1' },
      tags: { __type: 'Relation', className: 'Tag' },
      where: { __type: 'GeoPoint', latitude: 1, longitude: 2 },
    });
  });

  it('encodes an included record as a full Parse object using the target schema', () => {
    const encoded = encodeParseRecord(
      { ...base, list: { ...base, objectId: 'l1', due: '2026-05-01T00:00:00.000Z' } },
      todo,
      { lookup: (name) => (name === 'List' ? list : undefined) },
    );
    expect(encoded.list).toEqual({
      ...base,
      objectId: 'l1',
      due: { __type: 'Date', iso: '2026-05-01T00:00:00.000Z' },
      __type: 'Object',
      className: 'List',
    });
  });

  it('passes values through without a schema and keeps nulls', () => {
    expect(encodeParseRecord({ ...base, a: null, b: [1, { c: 'd' }] }, undefined)).toEqual({
      ...base,
      a: null,
      b: [1, { c: 'd' }],
    });
  });
});
