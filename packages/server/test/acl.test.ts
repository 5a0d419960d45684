/**
 * Object-level ACLs (Parse's semantics): real HTTP on an ephemeral port, real SQLite, the
 * official Parse JS SDK and real WebSocket clients. Records without an ACL stay public; records
 * with one are visible / writable only to the ids it names (`*`, a user id; roles grant nothing
 * yet); the master key bypasses everything; the hidden `_rperm` / `_wperm` columns never leave
 * the server.
 */
import Parse from 'parse/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MASTER_KEY,
  parseCaller,
  qs,
  startServer,
  TestClient,
  type HttpResult,
  type RequestOptions,
  type TestServer,
} from './helpers';

const PARSE = { 'X-Parse-Application-Id': 'acl-app' };

/** Every response text, for the leak check. */
const seen: string[] = [];

const call = parseCaller(PARSE, seen);

interface Person {
  readonly objectId: string;
  readonly sessionToken: string;
}

async function signUp(t: TestServer, username: string): Promise<Person> {
  const res = await call(t, 'POST', '/users', {
    body: { username, password: `${username}-password` },
  });
  expect(res.status, res.text).toBe(201);
  return res.body as Person;
}

function titles(res: HttpResult): string[] {
  expect(res.status, res.text).toBe(200);
  return (res.body.results as { title: string }[]).map((r) => r.title).sort();
}

