import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError } from './backend-error';
import {
  MAX_VALUE_DEPTH,
  decodeParseValue,
  decodePointer,
  encodeParseValue,
  parseIsoDate,
} from './parse-value-codec';

const nameArb = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/);
const objectIdArb = fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/);
const nestedKeyArb = fc
  .string({ minLength: 0, maxLength: 12 })
  .filter((k) => !k.startsWith('__') && !k.includes('$') && !k.includes('.'));

/** Canonical Parse wire values: the form `encodeParseValue` produces. */
const wireArb = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.string(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (Object.is(n, -0) ? 0 : n)),
    fc
      .date({
        noInvalidDate: true,
        min: new Date(-62_000_000_000_000),
        max: new Date(253_000_000_000_000),
      })
      .map((d) => ({ __type: 'Date', iso: d.toISOString() })),
    fc.record({ __type: fc.constant('Pointer'), className: nameArb, objectId: objectIdArb }),
    fc.record({
      __type: fc.constant('GeoPoint'),
      latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }),
    }),
    fc.record(
      { __type: fc.constant('File'), name: fc.string({ minLength: 1 }), url: fc.webUrl() },
      { requiredKeys: ['__type', 'name'] },
    ),
    fc.record({ __type: fc.constant('Relation'), className: nameArb }),
    fc
      .uint8Array({ maxLength: 64 })
      .map((bytes) => ({ __type: 'Bytes', base64: Buffer.from(bytes).toString('base64') })),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(nestedKeyArb, tie('value'), { maxKeys: 5 }),
  ),
}));

function expectError(fn: () => unknown, code: string, messagePart: string, path?: string): void {
  try {
    fn();
  } catch (error) {
    expect(BackendError.is(error)).toBe(true);
    const e = error as BackendError;
    expect(e.code).toBe(code);
    expect(e.message).toContain(messagePart);
    if (path !== undefined) expect(e.details?.path).toBe(path);
    return;
  }
  throw new Error('expected an error');
}

