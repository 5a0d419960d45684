import { describe, expect, test } from 'vitest';
import { BackendError, type FilterNode, type TableSchema } from '@localbackend/adapter';
import { parseWhere } from './parse-where';

const schema: TableSchema = {
  name: 'Person',
  columns: [
    { name: 'name', type: 'String' },
    { name: 'age', type: 'Number' },
    { name: 'active', type: 'Boolean' },
    { name: 'born', type: 'Date' },
    { name: 'team', type: 'Pointer', targetClass: 'Team' },
    { name: 'friends', type: 'Relation', targetClass: 'Person' },
    { name: 'tags', type: 'Array' },
    { name: 'address', type: 'Object' },
    { name: 'home', type: 'GeoPoint' },
  ],
};

const ref = (field: string, ...path: string[]) => ({ field, path });

function error(fn: () => unknown): BackendError {
  try {
    fn();
  } catch (e) {
    if (BackendError.is(e)) return e;
    throw e;
  }
  throw new Error('expected a BackendError');
}

function isDeepFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (!Object.isFrozen(value)) return false;
  return Object.values(value).every(isDeepFrozen);
}

describe('parseWhere formats', () => {
  test('undefined, null and {} mean no filter', () => {
    for (const input of [undefined, null, {}])
      expect(parseWhere(input)).toEqual({ kind: 'const', value: true });
  });

  test('Parse: a value is equality, operators combine with AND', () => {
    expect(parseWhere({ name: 'Ann', age: { $gte: 18, $lt: 65 } })).toEqual({
      kind: 'and',
      conditions: [
        { kind: 'compare', field: ref('name'), op: 'eq', value: 'Ann' },
        { kind: 'compare', field: ref('age'), op: 'gte', value: 18 },
        { kind: 'compare', field: ref('age'), op: 'lt', value: 65 },
      ],
    });
  });

  test('Noodl: the same operators by name, all applied (Noodl kept only the first)', () => {
    expect(parseWhere({ age: { greaterThan: 1, lessThan: 3 } })).toEqual(
      parseWhere({ age: { $gt: 1, $lt: 3 } }),
    );
  });

  test('Noodl idEqualTo / idContainedIn / relatedTo', () => {
    expect(parseWhere({ idEqualTo: 'a1' })).toEqual({
      kind: 'compare',
      field: ref('objectId'),
      op: 'eq',
      value: 'a1',
    });
    expect(parseWhere({ idContainedIn: ['a1', 'b2'] })).toEqual({
      kind: 'in',
      field: ref('objectId'),
      values: ['a1', 'b2'],
      negate: false,
    });
    expect(parseWhere({ relatedTo: { id: 'p1', key: 'members', className: 'Team' } })).toEqual({
      kind: 'relatedTo',
      object: { className: 'Team', objectId: 'p1' },
      key: 'members',
    });
  });

  test('visual filter rules and nested groups', () => {
    expect(
      parseWhere({
        combinator: 'or',
        rules: [
          { property: 'age', operator: 'greater than', value: 30 },
          {
            combinator: 'and',
            rules: [
              { property: 'name', operator: 'exist' },
              { property: 'name', operator: 'not equal to', value: 'Bo' },
            ],
          },
        ],
      }),
    ).toEqual({
      kind: 'or',
      conditions: [
        { kind: 'compare', field: ref('age'), op: 'gt', value: 30 },
        {
          kind: 'and',
          conditions: [
            { kind: 'exists', field: ref('name'), exists: true },
            {
              kind: 'not',
              condition: { kind: 'compare', field: ref('name'), op: 'eq', value: 'Bo' },
            },
          ],
        },
      ],
    });
  });

  test('visual rules with an input read ParseOptions.values; undefined ones are dropped', () => {
    const group = {
      combinator: 'and',
      rules: [{ property: 'age', operator: 'less than', input: 'max' }],
    };
    expect(parseWhere(group, { values: { max: 40 } })).toEqual({
      kind: 'compare',
      field: ref('age'),
      op: 'lt',
      value: 40,
    });
    expect(parseWhere(group, { values: {} })).toEqual({ kind: 'const', value: true });
  });

  test('shorthand contains / startsWith / endsWith with options i', () => {
    expect(parseWhere({ name: { contains: 'an', options: 'i' } })).toEqual({
      kind: 'stringMatch',
      field: ref('name'),
      mode: 'contains',
      value: 'an',
      caseSensitive: false,
    });
    expect(parseWhere({ name: { endsWith: '.' } })).toMatchObject({
      kind: 'stringMatch',
      mode: 'endsWith',
      value: '.',
      caseSensitive: true,
    });
  });

  test('Parse SDK \\Q...\\E regexes become string matches; \\E inside the text survives', () => {
    expect(parseWhere({ name: { $regex: '\\Qa.b\\E' } })).toMatchObject({
      kind: 'stringMatch',
      mode: 'contains',
      value: 'a.b',
    });
    expect(parseWhere({ name: { $regex: '^\\Qx\\E\\\\E\\Qy\\E' } })).toMatchObject({
      kind: 'stringMatch',
      mode: 'startsWith',
      value: 'x\\Ey',
    });
    expect(parseWhere({ name: { $regex: '^\\QAnn\\E$' } })).toEqual({
      kind: 'compare',
      field: ref('name'),
      op: 'eq',
      value: 'Ann',
    });
    expect(parseWhere({ name: { $regex: '^\\QAnn\\E$', $options: 'i' } })).toMatchObject({
      kind: 'regex',
      pattern: '^Ann$',
      flags: 'i',
    });
    expect(parseWhere({ name: { $regex: 'a\\Q.*\\E+' } })).toEqual({
      kind: 'regex',
      field: ref('name'),
      pattern: 'a\\.\\*+',
      flags: '',
    });
  });

  test('mixed nesting: a Noodl and of Parse and visual filters', () => {
    const node = parseWhere({
      and: [
        { $or: [{ age: 1 }, { age: 2 }] },
        { combinator: 'and', rules: [{ property: 'name', operator: 'exist' }] },
      ],
    });
    expect(node.kind).toBe('and');
    expect((node as Extract<FilterNode, { kind: 'and' }>).conditions.map((c) => c.kind)).toEqual([
      'or',
      'exists',
    ]);
  });

  test('$nor, $ne and $nin are negations; null is "missing"', () => {
    expect(parseWhere({ $nor: [{ age: 1 }] })).toEqual({
      kind: 'not',
      condition: { kind: 'compare', field: ref('age'), op: 'eq', value: 1 },
    });
    expect(parseWhere({ age: null })).toEqual({ kind: 'exists', field: ref('age'), exists: false });
    expect(parseWhere({ age: { $ne: null } })).toEqual({
      kind: 'exists',
      field: ref('age'),
      exists: true,
    });
    expect(parseWhere({ age: { $nin: [1] } })).toEqual({
      kind: 'in',
      field: ref('age'),
      values: [1],
      negate: true,
    });
  });

  test('the AST is deeply frozen', () => {
    const node = parseWhere({
      $or: [
        { 'address.city': { $in: ['Oslo'] } },
        {
          home: {
            $geoWithin: {
              $polygon: [
                [0, 0],
                [1, 0],
                [1, 1],
              ],
            },
          },
        },
      ],
    });
    expect(isDeepFrozen(node)).toBe(true);
  });
});

