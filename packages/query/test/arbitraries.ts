import fc from 'fast-check';
import type { TableSchema } from '@localbackend/adapter';
import type { Junctions, Row } from './helpers';

/*
 * Random datasets and filters for the differential tests. Values come from small pools so that
 * filters hit records often; filters are written in all four input formats, nested.
 */

export interface Flavour {
  /** Postgres run: no astral characters (JS regex without "u" counts them as two), no $text, no \w \b. */
  readonly pg: boolean;
  /** Schemaless run: columns hold values of any type. */
  readonly schemaless: boolean;
}

export const SCHEMA: TableSchema = Object.freeze({
  name: 'Item',
  columns: Object.freeze([
    { name: 's', type: 'String' },
    { name: 't', type: 'String', textIndex: true },
    { name: 'n', type: 'Number' },
    { name: 'b', type: 'Boolean' },
    { name: 'd', type: 'Date' },
    { name: 'a', type: 'Array' },
    { name: 'o', type: 'Object' },
    { name: 'p', type: 'Pointer', targetClass: 'Target' },
    { name: 'g', type: 'GeoPoint' },
    { name: 'rel', type: 'Relation', targetClass: 'Target' },
  ]),
}) as TableSchema;

export const UNTYPED = ['f1', 'f2', 'f3'] as const;

const BASE_CHARS = [
  'a',
  'b',
  'A',
  'B',
  'é',
  'É',
  'ß',
  '%',
  '_',
  '\\',
  '"',
  "'",
  ' ',
  '中',
  '-',
  '.',
  'x',
  '1',
  '*',
];

function chars(f: Flavour): string[] {
  return f.pg ? BASE_CHARS : [...BASE_CHARS, '😀'];
}

export const str = (f: Flavour): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...chars(f)), maxLength: 4 });
export const num: fc.Arbitrary<number> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(-1.5, 0, 1, 2, 3.25, 1e10, -1e-7, 100, 0.1 + 0.2) },
  {
    weight: 1,
    arbitrary: fc
      .double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })
      .map((x) => (Object.is(x, -0) ? 0 : x)),
  },
);
export const DATES = [
  '2020-01-01T00:00:00.000Z',
  '2020-06-15T12:30:00.000Z',
  '2021-01-01T00:00:00.000Z',
  '2024-02-29T23:59:59.999Z',
];
export const date: fc.Arbitrary<string> = fc.constantFrom(...DATES);
export const dateObj = date.map((iso) => ({ __type: 'Date', iso }));
export const IDS = ['id1', 'id2', 'id3'];
export const id: fc.Arbitrary<string> = fc.constantFrom(...IDS);
export const pointer = id.map((objectId) => ({ __type: 'Pointer', className: 'Target', objectId }));

const scalar = (f: Flavour): fc.Arbitrary<unknown> => fc.oneof(str(f), num, fc.boolean(), date);

const element = (f: Flavour): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 6, arbitrary: scalar(f) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: dateObj },
    { weight: 1, arbitrary: pointer },
    { weight: 1, arbitrary: fc.constantFrom([], {}, ['a'], { x: 1 }) },
  );

const array = (f: Flavour): fc.Arbitrary<unknown[]> => fc.array(element(f), { maxLength: 4 });

const geo = fc
  .oneof(
    fc.record({
      latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }),
    }),
    fc.record({
      latitude: fc.double({ min: 40, max: 60, noNaN: true }),
      longitude: fc.double({ min: 0, max: 20, noNaN: true }),
    }),
  )
  .map((p) => ({ __type: 'GeoPoint', latitude: p.latitude, longitude: p.longitude }));

const objectValue = (f: Flavour): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(
    {
      x: fc.oneof(element(f), array(f), fc.record({ z: element(f) }, { requiredKeys: [] })),
      y: fc.oneof(element(f), array(f)),
      latitude: fc.double({ min: -90, max: 90, noNaN: true }),
      longitude: fc.double({ min: -180, max: 180, noNaN: true }),
      loc: fc.oneof(geo, element(f)),
    },
    { requiredKeys: [] },
  );

