import type { TableSchema } from '@localbackend/adapter';
import type { Junctions, Row } from './helpers';

/** A small Todo-style collection used by the operator and format tests. */
export const TASK: TableSchema = Object.freeze({
  name: 'Task',
  columns: Object.freeze([
    { name: 'title', type: 'String', textIndex: true },
    { name: 'notes', type: 'String' },
    { name: 'done', type: 'Boolean' },
    { name: 'priority', type: 'Number' },
    { name: 'due', type: 'Date' },
    { name: 'tags', type: 'Array' },
    { name: 'meta', type: 'Object' },
    { name: 'owner', type: 'Pointer', targetClass: '_User' },
    { name: 'watchers', type: 'Relation', targetClass: '_User' },
    { name: 'loc', type: 'GeoPoint' },
    { name: 'attachment', type: 'File' },
  ]),
}) as TableSchema;

const geo = (latitude: number, longitude: number): Record<string, unknown> => ({
  __type: 'GeoPoint',
  latitude,
  longitude,
});

export const TASKS: Row[] = [
  {
    objectId: 't1',
    createdAt: '2024-01-01T00:00:00.000Z',
    updatedAt: '2024-01-05T00:00:00.000Z',
    title: 'Buy milk',
    notes: 'Skim milk, 2 liters',
    done: false,
    priority: 3,
    due: '2024-03-01T10:00:00.000Z',
    tags: ['home', 'urgent'],
    meta: { city: 'Oslo', n: 5, nested: { deep: true } },
    owner: 'u1',
    loc: geo(59.91, 10.75),
  },
  {
    objectId: 't2',
    createdAt: '2024-01-02T00:00:00.000Z',
    updatedAt: '2024-01-02T00:00:00.000Z',
    title: 'Walk the dog',
    notes: 'Around the PARK',
    done: true,
    priority: 1,
    tags: ['home'],
    meta: { city: 'Rome', n: 2 },
    owner: 'u2',
    loc: geo(41.9, 12.5),
  },
  {
    objectId: 't3',
    createdAt: '2024-01-03T00:00:00.000Z',
    updatedAt: '2024-01-03T00:00:00.000Z',
    title: 'Write report',
    done: false,
    priority: 2,
    due: '2024-01-15T09:00:00.000Z',
    tags: [],
    meta: { city: 'oslo' },
    attachment: { __type: 'File', name: 'report.pdf', url: 'http://x/report.pdf' },
  },
  {
    objectId: 't4',
    createdAt: '2024-01-04T00:00:00.000Z',
    updatedAt: '2024-01-04T00:00:00.000Z',
    title: 'Éclair for café',
    notes: '50% off_today',
    done: false,
    tags: ['food', 3, true, { __type: 'Pointer', className: '_User', objectId: 'u3' }],
    owner: 'u1',
    loc: geo(48.85, 2.35),
  },
  { objectId: 't5', createdAt: '2024-01-05T00:00:00.000Z', updatedAt: '2024-01-05T00:00:00.000Z' },
];

export const TASK_JUNCTIONS: Junctions = {
  _Join_watchers_Task: [
    ['t1', 'u1'],
    ['t1', 'u2'],
    ['t3', 'u2'],
  ],
  _Join_tasks_Project: [
    ['p1', 't1'],
    ['p1', 't2'],
  ],
};

const ptr = (className: string, objectId: string): Record<string, string> => ({
  __type: 'Pointer',
  className,
  objectId,
});

/** name, raw filter, expected ids (in order when `ordered`), per-dialect overrides. */
export interface Case {
  readonly name: string;
  readonly where: unknown;
  readonly ids: readonly string[];
  readonly postgres?: readonly string[];
  readonly ordered?: boolean;
}