describe('parseWhere with a schema', () => {
  test('Date columns accept ISO strings, {__type: Date} and Date objects', () => {
    const iso = '2000-01-02T03:04:05.000Z';
    for (const value of ['2000-01-02T03:04:05Z', { __type: 'Date', iso }, new Date(iso)]) {
      expect(parseWhere({ born: { $lt: value } }, { schema })).toEqual({
        kind: 'compare',
        field: ref('born'),
        op: 'lt',
        value: { kind: 'date', iso },
      });
    }
  });

  test('Pointer columns accept ids, Pointer objects and records', () => {
    const expected = { kind: 'pointsTo', field: ref('team'), objectIds: ['t1'], className: 'Team' };
    for (const value of [
      't1',
      { __type: 'Pointer', className: 'Team', objectId: 't1' },
      { objectId: 't1', name: 'Red' },
    ]) {
      expect(parseWhere({ team: value }, { schema })).toEqual(expected);
    }
    expect(
      error(() =>
        parseWhere({ team: { __type: 'Pointer', className: 'User', objectId: 't1' } }, { schema }),
      ).message,
    ).toBe('where.team: expected a Pointer to Team, got a Pointer to User');
  });

  test('a value of the wrong type is a TYPE_MISMATCH naming the path', () => {
    const e = error(() =>
      parseWhere({ $or: [{ age: 1 }, { age: 2 }, { age: { $gt: 'abc' } }] }, { schema }),
    );
    expect(e.code).toBe('TYPE_MISMATCH');
    expect(e.message).toBe('where.$or[2].age.$gt: expected a number, got "abc"');
    expect(e.details?.path).toBe('where.$or[2].age.$gt');
    expect(error(() => parseWhere({ active: 'yes' }, { schema })).message).toBe(
      'where.active: expected a boolean, got "yes"',
    );
    expect(error(() => parseWhere({ born: 'tomorrow' }, { schema })).code).toBe('TYPE_MISMATCH');
    expect(error(() => parseWhere({ address: 'Oslo' }, { schema })).message).toMatch(
      /^where.address: expected null \(a Object column can only be compared with null; use a path/,
    );
  });

  test('unknown fields are errors, or always missing with unknownFields: missing', () => {
    const e = error(() => parseWhere({ ghost: 1 }, { schema }));
    expect(e.code).toBe('INVALID_FIELD_NAME');
    expect(e.message).toBe('where.ghost: the field "ghost" does not exist in Person');
    const missing = { schema, unknownFields: 'missing' as const };
    expect(parseWhere({ ghost: 1 }, missing)).toEqual({ kind: 'const', value: false });
    expect(parseWhere({ ghost: { $ne: 1 } }, missing)).toEqual({ kind: 'const', value: true });
    expect(parseWhere({ ghost: { $exists: false }, age: 3 }, missing)).toEqual({
      kind: 'compare',
      field: ref('age'),
      op: 'eq',
      value: 3,
    });
    expect(parseWhere({ ghost: { $in: [null, 1] } }, missing)).toEqual({
      kind: 'const',
      value: true,
    });
  });

  test('dotted paths need an Object field', () => {
    expect(parseWhere({ 'address.city': 'Oslo' }, { schema })).toEqual({
      kind: 'compare',
      field: ref('address', 'city'),
      op: 'eq',
      value: 'Oslo',
    });
    expect(error(() => parseWhere({ 'age.x': 1 }, { schema })).code).toBe('TYPE_MISMATCH');
  });

  test('Relation fields: equality with a Pointer means "relates to"', () => {
    expect(
      parseWhere(
        { friends: { __type: 'Pointer', className: 'Person', objectId: 'p2' } },
        { schema },
      ),
    ).toEqual({
      kind: 'pointsTo',
      field: ref('friends'),
      objectIds: ['p2'],
      className: 'Person',
    });
    expect(error(() => parseWhere({ friends: { $exists: true } }, { schema })).code).toBe(
      'TYPE_MISMATCH',
    );
  });
});

describe('parseWhere errors', () => {
  test.each([
    [{ age: { $gtt: 1 } }, 'UNKNOWN_OPERATOR', 'where.age.$gtt'],
    [{ age: { greaterThen: 1 } }, 'UNKNOWN_OPERATOR', 'where.age.greaterThen'],
    [{ $xor: [] }, 'UNKNOWN_OPERATOR', 'where.$xor'],
    [{ age: { $inQuery: {} } }, 'UNKNOWN_OPERATOR', 'where.age.$inQuery'],
    [{ $or: {} }, 'TYPE_MISMATCH', 'where.$or'],
    [{ $and: [1] }, 'TYPE_MISMATCH', 'where.$and[0]'],
    [{ age: { $in: 5 } }, 'TYPE_MISMATCH', 'where.age.$in'],
    [{ age: { $exists: 'yes' } }, 'TYPE_MISMATCH', 'where.age.$exists'],
    [{ name: { $regex: '(' } }, 'INVALID_QUERY', 'where.name.$regex'],
    [{ name: { $regex: 'a', $options: 'g' } }, 'INVALID_QUERY', 'where.name.$options'],
    [{ name: { $options: 'i' } }, 'INVALID_QUERY', 'where.name.$options'],
    [
      { name: { $text: { $search: { $term: '  ' } } } },
      'INVALID_QUERY',
      'where.name.$text.$search.$term',
    ],
    [
      { name: { $text: { $search: { $term: 'a', $caseSensitive: true } } } },
      'INVALID_QUERY',
      'where.name.$text.$search.$caseSensitive',
    ],
    [
      { home: { $nearSphere: { latitude: 91, longitude: 0 } } },
      'TYPE_MISMATCH',
      'where.home.$nearSphere.latitude',
    ],
    [
      {
        home: {
          $within: {
            $box: [
              { latitude: 5, longitude: 0 },
              { latitude: 1, longitude: 1 },
            ],
          },
        },
      },
      'INVALID_QUERY',
      'where.home.$within.$box',
    ],
    [
      {
        $relatedTo: {
          object: { __type: 'Pointer', className: 'Team', objectId: 'bad id!' },
          key: 'members',
        },
      },
      'TYPE_MISMATCH',
      'where.$relatedTo.object.objectId',
    ],
    [{ combinator: 'xor', rules: [] }, 'TYPE_MISMATCH', 'where.combinator'],
    [
      { combinator: 'and', rules: [{ property: 'age', operator: 'bigger than', value: 1 }] },
      'UNKNOWN_OPERATOR',
      'where.rules[0].operator',
    ],
    [{ 'bad name': 1 }, 'INVALID_FIELD_NAME', 'where.bad name'],
    [{ tags: ['a', 'b'] }, 'TYPE_MISMATCH', 'where.tags'],
  ])('%j -> %s at %s', (input, code, path) => {
    const e = error(() => parseWhere(input, { schema }));
    expect(e.code).toBe(code);
    expect(e.details?.path).toBe(path);
    expect(e.message.startsWith(`${path}: `)).toBe(true);
  });

  test('ParseOptions.path prefixes error paths', () => {
    expect(
      error(() => parseWhere({ age: { $gt: 'x' } }, { schema, path: 'query.where' })).message,
    ).toBe('query.where.age.$gt: expected a number, got "x"');
  });
});
