import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSafe } from './protocol';

describe('jsonSafe', () => {
  it('accepts query results of plain values', () => {
    expect(
      jsonSafe({
        results: [{ objectId: 'a1', title: 'x', n: 1.5, done: false, tags: ['a'], none: null }],
        count: 1,
      }),
    ).toBe(true);
  });

  it.each([
    ['a Date', { at: new Date(0) }],
    ['bytes', { data: new Uint8Array([1]) }],
    ['undefined', { gone: undefined }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', [Number.POSITIVE_INFINITY]],
    ['-0', { n: -0 }],
    // eslint-disable-next-line no-sparse-arrays -- a hole is what this case is about
    ['a hole', [1, , 3]],
    ['a bigint', { n: 1n }],
    ['a class instance', { m: new Map() }],
    ['a __proto__ key', JSON.parse('{"__proto__":{"x":1}}') as unknown],
  ])('refuses %s (JSON would not carry it exactly)', (_what, value) => {
    expect(jsonSafe(value)).toBe(false);
  });

  it('refuses values nested too deep or too many to check cheaply', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(jsonSafe(deep)).toBe(false);
    expect(
      jsonSafe(
        Array.from({ length: 20 }, () => 1),
        10,
      ),
    ).toBe(false);
  });

  it('whatever it accepts comes back from JSON exactly as a structured clone would', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        if (!jsonSafe(value)) return;
        expect(JSON.parse(JSON.stringify(value))).toStrictEqual(structuredClone(value));
      }),
    );
  });
});