export const PARSE_CASES: Case[] = [
  { name: '$eq by value', where: { done: false }, ids: ['t1', 't3', 't4'] },
  { name: '$eq', where: { priority: { $eq: 2 } }, ids: ['t3'] },
  {
    name: '$ne also matches missing',
    where: { done: { $ne: true } },
    ids: ['t1', 't3', 't4', 't5'],
  },
  { name: '$gt', where: { priority: { $gt: 1 } }, ids: ['t1', 't3'] },
  {
    name: '$gte and $lt on one field combine with AND',
    where: { priority: { $gte: 1, $lt: 3 } },
    ids: ['t2', 't3'],
  },
  { name: '$lte', where: { priority: { $lte: 2 } }, ids: ['t2', 't3'] },
  { name: '$in', where: { priority: { $in: [1, 3] } }, ids: ['t1', 't2'] },
  {
    name: '$in with null matches missing',
    where: { priority: { $in: [null, 1] } },
    ids: ['t2', 't4', 't5'],
  },
  {
    name: '$nin also matches missing',
    where: { priority: { $nin: [1, 3] } },
    ids: ['t3', 't4', 't5'],
  },
  { name: '$exists false', where: { priority: { $exists: false } }, ids: ['t4', 't5'] },
  { name: '$exists true', where: { due: { $exists: true } }, ids: ['t1', 't3'] },
  { name: 'null means missing', where: { priority: null }, ids: ['t4', 't5'] },
  { name: '$ne null means exists', where: { priority: { $ne: null } }, ids: ['t1', 't2', 't3'] },
  {
    name: 'string range (code point order)',
    where: { title: { $gte: 'Walk', $lt: 'Écl' } },
    ids: ['t2', 't3'],
  },
  { name: '$regex', where: { title: { $regex: 'r[eo]' } }, ids: ['t3'] },
  {
    name: '$regex literal prefix becomes startsWith',
    where: { title: { $regex: '^W' } },
    ids: ['t2', 't3'],
  },
  {
    name: '$regex with $options i',
    where: { title: { $regex: 'MILK|DOG', $options: 'i' } },
    ids: ['t1', 't2'],
  },
  {
    name: 'Parse SDK contains (\\Q...\\E)',
    where: { title: { $regex: '\\Qthe \\E' } },
    ids: ['t2'],
  },
  {
    name: 'Parse SDK startsWith (^\\Q...\\E)',
    where: { title: { $regex: '^\\QBuy\\E' } },
    ids: ['t1'],
  },
  {
    name: 'Parse SDK endsWith (\\Q...\\E$)',
    where: { title: { $regex: '\\Qcafé\\E$' } },
    ids: ['t4'],
  },
  {
    name: 'Parse SDK quoted text with regex characters',
    where: { notes: { $regex: '\\Q50% off_\\E' } },
    ids: ['t4'],
  },
  { name: 'Array field equality means contains', where: { tags: 'home' }, ids: ['t1', 't2'] },
  {
    name: 'Array contains a number / a boolean',
    where: { $or: [{ tags: 3 }, { tags: true }] },
    ids: ['t4'],
  },
  { name: '$all on an Array field', where: { tags: { $all: ['home', 'urgent'] } }, ids: ['t1'] },
  {
    name: '$in on an Array field (contains any)',
    where: { tags: { $in: ['food', 'urgent'] } },
    ids: ['t1', 't4'],
  },
  {
    name: '$nin on an Array field (contains none)',
    where: { tags: { $nin: ['home'] } },
    ids: ['t3', 't4', 't5'],
  },
  { name: 'Pointer inside an Array field', where: { tags: ptr('_User', 'u3') }, ids: ['t4'] },
  { name: 'JSON path equality', where: { 'meta.city': 'Oslo' }, ids: ['t1'] },
  { name: 'JSON path range', where: { 'meta.n': { $gte: 2 } }, ids: ['t1', 't2'] },
  { name: 'JSON path, nested', where: { 'meta.nested.deep': true }, ids: ['t1'] },
  {
    name: 'JSON path $exists false',
    where: { 'meta.city': { $exists: false } },
    ids: ['t4', 't5'],
  },
  {
    name: 'JSON path $regex',
    where: { 'meta.city': { $regex: '^o', $options: 'i' } },
    ids: ['t1', 't3'],
  },
  {
    name: 'Date column with an ISO string',
    where: { due: { $lt: '2024-02-01T00:00:00Z' } },
    ids: ['t3'],
  },
  {
    name: 'Date column with {__type: Date}',
    where: { due: { $gt: { __type: 'Date', iso: '2024-01-01T00:00:00.000Z' } } },
    ids: ['t1', 't3'],
  },
  {
    name: 'createdAt range',
    where: { createdAt: { $gte: { __type: 'Date', iso: '2024-01-04T00:00:00.000Z' } } },
    ids: ['t4', 't5'],
  },
  { name: 'Pointer by objectId', where: { owner: 'u1' }, ids: ['t1', 't4'] },
  { name: 'Pointer by Pointer object', where: { owner: ptr('_User', 'u2') }, ids: ['t2'] },
  { name: 'Pointer by record', where: { owner: { objectId: 'u2', username: 'bob' } }, ids: ['t2'] },
  {
    name: 'Pointer $in mixing ids and Pointers',
    where: { owner: { $in: [ptr('_User', 'u2'), 'u1'] } },
    ids: ['t1', 't2', 't4'],
  },
  { name: 'Pointer $ne', where: { owner: { $ne: 'u1' } }, ids: ['t2', 't3', 't5'] },
  {
    name: 'Relation field equality (junction table)',
    where: { watchers: ptr('_User', 'u2') },
    ids: ['t1', 't3'],
  },
  {
    name: '$relatedTo',
    where: { $relatedTo: { object: ptr('Project', 'p1'), key: 'tasks' } },
    ids: ['t1', 't2'],
  },
  { name: 'objectId $in', where: { objectId: { $in: ['t1', 't3', 'zz'] } }, ids: ['t1', 't3'] },
  {
    name: '$or',
    where: { $or: [{ priority: 1 }, { title: { $regex: 'report' } }] },
    ids: ['t2', 't3'],
  },
  {
    name: '$and',
    where: { $and: [{ done: false }, { 'meta.city': { $in: ['Oslo', 'oslo'] } }] },
    ids: ['t1', 't3'],
  },
  { name: '$nor', where: { $nor: [{ done: true }, { done: null }] }, ids: ['t1', 't3', 't4'] },
  {
    name: '$text with an FTS index',
    where: { title: { $text: { $search: { $term: 'milk' } } } },
    ids: ['t1'],
  },
  {
    name: '$text with an FTS index ignores diacritics (SQLite)',
    where: { title: { $text: { $search: { $term: 'CAFE eclair' } } } },
    ids: ['t4'],
    postgres: [],
  },
  {
    name: '$text without an index (LIKE per word)',
    where: { notes: { $text: { $search: { $term: 'park around' } } } },
    ids: ['t2'],
  },
  {
    name: '$nearSphere with $maxDistanceInKilometers',
    where: {
      loc: {
        $nearSphere: { __type: 'GeoPoint', latitude: 59.9, longitude: 10.7 },
        $maxDistanceInKilometers: 10,
      },
    },
    ids: ['t1'],
  },
  {
    name: '$nearSphere orders by distance',
    where: { loc: { $nearSphere: { latitude: 59.9, longitude: 10.7 } } },
    ids: ['t1', 't4', 't2'],
    ordered: true,
  },
  {
    name: '$within $box',
    where: {
      loc: {
        $within: {
          $box: [
            { latitude: 40, longitude: 0 },
            { latitude: 50, longitude: 15 },
          ],
        },
      },
    },
    ids: ['t2', 't4'],
  },
  {
    name: '$within $box across the antimeridian',
    where: {
      loc: {
        $within: {
          $box: [
            { latitude: 40, longitude: 12 },
            { latitude: 60, longitude: 3 },
          ],
        },
      },
    },
    ids: ['t2', 't4'],
  },
  {
    name: '$geoWithin $polygon',
    where: {
      loc: {
        $geoWithin: {
          $polygon: [
            [40, 0],
            [50, 0],
            [50, 15],
            [40, 15],
          ],
        },
      },
    },
    ids: ['t2', 't4'],
  },
  {
    name: '$geoWithin $centerSphere',
    where: { loc: { $geoWithin: { $centerSphere: [[2.35, 48.85], 0.01] } } },
    ids: ['t4'],
  },
  { name: 'File column $exists', where: { attachment: { $exists: true } }, ids: ['t3'] },
  { name: 'File name by path', where: { 'attachment.name': { $regex: '\\.pdf$' } }, ids: ['t3'] },
];

