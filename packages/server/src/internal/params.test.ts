import { describe, expect, it } from 'vitest';
import {
  assertKnownParams,
  parseBoolean,
  parseFieldList,
  parseInteger,
  parseSortParam,
  parseWhereParam,
  queryStringParams,
  single,
} from './params';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('query parameter validation', () => {
  it('accepts integers given as numbers or decimal strings within the range', () => {
    expect(parseInteger('25', 'limit', 0, 100)).toBe(25);
    expect(parseInteger(0, 'limit', 0, 100)).toBe(0);
  });

  it('refuses negative, fractional, huge, exponent and non-numeric integers with INVALID_QUERY naming the parameter', () => {
    for (const bad of [
      '-1',
      '1.5',
      '1e3',
      '9'.repeat(40),
      'abc',
      '',
      1.5,
      Infinity,
      NaN,
      true,
      null,
      {},
    ]) {
      expect(codeOf(() => parseInteger(bad, 'limit', 0, 100))).toBe('INVALID_QUERY');
    }
    expect(() => parseInteger('101', 'limit', 0, 100)).toThrow(
      /^limit: expected an integer from 0 to 100/,
    );
  });

  it('reads booleans as true/false/1/0 and refuses anything else', () => {
    expect(parseBoolean('1', 'count')).toBe(true);
    expect(parseBoolean('false', 'count')).toBe(false);
    expect(parseBoolean(1, 'count')).toBe(true);
    expect(codeOf(() => parseBoolean('yes', 'count'))).toBe('INVALID_QUERY');
  });

  it('refuses a query-string parameter given twice', () => {
    expect(codeOf(() => queryStringParams({ limit: ['1', '2'] }))).toBe('INVALID_QUERY');
    expect(queryStringParams({ limit: '1' })).toEqual({ limit: '1' });
    expect(codeOf(() => single('x'.repeat(2_000_000), 'where'))).toBe('INVALID_QUERY');
  });

  it('parses where from JSON text or takes an object, and refuses arrays, scalars and bad JSON', () => {
    expect(parseWhereParam('{"a":1}', 'where')).toEqual({ a: 1 });
    expect(parseWhereParam({ a: 1 }, 'where')).toEqual({ a: 1 });
    expect(codeOf(() => parseWhereParam('[1]', 'where'))).toBe('INVALID_QUERY');
    expect(codeOf(() => parseWhereParam('5', 'where'))).toBe('INVALID_QUERY');
    expect(codeOf(() => parseWhereParam('{"a":', 'where'))).toBe('INVALID_JSON');
  });

  it('refuses deeply nested JSON before parsing it', () => {
    const deep = '{"a":'.repeat(200) + '1' + '}'.repeat(200);
    expect(() => parseWhereParam(deep, 'where')).toThrow(/nests deeper than 100/);
  });

  it('accepts the sort formats and refuses odd characters', () => {
    expect(parseSortParam('-createdAt,title', 'sort')).toBe('-createdAt,title');
    expect(parseSortParam('["-a","b"]', 'sort')).toEqual(['-a', 'b']);
    expect(parseSortParam('{"a":-1}', 'sort')).toEqual({ a: -1 });
    expect(codeOf(() => parseSortParam('a; DROP TABLE x', 'sort'))).toBe('INVALID_QUERY');
    expect(codeOf(() => parseSortParam('[1]', 'sort'))).toBe('INVALID_QUERY');
  });

  it('parses field lists as comma strings or JSON arrays of field paths', () => {
    expect(parseFieldList('a, b.c', 'include')).toEqual(['a', 'b.c']);
    expect(parseFieldList('["a"]', 'select')).toEqual(['a']);
    expect(codeOf(() => parseFieldList('a,"b"', 'select'))).toBe('INVALID_QUERY');
    expect(codeOf(() => parseFieldList('a..b', 'select'))).toBe('INVALID_QUERY');
    expect(codeOf(() => parseFieldList(5, 'select'))).toBe('INVALID_QUERY');
  });

  it('names an unknown parameter', () => {
    expect(() => assertKnownParams({ limt: '1' }, new Set(['limit']), 'query')).toThrow(
      /^limt: unknown query parameter/,
    );
  });
});
