import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionRunner } from '../src/index';
import { MASTER_KEY, qs, request, startServer, type TestServer } from './helpers';

let t: TestServer;
const APP = { 'X-Parse-Application-Id': 'app1' };
const MASTER = { ...APP, 'X-Parse-Master-Key': MASTER_KEY };
const parse = (
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = APP,
) => request(t.url, method, path, { body, headers });
/** As the Parse JS SDK sends everything: POST, text/plain, _method and keys in the body. */
const sdk = (method: string, path: string, body: Record<string, unknown> = {}, master = false) =>
  request(t.url, 'POST', path, {
    rawBody: JSON.stringify({
      ...body,
      _method: method,
      _ApplicationId: 'app1',
      _ClientVersion: 'js8',
      _InstallationId: 'i1',
      ...(master ? { _MasterKey: MASTER_KEY } : {}),
    }),
    headers: { 'Content-Type': 'text/plain' },
  });

const runner: FunctionRunner = {
  async run(name, req) {
    const params = JSON.parse(req.body) as Record<string, unknown>;
    if (name === 'hello')
      return {
        statusCode: 200,
        body: JSON.stringify({
          result: {
            greeting: `Hello ${String(params.name)}`,
            sawMasterKey: 'x-parse-master-key' in req.headers,
            session: req.headers['x-parse-session-token'] ?? null,
          },
        }),
      };
    if (name === 'fail') return { statusCode: 400, body: JSON.stringify({ error: 'it broke' }) };
    if (name === 'throws') throw new Error('runner crashed: secret internals');
    if (name === 'invalid') return { statusCode: 'x' } as never;
    return { statusCode: 404, body: JSON.stringify({ error: `Function not found: ${name}` }) };
  },
};

beforeAll(async () => {
  t = await startServer({ appId: 'app1', functionRunner: runner });
  for (let i = 1; i <= 12; i++) {
    await parse('POST', '/classes/Score', {
      player: `p${i % 3}`,
      points: i * 10,
      when: { __type: 'Date', iso: `2026-01-${String(i).padStart(2, '0')}T00:00:00.000Z` },
      cheat: i === 12 ? true : undefined,
    });
  }
});
afterAll(() => t.stop());