export const NOODL_CASES: Case[] = [
  {
    name: 'and / equalTo / greaterThan',
    where: { and: [{ done: { equalTo: false } }, { priority: { greaterThan: 1 } }] },
    ids: ['t1', 't3'],
  },
  {
    name: 'or / lessThanOrEqualTo / matchesRegex + options',
    where: {
      or: [
        { priority: { lessThanOrEqualTo: 1 } },
        { title: { matchesRegex: 'REPORT', options: 'i' } },
      ],
    },
    ids: ['t2', 't3'],
  },
  {
    name: 'notEqualTo / greaterThanOrEqualTo / lessThan',
    where: {
      and: [{ done: { notEqualTo: true } }, { priority: { greaterThanOrEqualTo: 2, lessThan: 3 } }],
    },
    ids: ['t3'],
  },
  {
    name: 'several operators on one field all apply (Noodl kept only the first)',
    where: { priority: { greaterThan: 1, lessThan: 3 } },
    ids: ['t3'],
  },
  { name: 'idEqualTo', where: { idEqualTo: 't2' }, ids: ['t2'] },
  { name: 'idContainedIn', where: { idContainedIn: ['t1', 't5'] }, ids: ['t1', 't5'] },
  {
    name: 'containedIn / notContainedIn',
    where: {
      and: [{ tags: { containedIn: ['home', 'food'] } }, { priority: { notContainedIn: [3] } }],
    },
    ids: ['t2', 't4'],
  },
  { name: 'exists', where: { due: { exists: false } }, ids: ['t2', 't4', 't5'] },
  { name: 'pointsTo an id', where: { owner: { pointsTo: 'u1' } }, ids: ['t1', 't4'] },
  {
    name: 'pointsTo several ids',
    where: { owner: { pointsTo: ['u1', 'u2'] } },
    ids: ['t1', 't2', 't4'],
  },
  { name: 'pointsTo on a Relation field', where: { watchers: { pointsTo: 'u1' } }, ids: ['t1'] },
  {
    name: 'relatedTo',
    where: { relatedTo: { id: 'p1', key: 'tasks', className: 'Project' } },
    ids: ['t1', 't2'],
  },
  { name: 'text search', where: { title: { text: { search: 'report' } } }, ids: ['t3'] },
  {
    name: 'text search with options',
    where: { title: { text: { search: { term: 'dog walk', caseSensitive: false } } } },
    ids: ['t2'],
  },
  {
    name: 'nearSphere',
    where: { loc: { nearSphere: { latitude: 48.8, longitude: 2.3, maxDistanceInKilometers: 50 } } },
    ids: ['t4'],
  },
  {
    name: 'withinBox',
    where: {
      loc: {
        withinBox: [
          { latitude: 45, longitude: 0 },
          { latitude: 60, longitude: 11 },
        ],
      },
    },
    ids: ['t1', 't4'],
  },
  {
    name: 'withinPolygon',
    where: {
      loc: {
        withinPolygon: [
          { latitude: 40, longitude: 10 },
          { latitude: 45, longitude: 10 },
          { latitude: 45, longitude: 15 },
          { latitude: 40, longitude: 15 },
        ],
      },
    },
    ids: ['t2'],
  },
  {
    name: 'undefined operator values are no constraint',
    where: { title: { equalTo: undefined } },
    ids: ['t1', 't2', 't3', 't4', 't5'],
  },
  { name: 'empty filter', where: {}, ids: ['t1', 't2', 't3', 't4', 't5'] },
];