describe('Parse value codec', () => {
  it('round-trips every canonical wire value: encode(decode(x)) equals x', () => {
    fc.assert(
      fc.property(wireArb.value, (wire) => {
        const decoded = decodeParseValue(wire, 'value');
        expect(encodeParseValue(decoded)).toEqual(wire);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes to JS-side values: Date, Uint8Array and normalised tagged objects', () => {
    const decoded = decodeParseValue(
      {
        due: { __type: 'Date', iso: '2026-03-01T10:00:00.000Z' },
        blob: { __type: 'Bytes', base64: 'AQID' },
        where: { __type: 'GeoPoint', latitude: 59.9, longitude: 10.7 },
        list: { __type: 'Pointer', className: 'List', objectId: 'l1' },
        tags: ['a', { __type: 'Date', iso: '2026-01-01T00:00:00Z' }],
      },
      'data',
    ) as Record<string, unknown>;
    expect(decoded.due).toBeInstanceOf(Date);
    expect((decoded.due as Date).toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(decoded.blob).toEqual(new Uint8Array([1, 2, 3]));
    expect(decoded.where).toEqual({ __type: 'GeoPoint', latitude: 59.9, longitude: 10.7 });
    expect(decoded.list).toEqual({ __type: 'Pointer', className: 'List', objectId: 'l1' });
    expect((decoded.tags as unknown[])[1]).toBeInstanceOf(Date);
  });

  it('accepts already-decoded JS values (Date, Uint8Array) unchanged', () => {
    const date = new Date(0);
    const bytes = new Uint8Array([9]);
    expect(decodeParseValue(date)).toBe(date);
    expect(decodeParseValue(bytes)).toBe(bytes);
  });

  it('rejects malformed dates with the path of the bad value', () => {
    expectError(
      () => decodeParseValue({ a: [{ __type: 'Date', iso: 'tomorrow' }] }, 'data'),
      'INVALID_VALUE',
      'data.a[0].iso: expected an ISO-8601 date string, got "tomorrow"',
      'data.a[0].iso',
    );
    expectError(() => decodeParseValue({ __type: 'Date', iso: 12 }), 'INVALID_VALUE', 'value.iso');
    expectError(
      () => decodeParseValue({ __type: 'Date', iso: '2026-02-30T00:00:00Z', extra: 1 }),
      'INVALID_VALUE',
      'unexpected key "extra"',
    );
    expectError(() => decodeParseValue(new Date(Number.NaN)), 'INVALID_VALUE', 'a valid Date');
  });

  it('rejects malformed pointers with INVALID_POINTER', () => {
    expectError(
      () =>
        decodeParseValue(
          { __type: 'Pointer', className: 'List; DROP', objectId: 'x' },
          'data.list',
        ),
      'INVALID_POINTER',
      'data.list.className',
    );
    expectError(
      () => decodeParseValue({ __type: 'Pointer', className: 'List', objectId: "1' OR 1=1" }),
      'INVALID_POINTER',
      'value.objectId',
    );
    expectError(() => decodePointer('abc', 'p'), 'INVALID_POINTER', 'p: expected a Pointer');
    expectError(
      () => decodeParseValue({ __type: 'Pointer', className: 'List' }),
      'INVALID_POINTER',
      'objectId',
    );
  });

  it('rejects out-of-range geo points, bad files, bad bytes and unknown types', () => {
    expectError(
      () => decodeParseValue({ __type: 'GeoPoint', latitude: 91, longitude: 0 }),
      'INVALID_VALUE',
      'value.latitude: expected a number from -90 to 90, got 91',
    );
    expectError(
      () => decodeParseValue({ __type: 'GeoPoint', latitude: 0, longitude: '1' }),
      'INVALID_VALUE',
      'value.longitude',
    );
    expectError(
      () => decodeParseValue({ __type: 'File', name: '' }),
      'INVALID_VALUE',
      'value.name',
    );
    expectError(
      () => decodeParseValue({ __type: 'Bytes', base64: 'not base64!' }),
      'INVALID_VALUE',
      'value.base64',
    );
    expectError(
      () => decodeParseValue({ __type: 'Polygon', coordinates: [] }),
      'INVALID_VALUE',
      'value.__type: expected one of Date, Pointer',
    );
    expectError(
      () => decodeParseValue({ __type: 'Object', className: 'A', objectId: 'b' }),
      'INVALID_VALUE',
      'send a Pointer',
    );
  });

  it('rejects non-JSON values, operations in nested positions and dangerous keys', () => {
    expectError(() => decodeParseValue(Number.NaN), 'INVALID_VALUE', 'a finite number');
    expectError(() => decodeParseValue(Infinity), 'INVALID_VALUE', 'a finite number');
    expectError(() => decodeParseValue(undefined), 'INVALID_VALUE', 'a JSON value');
    expectError(() => decodeParseValue(() => 1), 'INVALID_VALUE', 'a JSON value');
    expectError(() => decodeParseValue(new Map()), 'INVALID_VALUE', 'a JSON value');
    expectError(() => decodeParseValue(10n), 'INVALID_VALUE', 'a JSON value');
    expectError(
      () => decodeParseValue({ a: { __op: 'Increment', amount: 1 } }, 'data'),
      'INVALID_VALUE',
      'data.a: an operation',
    );
    expectError(
      () => decodeParseValue(JSON.parse('{"a":{"__proto__":{"polluted":1}}}'), 'data'),
      'INVALID_FIELD_NAME',
      'data.a.__proto__',
    );
    expectError(() => decodeParseValue({ 'a.b': 1 }), 'INVALID_FIELD_NAME', 'value.a.b');
    expectError(() => decodeParseValue({ $where: 'x' }), 'INVALID_FIELD_NAME', '$where');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it(`refuses values nested deeper than ${MAX_VALUE_DEPTH} levels without overflowing the stack`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expectError(() => decodeParseValue(deep, 'data'), 'INVALID_VALUE', 'at most 64 levels');
    let ok: unknown = 1;
    for (let i = 0; i < MAX_VALUE_DEPTH - 1; i++) ok = { a: ok };
    expect(() => decodeParseValue(ok)).not.toThrow();
  });

  it('never throws anything but a BackendError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          decodeParseValue(value, 'x');
        } catch (error) {
          expect(BackendError.is(error)).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseIsoDate', () => {
  it('accepts ISO-8601 dates and date-times in UTC or with offsets', () => {
    expect(parseIsoDate('2026-01-02')?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(parseIsoDate('2026-01-02T03:04:05+02:00')?.toISOString()).toBe(
      '2026-01-02T01:04:05.000Z',
    );
    expect(parseIsoDate('2026-01-02T03:04:05.123456Z')?.toISOString()).toBe(
      '2026-01-02T03:04:05.123Z',
    );
  });

  it('rejects other strings', () => {
    for (const text of [
      '',
      'now',
      '1/2/2026',
      '2026-13-45',
      'x'.repeat(100),
      '2026-01-02T25:00Z',
    ]) {
      expect(parseIsoDate(text)).toBeUndefined();
    }
    expect(parseIsoDate(12)).toBeUndefined();
  });
});
