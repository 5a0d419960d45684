import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, qs, request, startServer, type TestServer } from './helpers';

let t: TestServer;
const get = (path: string, master = false) => request(t.url, 'GET', path, { master });
const post = (path: string, body: unknown, master = false) =>
  request(t.url, 'POST', path, { body, master });

beforeAll(async () => {
  t = await startServer({ id: 'b-native', name: 'Native test' });
  for (let i = 1; i <= 30; i++) {
    const res = await post('/api/Item', {
      name: `item${String(i).padStart(2, '0')}`,
      n: i,
      even: i % 2 === 0,
      tags: i % 3 === 0 ? ['x'] : ['y'],
    });
    expect(res.status).toBe(201);
  }
});
afterAll(() => t.stop());

describe('GET /health', () => {
  it('reports status, backend, id, version, uptime and memory', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      backend: 'Native test',
      id: 'b-native',
      version: '0.1.0',
    });
    expect(typeof res.body.uptime).toBe('number');
    expect(res.body.memory.rss).toBeGreaterThan(0);
  });
});

describe('native CRUD', () => {
  it('creates with 201 and the stored record, then fetches, updates and deletes it', async () => {
    const created = await post('/api/Todo', {
      title: 'Buy milk',
      done: false,
      due: { __type: 'Date', iso: '2026-01-02T03:04:05.000Z' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ title: 'Buy milk', done: false });
    expect(created.body.objectId).toMatch(/^[A-Za-z0-9]{10}$/);
    expect(created.body.createdAt).toBe(created.body.updatedAt);
    const id = created.body.objectId as string;

    const fetched = await get(`/api/Todo/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({
      objectId: id,
      title: 'Buy milk',
      due: '2026-01-02T03:04:05.000Z',
    });

    const saved = await request(t.url, 'PUT', `/api/Todo/${id}`, {
      body: { done: true, views: { __op: 'Increment', amount: 2 } },
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ objectId: id, title: 'Buy milk', done: true, views: 2 });

    const deleted = await request(t.url, 'DELETE', `/api/Todo/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ success: true, objectId: id });
    const gone = await get(`/api/Todo/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
  });

  it('creates with a custom objectId and refuses a duplicate with 409', async () => {
    expect((await post('/api/Custom', { objectId: 'custom0001', a: 1 })).status).toBe(201);
    const dup = await post('/api/Custom', { objectId: 'custom0001', a: 2 });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('DUPLICATE_VALUE');
  });

  it('ignores createdAt/updatedAt in bodies, keeps the ACL, and refuses changing the objectId', async () => {
    const c = await post('/api/Ign', {
      a: 1,
      createdAt: '2000-01-01T00:00:00.000Z',
      ACL: { '*': { read: true } },
    });
    expect(c.status).toBe(201);
    expect(c.body.createdAt).not.toBe('2000-01-01T00:00:00.000Z');
    expect(c.body.ACL).toEqual({ '*': { read: true } });
    expect(c.body._rperm).toBeUndefined();
    const bad = await request(t.url, 'PUT', `/api/Ign/${c.body.objectId as string}`, {
      body: { objectId: 'other' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('GET /api/:table query parameters', () => {
  it('filters with a JSON where, sorts, pages and counts', async () => {
    const res = await get(
      `/api/Item${qs({ where: { n: { $gt: 10 }, even: true }, sort: '-n', limit: '3', skip: '1', count: 'true' })}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(10);
    expect(res.body.results.map((r: { n: number }) => r.n)).toEqual([28, 26, 24]);
  });

  it('accepts the Noodl filter format and JSON sort arrays', async () => {
    const res = await get(
      `/api/Item${qs({ where: { and: [{ n: { lessThan: 5 } }, { even: { equalTo: false } }] }, sort: ['n'] })}`,
    );
    expect(res.body.results.map((r: { n: number }) => r.n)).toEqual([1, 3]);
  });

  it('selects fields (objectId, createdAt, updatedAt always included)', async () => {
    const res = await get(`/api/Item${qs({ select: 'name', limit: '1', sort: 'n' })}`);
    expect(Object.keys(res.body.results[0]).sort()).toEqual([
      'createdAt',
      'name',
      'objectId',
      'updatedAt',
    ]);
  });

  it('answers limit=0 with only the count', async () => {
    const res = await get(`/api/Item?limit=0&count=1`);
    expect(res.body).toEqual({ results: [], count: 30 });
  });

  it('includes pointed-to records', async () => {
    const list = await post('/api/List', { title: 'Groceries' });
    await post('/api/Entry', {
      text: 'eggs',
      list: { __type: 'Pointer', className: 'List', objectId: list.body.objectId },
    });
    const plain = await get(`/api/Entry`);
    expect(plain.body.results[0].list).toBe(list.body.objectId);
    const included = await get(`/api/Entry?include=list`);
    expect(included.body.results[0].list).toMatchObject({
      objectId: list.body.objectId,
      title: 'Groceries',
    });
    const one = await get(`/api/Entry/${included.body.results[0].objectId as string}?include=list`);
    expect(one.body.list.title).toBe('Groceries');
  });

  it('rejects bad parameters with 400 and a path-naming message', async () => {
    const cases: [string, RegExp][] = [
      ['?limit=-1', /^limit: expected an integer/],
      ['?limit=abc', /^limit:/],
      ['?limit=99999999', /^limit:/],
      ['?skip=1.5', /^skip:/],
      ['?count=maybe', /^count:/],
      ['?where=notjson', /^where: not valid JSON/],
      ['?where=[1,2]', /^where: expected a JSON object/],
      ['?limit=1&limit=2', /^limit: given more than once/],
      ['?bogus=1', /^bogus: unknown query parameter/],
      ['?sort=a;drop', /^sort:/],
      [`?where=${encodeURIComponent(JSON.stringify({ n: { $gt: 'abc' } }))}`, /where\.n\.\$gt/],
      [`?where=${encodeURIComponent(JSON.stringify({ n: { $foo: 1 } }))}`, /\$foo/],
    ];
    for (const [query, message] of cases) {
      const res = await get(`/api/Item${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error.message, query).toMatch(message);
      expect(typeof res.body.error.code).toBe('string');
    }
  });
});

describe('native name validation', () => {
  it('refuses invalid collection names and objectIds with 400', async () => {
    expect((await get('/api/1abc')).body.error.code).toBe('INVALID_COLLECTION_NAME');
    expect((await get('/api/Item/bad%20id')).body.error.code).toBe('INVALID_OBJECT_ID');
    expect((await get('/api/a%2Fb')).status).toBe(400);
    expect((await get('/api/%E0%A4%A')).status).toBe(400);
  });

  it('keeps system collections behind the master key and storage internals out of reach', async () => {
    expect((await get('/api/_User')).status).toBe(403);
    expect((await get('/api/_schema/x')).status).toBe(403);
    expect((await get('/api/_meta', true)).status).toBe(403);
    expect((await get('/api/_Join_tags_Item', true)).status).toBe(403);
  });
});

describe('POST /api/_batch', () => {
  it('runs each request and reports per-request success or error', async () => {
    const res = await post('/api/_batch', {
      requests: [
        { method: 'POST', path: '/api/Batch', body: { a: 1 } },
        { method: 'POST', path: '/api/Batch', body: { objectId: 'dupdupdup1' } },
        { method: 'POST', path: '/api/Batch', body: { objectId: 'dupdupdup1' } },
        { method: 'GET', path: '/api/Batch/dupdupdup1' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0].success.a).toBe(1);
    expect(res.body.results[1].success.objectId).toBe('dupdupdup1');
    expect(res.body.results[2].error.code).toBe('DUPLICATE_VALUE');
    expect(res.body.results[3].success.objectId).toBe('dupdupdup1');
  });

  it('with transaction: true is all-or-nothing', async () => {
    const before = (await get('/api/Tx?count=1&limit=0')).body.count ?? 0;
    const failed = await post('/api/_batch', {
      transaction: true,
      requests: [
        { method: 'POST', path: '/api/Tx', body: { objectId: 'txtxtxtx01', a: 1 } },
        { method: 'POST', path: '/api/Tx', body: { objectId: 'txtxtxtx02', a: 2 } },
        { method: 'POST', path: '/api/Tx', body: { objectId: 'txtxtxtx01', a: 3 } },
      ],
    });
    expect(failed.status).toBe(409);
    expect(failed.body.error.code).toBe('DUPLICATE_VALUE');
    expect(failed.body.error.details.index).toBe(2);
    expect((await get('/api/Tx?count=1&limit=0')).body.count ?? 0).toBe(before);
    expect((await get('/api/Tx/txtxtxtx01')).status).toBe(404);

    const ok = await post('/api/_batch', {
      transaction: true,
      requests: [
        { method: 'POST', path: '/api/Tx', body: { objectId: 'txtxtxtx01', a: 1 } },
        { method: 'PUT', path: '/api/Tx/txtxtxtx01', body: { a: 5 } },
        { method: 'POST', path: 'Tx', body: { objectId: 'txtxtxtx03' } },
        { method: 'DELETE', path: '/api/Tx/txtxtxtx03' },
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(4);
    expect((await get('/api/Tx/txtxtxtx01')).body.a).toBe(5);
  });

  it('refuses malformed batches before running anything', async () => {
    for (const body of [
      {},
      { requests: 'x' },
      { requests: [{ method: 'PATCH', path: '/api/X' }] },
      { requests: [{ method: 'POST', path: '/api/X/../../etc' }] },
      { requests: [{ method: 'PUT', path: '/api/X' }] },
      { requests: new Array(1001).fill({ method: 'GET', path: '/api/X' }) },
      { requests: [], extra: 1 },
    ]) {
      const res = await post('/api/_batch', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
    }
  });
});

describe('/api/_schema', () => {
  it('GET returns the schema definition', async () => {
    const res = await get('/api/_schema');
    expect(res.status).toBe(200);
    expect(
      res.body.tables
        .find((t: { name: string }) => t.name === 'Item')
        .columns.map((c: { name: string }) => c.name),
    ).toEqual(expect.arrayContaining(['name', 'n', 'even', 'tags']));
  });

  it('POST needs the master key', async () => {
    const res = await post('/api/_schema', { table: { name: 'Nope', columns: [] } });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });

  it('creates a table, adds a column, deletes a column and drops an empty table', async () => {
    const created = await post(
      '/api/_schema',
      {
        table: {
          name: 'Shape',
          columns: [
            { name: 'title', type: 'String', required: true },
            { name: 'owner', type: 'Pointer', targetClass: 'List' },
          ],
        },
      },
      true,
    );
    expect(created.status).toBe(200);
    expect(created.body.action).toBe('createTable');
    const shape = () =>
      created.body.schema.tables.find((t: { name: string }) => t.name === 'Shape');
    expect(shape().columns).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'owner', type: 'Pointer', targetClass: 'List' }),
      ]),
    );
    const added = await post(
      '/api/_schema',
      { table: 'Shape', column: { name: 'size', type: 'Number' } },
      true,
    );
    expect(added.body.action).toBe('addColumn');
    expect(
      added.body.schema.tables
        .find((t: { name: string }) => t.name === 'Shape')
        .columns.map((c: { name: string }) => c.name),
    ).toContain('size');
    const deleted = await post('/api/_schema', { table: 'Shape', deleteColumn: 'size' }, true);
    expect(
      deleted.body.schema.tables
        .find((t: { name: string }) => t.name === 'Shape')
        .columns.map((c: { name: string }) => c.name),
    ).not.toContain('size');
    const required = await post('/api/Shape', { owner: null });
    expect(required.status).toBe(400);
    expect(required.body.error.code).toBe('REQUIRED_FIELD');
    await post('/api/Shape', { title: 'x' });
    const refused = await post('/api/_schema', { action: 'deleteTable', table: 'Shape' }, true);
    expect(refused.status).toBe(409);
    const dropped = await post(
      '/api/_schema',
      { action: 'deleteTable', table: 'Shape', force: true },
      true,
    );
    expect(dropped.status).toBe(200);
    expect(
      dropped.body.schema.tables.find((t: { name: string }) => t.name === 'Shape'),
    ).toBeUndefined();
  });

  it('refuses bad schema changes with 400/409', async () => {
    const cases: [unknown, number][] = [
      [{}, 400],
      [{ table: { name: '1bad', columns: [] } }, 400],
      [{ table: { name: 'Ok', columns: [{ name: 'a', type: 'Integer' }] } }, 400],
      [{ table: { name: 'Ok', columns: [{ name: 'p', type: 'Pointer' }] } }, 400],
      [{ table: 'Item', column: { name: 'n', type: 'String' } }, 409],
      [{ table: 'Item', column: { name: 'objectId', type: 'String' } }, 400],
      [{ action: 'explode', table: 'Item' }, 400],
    ];
    for (const [body, status] of cases) {
      const res = await post('/api/_schema', body, true);
      expect(res.status, JSON.stringify(body)).toBe(status);
    }
  });
});

describe('GET /api/_export', () => {
  it('needs the master key', async () => {
    expect((await get('/api/_export')).status).toBe(401);
  });

  it('exports the schema as JSON, with data on request', async () => {
    const schemaOnly = await request(t.url, 'GET', '/api/_export?format=json', {
      headers: { 'X-Parse-Master-Key': MASTER_KEY },
    });
    expect(schemaOnly.status).toBe(200);
    expect(schemaOnly.headers.get('content-type')).toMatch(/application\/json/);
    expect(schemaOnly.body.schema.tables.length).toBeGreaterThan(0);
    expect(schemaOnly.body.data).toBeUndefined();
    const withData = await get('/api/_export?format=json&includeData=true', true);
    expect(JSON.stringify(withData.body.data)).toContain('item07');
  });

  it('exports Postgres and Supabase SQL', async () => {
    const pg = await get('/api/_export?format=postgres&includeData=1', true);
    expect(pg.status).toBe(200);
    expect(pg.headers.get('content-type')).toMatch(/application\/sql/);
    expect(pg.text).toMatch(/CREATE TABLE/i);
    expect(pg.text).toContain('item07');
    const supa = await get('/api/_export?format=supabase', true);
    expect(supa.text).toMatch(/ROW LEVEL SECURITY/i);
  });

  it('refuses unknown formats', async () => {
    expect((await get('/api/_export?format=mysql', true)).status).toBe(400);
  });
});

describe('POST /functions/:name without a runner', () => {
  it('answers 404 FUNCTION_NOT_FOUND in the native envelope', async () => {
    const res = await post('/functions/hello', {});
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('FUNCTION_NOT_FOUND');
    expect(res.body.error.message).toMatch(/no function runner/);
  });
});

describe('unknown routes', () => {
  it('answer 404 ROUTE_NOT_FOUND in the native envelope', async () => {
    const res = await request(t.url, 'PATCH', '/api/Item/abc');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: 'no route PATCH /api/Item/abc',
        details: { path: 'url' },
      },
    });
  });
});