export const SHORTHAND_CASES: Case[] = [
  {
    name: 'several keys mean AND',
    where: { done: false, priority: { greaterThan: 1 } },
    ids: ['t1', 't3'],
  },
  { name: 'contains', where: { title: { contains: 'the' } }, ids: ['t2'] },
  {
    name: 'contains with options i',
    where: { title: { contains: 'MILK', options: 'i' } },
    ids: ['t1'],
  },
  { name: 'startsWith', where: { title: { startsWith: 'W' } }, ids: ['t2', 't3'] },
  { name: 'endsWith', where: { title: { endsWith: 'report' } }, ids: ['t3'] },
  {
    name: 'contains treats % and _ literally',
    where: { notes: { contains: '% off_' } },
    ids: ['t4'],
  },
  { name: 'regex', where: { title: { regex: '^b', options: 'i' } }, ids: ['t1'] },
  { name: 'equalTo on a JSON path', where: { 'meta.city': { equalTo: 'Rome' } }, ids: ['t2'] },
  { name: 'a RegExp value', where: { title: /^w/i }, ids: ['t2', 't3'] },
  { name: 'a Date value', where: { due: new Date('2024-01-15T09:00:00.000Z') }, ids: ['t3'] },
];

export const VISUAL_CASES: Case[] = [
  {
    name: 'and group',
    where: {
      combinator: 'and',
      rules: [
        { property: 'done', operator: 'equal to', value: false },
        { property: 'priority', operator: 'greater than', value: 1 },
      ],
    },
    ids: ['t1', 't3'],
  },
  {
    name: 'or group with a nested group',
    where: {
      combinator: 'or',
      rules: [
        { property: 'priority', operator: 'less than or equal to', value: 1 },
        {
          combinator: 'and',
          rules: [
            { property: 'due', operator: 'exist' },
            { property: 'priority', operator: 'greater than or equal to', value: 3 },
          ],
        },
      ],
    },
    ids: ['t1', 't2'],
  },
  {
    name: 'not equal to',
    where: {
      combinator: 'and',
      rules: [{ property: 'done', operator: 'not equal to', value: false }],
    },
    ids: ['t2', 't5'],
  },
  {
    name: 'less than',
    where: {
      combinator: 'and',
      rules: [{ property: 'priority', operator: 'less than', value: 2 }],
    },
    ids: ['t2'],
  },
  {
    name: 'not exist',
    where: { combinator: 'and', rules: [{ property: 'owner', operator: 'not exist' }] },
    ids: ['t3', 't5'],
  },
  {
    name: 'contain is a case-insensitive literal',
    where: {
      combinator: 'and',
      rules: [{ property: 'title', operator: 'contain', value: 'ÉCLAIR' }],
    },
    ids: ['t4'],
  },
  {
    name: 'points to',
    where: {
      combinator: 'and',
      rules: [{ property: 'owner', operator: 'points to', value: 'u2' }],
    },
    ids: ['t2'],
  },
  {
    name: 'related to',
    where: {
      combinator: 'and',
      rules: [
        { operator: 'related to', relatedTo: 'Project', relationProperty: 'tasks', value: 'p1' },
      ],
    },
    ids: ['t1', 't2'],
  },
  {
    name: 'a Date field compares dates',
    where: {
      combinator: 'and',
      rules: [{ property: 'due', operator: 'greater than', value: '2024-02-01T00:00:00.000Z' }],
    },
    ids: ['t1'],
  },
  {
    name: 'rules without a value are dropped',
    where: { combinator: 'and', rules: [{ property: 'done', operator: 'equal to', input: 'x' }] },
    ids: ['t1', 't2', 't3', 't4', 't5'],
  },
  {
    name: 'empty group',
    where: { combinator: 'or', rules: [] },
    ids: ['t1', 't2', 't3', 't4', 't5'],
  },
];

export const MIXED_CASES: Case[] = [
  {
    name: 'Noodl and of Parse $or and a visual group',
    where: {
      and: [
        { $or: [{ priority: 1 }, { 'meta.city': 'Oslo' }] },
        { combinator: 'and', rules: [{ property: 'done', operator: 'not equal to', value: true }] },
      ],
    },
    ids: ['t1'],
  },
  {
    name: 'visual group containing Parse and Noodl filters',
    where: {
      combinator: 'or',
      rules: [{ tags: { $all: ['food'] } }, { or: [{ idEqualTo: 't2' }] }],
    },
    ids: ['t2', 't4'],
  },
  {
    name: 'Parse $and of shorthand and Noodl operators on one field',
    where: {
      $and: [
        { title: { startsWith: 'W', $regex: 'dog' } },
        { priority: { greaterThan: 0, $lte: 1 } },
      ],
    },
    ids: ['t2'],
  },
];