describe('object ACLs over REST', () => {
  let t: TestServer;
  let ada: Person;
  let bob: Person;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startServer();
    ada = await signUp(t, 'ada');
    bob = await signUp(t, 'bob');
    const notes: [string, Record<string, unknown> | undefined][] = [
      ['open', undefined],
      ['ada-only', { [ada.objectId]: { read: true, write: true } }],
      ['public-read', { '*': { read: true }, [ada.objectId]: { read: true, write: true } }],
      ['nobody', {}],
      ['admins', { 'role:admin': { read: true, write: true } }],
      ['public-write', { '*': { read: true, write: true } }],
    ];
    for (const [i, [title, acl]] of notes.entries()) {
      const res = await call(t, 'POST', '/classes/Note', {
        token: ada.sessionToken,
        body: acl === undefined ? { title, n: i } : { title, n: i, ACL: acl },
      });
      expect(res.status, res.text).toBe(201);
      ids[title] = res.body.objectId as string;
    }
  });
  afterAll(() => t.stop());

  it('stores the ACL and returns it as Parse does (no ACL: no ACL field)', async () => {
    const res = await call(t, 'GET', `/classes/Note/${ids['public-read']!}`, {
      token: ada.sessionToken,
    });
    expect(res.body.ACL).toEqual({
      '*': { read: true },
      [ada.objectId]: { read: true, write: true },
    });
    const open = await call(t, 'GET', `/classes/Note/${ids.open!}`);
    expect(open.body.ACL).toBeUndefined();
    const master = await call(t, 'GET', `/classes/Note/${ids.nobody!}`, { master: true });
    expect(master.body.ACL).toEqual({});
  });

  it('finds only the records each viewer may read (anonymous, user, other user, master)', async () => {
    expect(titles(await call(t, 'GET', '/classes/Note'))).toEqual([
      'open',
      'public-read',
      'public-write',
    ]);
    expect(titles(await call(t, 'GET', '/classes/Note', { token: ada.sessionToken }))).toEqual([
      'ada-only',
      'open',
      'public-read',
      'public-write',
    ]);
    expect(titles(await call(t, 'GET', '/classes/Note', { token: bob.sessionToken }))).toEqual([
      'open',
      'public-read',
      'public-write',
    ]);
    expect(titles(await call(t, 'GET', '/classes/Note', { master: true }))).toHaveLength(6);
  });

  it('applies the ACL inside SQL: where, order, limit, skip and count stay right', async () => {
    const page = await call(
      t,
      'GET',
      `/classes/Note${qs({ where: { n: { $gte: 0 } }, order: 'n', limit: '1', skip: '1', count: '1' })}`,
      { token: bob.sessionToken },
    );
    expect(page.body.count).toBe(3);
    expect(page.body.results.map((r: { title: string }) => r.title)).toEqual(['public-read']);
    const onlyCount = await call(t, 'GET', `/classes/Note${qs({ limit: '0', count: '1' })}`);
    expect(onlyCount.body).toEqual({ results: [], count: 3 });
    const viaPost = await call(t, 'POST', '/classes/Note', {
      token: ada.sessionToken,
      body: { _method: 'GET', where: { title: 'ada-only' }, count: 1 },
    });
    expect(viaPost.body.count).toBe(1);
    const badWhere = await call(t, 'GET', `/classes/Note${qs({ where: { n: { $gt: 'x' } } })}`);
    expect(badWhere.status).toBe(400);
    expect(badWhere.body.error).toMatch(/^where\.n\.\$gt: /);
  });

  it('restricts every filter format (Parse, Noodl, shorthand, visual) the same way', async () => {
    const wheres = [
      { $or: [{ title: 'ada-only' }, { title: 'open' }] },
      { or: [{ title: { equalTo: 'ada-only' } }, { title: { equalTo: 'open' } }] },
      { idContainedIn: [ids['ada-only'], ids.open] },
      { title: { endsWith: 'n' } },
      {
        combinator: 'or',
        rules: [
          { property: 'title', operator: 'equal to', value: 'ada-only' },
          { property: 'title', operator: 'equal to', value: 'open' },
        ],
      },
    ];
    for (const where of wheres) {
      const res = await call(t, 'GET', `/api/Note${qs({ where })}`, { token: bob.sessionToken });
      expect(titles(res), JSON.stringify(where)).toEqual(['open']);
    }
  });

  it('answers 101 Object not found. for a record the viewer may not read', async () => {
    for (const title of ['ada-only', 'nobody', 'admins']) {
      const res = await call(t, 'GET', `/classes/Note/${ids[title]!}`, { token: bob.sessionToken });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ code: 101, error: 'Object not found.' });
    }
    const own = await call(t, 'GET', `/classes/Note/${ids['ada-only']!}`, {
      token: ada.sessionToken,
    });
    expect(own.body.title).toBe('ada-only');
    const master = await call(t, 'GET', `/classes/Note/${ids.admins!}`, { master: true });
    expect(master.body.title).toBe('admins');
  });

  it('serves the native /api routes with the same rules', async () => {
    const list = await call(t, 'GET', `/api/Note${qs({ sort: 'n', count: 'true' })}`, {
      token: bob.sessionToken,
    });
    expect(list.body.count).toBe(3);
    expect(titles(list)).toEqual(['open', 'public-read', 'public-write']);
    const hidden = await call(t, 'GET', `/api/Note/${ids['ada-only']!}`, {
      token: bob.sessionToken,
    });
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.code).toBe('NOT_FOUND');
    const own = await call(t, 'GET', `/api/Note/${ids['ada-only']!}`, { token: ada.sessionToken });
    expect(own.body.ACL).toEqual({ [ada.objectId]: { read: true, write: true } });
    const created = await call(t, 'POST', '/api/Scratch', {
      token: ada.sessionToken,
      body: { title: 'mine', ACL: { [ada.objectId]: { read: true, write: true } } },
    });
    expect(created.status).toBe(201);
    expect(created.body.ACL).toEqual({ [ada.objectId]: { read: true, write: true } });
    const other = await call(t, 'GET', `/api/Scratch/${created.body.objectId as string}`, {
      token: bob.sessionToken,
    });
    expect(other.status).toBe(404);
    const put = await call(t, 'PUT', `/api/Scratch/${created.body.objectId as string}`, {
      token: bob.sessionToken,
      body: { title: 'stolen' },
    });
    expect(put.status).toBe(404);
    const del = await call(t, 'DELETE', `/api/Scratch/${created.body.objectId as string}`);
    expect(del.status).toBe(404);
  });

  it('refuses updates, increments, relation changes and deletes without write access (101)', async () => {
    const target = ids['public-read']!;
    const attempts: [string, RequestOptions & { token?: string }][] = [
      ['PUT', { token: bob.sessionToken, body: { title: 'x' } }],
      ['PUT', { token: bob.sessionToken, body: { n: { __op: 'Increment', amount: 1 } } }],
      [
        'PUT',
        {
          token: bob.sessionToken,
          body: {
            tags: {
              __op: 'AddRelation',
              objects: [{ __type: 'Pointer', className: 'Note', objectId: ids.open }],
            },
          },
        },
      ],
      ['PUT', { body: { title: 'x' } }],
      ['DELETE', { token: bob.sessionToken }],
      ['DELETE', {}],
    ];
    for (const [method, options] of attempts) {
      const res = await call(t, method, `/classes/Note/${target}`, options);
      expect(res.status, `${method} ${JSON.stringify(options.body)}`).toBe(404);
      expect(res.body).toEqual({ code: 101, error: 'Object not found.' });
    }
    const still = await call(t, 'GET', `/classes/Note/${target}`);
    expect(still.body).toMatchObject({ title: 'public-read', n: 2 });
    // The owner and the master key may write; a public-write record anyone may.
    const own = await call(t, 'PUT', `/classes/Note/${target}`, {
      token: ada.sessionToken,
      body: { n: { __op: 'Increment', amount: 10 } },
    });
    expect(own.body.n).toBe(12);
    const master = await call(t, 'PUT', `/classes/Note/${ids.nobody!}`, {
      master: true,
      body: { title: 'nobody' },
    });
    expect(master.status).toBe(200);
    const anyone = await call(t, 'PUT', `/classes/Note/${ids['public-write']!}`, {
      body: { title: 'public-write' },
    });
    expect(anyone.status).toBe(200);
  });

  it('checks every batch item; a transactional batch fails as a whole', async () => {
    const batch = await call(t, 'POST', '/batch', {
      token: bob.sessionToken,
      body: {
        requests: [
          { method: 'PUT', path: `/classes/Note/${ids['public-read']!}`, body: { title: 'x' } },
          { method: 'PUT', path: `/classes/Note/${ids.open!}`, body: { seen: 1 } },
          { method: 'DELETE', path: `/parse/classes/Note/${ids['ada-only']!}` },
          { method: 'GET', path: `/classes/Note/${ids['ada-only']!}` },
        ],
      },
    });
    expect(batch.status).toBe(200);
    expect(batch.body[0]).toEqual({ error: { code: 101, error: 'Object not found.' } });
    expect(batch.body[1].success.updatedAt).toEqual(expect.any(String));
    expect(batch.body[2]).toEqual({ error: { code: 101, error: 'Object not found.' } });
    expect(batch.body[3]).toEqual({ error: { code: 101, error: 'Object not found.' } });
    const tx = await call(t, 'POST', '/batch', {
      token: bob.sessionToken,
      body: {
        transaction: true,
        requests: [
          { method: 'PUT', path: `/classes/Note/${ids.open!}`, body: { seen: 2 } },
          { method: 'PUT', path: `/classes/Note/${ids['ada-only']!}`, body: { title: 'x' } },
        ],
      },
    });
    expect(tx.status).toBe(404);
    expect(tx.body.code).toBe(101);
    const open = await call(t, 'GET', `/classes/Note/${ids.open!}`);
    expect(open.body.seen).toBe(1);
    const native = await call(t, 'POST', '/api/_batch', {
      token: bob.sessionToken,
      body: {
        requests: [
          { method: 'DELETE', path: `/api/Note/${ids['ada-only']!}` },
          { method: 'GET', path: '/api/Note', params: { where: { title: 'ada-only' } } },
        ],
      },
    });
    expect(native.body.results[0].error.code).toBe('NOT_FOUND');
    expect(native.body.results[1].success.results).toEqual([]);
  });

  it('adds the permission columns inside a transactional batch (first ACL of a collection)', async () => {
    const tx = await call(t, 'POST', '/batch', {
      token: ada.sessionToken,
      body: {
        transaction: true,
        requests: [
          { method: 'POST', path: '/classes/Fresh', body: { a: 1, ACL: { '*': { read: true } } } },
          { method: 'POST', path: '/classes/Fresh', body: { a: 2, ACL: {} } },
          { method: 'GET', path: '/classes/Fresh', body: {} },
        ],
      },
    });
    expect(tx.status, tx.text).toBe(200);
    expect(tx.body[2].success.results).toEqual([
      expect.objectContaining({ a: 1, ACL: { '*': { read: true } } }),
    ]);
    const native = await call(t, 'POST', '/api/_batch', {
      body: {
        transaction: true,
        requests: [
          { method: 'POST', path: '/api/Fresh2', body: { a: 1, ACL: {} } },
          { method: 'GET', path: '/api/Fresh2' },
        ],
      },
    });
    expect(native.body.results[1].success.results).toEqual([]);
  });

  it('changes and removes ACLs: null makes a record public again', async () => {
    const created = await call(t, 'POST', '/classes/Flip', {
      token: ada.sessionToken,
      body: { title: 'flip', ACL: { [ada.objectId]: { read: true, write: true } } },
    });
    const id = created.body.objectId as string;
    expect((await call(t, 'GET', `/classes/Flip/${id}`)).status).toBe(404);
    await call(t, 'PUT', `/classes/Flip/${id}`, {
      token: ada.sessionToken,
      body: { ACL: { '*': { read: true }, [ada.objectId]: { read: true, write: true } } },
    });
    expect((await call(t, 'GET', `/classes/Flip/${id}`)).status).toBe(200);
    await call(t, 'PUT', `/classes/Flip/${id}`, { token: ada.sessionToken, body: { ACL: null } });
    const open = await call(t, 'GET', `/classes/Flip/${id}`);
    expect(open.body.ACL).toBeUndefined();
    expect(
      (await call(t, 'PUT', `/classes/Flip/${id}`, { body: { title: 'anyone' } })).status,
    ).toBe(200);
  });

  it('leaves an included record the viewer may not read as a plain pointer', async () => {
    for (const target of ['ada-only', 'public-read']) {
      await call(t, 'POST', '/classes/Comment', {
        body: {
          text: `on ${target}`,
          note: { __type: 'Pointer', className: 'Note', objectId: ids[target] },
        },
      });
    }
    const asBob = await call(
      t,
      'GET',
      `/classes/Comment${qs({ include: 'note', order: 'text' })}`,
      {
        token: bob.sessionToken,
      },
    );
    expect(asBob.body.results[0].note).toEqual({
      __type: 'Pointer',
      className: 'Note',
      objectId: ids['ada-only'],
    });
    expect(asBob.body.results[1].note).toMatchObject({
      __type: 'Object',
      className: 'Note',
      title: 'public-read',
    });
    const asAda = await call(
      t,
      'GET',
      `/classes/Comment${qs({ include: 'note', order: 'text' })}`,
      {
        token: ada.sessionToken,
      },
    );
    expect(asAda.body.results[0].note).toMatchObject({ __type: 'Object', title: 'ada-only' });
    expect(asAda.body.results[0].note.ACL).toEqual({
      [ada.objectId]: { read: true, write: true },
    });
    const native = await call(t, 'GET', `/api/Comment${qs({ include: 'note', sort: 'text' })}`, {
      token: bob.sessionToken,
    });
    expect(native.body.results[0].note).toBe(ids['ada-only']);
  });

  it('aggregates only readable records (distinct, $group, $match)', async () => {
    const distinct = await call(t, 'GET', `/aggregate/Note${qs({ distinct: 'title' })}`, {
      token: bob.sessionToken,
    });
    expect([...distinct.body.results].sort()).toEqual(['open', 'public-read', 'public-write']);
    const group = await call(
      t,
      'GET',
      `/aggregate/Note${qs({ pipeline: [{ $group: { _id: null, total: { $sum: 1 } } }] })}`,
    );
    expect(group.body.results).toEqual([{ objectId: null, total: 3 }]);
    const asAda = await call(
      t,
      'GET',
      `/aggregate/Note${qs({ pipeline: [{ $match: { n: { $gte: 0 } } }, { $count: 'c' }] })}`,
      { token: ada.sessionToken },
    );
    expect(asAda.body.results).toEqual([{ c: 4 }]);
    const master = await call(
      t,
      'GET',
      `/aggregate/Note${qs({ pipeline: [{ $group: { _id: null, total: { $sum: 1 } } }] })}`,
      { master: true },
    );
    expect(master.body.results).toEqual([{ objectId: null, total: 6 }]);
  });

  it('refuses hostile ACL values with INVALID_VALUE naming the path', async () => {
    const many: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) many[`user${i}`] = { read: true };
    const cases: [unknown, RegExp][] = [
      ['public', /^body\.ACL: expected an ACL object/],
      [[{ read: true }], /^body\.ACL: expected an ACL object/],
      [42, /^body\.ACL: expected an ACL object/],
      [{ '*': true }, /^body\.ACL\.\*: expected \{"read"\?: boolean/],
      [{ '*': { read: 'yes' } }, /^body\.ACL\.\*\.read: expected a boolean/],
      [{ '*': { read: true, admin: true } }, /^body\.ACL\.\*\.admin: unknown key/],
      [{ 'not an id!': { read: true } }, /^body\.ACL\.not an id!: .* is not an ACL entry/],
      [{ 'role:': { read: true } }, /is not an ACL entry/],
      [{ constructor: { read: 1 } }, /^body\.ACL\.constructor\.read: expected a boolean/],
      [many, /^body\.ACL: at most 1000 entries per ACL, got 10000/],
    ];
    for (const [acl, message] of cases) {
      const res = await call(t, 'POST', '/classes/Note', { body: { title: 'bad', ACL: acl } });
      expect(res.status, JSON.stringify(acl).slice(0, 80)).toBe(400);
      expect(res.body.code).toBe(111);
      expect(res.body.error).toMatch(message);
    }
    const proto = await call(t, 'POST', '/classes/Note', {
      rawBody: '{"title":"bad","ACL":{"__proto__":{"read":true}}}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(proto.status).toBe(400);
    expect(proto.body.error).toMatch(/^body\.ACL\.__proto__: /);
    const native = await call(t, 'POST', '/api/Note', { body: { ACL: { '*': { write: 0 } } } });
    expect(native.status).toBe(400);
    expect(native.body.error).toMatchObject({
      code: 'INVALID_VALUE',
      details: { path: 'body.ACL.*.write' },
    });
    const count = await call(
      t,
      'GET',
      `/classes/Note${qs({ where: { title: 'bad' }, count: 1 })}`,
      {
        master: true,
      },
    );
    expect(count.body.count).toBe(0);
  });

  it('never lets a client name the hidden permission columns', async () => {
    const attempts: [string, string, RequestOptions][] = [
      ['POST', '/classes/Note', { body: { title: 'x', _rperm: ['*'] } }],
      ['PUT', `/classes/Note/${ids.open!}`, { body: { _wperm: ['*'] } }],
      ['POST', '/api/Note', { body: { _rperm: ['*'] } }],
      ['GET', `/classes/Note${qs({ where: { _rperm: 'x' } })}`, {}],
      ['GET', `/classes/Note${qs({ where: { $or: [{ _wperm: { $exists: true } }] } })}`, {}],
      ['GET', `/classes/Note${qs({ order: '-_rperm' })}`, {}],
      ['GET', `/classes/Note${qs({ keys: 'title,_rperm' })}`, {}],
      ['GET', `/api/Note${qs({ select: '_wperm' })}`, {}],
      [
        'GET',
        `/api/Note${qs({ where: { combinator: 'and', rules: [{ property: '_rperm', operator: 'exist' }] } })}`,
        {},
      ],
      ['GET', `/aggregate/Note${qs({ distinct: '_rperm' })}`, {}],
      ['GET', `/aggregate/Note${qs({ pipeline: [{ $group: { _id: '$_wperm' } }] })}`, {}],
    ];
    for (const [method, path, options] of attempts) {
      const res = await call(t, method, path, options);
      expect(res.status, `${method} ${path}`).toBe(400);
      expect(res.text).toMatch(/ACL columns/);
    }
    const schemaAttempts: [string, string, unknown][] = [
      ['PUT', '/schemas/Note', { fields: { _rperm: { type: 'Array' } } }],
      ['PUT', '/schemas/Note', { fields: { _rperm: { __op: 'Delete' } } }],
      ['POST', '/api/_schema', { table: 'Note', deleteColumn: '_wperm' }],
      ['POST', '/api/_schema', { table: 'Note', column: { name: '_rperm', type: 'Array' } }],
    ];
    for (const [method, path, body] of schemaAttempts) {
      const res = await call(t, method, path, { body, master: true });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThanOrEqual(400);
    }
    // Still enforced after all that.
    expect((await call(t, 'GET', `/classes/Note/${ids['ada-only']!}`)).status).toBe(404);
  });

  it('keeps the permission columns out of every answer, schemas included', async () => {
    const schemas = await call(t, 'GET', '/schemas', { master: true });
    const note = schemas.body.results.find((c: { className: string }) => c.className === 'Note');
    expect(note.fields.ACL).toEqual({ type: 'ACL' });
    await call(t, 'GET', '/schemas/Note', { master: true });
    await call(t, 'GET', '/api/_schema');
    await call(t, 'GET', '/classes/Note', { master: true });
    await call(t, 'GET', '/api/Note', { master: true });
    await call(t, 'GET', `/classes/Note${qs({ keys: 'title' })}`, { master: true });
    const leaks = seen.filter((text) => /_rperm|_wperm/.test(text) && !/ACL columns/.test(text));
    expect(leaks).toEqual([]);
    expect(seen.length).toBeGreaterThan(60);
  });

  it('keeps _User rules: an ACL sent with a user is ignored, anyone reads public fields', async () => {
    const res = await call(t, 'PUT', `/users/${ada.objectId}`, {
      token: ada.sessionToken,
      body: { nick: 'A', ACL: { [ada.objectId]: { read: true, write: true } } },
    });
    expect(res.status, res.text).toBe(200);
    const other = await call(t, 'GET', `/users/${ada.objectId}`, { token: bob.sessionToken });
    expect(other.body.nick).toBe('A');
    const denied = await call(t, 'PUT', `/users/${ada.objectId}`, {
      token: bob.sessionToken,
      body: { nick: 'B' },
    });
    expect(denied.status).toBe(403);
  });
});

