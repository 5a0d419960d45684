import { describe, expect, it } from 'vitest';
import { BackendError, type ColumnDefinition } from '@localbackend/adapter';
import { columnDecoder, encodeColumnValue, inferColumn, normalizeValue } from './value-codec';

const col = (type: ColumnDefinition['type'], targetClass?: string): ColumnDefinition =>
  targetClass === undefined ? { name: 'f', type } : { name: 'f', type, targetClass };

describe('value codec', () => {
  it('infers column types from values', () => {
    expect(inferColumn('f', 'x')).toEqual({ name: 'f', type: 'String' });
    expect(inferColumn('f', 1)).toEqual({ name: 'f', type: 'Number' });
    expect(inferColumn('f', false)).toEqual({ name: 'f', type: 'Boolean' });
    expect(inferColumn('f', new Date())).toEqual({ name: 'f', type: 'Date' });
    expect(inferColumn('f', [1])).toEqual({ name: 'f', type: 'Array' });
    expect(inferColumn('f', { a: 1 })).toEqual({ name: 'f', type: 'Object' });
    expect(inferColumn('f', new Uint8Array([1]))).toEqual({ name: 'f', type: 'Object' });
    expect(inferColumn('f', { __type: 'Pointer', className: 'L', objectId: 'a' })).toEqual({
      name: 'f',
      type: 'Pointer',
      targetClass: 'L',
    });
    expect(inferColumn('f', { __type: 'GeoPoint', latitude: 1, longitude: 2 })).toEqual({
      name: 'f',
      type: 'GeoPoint',
    });
    expect(inferColumn('f', null)).toBeUndefined();
  });

  it('encodes to the stored form and decodes back', () => {
    const cases: [ColumnDefinition, unknown, unknown, unknown][] = [
      [col('String'), 'x', 'x', 'x'],
      [col('Number'), 2.5, 2.5, 2.5],
      [col('Boolean'), true, 1, true],
      [col('Boolean'), false, 0, false],
      [col('Date'), new Date(0), '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:00.000Z'],
      [
        col('Date'),
        '2026-01-01T10:00:00+02:00',
        '2026-01-01T08:00:00.000Z',
        '2026-01-01T08:00:00.000Z',
      ],
      [
        col('Object'),
        { a: new Date(0) },
        '{"a":{"__type":"Date","iso":"1970-01-01T00:00:00.000Z"}}',
        { a: { __type: 'Date', iso: '1970-01-01T00:00:00.000Z' } },
      ],
      [col('Array'), [1, 'a'], '[1,"a"]', [1, 'a']],
      [col('Pointer', 'L'), { __type: 'Pointer', className: 'L', objectId: 'abc' }, 'abc', 'abc'],
      [col('Pointer', 'L'), 'abc', 'abc', 'abc'],
      [
        col('GeoPoint'),
        { __type: 'GeoPoint', latitude: 1, longitude: 2 },
        '{"__type":"GeoPoint","latitude":1,"longitude":2}',
        { __type: 'GeoPoint', latitude: 1, longitude: 2 },
      ],
      [
        col('File'),
        { __type: 'File', name: 'a.png' },
        '{"__type":"File","name":"a.png"}',
        { __type: 'File', name: 'a.png' },
      ],
    ];
    for (const [column, input, stored, read] of cases) {
      const encoded = encodeColumnValue(column, normalizeValue(input, 'data.f'), 'data.f');
      expect(encoded, `${column.type} ${JSON.stringify(input)}`).toEqual(stored);
      expect(columnDecoder(column.type)(encoded)).toEqual(read);
    }
  });

  it('a wrong type is TYPE_MISMATCH naming the path and the expected type', () => {
    try {
      encodeColumnValue(
        col('Pointer', 'List'),
        normalizeValue({ __type: 'Pointer', className: 'Other', objectId: 'a' }, 'data.list'),
        'data.list',
      );
      expect.unreachable();
    } catch (error) {
      expect(BackendError.is(error) && error.code).toBe('TYPE_MISMATCH');
      expect((error as Error).message).toBe(
        "data.list: expected a Pointer to List (the field's type), got a Pointer",
      );
    }
    expect(() => encodeColumnValue(col('Number'), 'abc', 'data.n')).toThrow(
      'data.n: expected a Number (the field\'s type), got "abc"',
    );
  });

  it('a Relation value only declares the field; it stores nothing', () => {
    expect(
      encodeColumnValue(
        col('Relation', 'Tag'),
        { __type: 'Relation', className: 'Tag' },
        'data.tags',
      ),
    ).toBeUndefined();
  });

  it('corrupt JSON in storage is returned as text instead of throwing', () => {
    expect(columnDecoder('Object')('{broken')).toBe('{broken');
  });
});
