/**
 * 10,000+ malformed or hostile requests against a live server: never a 5xx, the server keeps
 * serving, and not one stored byte changes (every write in the corpus is invalid by
 * construction). Requests run 32 at a time over keep-alive connections.
 */
import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, request, startServer, type TestServer } from './helpers';

const SEED = Number(process.env.FUZZ_SEED ?? 20260101);
const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 10_000);

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Buffer;
  /** Must fail (4xx): it would change data otherwise. */
  readonly write: boolean;
}

/** mulberry32: a small seeded PRNG, so a failure can be replayed with FUZZ_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const chance = (p: number): boolean => rand() < p;
const enc = encodeURIComponent;

const jsonValues = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed: SEED, numRuns: 500 });
const anyStrings = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), {
  seed: SEED + 1,
  numRuns: 300,
});
const randomJson = (): unknown => pick(jsonValues);

const BAD_COLLECTIONS = [
  '..',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e',
  '%00',
  'a%20b',
  '1abc',
  'a%3BDROP%20TABLE%20x',
  '_schema',
  '_meta',
  'sqlite_master',
  '_Join_tags_Fuzz',
  '_FTS_Fuzz',
  'x'.repeat(70),
  '%E2%80%AE',
  '__proto__',
  'constructor',
  '%25',
  '%24where',
  'a.b',
  '_User',
  '_Config',
  '%F0%9F%92%A9',
  'Fuzz%2F..',
  '%5C..%5C',
  '-',
  '%0d%0aSet-Cookie:x',
];
const BAD_IDS = [
  '..',
  '%2e%2e',
  'a%20b',
  "1'%20OR%20'1'%3D'1",
  'x'.repeat(65),
  '%00',
  '%24',
  'a.b',
  '%F0%9F%92%A9',
  '%ZZ',
];
const BAD_FIELD_NAMES = [
  'a b',
  '$x',
  '__proto__',
  'constructor',
  'toString',
  'a.b',
  '1a',
  '',
  'x'.repeat(100),
  '_private',
  'é',
  'a-b',
  'hasOwnProperty',
  '__op',
];
const BAD_JSON_TEXTS = [
  '{',
  '{"a":}',
  'nan',
  'undefined',
  "{'a':1}",
  '{"a":1,}',
  '\u0000',
  '[',
  '{"a":"\\x"}',
  `${'1'.repeat(400)}e`,
  '{"a":1}{"b":2}',
  '\uFEFF\uFEFF{}',
  '{"a":tru}',
];
/** Upload / download names the file routes must refuse. */
const BAD_FILE_NAMES = [
  '..',
  '.',
  '...',
  'a/b.txt',
  '..\\..\\win.ini',
  '/etc/passwd',
  'x'.repeat(129),
  'a\u0000b',
  'tab\there',
  'new\nline',
];

const UNKNOWN_OPS = [
  '$where',
  '$foo',
  '$expr',
  '$function',
  '$jsonSchema',
  '$mod',
  '$size',
  '$elemMatch',
  '$slice',
  '$__proto__',
  'equalsTo',
  'greaterThen',
];

/** ACL values no write accepts (wrong types, unknown keys, bad entries, too many entries). */
const BAD_ACLS: readonly unknown[] = [
  'public',
  42,
  [],
  [{ read: true }],
  { '*': true },
  { '*': { read: 'yes' } },
  { '*': { read: true, admin: true } },
  { '*': { write: 1 } },
  { '*': null },
  { 'a b': { read: true } },
  { 'role:': { read: true } },
  { 'role:a/b': { read: true } },
  { ['x'.repeat(65)]: { read: true } },
  { $where: { read: true } },
  { constructor: { read: 'x' } },
  JSON.parse('{"__proto__":{"read":true}}') as unknown,
  { __op: 'Delete', extra: 1 },
  { __op: 'Increment', amount: 1 },
  Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`u${i}`, { read: true }])),
];

/** A value nested `depth` levels. */
function nested(depth: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = chance(0.5) ? { a: v } : [v];
  return v;
}

