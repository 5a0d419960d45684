import { describe, expect, it } from 'vitest';
import { createSuiteContext, FULL_CAPABILITIES } from '../src/testing/conformance-context';
import { FILTER_CASES } from '../src/testing/filter-cases';
import { describeAdapterConformance, type VitestApi } from '../src/testing/index';
import { BackendError } from '../src/backend-error';

describe('conformance suite helpers', () => {
  it('capabilities default to everything; a declared gap skips with a visible reason', () => {
    const ctx = createSuiteContext(
      () => {
        throw new Error('not called');
      },
      { capabilities: { geo: false, maxRecordBytes: 0 } },
    );
    expect(ctx.caps).toMatchObject({ ...FULL_CAPABILITIES, geo: false, maxRecordBytes: 0 });
    expect(ctx.has('relations')).toBe(true);
    expect(ctx.has('relations', 'geo')).toBe(false);
    expect(ctx.has('maxRecordBytes')).toBe(false);
    expect(ctx.title('near queries', 'geo')).toBe(
      'near queries [skipped: the adapter declares capabilities.geo = false]',
    );
    expect(ctx.title('plain')).toBe('plain');
  });

  it('bulk defaults to on; an adapter without createMany / deleteMany declares bulk: false and the bulk tests skip', () => {
    expect(FULL_CAPABILITIES.bulk).toBe(true);
    const ctx = createSuiteContext(
      () => {
        throw new Error('not called');
      },
      { capabilities: { bulk: false } },
    );
    expect(ctx.has('bulk')).toBe(false);
    expect(ctx.title('bulk operations', 'bulk')).toBe(
      'bulk operations [skipped: the adapter declares capabilities.bulk = false]',
    );
  });

  it('the filter cases cover every accepted format and name unique behaviours', () => {
    const formats = new Set(FILTER_CASES.map((c) => c.format));
    expect([...formats].sort()).toEqual(['noodl', 'parse', 'shorthand', 'visual']);
    const names = FILTER_CASES.map((c) => `${c.format}: ${c.name}`);
    expect(new Set(names).size).toBe(names.length);
    for (const c of FILTER_CASES) expect(c.expect).toMatch(/^[a-f](,[a-f])*$/);
  });

  it('every Parse operator of ARCHITECTURE §4 appears in some case', () => {
    const text = JSON.stringify(
      FILTER_CASES.map((c) =>
        c.where({ a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f', o1: 'o1', o2: 'o2', org: 'org' }),
      ),
    );
    for (const op of [
      '$eq',
      '$ne',
      '$lt',
      '$lte',
      '$gt',
      '$gte',
      '$in',
      '$nin',
      '$exists',
      '$regex',
      '$options',
      '$all',
      '$text',
      '$search',
      '$term',
      '$nearSphere',
      '$within',
      '$box',
      '$geoWithin',
      '$polygon',
      '$and',
      '$or',
      '$relatedTo',
    ]) {
      expect(text, op).toContain(`"${op}"`);
    }
    for (const op of [
      'equalTo',
      'notEqualTo',
      'lessThan',
      'greaterThan',
      'lessThanOrEqualTo',
      'greaterThanOrEqualTo',
      'exists',
      'containedIn',
      'notContainedIn',
      'pointsTo',
      'matchesRegex',
      'text',
      'nearSphere',
      'withinBox',
      'withinPolygon',
      'idEqualTo',
      'idContainedIn',
      'relatedTo',
      'contains',
      'startsWith',
      'endsWith',
      'regex',
    ]) {
      expect(text, op).toContain(`"${op}"`);
    }
    for (const op of [
      'equal to',
      'not equal to',
      'greater than',
      'greater than or equal to',
      'less than',
      'less than or equal to',
      'exist',
      'not exist',
      'contain',
      'points to',
      'related to',
    ]) {
      expect(text, op).toContain(`"${op}"`);
    }
  });
});

describe('options.vitest of describeAdapterConformance', () => {
  it('refuses an object that is not vitest with INVALID_CONFIG naming the missing function', () => {
    const notVitest = { describe: () => undefined, it: 'no', expect: () => undefined };
    const register = () =>
      describeAdapterConformance(
        'never registered',
        () => {
          throw new Error('not called');
        },
        { vitest: notVitest as unknown as VitestApi },
      );
    expect(register).toThrow(BackendError);
    expect(register).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG', details: { path: 'options.vitest.it' } }),
    );
  });
});
