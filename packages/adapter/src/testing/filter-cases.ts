import type { ConformanceCapabilities } from './conformance-context';
import type { Seeded } from './fixtures';

/**
 * One filter the suite runs against the seeded `Item` fixture, and the keys it must return.
 *
 * @example
 * ```ts
 * const c: FilterCase = { format: 'parse', name: '$gt', where: () => ({ n: { $gt: 3 } }), expect: 'd,e' };
 * ```
 */
export interface FilterCase {
  /** The accepted format the filter is written in. */
  readonly format: 'parse' | 'noodl' | 'shorthand' | 'visual';
  /** What the case checks (the operator and its semantics). */
  readonly name: string;
  readonly where: (ids: Seeded['ids']) => Record<string, unknown>;
  /** The expected item keys, comma-separated (order does not matter). */
  readonly expect: string;
  /** Capabilities the case needs. */
  readonly needs?: readonly (keyof ConformanceCapabilities)[];
}

const geo = (latitude: number, longitude: number) => ({ __type: 'GeoPoint', latitude, longitude });
const date = (iso: string) => ({ __type: 'Date', iso });
const pointer = (className: string, objectId: string) => ({
  __type: 'Pointer',
  className,
  objectId,
});
const POLYGON = [geo(57, 3), geo(57, 13), geo(64, 13), geo(64, 3)];

/**
 * Every operator in every accepted filter format (ARCHITECTURE §4), on the fixture of
 * `fixtures.ts`:
 *
 * | key | title | n | done | due | tags | meta | owner | loc | body |
 * |---|---|---|---|---|---|---|---|---|---|
 * | a | Buy milk | 1 | false | 2026-01-01 | x,y | Oslo 150 | o1 | Oslo | fresh milk from the farm |
 * | b | buy bread | 2 | true | 2026-02-01 | y | Bergen 5003 | o1 | Bergen | bread and butter |
 * | c | Call mom | 3 | false | 2026-03-01 | (empty) | Oslo | o2 | New York | phone call |
 * | d | Clean house | 4 | true | - | z,x | - | - | - | - |
 * | e | écrire | 5.5 | false | 2026-05-15 | x | Trondheim 7010 | o2 | Trondheim | milk and honey |
 * | f | - | -1 | - | 2025-12-31 | - | {} | o1 | Sydney | MILK shake |
 *
 * @example
 * ```ts
 * import { FILTER_CASES } from '@localbackend/adapter/testing';
 * const visual = FILTER_CASES.filter((c) => c.format === 'visual');
 * ```
 */