function maybe<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 5, arbitrary: arb },
  );
}

const anyValue = (f: Flavour): fc.Arbitrary<unknown> =>
  fc.oneof(scalar(f), array(f), objectValue(f), geo);

const text = (f: Flavour): fc.Arbitrary<string> =>
  fc.array(str(f), { maxLength: 3 }).map((w) => w.join(' '));

/** A dataset: records (ids r0..), and junction rows for the Relation field and a $relatedTo owner. */
export function dataset(f: Flavour): fc.Arbitrary<{ rows: Row[]; junctions: Junctions }> {
  const fields = f.schemaless
    ? fc.record({ f1: maybe(anyValue(f)), f2: maybe(anyValue(f)), f3: maybe(anyValue(f)) })
    : fc.record({
        s: maybe(str(f)),
        t: maybe(text(f)),
        n: maybe(num),
        b: maybe(fc.boolean()),
        d: maybe(date),
        a: maybe(array(f)),
        o: maybe(objectValue(f)),
        p: maybe(id),
        g: maybe(geo),
      });
  return fc
    .tuple(
      fc.array(fc.tuple(fields, date), { maxLength: 10 }),
      fc.array(fc.tuple(fc.nat(9), id), { maxLength: 8 }),
      fc.array(fc.tuple(fc.constantFrom('o1', 'o2'), fc.nat(9)), { maxLength: 8 }),
    )
    .map(([records, rel, owned]) => {
      const rows: Row[] = records.map(([values, createdAt], i) => {
        const row: Row = { objectId: `r${i}`, createdAt, updatedAt: createdAt };
        for (const [k, v] of Object.entries(values)) if (v !== undefined) row[k] = v;
        return row;
      });
      const junctions: Junctions = {
        _Join_rel_Item: rel
          .filter(([i]) => i < rows.length)
          .map(([i, target]) => [`r${i}`, target]),
        _Join_items_Owner: owned.filter(([, i]) => i < rows.length).map(([o, i]) => [o, `r${i}`]),
      };
      return { rows, junctions };
    });
}

/* ------------------------------------------------------------------------------------ filters */

const RANGE_PARSE = ['$lt', '$lte', '$gt', '$gte'];
const RANGE_NOODL = ['lessThan', 'lessThanOrEqualTo', 'greaterThan', 'greaterThanOrEqualTo'];

function regexPattern(f: Flavour): fc.Arbitrary<string> {
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  const quote = (s: string): string => `\\Q${s.replace(/\\E/g, '\\E\\\\E\\Q')}\\E`;
  const fixed = [
    'a.',
    '^a|b$',
    '[aé]',
    'A+',
    '(a|b)x?',
    '.',
    '^$',
    'é',
    '[^a]',
    'x*',
    '^.{2}$',
    'É',
    'ß',
  ];
  if (!f.pg) fixed.push('\\d', '\\w+', 'a\\b');
  return fc.oneof(
    str(f).map(esc),
    str(f).map((s) => `^${esc(s)}`),
    str(f).map((s) => `${esc(s)}$`),
    str(f).map(quote),
    str(f).map((s) => `^${quote(s)}`),
    str(f).map((s) => `${quote(s)}$`),
    str(f).map((s) => `^${quote(s)}$`),
    fc.constantFrom(...fixed),
  );
}

const options = fc.constantFrom('', 'i', 'm', 's', 'im');