describe('/classes', () => {
  it('POST creates: 201 {objectId, createdAt} and a Location header', async () => {
    const res = await parse('POST', '/classes/Game', {
      name: 'chess',
      when: { __type: 'Date', iso: '2026-05-01T10:00:00.000Z' },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'objectId']);
    expect(res.headers.get('location')).toBe(`/classes/Game/${res.body.objectId as string}`);
  });

  it('GET /classes/C/id returns Parse-encoded values (Date objects, Pointers)', async () => {
    const owner = await parse('POST', '/classes/Owner', { name: 'Ada' });
    const pet = await parse('POST', '/classes/Pet', {
      name: 'Rex',
      owner: { __type: 'Pointer', className: 'Owner', objectId: owner.body.objectId },
      born: { __type: 'Date', iso: '2020-02-02T00:00:00.000Z' },
    });
    const res = await parse('GET', `/classes/Pet/${pet.body.objectId as string}`);
    expect(res.body).toMatchObject({
      objectId: pet.body.objectId,
      name: 'Rex',
      owner: { __type: 'Pointer', className: 'Owner', objectId: owner.body.objectId },
      born: { __type: 'Date', iso: '2020-02-02T00:00:00.000Z' },
    });
    expect(typeof res.body.createdAt).toBe('string');
    const included = await parse(
      'GET',
      `/classes/Pet/${pet.body.objectId as string}?include=owner`,
    );
    expect(included.body.owner).toMatchObject({
      __type: 'Object',
      className: 'Owner',
      objectId: owner.body.objectId,
      name: 'Ada',
    });
    const all = await parse('GET', `/classes/Pet${qs({ include: '*', excludeKeys: 'born' })}`);
    expect(all.body.results[0].owner.name).toBe('Ada');
    expect(all.body.results[0].born).toBeUndefined();
    const includeAll = await parse('POST', '/classes/Pet', { _method: 'GET', includeAll: true });
    expect(includeAll.body.results[0].owner.__type).toBe('Object');
  });

  it('GET with where/order/limit/skip/keys/count query parameters', async () => {
    const res = await parse(
      'GET',
      `/classes/Score${qs({ where: { points: { $gte: 50 } }, order: '-points', limit: '2', skip: '1', keys: 'points', count: '1' })}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(8);
    expect(res.body.results.map((r: { points: number }) => r.points)).toEqual([110, 100]);
    expect(res.body.results[0].player).toBeUndefined();
  });

  it('POST with _method GET runs a query as Noodl CloudStore sends it', async () => {
    const res = await parse('POST', '/classes/Score', {
      _method: 'GET',
      where: { player: 'p1', when: { $lt: { __type: 'Date', iso: '2026-01-08T00:00:00.000Z' } } },
      order: 'points',
      count: 1,
      limit: 10,
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { points: number }) => r.points)).toEqual([10, 40, 70]);
    expect(res.body.count).toBe(3);
    expect(res.body.results[0].when).toEqual({ __type: 'Date', iso: '2026-01-01T00:00:00.000Z' });
  });

  it('the Parse SDK wire form (text/plain, keys in the body) works for every method', async () => {
    const created = await sdk('POST', '/classes/Sdk', { title: 'a' });
    expect(created.status).toBe(201);
    const id = created.body.objectId as string;
    expect((await sdk('GET', `/classes/Sdk/${id}`)).body.title).toBe('a');
    expect((await sdk('PUT', `/classes/Sdk/${id}`, { title: 'b' })).body.updatedAt).toBeDefined();
    expect((await sdk('GET', '/classes/Sdk', { where: { title: 'b' } })).body.results).toHaveLength(
      1,
    );
    expect((await sdk('DELETE', `/classes/Sdk/${id}`)).body).toEqual({});
  });

  it('answers an empty list for a class that does not exist', async () => {
    expect((await parse('GET', '/classes/NeverCreated?count=1')).body).toEqual({
      results: [],
      count: 0,
    });
  });

  it('limit=0&count=1 returns only the count, as Noodl count() sends it', async () => {
    expect(
      (
        await parse(
          'GET',
          `/classes/Score${qs({ where: { player: 'p0' }, limit: '0', count: '1' })}`,
        )
      ).body,
    ).toEqual({ results: [], count: 4 });
  });

  it('PUT applies __op operations and returns updatedAt plus the results of Increment/Add', async () => {
    const c = await parse('POST', '/classes/Counter', { n: 1, list: ['a'] });
    const id = c.body.objectId as string;
    const res = await parse('PUT', `/classes/Counter/${id}`, {
      n: { __op: 'Increment', amount: 5 },
      list: { __op: 'AddUnique', objects: ['a', 'b'] },
      gone: { __op: 'Delete' },
      label: 'x',
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['list', 'n', 'updatedAt']);
    expect(res.body).toMatchObject({ n: 6, list: ['a', 'b'] });
  });

  it('relations: AddRelation, $relatedTo query, RemoveRelation', async () => {
    const tag1 = await parse('POST', '/classes/Tag', { name: 't1' });
    const tag2 = await parse('POST', '/classes/Tag', { name: 't2' });
    const post = await parse('POST', '/classes/Post', { title: 'p' });
    const ptr = (id: string) => ({ __type: 'Pointer', className: 'Tag', objectId: id });
    const postId = post.body.objectId as string;
    await parse('PUT', `/classes/Post/${postId}`, {
      tags: { __op: 'AddRelation', objects: [ptr(tag1.body.objectId), ptr(tag2.body.objectId)] },
    });
    const where = {
      $relatedTo: {
        object: { __type: 'Pointer', className: 'Post', objectId: postId },
        key: 'tags',
      },
    };
    expect((await parse('GET', `/classes/Tag${qs({ where })}`)).body.results).toHaveLength(2);
    const fetched = await parse('GET', `/classes/Post/${postId}`);
    expect(fetched.body.tags).toEqual({ __type: 'Relation', className: 'Tag' });
    await parse('PUT', `/classes/Post/${postId}`, {
      tags: { __op: 'RemoveRelation', objects: [ptr(tag1.body.objectId)] },
    });
    expect(
      (await parse('GET', `/classes/Tag${qs({ where })}`)).body.results.map(
        (r: { name: string }) => r.name,
      ),
    ).toEqual(['t2']);
  });

  it('errors are {code, error} with Parse codes', async () => {
    const missing = await parse('GET', '/classes/Score/nonexisting');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 101 });
    expect(typeof missing.body.error).toBe('string');
    expect((await parse('GET', '/classes/NoSuchClass/abc')).body.code).toBe(101);
    expect((await parse('PUT', '/classes/Score/nonexisting', { a: 1 })).body.code).toBe(101);
    expect((await parse('DELETE', '/classes/Score/nonexisting')).body.code).toBe(101);
    const badQuery = await parse(
      'GET',
      `/classes/Score${qs({ where: { points: { $bogus: 1 } } })}`,
    );
    expect(badQuery.status).toBe(400);
    expect(badQuery.body.code).toBe(102);
    expect((await parse('GET', '/classes/Score?unknownKey=1')).body).toMatchObject({ code: 102 });
    expect((await parse('POST', '/classes/Score', { 'bad-key': 1 })).body.code).toBe(105);
    expect((await parse('POST', '/classes/1Bad', {})).body.code).toBe(103);
    expect((await parse('POST', '/classes/Score', { points: 'not a number' })).body.code).toBe(111);
  });

  it('refuses another application id with 403', async () => {
    const res = await request(t.url, 'GET', '/classes/Score', {
      headers: { 'X-Parse-Application-Id': 'other' },
    });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe(119);
  });
});

describe('/batch', () => {
  it('runs requests whose paths carry the SDK server path and reports each result', async () => {
    const res = await parse('POST', '/batch', {
      requests: [
        { method: 'POST', path: '/classes/Bat', body: { a: 1 } },
        { method: 'POST', path: '/parse/classes/Bat', body: { a: 2 } },
        { method: 'PUT', path: '/classes/Bat/missing0001', body: { a: 3 } },
        { method: 'POST', path: '/users', body: {} },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body[0].success).toHaveProperty('objectId');
    expect(res.body[1].success).toHaveProperty('createdAt');
    expect(res.body[2].error.code).toBe(101);
    expect(res.body[3].error.code).toBe(119);
  });

  it('with transaction: true fails as a whole', async () => {
    const res = await parse('POST', '/batch', {
      transaction: true,
      requests: [
        { method: 'POST', path: '/classes/BatTx', body: { a: 1 } },
        { method: 'PUT', path: '/classes/BatTx/missing0001', body: { a: 3 } },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe(101);
    expect((await parse('GET', '/classes/BatTx?count=1&limit=0')).body.count).toBe(0);
  });
});

describe('/schemas', () => {
  it('lists classes with default fields and class-level permissions', async () => {
    const res = await parse('GET', '/schemas');
    const score = res.body.results.find((c: { className: string }) => c.className === 'Score');
    expect(score.fields).toMatchObject({
      objectId: { type: 'String' },
      createdAt: { type: 'Date' },
      updatedAt: { type: 'Date' },
      ACL: { type: 'ACL' },
      points: { type: 'Number' },
      when: { type: 'Date' },
    });
    expect(score.classLevelPermissions.find).toEqual({ '*': true });
  });

  it('creates a class, adds and deletes fields, and drops it (master key only)', async () => {
    expect(
      (await parse('POST', '/schemas/Vehicle', { className: 'Vehicle', fields: {} })).status,
    ).toBe(401);
    const created = await parse(
      'POST',
      '/schemas/Vehicle',
      {
        className: 'Vehicle',
        fields: { wheels: { type: 'Number' }, maker: { type: 'Pointer', targetClass: 'Owner' } },
      },
      MASTER,
    );
    expect(created.status).toBe(201);
    expect(created.body.fields.maker).toEqual({ type: 'Pointer', targetClass: 'Owner' });
    expect((await parse('POST', '/schemas/Vehicle', {}, MASTER)).body).toMatchObject({
      code: 103,
      error: 'Class Vehicle already exists.',
    });
    const updated = await parse(
      'PUT',
      '/schemas/Vehicle',
      { fields: { color: { type: 'String' }, wheels: { __op: 'Delete' } } },
      MASTER,
    );
    expect(updated.status).toBe(200);
    expect(Object.keys(updated.body.fields)).toContain('color');
    expect(Object.keys(updated.body.fields)).not.toContain('wheels');
    expect(
      (await parse('PUT', '/schemas/Vehicle', { fields: { color: { type: 'String' } } }, MASTER))
        .body.code,
    ).toBe(255);
    expect(
      (await parse('PUT', '/schemas/Vehicle', { fields: { nope: { __op: 'Delete' } } }, MASTER))
        .body.code,
    ).toBe(255);
    expect(
      (await parse('PUT', '/schemas/Vehicle', { fields: { bad: { type: 'Polygon' } } }, MASTER))
        .body.code,
    ).toBe(111);
    await parse('POST', '/classes/Vehicle', { color: 'red' });
    expect((await parse('DELETE', '/schemas/Vehicle', undefined, MASTER)).body.code).toBe(255);
    expect((await parse('GET', '/schemas/Vehicle')).body.className).toBe('Vehicle');
    expect((await parse('GET', '/schemas/Unknown')).body.code).toBe(103);
  });
});

describe('/aggregate', () => {
  it('distinct with a where', async () => {
    const res = await parse(
      'GET',
      `/aggregate/Score${qs({ distinct: 'player', where: { points: { $lte: 30 } } })}`,
    );
    expect(res.status).toBe(200);
    expect([...res.body.results].sort()).toEqual(['p0', 'p1', 'p2']);
  });

  it('$match + $group with $sum $avg $min $max $addToSet ($-prefixed form)', async () => {
    const res = await parse(
      'GET',
      `/aggregate/Score${qs({
        $match: { player: 'p1' },
        $group: {
          _id: null,
          total: { $sum: '$points' },
          avg: { $avg: '$points' },
          lo: { $min: '$points' },
          hi: { $max: '$points' },
          who: { $addToSet: '$player' },
          n: { $sum: 1 },
        },
      })}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { objectId: null, total: 220, avg: 55, lo: 10, hi: 100, who: ['p1'], n: 4 },
    ]);
  });

  it('accepts the older match/group form with objectId: null', async () => {
    const res = await parse(
      'GET',
      `/aggregate/Score${qs({ match: { player: 'p2' }, group: { objectId: null, total: { $sum: '$points' } } })}`,
    );
    expect(res.body.results).toEqual([{ objectId: null, total: 260 }]);
  });

  it('groups by a field and sorts the groups; a pipeline array as the SDK sends it', async () => {
    const res = await sdk(
      'GET',
      '/aggregate/Score',
      {
        pipeline: [
          { $group: { _id: '$player', total: { $sum: '$points' } } },
          { $sort: { total: -1 } },
        ],
      },
      true,
    );
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { objectId: 'p0', total: 300 },
      { objectId: 'p2', total: 260 },
      { objectId: 'p1', total: 220 },
    ]);
  });

  it('returns no row when nothing matches, and empty results for an unknown class', async () => {
    expect(
      (
        await parse(
          'GET',
          `/aggregate/Score${qs({ $match: { player: 'zzz' }, $group: { _id: null, t: { $sum: '$points' } } })}`,
        )
      ).body.results,
    ).toEqual([]);
    expect((await parse('GET', `/aggregate/Nope${qs({ distinct: 'a' })}`)).body.results).toEqual(
      [],
    );
  });

  it('refuses unknown stages and accumulators', async () => {
    expect((await parse('GET', `/aggregate/Score${qs({ $lookup: { from: 'x' } })}`)).status).toBe(
      400,
    );
    expect((await parse('GET', `/aggregate/Score${qs({ bogus: { a: 1 } })}`)).body.code).toBe(102);
    expect(
      (
        await parse(
          'GET',
          `/aggregate/Score${qs({ $group: { _id: null, x: { $push: '$points' } } })}`,
        )
      ).status,
    ).toBe(400);
    expect(
      (await parse('GET', `/aggregate/Score${qs({ $group: { x: { $sum: '$points' } } })}`)).body
        .code,
    ).toBe(102);
  });
});