describe('object ACLs with the Parse JS SDK', () => {
  let t: TestServer;

  beforeAll(async () => {
    t = await startServer({ appId: 'acl-app' });
    Parse.initialize('acl-app', undefined, MASTER_KEY);
    (Parse as unknown as { serverURL: string }).serverURL = t.url;
    Parse.User.enableUnsafeCurrentUser();
  });
  afterAll(async () => {
    await Parse.User.logOut().catch(() => undefined);
    await t.stop();
  });

  it('new Parse.ACL(user) hides a record from others; setPublicReadAccess shows it read-only', async () => {
    const bob = await Parse.User.signUp('sdk-bob', 'bob-password', {});
    await Parse.User.logOut();
    const ada = await Parse.User.signUp('sdk-ada', 'ada-password', {});
    const secret = new Parse.Object('Diary', { text: 'secret', n: 1 });
    secret.setACL(new Parse.ACL(ada));
    await secret.save();
    const shared = new Parse.Object('Diary', { text: 'shared', n: 2 });
    const acl = new Parse.ACL(ada);
    acl.setPublicReadAccess(true);
    shared.setACL(acl);
    await shared.save();
    const team = new Parse.Object('Entry', { secret, shared });
    await team.save();

    const mine = await new Parse.Query('Diary').ascending('n').find();
    expect(mine.map((o) => o.get('text'))).toEqual(['secret', 'shared']);
    expect(mine[0]!.getACL()?.getReadAccess(ada.id!)).toBe(true);
    expect(mine[0]!.getACL()?.getPublicReadAccess()).toBe(false);
    expect(mine[1]!.getACL()?.getPublicReadAccess()).toBe(true);
    await Parse.User.logOut();

    await Parse.User.logIn('sdk-bob', 'bob-password');
    expect(Parse.User.current()?.id).toBe(bob.id);
    const seen = await new Parse.Query('Diary').find();
    expect(seen.map((o) => o.get('text'))).toEqual(['shared']);
    expect(await new Parse.Query('Diary').count()).toBe(1);
    await expect(new Parse.Query('Diary').get(secret.id!)).rejects.toMatchObject({ code: 101 });
    const entry = await new Parse.Query('Entry').include(['secret', 'shared']).first();
    expect(entry?.get('shared').get('text')).toBe('shared');
    expect(entry?.get('secret').id).toBe(secret.id);
    expect(entry?.get('secret').get('text')).toBeUndefined();

    const readOnly = await new Parse.Query('Diary').get(shared.id!);
    readOnly.set('text', 'defaced');
    await expect(readOnly.save()).rejects.toMatchObject({ code: 101 });
    await expect(readOnly.destroy()).rejects.toMatchObject({ code: 101 });
    const blind = new Parse.Object('Diary');
    blind.id = secret.id;
    blind.increment('n');
    await expect(blind.save()).rejects.toMatchObject({ code: 101 });

    const all = await new Parse.Query('Diary').find({ useMasterKey: true });
    expect(all).toHaveLength(2);
    expect(await new Parse.Query('Diary').count({ useMasterKey: true })).toBe(2);
    await Parse.User.logOut();
    expect(await new Parse.Query('Diary').count()).toBe(1);
    const again = await new Parse.Query('Diary').get(shared.id!);
    expect(again.get('text')).toBe('shared');
  });
});