/** Operators for a field given literal arbitraries. */
function ops(
  f: Flavour,
  lit: fc.Arbitrary<unknown>,
  kinds: { range?: boolean; text?: boolean; array?: boolean; list?: fc.Arbitrary<unknown> },
): fc.Arbitrary<unknown> {
  const list = kinds.list ?? lit;
  const choices: fc.Arbitrary<unknown>[] = [
    lit,
    lit.map((v) => ({ $eq: v })),
    lit.map((v) => ({ $ne: v })),
    lit.map((v) => ({ equalTo: v })),
    lit.map((v) => ({ notEqualTo: v })),
    fc.array(fc.oneof(list, fc.constant(null)), { maxLength: 4 }).map((v) => ({ $in: v })),
    fc.array(fc.oneof(list, fc.constant(null)), { maxLength: 4 }).map((v) => ({ $nin: v })),
    fc.array(list, { maxLength: 3 }).map((v) => ({ containedIn: v })),
    fc.array(list, { maxLength: 3 }).map((v) => ({ notContainedIn: v })),
    fc.boolean().map((v) => ({ $exists: v })),
    fc.boolean().map((v) => ({ exists: v })),
    fc.constant(null),
    fc.constant({ $ne: null }),
  ];
  if (kinds.range) {
    choices.push(
      fc.tuple(fc.constantFrom(...RANGE_PARSE), lit).map(([op, v]) => ({ [op]: v })),
      fc.tuple(fc.constantFrom(...RANGE_NOODL), lit).map(([op, v]) => ({ [op]: v })),
      fc.tuple(lit, lit).map(([a, b]) => ({ $gte: a, $lt: b })),
    );
  }
  if (kinds.text) {
    choices.push(
      fc
        .tuple(regexPattern(f), options)
        .map(([p, o]) => (o === '' ? { $regex: p } : { $regex: p, $options: o })),
      fc.tuple(regexPattern(f), options).map(([p, o]) => ({ matchesRegex: p, options: o })),
      fc
        .tuple(
          fc.constantFrom('contains', 'startsWith', 'endsWith'),
          str(f),
          fc.constantFrom('', 'i'),
        )
        .map(([m, v, o]) => (o === '' ? { [m]: v } : { [m]: v, options: o })),
    );
  }
  if (kinds.array) {
    choices.push(fc.array(list, { minLength: 1, maxLength: 3 }).map((v) => ({ $all: v })));
  }
  return fc.oneof(...choices);
}