describe('/config', () => {
  it('GET returns params; PUT needs the master key; masterKeyOnly params are hidden from others', async () => {
    expect((await parse('GET', '/config')).body).toEqual({ params: {} });
    expect((await parse('PUT', '/config', { params: { a: 1 } })).status).toBe(401);
    const put = await parse(
      'PUT',
      '/config',
      {
        params: {
          welcome: 'hi',
          when: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' },
          secret: 's',
        },
        masterKeyOnly: { secret: true },
      },
      MASTER,
    );
    expect(put.body).toEqual({ result: true });
    expect((await parse('GET', '/config')).body).toEqual({
      params: { welcome: 'hi', when: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } },
    });
    expect((await parse('GET', '/config', undefined, MASTER)).body).toEqual({
      params: {
        welcome: 'hi',
        when: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' },
        secret: 's',
      },
      masterKeyOnly: { secret: true },
    });
    const stored = await parse('GET', '/classes/_Config', undefined, MASTER);
    expect(stored.body.results).toHaveLength(1);
    expect(t.server.configStore!.storage).toBe('adapter');
    expect((await parse('GET', '/classes/_Config')).status).toBe(403);
    await parse('PUT', '/config', { params: { welcome: { __op: 'Delete' } } }, MASTER);
    expect((await parse('GET', '/config')).body.params.welcome).toBeUndefined();
    expect(await t.server.configStore!.get('when')).toEqual({
      __type: 'Date',
      iso: '2026-01-01T00:00:00.000Z',
    });
    expect((await parse('PUT', '/config', { params: 'x' }, MASTER)).status).toBe(400);
  });
});