/** Field values that can never be stored. */
function badValue(): unknown {
  return pick<() => unknown>([
    () => ({ __type: 'Date', iso: pick(['nope', '2026-13-45', '', 5, null]) }),
    () => ({ __type: 'Pointer', className: pick(['1bad', '', 'a b', 5]), objectId: 'abc' }),
    () => ({
      __type: 'Pointer',
      className: 'Fuzz',
      objectId: pick(['a b', '', 'x'.repeat(80), 7]),
    }),
    () => ({ __type: pick(['Weird', 'Object', 'Polygon', '', 5]) }),
    () => ({ __type: 'GeoPoint', latitude: 1000, longitude: 0 }),
    () => ({ __type: 'File', name: '' }),
    () => ({ __type: 'Bytes', base64: '***' }),
    () => ({ __op: 'Increment', amount: pick(['x', null, {}, [1]]) }),
    () => ({ __op: pick(['Explode', '', 'increment', 5]) }),
    () => ({ __op: 'Add', objects: 'notarray' }),
    () => ({
      __op: 'AddRelation',
      objects: [
        { __type: 'Pointer', className: 'A', objectId: 'a' },
        { __type: 'Pointer', className: 'B', objectId: 'b' },
      ],
    }),
    () => ({ nested: { [pick(['$bad', 'a.b', '__x'])]: 1 } }),
    () => nested(80),
  ])();
}

/** A body that no write route accepts. */
function badWriteBody(): string | Buffer {
  return pick<() => string | Buffer>([
    () => pick(BAD_JSON_TEXTS),
    () =>
      Buffer.from(
        Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)),
      ),
    () => JSON.stringify({ [pick(BAD_FIELD_NAMES)]: randomJson() }),
    () => JSON.stringify({ ok: 1, field: badValue() }),
    () => JSON.stringify({ n: pick(['abc', true, { a: 1 }, [1]]) }),
    () => JSON.stringify({ ok: 1, ACL: pick(BAD_ACLS) }),
    () => JSON.stringify({ ok: 1, [pick(['_rperm', '_wperm'])]: ['*'] }),
    () => JSON.stringify({ flag: pick(['yes', 5, { a: 1 }]) }),
    () => JSON.stringify(pick([[1, 2], 'str', 42, null, true])),
    () => `{"n":1e400}`,
    () => `{"n":-1e999}`,
    () => JSON.stringify(nested(150)),
    () => `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`,
  ])();
}

/** A where filter: mostly hostile, sometimes valid. */
function hostileWhere(): unknown {
  return pick<() => unknown>([
    () => ({ n: { [pick(UNKNOWN_OPS)]: 1 } }),
    () => ({ [pick(UNKNOWN_OPS)]: 'function(){return true}' }),
    () => ({ n: { $gt: pick(['abc', {}, [1], null, true]) } }),
    () => ({ n: { $in: pick(['notarray', 5, { a: 1 }]) } }),
    () => ({ n: { $in: Array.from({ length: 5000 }, (_, i) => i) } }),
    () => ({
      name: {
        $regex: pick(['(', '[a-', '(a+)+$', '\\', '(?<=x)y', 'a{99999999}']),
        $options: pick(['i', 'x', 'zz', 5]),
      },
    }),
    () => ({ $or: pick(['x', [], [1, 2], [{ n: 1 }, 'x']]) }),
    () => ({ $and: pick([[1], 'x', { a: 1 }]) }),
    () => ({ $or: Array.from({ length: 800 }, (_, i) => ({ n: i })) }),
    () => ({ [pick(BAD_FIELD_NAMES)]: 1 }),
    () => ({ __proto__: { polluted: true }, n: 1 }),
    () => JSON.parse('{"__proto__":{"polluted":true}}') as unknown,
    () => ({ constructor: { $eq: 1 } }),
    () => ({ [Array.from({ length: 60 }, () => 'a').join('.')]: 1 }),
    () => ({
      $relatedTo: pick([
        {},
        { object: 'x', key: 'y' },
        { object: { __type: 'Pointer', className: '1', objectId: 'x' }, key: 5 },
      ]),
    }),
    () => ({ geo: { $nearSphere: pick([{}, { latitude: 'x' }, [1, 2]]) } }),
    () => ({ geo: { $within: { $box: pick([[], [1], 'x']) } } }),
    () => ({
      $text: { $search: pick([5, {}, { $term: 5 }, { $term: 'x', $caseSensitive: 'no' }]) },
    }),
    () => ({ n: { $exists: pick(['yes', 5, null]) } }),
    () => ({ when: { $lt: { __type: 'Date', iso: 'never' } } }),
    () => ({ owner: { __type: 'Pointer', className: 7, objectId: null } }),
    () => nested(300),
    () => ({
      combinator: pick(['xor', 5]),
      rules: pick(['x', [{}], [{ property: 5, operator: 'equal to' }]]),
    }),
    () => ({ and: 'x' }),
    () => ({ idContainedIn: 'x' }),
    () => ({ n: { greaterThan: 'abc' } }),
    () => randomJson(),
  ])();
}