function geoFilter(field: string): fc.Arbitrary<unknown> {
  const lat = fc.double({ min: 40, max: 60, noNaN: true });
  const lon = fc.double({ min: 0, max: 20, noNaN: true });
  const point = fc.record({ latitude: lat, longitude: lon });
  return fc.oneof(
    point.map((p) => ({ [field]: { $nearSphere: { __type: 'GeoPoint', ...p } } })),
    fc
      .tuple(point, fc.double({ min: 0, max: 0.3, noNaN: true }))
      .map(([p, r]) => ({ [field]: { $nearSphere: p, $maxDistance: r } })),
    fc
      .tuple(point, fc.double({ min: 0, max: 2000, noNaN: true }))
      .map(([p, km]) => ({ [field]: { $nearSphere: p, $maxDistanceInKilometers: km } })),
    fc
      .tuple(point, fc.double({ min: 0, max: 2000, noNaN: true }))
      .map(([p, km]) => ({ [field]: { nearSphere: { ...p, maxDistanceInKilometers: km } } })),
    fc
      .tuple(
        lat,
        lat,
        fc.double({ min: -180, max: 180, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
      )
      .map(([a, b, w, e]) => ({
        [field]: {
          $within: {
            $box: [
              { latitude: Math.min(a, b), longitude: w },
              { latitude: Math.max(a, b), longitude: e },
            ],
          },
        },
      })),
    fc.array(point, { minLength: 3, maxLength: 5 }).map((pts) => ({
      [field]: { $geoWithin: { $polygon: pts.map((p) => [p.latitude, p.longitude]) } },
    })),
    fc
      .array(point, { minLength: 3, maxLength: 5 })
      .map((pts) => ({ [field]: { withinPolygon: pts } })),
    fc.tuple(point, fc.double({ min: 0, max: 0.5, noNaN: true })).map(([p, r]) => ({
      [field]: { $geoWithin: { $centerSphere: [[p.longitude, p.latitude], r] } },
    })),
  );
}

function visualRule(
  field: string,
  lit: fc.Arbitrary<unknown>,
  range: boolean,
): fc.Arbitrary<unknown> {
  const operators = [
    'equal to',
    'not equal to',
    'exist',
    'not exist',
    ...(range
      ? ['greater than', 'greater than or equal to', 'less than', 'less than or equal to']
      : []),
  ];
  return fc
    .tuple(fc.constantFrom(...operators), lit)
    .map(([operator, value]) => ({ property: field, operator, value }));
}

/** One condition on one field, any format. */
function condition(f: Flavour): fc.Arbitrary<Record<string, unknown>> {
  const anyLit = fc.oneof(str(f), num, fc.boolean(), date, dateObj);
  const on = (field: string, arb: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> =>
    arb.map((v) => ({ [field]: v }));
  if (f.schemaless) {
    const field = fc.constantFrom('f1', 'f2', 'f3', 'f1.x', 'f2.y', 'f1.x.z');
    return fc.oneof(
      {
        weight: 8,
        arbitrary: fc
          .tuple(field, ops(f, anyLit, { range: false, array: true }))
          .map(([k, v]) => ({ [k]: v })),
      },
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            field,
            fc.constantFrom('$lt', '$lte', '$gt', '$gte'),
            fc.oneof(str(f), num, date, dateObj),
          )
          .map(([k, op, v]) => ({ [k]: { [op]: v } })),
      },
      {
        weight: 3,
        arbitrary: fc.tuple(field, ops(f, str(f), { text: true })).map(([k, v]) => ({ [k]: v })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(field, fc.array(pointer, { minLength: 1, maxLength: 2 }))
          .map(([k, v]) => ({ [k]: { $in: v } })),
      },
      { weight: 1, arbitrary: fc.tuple(field, pointer).map(([k, v]) => ({ [k]: v })) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('f1', 'f2').chain((k) => geoFilter(k)) as fc.Arbitrary<
          Record<string, unknown>
        >,
      },
      {
        weight: 2,
        arbitrary: fc
          .tuple(fc.constantFrom('f1', 'f2', 'f3'), anyLit, fc.boolean())
          .map(([property, value, range]) => ({
            combinator: 'and',
            rules: [{ property, operator: range ? 'greater than' : 'equal to', value }],
          })),
      },
    );
  }
  const choices: { weight: number; arbitrary: fc.Arbitrary<Record<string, unknown>> }[] = [
    { weight: 3, arbitrary: on('s', ops(f, str(f), { range: true, text: true })) },
    { weight: 3, arbitrary: on('n', ops(f, num, { range: true })) },
    { weight: 2, arbitrary: on('b', ops(f, fc.boolean(), {})) },
    {
      weight: 3,
      arbitrary: on(
        'd',
        ops(
          f,
          fc.oneof(
            date,
            dateObj,
            date.map((d) => new Date(d)),
          ),
          { range: true },
        ),
      ),
    },
    {
      weight: 4,
      arbitrary: on(
        'a',
        ops(f, anyLit, { range: false, text: true, array: true, list: fc.oneof(anyLit, pointer) }),
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('$lt', '$gt', '$gte'), fc.oneof(num, str(f)))
        .map(([op, v]) => ({ a: { [op]: v } })),
    },
    {
      weight: 1,
      arbitrary: on(
        'a',
        fc.oneof(
          pointer,
          fc.array(pointer, { minLength: 1, maxLength: 2 }).map((v) => ({ $all: v })),
          id.map((v) => ({ pointsTo: [v] })),
        ),
      ),
    },
    {
      weight: 4,
      arbitrary: fc
        .tuple(fc.constantFrom('o.x', 'o.y', 'o.x.z'), ops(f, anyLit, { array: true }))
        .map(([k, v]) => ({ [k]: v })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom('o.x', 'o.y'),
          fc.constantFrom('$lt', '$gt', '$lte'),
          fc.oneof(num, str(f), dateObj),
        )
        .map(([k, op, v]) => ({ [k]: { [op]: v } })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('o.x', 'o.y'), ops(f, str(f), { text: true }))
        .map(([k, v]) => ({ [k]: v })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('o.x', 'o.y'), pointer).map(([k, v]) => ({ [k]: v })),
    },
    {
      weight: 3,
      arbitrary: on('p', ops(f, fc.oneof(id, pointer), { list: fc.oneof(id, pointer) })),
    },
    {
      weight: 1,
      arbitrary: on(
        'p',
        fc.oneof(
          id.map((v) => ({ pointsTo: v })),
          fc.array(id, { maxLength: 2 }).map((v) => ({ pointsTo: v })),
        ),
      ),
    },
    {
      weight: 2,
      arbitrary: on(
        'rel',
        fc.oneof(
          pointer,
          fc.array(pointer, { minLength: 1, maxLength: 2 }).map((v) => ({ $in: v })),
          fc.array(id, { minLength: 1, maxLength: 2 }).map((v) => ({ pointsTo: v })),
          pointer.map((v) => ({ $ne: v })),
        ),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom('o1', 'o2', 'o3').map((o) => ({
        $relatedTo: {
          object: { __type: 'Pointer', className: 'Owner', objectId: o },
          key: 'items',
        },
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('o1', 'o2')
        .map((o) => ({ relatedTo: { id: o, key: 'items', className: 'Owner' } })),
    },
    { weight: 3, arbitrary: geoFilter('g') as fc.Arbitrary<Record<string, unknown>> },
    { weight: 1, arbitrary: geoFilter('o.loc') as fc.Arbitrary<Record<string, unknown>> },
    { weight: 1, arbitrary: fc.constantFrom('r0', 'r1', 'r2', 'r9').map((v) => ({ objectId: v })) },
    {
      weight: 1,
      arbitrary: fc
        .array(fc.constantFrom('r0', 'r1', 'r2'), { maxLength: 3 })
        .map((v) => ({ idContainedIn: v })),
    },
    { weight: 1, arbitrary: fc.constantFrom('r0', 'r3').map((v) => ({ idEqualTo: v })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom('$lt', '$gte'), date)
        .map(([op, v]) => ({ createdAt: { [op]: v } })),
    },
    {
      weight: 2,
      arbitrary: fc
        .oneof(
          visualRule('n', num, true),
          visualRule('s', str(f), true),
          visualRule('d', date, true),
          visualRule('b', fc.boolean(), false),
          str(f).map((value) => ({ property: 's', operator: 'contain', value })),
          id.map((value) => ({ property: 'p', operator: 'points to', value })),
          fc.constantFrom('o1', 'o2').map((value) => ({
            operator: 'related to',
            relatedTo: 'Owner',
            relationProperty: 'items',
            value,
          })),
        )
        .map((rule) => ({ combinator: 'and', rules: [rule] })),
    },
  ];
  if (!f.pg) {
    choices.push({
      weight: 3,
      arbitrary: fc
        .tuple(
          fc.constantFrom('s', 't'),
          text(f).filter((s) => s.trim() !== ''),
        )
        .map(([k, term]) => ({ [k]: { $text: { $search: { $term: term } } } })),
    });
    choices.push({
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom('s', 't'),
          text(f).filter((s) => s.trim() !== ''),
        )
        .map(([k, search]) => ({ [k]: { text: { search } } })),
    });
  }
  return fc.oneof(...choices);
}

/** A filter: conditions nested in every combinator format, up to depth 3. */
export function filter(f: Flavour): fc.Arbitrary<unknown> {
  const leaf = condition(f);
  const tree = fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { weight: 5, arbitrary: leaf },
      {
        weight: 1,
        arbitrary: fc.array(tie('node'), { minLength: 0, maxLength: 3 }).map((l) => ({ $and: l })),
      },
      {
        weight: 1,
        arbitrary: fc.array(tie('node'), { minLength: 0, maxLength: 3 }).map((l) => ({ $or: l })),
      },
      {
        weight: 1,
        arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 2 }).map((l) => ({ $nor: l })),
      },
      {
        weight: 1,
        arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((l) => ({ and: l })),
      },
      {
        weight: 1,
        arbitrary: fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((l) => ({ or: l })),
      },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom('and', 'or'),
            fc.array(tie('node'), { minLength: 0, maxLength: 3 }),
          )
          .map(([combinator, rules]) => ({ combinator, rules })),
      },
      { weight: 1, arbitrary: fc.tuple(leaf, leaf).map(([a, b]) => ({ ...a, ...b })) },
    ),
  }));
  return tree.node;
}
