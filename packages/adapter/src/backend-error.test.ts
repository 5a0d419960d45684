import { describe, expect, it } from 'vitest';
import {
  BackendError,
  ERROR_CODES,
  codeFromParseCode,
  describeValue,
  isErrorCode,
  toBackendError,
  type ErrorCode,
} from './backend-error';

// The table the HTTP layer and Parse SDKs depend on, written out independently of ERROR_CODES.
const EXPECTED: Record<ErrorCode, [status: number, parseCode: number]> = {
  NOT_FOUND: [404, 101],
  TABLE_NOT_FOUND: [404, 103],
  ROUTE_NOT_FOUND: [404, 119],
  FUNCTION_NOT_FOUND: [404, 141],
  INVALID_COLLECTION_NAME: [400, 103],
  INVALID_FIELD_NAME: [400, 105],
  INVALID_OBJECT_ID: [400, 104],
  INVALID_POINTER: [400, 106],
  INVALID_JSON: [400, 107],
  INVALID_QUERY: [400, 102],
  UNKNOWN_OPERATOR: [400, 102],
  INVALID_VALUE: [400, 111],
  TYPE_MISMATCH: [400, 111],
  REQUIRED_FIELD: [400, 142],
  INVALID_CONFIG: [400, -1],
  UNSUPPORTED: [400, 108],
  SCRIPT_FAILED: [400, 141],
  UNAUTHORIZED: [401, 209],
  FORBIDDEN: [403, 119],
  METHOD_NOT_ALLOWED: [405, 119],
  TIMEOUT: [408, 124],
  DUPLICATE_VALUE: [409, 137],
  SCHEMA_CONFLICT: [409, 255],
  PAYLOAD_TOO_LARGE: [413, 116],
  RESOURCE_LIMIT: [422, 140],
  RATE_LIMITED: [429, 155],
  INTERNAL: [500, 1],
  UNAVAILABLE: [503, 1],
};

describe('ERROR_CODES', () => {
  it('lists exactly the documented codes', () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))(
    '%s maps to HTTP %j and its Parse code',
    (code, [status, parseCode]) => {
      const error = new BackendError(code as ErrorCode, 'boom');
      expect(error.status).toBe(status);
      expect(error.parseCode).toBe(parseCode);
      expect(ERROR_CODES[code as ErrorCode].description.length).toBeGreaterThan(10);
    },
  );

  it('only uses a 5xx status for internal failures, never for bad input', () => {
    const fiveHundreds = Object.entries(ERROR_CODES)
      .filter(([, info]) => info.status >= 500)
      .map(([code]) => code);
    expect(fiveHundreds.sort()).toEqual(['INTERNAL', 'UNAVAILABLE']);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(ERROR_CODES)).toBe(true);
  });
});

describe('BackendError', () => {
  it('carries code, status, parseCode, details and cause', () => {
    const cause = new Error('disk full');
    const error = new BackendError('TYPE_MISMATCH', 'where.age.$gt: expected a number, got "abc"', {
      details: { path: 'where.age.$gt', expected: 'a number', received: '"abc"' },
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('BackendError');
    expect(error.code).toBe('TYPE_MISMATCH');
    expect(error.status).toBe(400);
    expect(error.parseCode).toBe(111);
    expect(error.details).toEqual({
      path: 'where.age.$gt',
      expected: 'a number',
      received: '"abc"',
    });
    expect(Object.isFrozen(error.details)).toBe(true);
    expect(error.cause).toBe(cause);
    expect(error.stack).toContain('BackendError');
  });

  it('renders the native envelope body and the Parse body', () => {
    const error = new BackendError('NOT_FOUND', 'Todo/x1: no such record', {
      details: { path: 'objectId' },
    });
    expect(error.toJSON()).toEqual({
      code: 'NOT_FOUND',
      message: 'Todo/x1: no such record',
      details: { path: 'objectId' },
    });
    expect(JSON.parse(JSON.stringify(error))).toEqual(error.toJSON());
    expect(error.toParseJSON()).toEqual({ code: 101, error: 'Todo/x1: no such record' });
    expect(new BackendError('INTERNAL', 'x').toJSON()).toEqual({ code: 'INTERNAL', message: 'x' });
  });

  it('recognises errors branded by another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('@localbackend/adapter.BackendError')]: true,
    });
    expect(BackendError.is(foreign)).toBe(true);
    expect(BackendError.is(new Error('x'))).toBe(false);
    expect(BackendError.is(null)).toBe(false);
    expect(BackendError.is({ code: 'NOT_FOUND' })).toBe(false);
  });

  it('falls back to INTERNAL for a code that does not exist', () => {
    const error = new BackendError('NOPE' as ErrorCode, 'x');
    expect(error.code).toBe('INTERNAL');
    expect(error.status).toBe(500);
  });
});

describe('toBackendError', () => {
  it('returns a BackendError unchanged', () => {
    const error = new BackendError('FORBIDDEN', 'no');
    expect(toBackendError(error)).toBe(error);
  });

  it('keeps a known string code from a plain error object', () => {
    const converted = toBackendError({ code: 'DUPLICATE_VALUE', message: 'dup' });
    expect(converted.code).toBe('DUPLICATE_VALUE');
    expect(converted.message).toBe('dup');
  });

  it('maps Parse numeric codes from { code, error } and { code, message }', () => {
    expect(toBackendError({ code: 101, error: 'Object not found.' }).code).toBe('NOT_FOUND');
    expect(toBackendError({ code: 137, message: 'dup' }).code).toBe('DUPLICATE_VALUE');
    expect(toBackendError({ code: 209, message: 'Invalid session token' }).status).toBe(401);
  });

  it('turns anything else into INTERNAL without leaking the original message', () => {
    const original = new Error('SQLITE_CORRUPT: secret path /home/x');
    const converted = toBackendError(original);
    expect(converted.code).toBe('INTERNAL');
    expect(converted.message).toBe('Internal error');
    expect(converted.cause).toBe(original);
    expect(toBackendError('a string').code).toBe('INTERNAL');
    expect(toBackendError(undefined).code).toBe('INTERNAL');
    expect(toBackendError({ code: 'toString' }).code).toBe('INTERNAL');
    expect(toBackendError({ code: 99999, message: 'x' }).message).toBe('Internal error');
  });
});

describe('helpers', () => {
  it('isErrorCode accepts only own codes', () => {
    expect(isErrorCode('NOT_FOUND')).toBe(true);
    expect(isErrorCode('constructor')).toBe(false);
    expect(isErrorCode(404)).toBe(false);
  });

  it('codeFromParseCode maps known codes and defaults to INTERNAL', () => {
    expect(codeFromParseCode(102)).toBe('INVALID_QUERY');
    expect(codeFromParseCode(0)).toBe('INTERNAL');
  });

  it('describeValue renders short and safe descriptions', () => {
    expect(describeValue('abc')).toBe('"abc"');
    expect(describeValue('x'.repeat(10_000))).toMatch(/…" \(10000 chars\)$/);
    expect(describeValue(3)).toBe('3');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue([1, 2])).toBe('an array of 2');
    expect(describeValue({})).toBe('an object');
    expect(describeValue(new Date())).toBe('a Date');
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(Symbol('x'))).toBe('a symbol');
    expect(describeValue(10n)).toBe('10');
  });
});
