import { describe, expect, it } from 'vitest';
import { BackendError } from '@localbackend/adapter';
import {
  recordsFilterToWhere,
  visualFilterToWhere,
  visualSortToTerms,
  type FilterContext,
} from './filters';

const warnings: string[] = [];
const ctx: FilterContext = {
  classOf: (id) => (id === 'known' ? 'Team' : undefined),
  table: {
    name: 'Person',
    columns: [
      { name: 'born', type: 'Date' },
      { name: 'team', type: 'Pointer', targetClass: 'Team' },
      { name: 'tags', type: 'Relation', targetClass: 'Tag' },
    ],
  },
  warn: (m) => warnings.push(m),
};

describe('recordsFilterToWhere (Records filter -> Parse where)', () => {
  it('converts and/or, id filters, relatedTo and every field operator, Dates as {__type: Date}', () => {
    const when = new Date('2026-01-01T00:00:00.000Z');
    expect(
      recordsFilterToWhere(
        {
          and: [
            { idEqualTo: 'a' },
            { idContainedIn: ['a', { id: 'b' }] },
            { or: [{ age: { greaterThan: 1 } }, { age: { lessThanOrEqualTo: 9 } }] },
            { born: { lessThan: when } },
            { name: { matchesRegex: '^a', options: 'i' } },
            { city: { containedIn: ['x'] } },
            { city: { notContainedIn: ['y'] } },
            { city: { exists: true } },
            { team: { pointsTo: 'known' } },
            { relatedTo: { id: 'known', key: 'members' } },
            { bio: { text: { search: 'hello' } } },
            { place: { nearSphere: { latitude: 1, longitude: 2, maxDistanceInKilometers: 5 } } },
          ],
        },
        ctx,
      ),
    ).toEqual({
      $and: [
        { objectId: { $eq: 'a' } },
        { objectId: { $in: ['a', 'b'] } },
        { $or: [{ age: { $gt: 1 } }, { age: { $lte: 9 } }] },
        { born: { $lt: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } } },
        { name: { $regex: '^a', $options: 'i' } },
        { city: { $in: ['x'] } },
        { city: { $nin: ['y'] } },
        { city: { $exists: true } },
        { team: { $eq: { __type: 'Pointer', className: 'Team', objectId: 'known' } } },
        {
          $relatedTo: {
            object: { __type: 'Pointer', className: 'Team', objectId: 'known' },
            key: 'members',
          },
        },
        { bio: { $text: { $search: { $term: 'hello' } } } },
        {
          place: {
            $nearSphere: { __type: 'GeoPoint', latitude: 1, longitude: 2 },
            $maxDistanceInKilometers: 5,
          },
        },
      ],
    });
  });

  it('treats an undefined operator value as no constraint (with a warning) and a bare value as equality', () => {
    warnings.length = 0;
    expect(recordsFilterToWhere({ name: { equalTo: undefined } }, ctx)).toEqual({});
    expect(warnings[0]).toMatch(/filter\.name\.equalTo is undefined/);
    expect(recordsFilterToWhere({ name: 'x' }, ctx)).toEqual({ name: { $eq: 'x' } });
    expect(recordsFilterToWhere(undefined, ctx)).toEqual({});
  });

  it.each([
    [{ a: { equalTo: 1 }, b: { equalTo: 2 } }, /filter: Filter must only have one key found a,b/],
    [{ a: { bogus: 1 } }, /filter\.a: Unrecognized filter keys bogus/],
    [{ and: 'x' }, /filter\.and: expected an array of filters/],
    [{ relatedTo: { id: 'unknown', key: 'k' } }, /cannot tell the class of record "unknown"/],
    [
      { and: [{ or: [{ x: { containedIn: 5 } }] }] },
      /filter\.and\[0\]\.or\[0\]\.x\.containedIn: expected an array, got 5/,
    ],
    ['text', /filter: expected a filter object, got "text"/],
  ])('refuses %j with INVALID_QUERY naming the path', (filter, message) => {
    expect(() => recordsFilterToWhere(filter, ctx)).toThrow(message);
    try {
      recordsFilterToWhere(filter, ctx);
    } catch (error) {
      expect(BackendError.is(error) && error.code).toBe('INVALID_QUERY');
    }
  });
});

describe('visualFilterToWhere (editor visual filter -> Parse where)', () => {
  it('combines rules, takes input values, drops rules without a value, converts Date fields', () => {
    expect(
      visualFilterToWhere(
        {
          combinator: 'or',
          rules: [
            { property: 'age', operator: 'greater than or equal to', input: 'min' },
            { property: 'age', operator: 'less than', input: 'unset' },
            { property: 'born', operator: 'equal to', value: '2026-01-01' },
            { property: 'name', operator: 'contain', value: 'ad' },
            { property: 'team', operator: 'points to', input: 'team' },
            {
              combinator: 'and',
              rules: [
                { property: 'x', operator: 'exist' },
                { property: 'y', operator: 'not exist' },
              ],
            },
            {
              operator: 'related to',
              input: 'team',
              relatedTo: 'Team',
              relationProperty: 'members',
            },
          ],
        },
        { min: 18, team: 'known' },
        ctx,
      ),
    ).toEqual({
      $or: [
        { age: { $gte: 18 } },
        { born: { $eq: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } } },
        { name: { $regex: 'ad', $options: 'i' } },
        { team: { $eq: { __type: 'Pointer', className: 'Team', objectId: 'known' } } },
        { $and: [{ x: { $exists: true } }, { y: { $exists: false } }] },
        {
          $relatedTo: {
            object: { __type: 'Pointer', className: 'Team', objectId: 'known' },
            key: 'members',
          },
        },
      ],
    });
  });

  it('yields no filter for an empty group or one whose rules were all dropped, and one rule as is', () => {
    expect(visualFilterToWhere({ combinator: 'and', rules: [] }, {}, ctx)).toBeUndefined();
    expect(
      visualFilterToWhere(
        { combinator: 'and', rules: [{ property: 'a', operator: 'equal to', input: 'none' }] },
        {},
        ctx,
      ),
    ).toBeUndefined();
    expect(
      visualFilterToWhere(
        { combinator: 'and', rules: [{ property: 'a', operator: 'equal to', value: 1 }] },
        {},
        ctx,
      ),
    ).toEqual({ a: { $eq: 1 } });
    expect(() =>
      visualFilterToWhere(
        { combinator: 'and', rules: [{ property: 'a', operator: 'sort of', value: 1 }] },
        {},
        ctx,
      ),
    ).toThrow(/visualFilter\.rules\[0\]\.operator: unknown visual filter operator "sort of"/);
  });

  it('turns a visual sort into sort terms', () => {
    expect(
      visualSortToTerms([
        { property: 'a', order: 'descending' },
        { property: 'b', order: 'ascending' },
        { nope: 1 },
      ]),
    ).toEqual(['-a', 'b']);
    expect(visualSortToTerms([])).toBeUndefined();
  });
});