describe('object ACLs on the realtime channel', () => {
  let t: TestServer;
  let ada: Person;
  let bob: Person;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    t = await startServer();
    ada = await signUp(t, 'rt-ada');
    bob = await signUp(t, 'rt-bob');
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await t.stop();
  });

  async function client(headers: Record<string, string> = {}): Promise<TestClient> {
    const c = await TestClient.connect(t.url, headers);
    clients.push(c);
    return c;
  }

  /** The events of `c` up to (not including) the sentinel record. */
  async function eventsUntil(c: TestClient, sentinel: string): Promise<string[]> {
    await c.next((m) => m.data?.object?.title === sentinel);
    const out: string[] = [];
    for (const m of c.events()) {
      if (m.data.object.title === sentinel) break;
      out.push(`${m.event as string} ${m.data.object.title as string}`);
    }
    return out;
  }

  it('sends each socket only the changes of records its viewer may read; losing access is a leave', async () => {
    const anon = await client();
    const master = await client({ 'X-Parse-Master-Key': MASTER_KEY });
    const adaWs = await client();
    expect(await adaWs.call({ type: 'connect', sessionToken: ada.sessionToken })).toMatchObject({
      type: 'connected',
      userId: ada.objectId,
    });
    expect(await adaWs.call({ type: 'subscribe', collection: 'Memo' })).toMatchObject({
      type: 'subscribed',
    });
    const bobWs = await client();
    expect(
      await bobWs.call({
        type: 'subscribe',
        collection: 'Memo',
        where: { n: { $gte: 0 } },
        sessionToken: bob.sessionToken,
      }),
    ).toMatchObject({ type: 'subscribed' });

    const own = { [ada.objectId]: { read: true, write: true } };
    const write = (method: string, path: string, body?: unknown) =>
      call(t, method, path, { token: ada.sessionToken, body });
    const secret = await write('POST', '/classes/Memo', { title: 'secret', n: 1, ACL: own });
    const shared = await write('POST', '/classes/Memo', {
      title: 'shared',
      n: 2,
      ACL: { ...own, '*': { read: true } },
    });
    await write('PUT', `/classes/Memo/${shared.body.objectId as string}`, { ACL: own });
    await write('PUT', `/classes/Memo/${secret.body.objectId as string}`, {
      ACL: { ...own, '*': { read: true } },
    });
    await write('PUT', `/classes/Memo/${secret.body.objectId as string}`, { n: 5 });
    await write('DELETE', `/classes/Memo/${secret.body.objectId as string}`);
    await write('PUT', `/classes/Memo/${shared.body.objectId as string}`, { n: 9 });
    await write('POST', '/classes/Memo', { title: 'end', n: 0 });

    expect(await eventsUntil(adaWs, 'end')).toEqual([
      'create secret',
      'create shared',
      'save shared',
      'save secret',
      'save secret',
      'delete secret',
      'save shared',
    ]);
    expect(await eventsUntil(master, 'end')).toEqual(await eventsUntil(adaWs, 'end'));
    const expectedOthers = [
      'create shared',
      'leave shared',
      'enter secret',
      'save secret',
      'delete secret',
    ];
    expect(await eventsUntil(bobWs, 'end')).toEqual(expectedOthers);
    expect(await eventsUntil(anon, 'end')).toEqual(expectedOthers);
    // A leave carries the record as the viewer last saw it, never the new data.
    const leave = bobWs.events().find((m) => m.event === 'leave');
    expect(leave.data.object.ACL).toEqual({ ...own, '*': { read: true } });
    const texts = [...anon.messages, ...master.messages, ...adaWs.messages, ...bobWs.messages].map(
      (m) => JSON.stringify(m),
    );
    expect(texts.filter((text) => /_rperm|_wperm/.test(text))).toEqual([]);
    expect(texts.some((text) => text.includes('"ACL"'))).toBe(true);
  });

  it('refuses a bad session token and hidden columns in a where; connect null makes a socket anonymous', async () => {
    const c = await client();
    expect(await c.call({ type: 'connect', sessionToken: 'r:nope' })).toMatchObject({
      type: 'error',
      code: 'UNAUTHORIZED',
    });
    expect(await c.call({ type: 'connect', sessionToken: 42 })).toMatchObject({
      type: 'error',
      code: 'INVALID_VALUE',
    });
    expect(
      await c.call({ type: 'subscribe', collection: 'Memo', sessionToken: 'r:bad' }),
    ).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
    expect(
      await c.call({ type: 'subscribe', collection: 'Memo', where: { _rperm: 'x' } }),
    ).toMatchObject({ type: 'error', code: 'INVALID_FIELD_NAME' });
    expect(await c.call({ type: 'connect', sessionToken: ada.sessionToken })).toMatchObject({
      userId: ada.objectId,
    });
    expect(await c.call({ type: 'connect', sessionToken: null })).toEqual({
      type: 'connected',
      requestId: expect.any(String),
    });
    await c.call({ type: 'subscribe', collection: 'Memo' });
    await call(t, 'POST', '/classes/Memo', {
      token: ada.sessionToken,
      body: { title: 'private', ACL: { [ada.objectId]: { read: true, write: true } } },
    });
    await call(t, 'POST', '/classes/Memo', { body: { title: 'after' } });
    expect(await eventsUntil(c, 'after')).toEqual([]);
    void bob;
  });
});