function queryString(params: Record<string, unknown>): string {
  const parts = Object.entries(params).map(
    ([k, v]) => `${enc(k)}=${enc(typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'))}`,
  );
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

function hostileParams(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const keys = [
    'where',
    'sort',
    'limit',
    'skip',
    'count',
    'include',
    'select',
    'order',
    'keys',
    'bogus',
    '__proto__',
  ];
  const n = 1 + Math.floor(rand() * 3);
  for (let i = 0; i < n; i++) {
    const key = pick(keys);
    out[key] =
      key === 'where'
        ? hostileWhere()
        : pick<unknown>([
            '1e400',
            '-1',
            '99999999999999999999',
            'NaN',
            '0x10',
            '1.5',
            '',
            'true',
            '[',
            '{}',
            '["a",5]',
            'a;b',
            'a,,b',
            'x'.repeat(600),
            pick(anyStrings),
            '__proto__',
            'constructor.prototype',
            '%00',
            nested(120),
          ]);
  }
  return out;
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
const MASTER = { 'X-Parse-Master-Key': MASTER_KEY };
const PARSE = { 'X-Parse-Application-Id': 'fuzz' };

function generate(ids: readonly string[]): FuzzRequest {
  const id = pick(ids);
  const write = (
    method: string,
    path: string,
    headers: Record<string, string> = JSON_HEADERS,
  ): FuzzRequest => ({
    method,
    path,
    headers,
    body: badWriteBody(),
    write: true,
  });
  return pick<() => FuzzRequest>([
    // invalid bodies on every write route
    () => write('POST', '/api/Fuzz'),
    () => write('PUT', `/api/Fuzz/${id}`),
    () => write('POST', '/classes/Fuzz', { ...PARSE, 'Content-Type': 'text/plain' }),
    () => write('PUT', `/classes/Fuzz/${id}`, PARSE),
    () => write('POST', '/api/_schema', { ...JSON_HEADERS, ...MASTER }),
    () => write('POST', '/schemas/Fuzz', { ...PARSE, ...MASTER }),
    () => write('PUT', '/schemas/Fuzz', { ...PARSE, ...MASTER }),
    () => write('PUT', '/config', { ...PARSE, ...MASTER }),
    // files: every upload name here is refused, deletes lack the master key, downloads miss
    () => ({
      ...write('POST', `/files/${enc(pick(BAD_FILE_NAMES))}`, {
        ...PARSE,
        'Content-Type': pick(['application/octet-stream', 'text/plain', 'image/png']),
      }),
    }),
    () => ({
      method: 'POST',
      path: `/files/${pick(['ok.txt', 'photo.png'])}`,
      // No app-id header: the body is the SDK's JSON form, and these are all broken.
      headers: { 'Content-Type': 'text/plain' },
      body: pick([
        '',
        '{"base64":"%%%","_ApplicationId":"fuzz"}',
        '{"base64":"","_ApplicationId":"fuzz"}',
        '{"base64":"aGk=","_ApplicationId":"fuzz","_ContentType":5}',
      ]),
      write: true,
    }),
    () => ({
      method: 'DELETE',
      path: `/files/${enc(pick([...BAD_FILE_NAMES, '0123456789abcdef0123456789abcdef_gone.txt']))}`,
      headers: PARSE,
      write: true,
    }),
    () => ({
      method: pick(['GET', 'HEAD']),
      path: `/files/fuzz/${enc(pick([...BAD_FILE_NAMES, '0123456789abcdef0123456789abcdef_gone.txt']))}`,
      headers: {},
      write: false,
    }),
    // users and sessions: no user exists, so every sign-up, login, change or logout fails
    () => write('POST', pick(['/users', '/classes/_User']), PARSE),
    () => write('PUT', `/users/${id}`, PARSE),
    () => ({
      method: pick(['GET', 'POST']),
      path: `/login${chance(0.5) ? queryString(hostileParams()) : ''}`,
      headers: { ...PARSE, ...JSON_HEADERS },
      body: chance(0.5)
        ? badWriteBody()
        : JSON.stringify({
            username: pick(['ada', '', 5, null, 'x'.repeat(2000), { $ne: null }, "' OR 1=1 --"]),
            password: pick(['x', '', 5, null, { $gt: '' }, 'p'.repeat(5000)]),
          }),
      write: true,
    }),
    () => ({
      method: pick(['GET', 'POST', 'DELETE', 'PUT']),
      path: pick([
        '/users/me',
        '/logout',
        '/sessions/me',
        '/sessions',
        `/users/${id}`,
        '/classes/Fuzz',
      ]),
      headers: {
        ...PARSE,
        'X-Parse-Session-Token': pick(['r:nope', 'x'.repeat(600), 'r: x', 'r:' + '0'.repeat(64)]),
      },
      body: '{"a":1}',
      write: true,
    }),
    () => ({
      method: 'GET',
      path: `${pick(['/users', '/classes/_User'])}${queryString(hostileParams())}`,
      headers: PARSE,
      write: false,
    }),
    () => ({
      method: 'POST',
      path: pick(['/requestPasswordReset', '/verificationEmailRequest']),
      headers: PARSE,
      body: badWriteBody(),
      write: true,
    }),
    // valid writes to a record whose ACL lets nobody write (only the master key could)
    () => ({
      method: pick(['PUT', 'DELETE']),
      path: `${pick(['/classes', '/api', '/parse/classes'])}/Locked/${pick(lockedIds)}`,
      headers: { ...PARSE, ...JSON_HEADERS },
      body: JSON.stringify(
        pick([
          { n: 1 },
          { n: { __op: 'Increment', amount: 1 } },
          { ACL: { '*': { read: true, write: true } } },
          { ACL: null },
        ]),
      ),
      write: true,
    }),
    () => ({
      method: 'POST',
      path: pick(['/batch', '/api/_batch']),
      headers: { ...PARSE, ...JSON_HEADERS },
      body: JSON.stringify({
        transaction: true,
        requests: [
          {
            method: pick(['PUT', 'DELETE']),
            path: `${pick(['/classes', '/api'])}/Locked/${pick(lockedIds)}`,
            body: { n: 2 },
          },
        ],
      }),
      write: true,
    }),
    // valid-looking bodies on invalid targets
    () => ({
      method: pick(['POST', 'PUT', 'DELETE']),
      path: `/api/${pick(BAD_COLLECTIONS)}${chance(0.5) ? `/${id}` : ''}`,
      headers: JSON_HEADERS,
      body: '{"a":1}',
      write: true,
    }),
    () => ({
      method: pick(['PUT', 'DELETE']),
      path: `/api/Fuzz/${pick(BAD_IDS)}`,
      headers: JSON_HEADERS,
      body: '{"a":1}',
      write: true,
    }),
    () => ({
      method: pick(['PUT', 'DELETE']),
      path: `/api/Fuzz/missing${Math.floor(rand() * 1000)}`,
      headers: JSON_HEADERS,
      body: '{"a":1}',
      write: true,
    }),
    () => ({
      method: pick(['POST', 'PUT', 'DELETE']),
      path: `/classes/${pick(BAD_COLLECTIONS)}/${id}`,
      headers: PARSE,
      body: '{"a":1}',
      write: true,
    }),
    () => ({
      method: 'POST',
      path: `/classes/Fuzz/${pick(BAD_IDS)}`,
      headers: PARSE,
      body: '{"_method":"DELETE"}',
      write: true,
    }),
    () => ({
      method: 'POST',
      path: `/classes/Fuzz/${id}`,
      headers: PARSE,
      body: JSON.stringify({ _method: pick(['PATCH', 5, 'delete ', '']) }),
      write: true,
    }),
    // schema and config writes without the master key, or with a wrong one
    () => ({
      method: 'POST',
      path: '/api/_schema',
      headers: JSON_HEADERS,
      body: '{"table":{"name":"Evil","columns":[]}}',
      write: true,
    }),
    () => ({
      method: 'DELETE',
      path: '/schemas/Fuzz',
      headers: { ...PARSE, 'X-Parse-Master-Key': pick(['wrong', '', ' ', MASTER_KEY.slice(1)]) },
      write: true,
    }),
    () => ({
      method: 'PUT',
      path: '/config',
      headers: PARSE,
      body: '{"params":{"x":1}}',
      write: true,
    }),
    // batches made only of invalid operations
    () => ({
      method: 'POST',
      path: pick(['/api/_batch', '/batch']),
      headers: JSON_HEADERS,
      body: JSON.stringify({
        transaction: chance(0.5),
        requests: Array.from({ length: 1 + Math.floor(rand() * 4) }, () =>
          pick<() => unknown>([
            () => ({
              method: 'POST',
              path: pick(['/api/Fuzz', '/classes/Fuzz']),
              body: { [pick(BAD_FIELD_NAMES)]: 1 },
            }),
            () => ({
              method: 'PUT',
              path: pick([`/api/Fuzz/${id}`, `/classes/Fuzz/${id}`]),
              body: { field: badValue() },
            }),
            () => ({ method: pick(['PATCH', 5, null]), path: '/api/Fuzz', body: {} }),
            () => ({
              method: 'DELETE',
              path: pick([
                `/api/${pick(BAD_COLLECTIONS)}/${id}`,
                '/api/Fuzz',
                '/classes/../Fuzz/x',
              ]),
            }),
            () => pick([5, 'x', null, [], { method: 'POST' }]),
          ])(),
        ),
      }),
      // A non-transactional batch answers 200 with per-request errors; the final snapshot proves nothing changed.
      write: false,
    }),
    () => ({
      method: 'POST',
      path: pick(['/api/_batch', '/batch']),
      headers: JSON_HEADERS,
      body: badWriteBody(),
      write: true,
    }),
    // hostile reads
    () => ({
      method: 'GET',
      path: `/api/Fuzz${queryString(hostileParams())}`,
      headers: {},
      write: false,
    }),
    () => ({
      method: 'GET',
      path: `/classes/Fuzz${queryString(hostileParams())}`,
      headers: PARSE,
      write: false,
    }),
    () => ({
      method: 'POST',
      path: '/classes/Fuzz',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify({
        _method: 'GET',
        _ApplicationId: 'fuzz',
        where: hostileWhere(),
        limit: pick([5, -5, 1e300, 'x', null]),
      }),
      write: false,
    }),
    () => ({
      method: 'GET',
      path: `/api/Fuzz/${pick([id, ...BAD_IDS])}${queryString(chance(0.5) ? { include: pick(['owner', 'a..b', '*', 5]) } : {})}`,
      headers: {},
      write: false,
    }),
    () => ({
      method: 'GET',
      path: `/aggregate/Fuzz${queryString(
        pick<Record<string, unknown>>([
          { distinct: pick(['n', '$n', 'a b', '__proto__', 5]) },
          {
            $group: pick([
              { _id: null, t: { $sum: '$n' } },
              { _id: { a: '$n' } },
              { t: 1 },
              'x',
              { _id: null, t: { [pick(UNKNOWN_OPS)]: '$n' } },
            ]),
          },
          {
            pipeline: pick([
              'x',
              [1],
              [{ $lookup: {} }],
              [{ $match: hostileWhere() }],
              [{ $group: { _id: '$n', c: { $sum: 1 } } }, { $limit: -1 }],
            ]),
          },
          { $match: hostileWhere(), $group: { _id: null, t: { $avg: '$name' } } },
          { $skip: '1e400' },
          { $count: pick(['', 5, '$x']) },
        ]),
      )}`,
      headers: PARSE,
      write: false,
    }),
    () => ({
      method: 'GET',
      path: pick([
        '/api/_export?format=mysql',
        '/api/_export',
        `/api/_export?format=json&includeData=${pick(['maybe', '2'])}`,
      ]),
      headers: chance(0.5) ? MASTER : {},
      write: false,
    }),
    // path and method tricks
    () => ({
      method: 'GET',
      path: pick([
        '/api/Fuzz/../_schema',
        '/api/%2e%2e/_schema',
        '/api//Fuzz',
        `/api/Fuzz/${id}/extra`,
        '/api/Fuzz?where[$gt]=1',
        '/api/Fuzz?where=1&where=2',
        `/api/${'a'.repeat(6000)}`,
        '/%2e%2e/%2e%2e/etc/passwd',
        '/api/Fuzz%00',
        '/api/Fuzz%',
        '/api/%',
        '/classes/',
        '/classes',
        '/api',
        '/functions/',
        `/functions/${enc('a/b')}`,
        '/functions/%00',
        '/health/..',
        '/api/Fuzz#frag',
        '/schemas/..%2F..',
      ]),
      headers: {},
      write: false,
    }),
    () => ({
      method: pick(['PATCH', 'TRACE', 'PROPFIND', 'LINK']),
      path: pick(['/api/Fuzz', `/api/Fuzz/${id}`, '/classes/Fuzz']),
      headers: JSON_HEADERS,
      body: '{"a":1}',
      write: true,
    }),
    () => ({
      method: 'POST',
      path: `/functions/${enc(pick(['hello', 'x'.repeat(300), '..', ' ', 'a\u0001']))}`,
      headers: chance(0.5) ? PARSE : JSON_HEADERS,
      body: badWriteBody(),
      write: false,
    }),
    () => ({
      method: 'GET',
      path: '/api/Fuzz',
      headers: { 'X-Parse-Master-Key': pick(['wrong', '', 'x'.repeat(5000)]) },
      write: false,
    }),
    () => ({
      method: 'GET',
      path: '/classes/Fuzz',
      headers: { 'X-Parse-Application-Id': pick(['other', '']) },
      write: false,
    }),
  ])();
}

let t: TestServer;
let ids: string[] = [];
/** Records whose ACL lets nobody read or write them (`{}`). */
const lockedIds: string[] = [];

async function snapshot(): Promise<string> {
  const adapter = t.server.adapter!;
  const schema = await adapter.getSchema();
  const data: Record<string, unknown> = {};
  for (const table of schema.tables) {
    data[table.name] = (
      await adapter.query({ collection: table.name, sort: 'objectId', limit: 10_000 })
    ).results;
  }
  const config = await t.server.configStore!.getAll({ includeMasterKeyOnly: true });
  return JSON.stringify({ schema, data, config });
}

beforeAll(async () => {
  t = await startServer({ appId: 'fuzz' });
  const owner = await request(t.url, 'POST', '/api/Owner', { body: { name: 'o' } });
  for (let i = 0; i < 40; i++) {
    const res = await request(t.url, 'POST', '/api/Fuzz', {
      body: {
        name: `n${i}`,
        n: i,
        flag: i % 2 === 0,
        when: {
          __type: 'Date',
          iso: `2026-02-${String((i % 28) + 1).padStart(2, '0')}T00:00:00.000Z`,
        },
        tags: ['a', 'b'],
        meta: { k: i },
        geo: { __type: 'GeoPoint', latitude: 10, longitude: 20 },
        owner: { __type: 'Pointer', className: 'Owner', objectId: owner.body.objectId },
      },
    });
    ids.push(res.body.objectId as string);
  }
  for (let i = 0; i < 3; i++) {
    const locked = await request(t.url, 'POST', '/classes/Locked', {
      body: { n: i, ACL: i === 0 ? {} : { '*': { read: true } } },
    });
    lockedIds.push(locked.body.objectId as string);
  }
  await request(t.url, 'PUT', '/config', { body: { params: { keep: 'me' } }, master: true });
  // The users store creates _User/_Session on first use (a schema version bump): do it now.
  await t.server.users!.ready();
});
afterAll(() => t.stop());

describe(`fuzz: ${TOTAL} hostile requests (seed ${SEED})`, () => {
  it('never answers 5xx, refuses every write, keeps serving and changes no data', async () => {
    ids = [...ids, ...BAD_IDS.slice(0, 2)];
    const before = await snapshot();
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const port = t.server.getPort();
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const send = (r: FuzzRequest): Promise<number> =>
      new Promise((resolve) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, method: r.method, path: r.path, headers: r.headers, agent },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', () => resolve(-1));
          },
        );
        req.on('error', () => resolve(-1));
        req.end(r.body);
      });
    let next = 0;
    const corpus = Array.from({ length: TOTAL }, () => generate(ids));
    const worker = async (): Promise<void> => {
      while (next < corpus.length) {
        const r = corpus[next++]!;
        const status = await send(r);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        const bad = status >= 500 || status < 100 || (r.write && status < 400);
        if (bad && failures.length < 20) {
          failures.push(
            `${status} ${r.method} ${r.path.slice(0, 200)} ${String(r.body ?? '').slice(0, 300)}`,
          );
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    agent.destroy();
    expect(failures, `seed ${SEED}; statuses ${JSON.stringify([...statuses])}`).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect((await request(t.url, 'GET', '/health')).status).toBe(200);
    expect(await snapshot()).toBe(before);
  }, 180_000);
});