describe('/functions with a runner', () => {
  it('passes the params as the JSON body, hides the master key, returns {result}', async () => {
    const res = await request(t.url, 'POST', '/functions/hello', {
      body: { name: 'Ada' },
      headers: { ...MASTER, 'X-Parse-Session-Token': 'r:abc' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      result: { greeting: 'Hello Ada', sawMasterKey: false, session: 'r:abc' },
    });
    const viaSdk = await sdk('POST', '/functions/hello', { name: 'Bo' });
    expect(viaSdk.body.result.greeting).toBe('Hello Bo');
  });

  it('reports failures as Parse errors for Parse clients and in the native envelope otherwise', async () => {
    expect((await parse('POST', '/functions/fail', {})).body).toEqual({
      code: 141,
      error: 'it broke',
    });
    expect((await request(t.url, 'POST', '/functions/fail', { body: {} })).body).toEqual({
      error: { code: 'SCRIPT_FAILED', message: 'it broke' },
    });
    const unknown = await parse('POST', '/functions/nope', {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe(141);
    const crashed = await parse('POST', '/functions/throws', {});
    expect(crashed.status).toBe(400);
    expect(crashed.body.error).not.toContain('secret internals');
    const invalid = await parse('POST', '/functions/invalid', {});
    expect(invalid.status).toBe(500);
    expect(invalid.body).toEqual({ code: 1, error: 'Internal server error' });
  });

  it('can be replaced at runtime with setFunctionRunner', async () => {
    t.server.setFunctionRunner(undefined);
    expect((await parse('POST', '/functions/hello', {})).status).toBe(404);
    t.server.setFunctionRunner(runner);
    expect((await parse('POST', '/functions/hello', { name: 'x' })).status).toBe(200);
  });
});