export const FILTER_CASES: readonly FilterCase[] = [
  // ---- Parse / CloudStore wire format ----
  {
    format: 'parse',
    name: 'equality shorthand { f: v }',
    where: () => ({ title: 'Buy milk' }),
    expect: 'a',
  },
  { format: 'parse', name: '$eq', where: () => ({ n: { $eq: 2 } }), expect: 'b' },
  { format: 'parse', name: '$ne', where: () => ({ n: { $ne: 2 } }), expect: 'a,c,d,e,f' },
  {
    format: 'parse',
    name: '$ne also matches a missing field',
    where: () => ({ done: { $ne: true } }),
    expect: 'a,c,e,f',
  },
  { format: 'parse', name: '$lt', where: () => ({ n: { $lt: 3 } }), expect: 'a,b,f' },
  { format: 'parse', name: '$lte', where: () => ({ n: { $lte: 3 } }), expect: 'a,b,c,f' },
  { format: 'parse', name: '$gt', where: () => ({ n: { $gt: 3 } }), expect: 'd,e' },
  {
    format: 'parse',
    name: 'several operators on one field combine with AND',
    where: () => ({ n: { $gte: 3, $lt: 5 } }),
    expect: 'c,d',
  },
  { format: 'parse', name: '$in', where: () => ({ n: { $in: [1, 5.5, 99] } }), expect: 'a,e' },
  { format: 'parse', name: '$nin', where: () => ({ n: { $nin: [1, 2] } }), expect: 'c,d,e,f' },
  {
    format: 'parse',
    name: '$nin also matches a missing field',
    where: () => ({ title: { $nin: ['Buy milk', 'Call mom'] } }),
    expect: 'b,d,e,f',
  },
  {
    format: 'parse',
    name: '$exists: true',
    where: () => ({ due: { $exists: true } }),
    expect: 'a,b,c,e,f',
  },
  {
    format: 'parse',
    name: '$exists: false',
    where: () => ({ due: { $exists: false } }),
    expect: 'd',
  },
  {
    format: 'parse',
    name: '{ f: null } matches a missing field',
    where: () => ({ title: null }),
    expect: 'f',
  },
  {
    format: 'parse',
    name: 'Boolean equality does not match a missing field',
    where: () => ({ done: false }),
    expect: 'a,c,e',
  },
  {
    format: 'parse',
    name: 'two fields combine with AND',
    where: () => ({ n: { $gt: 1 }, done: true }),
    expect: 'b,d',
  },
  {
    format: 'parse',
    name: '$regex is case-sensitive',
    where: () => ({ title: { $regex: '^buy' } }),
    expect: 'b',
    needs: ['regex'],
  },
  {
    format: 'parse',
    name: "$regex with $options: 'i'",
    where: () => ({ title: { $regex: '^buy', $options: 'i' } }),
    expect: 'a,b',
    needs: ['regex'],
  },
  {
    format: 'parse',
    name: 'equality on an Array field means "contains"',
    where: () => ({ tags: 'x' }),
    expect: 'a,d,e',
  },
  {
    format: 'parse',
    name: '$in on an Array field means "contains any"',
    where: () => ({ tags: { $in: ['z', 'y'] } }),
    expect: 'a,b,d',
  },
  { format: 'parse', name: '$all', where: () => ({ tags: { $all: ['x', 'y'] } }), expect: 'a' },
  {
    format: 'parse',
    name: '$or',
    where: () => ({ $or: [{ n: 1 }, { done: true }] }),
    expect: 'a,b,d',
  },
  {
    format: 'parse',
    name: '$and',
    where: () => ({ $and: [{ done: false }, { n: { $gt: 1 } }] }),
    expect: 'c,e',
  },
  {
    format: 'parse',
    name: 'objectId equality',
    where: (ids) => ({ objectId: ids.a }),
    expect: 'a',
  },
  {
    format: 'parse',
    name: 'objectId $in',
    where: (ids) => ({ objectId: { $in: [ids.a, ids.b] } }),
    expect: 'a,b',
  },
  {
    format: 'parse',
    name: 'Pointer value equality',
    where: (ids) => ({ owner: pointer('Owner', ids.o1) }),
    expect: 'a,b,f',
  },
  {
    format: 'parse',
    name: 'Date value with $gt',
    where: () => ({ due: { $gt: date('2026-02-01T00:00:00.000Z') } }),
    expect: 'c,e',
  },
  {
    format: 'parse',
    name: 'Date value with $lte',
    where: () => ({ due: { $lte: date('2026-02-01T00:00:00.000Z') } }),
    expect: 'a,b,f',
  },
  {
    format: 'parse',
    name: 'a.b addresses JSON inside an Object field',
    where: () => ({ 'meta.city': 'Oslo' }),
    expect: 'a,c',
  },
  {
    format: 'parse',
    name: 'a.b with a number comparison',
    where: () => ({ 'meta.zip': { $gt: 1000 } }),
    expect: 'b,e',
  },
  {
    format: 'parse',
    name: '$text $search $term (case-insensitive words)',
    where: () => ({ body: { $text: { $search: { $term: 'milk' } } } }),
    expect: 'a,e,f',
    needs: ['fullText'],
  },
  {
    format: 'parse',
    name: '$text: every word must occur',
    where: () => ({ body: { $text: { $search: { $term: 'milk honey' } } } }),
    expect: 'e',
    needs: ['fullText'],
  },
  {
    format: 'parse',
    name: '$relatedTo',
    where: (ids) => ({ $relatedTo: { object: pointer('Owner', ids.o1), key: 'favorites' } }),
    expect: 'a,c',
    needs: ['relations'],
  },
  {
    format: 'parse',
    name: '$nearSphere with $maxDistanceInKilometers',
    where: () => ({ loc: { $nearSphere: geo(59.9, 10.7), $maxDistanceInKilometers: 350 } }),
    expect: 'a,b',
    needs: ['geo'],
  },
  {
    format: 'parse',
    name: '$nearSphere with $maxDistanceInRadians',
    where: () => ({ loc: { $nearSphere: geo(59.9, 10.7), $maxDistanceInRadians: 0.055 } }),
    expect: 'a,b',
    needs: ['geo'],
  },
  {
    format: 'parse',
    name: '$nearSphere with $maxDistanceInMiles',
    where: () => ({ loc: { $nearSphere: geo(59.9, 10.7), $maxDistanceInMiles: 220 } }),
    expect: 'a,b',
    needs: ['geo'],
  },
  {
    format: 'parse',
    name: '$within $box',
    where: () => ({ loc: { $within: { $box: [geo(58, 4), geo(61, 11)] } } }),
    expect: 'a,b',
    needs: ['geo'],
  },
  {
    format: 'parse',
    name: '$geoWithin $polygon',
    where: () => ({ loc: { $geoWithin: { $polygon: POLYGON } } }),
    expect: 'a,b,e',
    needs: ['geo'],
  },
  {
    format: 'parse',
    name: '$geoWithin $centerSphere ([longitude, latitude], radians)',
    where: () => ({ loc: { $geoWithin: { $centerSphere: [[10.7, 59.9], 0.055] } } }),
    expect: 'a,b',
    needs: ['geo'],
  },

  // ---- Noodl filter format ----
  {
    format: 'noodl',
    name: 'equalTo',
    where: () => ({ title: { equalTo: 'Buy milk' } }),
    expect: 'a',
  },
  {
    format: 'noodl',
    name: 'notEqualTo',
    where: () => ({ n: { notEqualTo: 2 } }),
    expect: 'a,c,d,e,f',
  },
  { format: 'noodl', name: 'lessThan', where: () => ({ n: { lessThan: 3 } }), expect: 'a,b,f' },
  { format: 'noodl', name: 'greaterThan', where: () => ({ n: { greaterThan: 3 } }), expect: 'd,e' },
  {
    format: 'noodl',
    name: 'lessThanOrEqualTo',
    where: () => ({ n: { lessThanOrEqualTo: 3 } }),
    expect: 'a,b,c,f',
  },
  {
    format: 'noodl',
    name: 'greaterThanOrEqualTo',
    where: () => ({ n: { greaterThanOrEqualTo: 3 } }),
    expect: 'c,d,e',
  },
  {
    format: 'noodl',
    name: 'exists: false',
    where: () => ({ due: { exists: false } }),
    expect: 'd',
  },
  {
    format: 'noodl',
    name: 'exists: true',
    where: () => ({ owner: { exists: true } }),
    expect: 'a,b,c,e,f',
  },
  {
    format: 'noodl',
    name: 'containedIn',
    where: () => ({ n: { containedIn: [1, 4] } }),
    expect: 'a,d',
  },
  {
    format: 'noodl',
    name: 'notContainedIn',
    where: () => ({ n: { notContainedIn: [1, 4] } }),
    expect: 'b,c,e,f',
  },
  {
    format: 'noodl',
    name: 'pointsTo one id',
    where: (ids) => ({ owner: { pointsTo: ids.o2 } }),
    expect: 'c,e',
  },
  {
    format: 'noodl',
    name: 'pointsTo several ids',
    where: (ids) => ({ owner: { pointsTo: [ids.o1, ids.o2] } }),
    expect: 'a,b,c,e,f',
  },
  {
    format: 'noodl',
    name: 'matchesRegex with options',
    where: () => ({ title: { matchesRegex: '^buy', options: 'i' } }),
    expect: 'a,b',
    needs: ['regex'],
  },
  {
    format: 'noodl',
    name: 'matchesRegex',
    where: () => ({ title: { matchesRegex: 'o' } }),
    expect: 'c,d',
    needs: ['regex'],
  },
  { format: 'noodl', name: 'idEqualTo', where: (ids) => ({ idEqualTo: ids.a }), expect: 'a' },
  {
    format: 'noodl',
    name: 'idContainedIn',
    where: (ids) => ({ idContainedIn: [ids.a, ids.c] }),
    expect: 'a,c',
  },
  {
    format: 'noodl',
    name: 'and',
    where: () => ({ and: [{ done: { equalTo: false } }, { n: { greaterThan: 1 } }] }),
    expect: 'c,e',
  },
  {
    format: 'noodl',
    name: 'or',
    where: () => ({ or: [{ n: { equalTo: 1 } }, { done: { equalTo: true } }] }),
    expect: 'a,b,d',
  },
  {
    format: 'noodl',
    name: 'a Date value',
    where: () => ({ due: { lessThan: new Date('2026-02-15T00:00:00.000Z') } }),
    expect: 'a,b,f',
  },
  {
    format: 'noodl',
    name: 'text search',
    where: () => ({ body: { text: { search: 'milk' } } }),
    expect: 'a,e,f',
    needs: ['fullText'],
  },
  {
    format: 'noodl',
    name: 'text search { term }',
    where: () => ({ body: { text: { search: { term: 'milk honey' } } } }),
    expect: 'e',
    needs: ['fullText'],
  },
  {
    format: 'noodl',
    name: 'relatedTo',
    where: (ids) => ({ relatedTo: { id: ids.o1, key: 'favorites', className: 'Owner' } }),
    expect: 'a,c',
    needs: ['relations'],
  },
  {
    format: 'noodl',
    name: 'nearSphere with maxDistanceInKilometers',
    where: () => ({
      loc: { nearSphere: { latitude: 59.9, longitude: 10.7, maxDistanceInKilometers: 350 } },
    }),
    expect: 'a,b',
    needs: ['geo'],
  },
  {
    format: 'noodl',
    name: 'withinBox',
    where: () => ({
      loc: {
        withinBox: [
          { latitude: 58, longitude: 4 },
          { latitude: 61, longitude: 11 },
        ],
      },
    }),
    expect: 'a,b',
    needs: ['geo'],
  },
  {
    format: 'noodl',
    name: 'withinPolygon',
    where: () => ({
      loc: {
        withinPolygon: POLYGON.map((p) => ({ latitude: p.latitude, longitude: p.longitude })),
      },
    }),
    expect: 'a,b,e',
    needs: ['geo'],
  },

  // ---- original-design shorthand ----
  { format: 'shorthand', name: 'field: value', where: () => ({ done: true }), expect: 'b,d' },
  {
    format: 'shorthand',
    name: 'several keys combine with AND',
    where: () => ({ done: false, n: { greaterThan: 2 } }),
    expect: 'c,e',
  },
  {
    format: 'shorthand',
    name: 'equalTo',
    where: () => ({ title: { equalTo: 'Call mom' } }),
    expect: 'c',
  },
  {
    format: 'shorthand',
    name: 'greaterThan',
    where: () => ({ n: { greaterThan: 3 } }),
    expect: 'd,e',
  },
  {
    format: 'shorthand',
    name: 'contains',
    where: () => ({ title: { contains: 'ea' } }),
    expect: 'b,d',
  },
  {
    format: 'shorthand',
    name: 'startsWith',
    where: () => ({ title: { startsWith: 'C' } }),
    expect: 'c,d',
  },
  {
    format: 'shorthand',
    name: 'endsWith',
    where: () => ({ title: { endsWith: 'house' } }),
    expect: 'd',
  },
  {
    format: 'shorthand',
    name: 'regex',
    where: () => ({ title: { regex: 'm$' } }),
    expect: 'c',
    needs: ['regex'],
  },

  // ---- visual filter (editor) ----
  {
    format: 'visual',
    name: "combinator 'and' with 'greater than' and 'equal to'",
    where: () => ({
      combinator: 'and',
      rules: [
        { property: 'n', operator: 'greater than', value: 2 },
        { property: 'done', operator: 'equal to', value: false },
      ],
    }),
    expect: 'c,e',
  },
  {
    format: 'visual',
    name: "combinator 'or' with 'less than' and 'greater than or equal to'",
    where: () => ({
      combinator: 'or',
      rules: [
        { property: 'n', operator: 'less than', value: 2 },
        { property: 'n', operator: 'greater than or equal to', value: 5 },
      ],
    }),
    expect: 'a,e,f',
  },
  {
    format: 'visual',
    name: "'less than or equal to' and 'not equal to' (which matches a missing field)",
    where: () => ({
      combinator: 'and',
      rules: [
        { property: 'n', operator: 'less than or equal to', value: 2 },
        { property: 'title', operator: 'not equal to', value: 'Buy milk' },
      ],
    }),
    expect: 'b,f',
  },
  {
    format: 'visual',
    name: "'exist'",
    where: () => ({ combinator: 'and', rules: [{ property: 'due', operator: 'exist' }] }),
    expect: 'a,b,c,e,f',
  },
  {
    format: 'visual',
    name: "'not exist'",
    where: () => ({ combinator: 'and', rules: [{ property: 'due', operator: 'not exist' }] }),
    expect: 'd',
  },
  {
    format: 'visual',
    name: "'contain'",
    where: () => ({
      combinator: 'and',
      rules: [{ property: 'title', operator: 'contain', value: 'ea' }],
    }),
    expect: 'b,d',
  },
  {
    format: 'visual',
    name: "'points to'",
    where: (ids) => ({
      combinator: 'and',
      rules: [{ property: 'owner', operator: 'points to', value: ids.o2 }],
    }),
    expect: 'c,e',
  },
  {
    format: 'visual',
    name: "'related to'",
    where: (ids) => ({
      combinator: 'and',
      rules: [
        {
          operator: 'related to',
          relatedTo: 'Owner',
          relationProperty: 'favorites',
          value: ids.o1,
        },
      ],
    }),
    expect: 'a,c',
    needs: ['relations'],
  },
  {
    format: 'visual',
    name: 'a nested group',
    where: () => ({
      combinator: 'and',
      rules: [
        { property: 'done', operator: 'equal to', value: false },
        {
          combinator: 'or',
          rules: [
            { property: 'n', operator: 'equal to', value: 1 },
            { property: 'n', operator: 'equal to', value: 5.5 },
          ],
        },
      ],
    }),
    expect: 'a,e',
  },
];
