/**
 * Parse-compatible users and sessions: real HTTP on an ephemeral port, real SQLite, the official
 * Parse JS SDK, and a real workflow runtime reading the session of `Parse.Cloud.run`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Parse from 'parse/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsoleLogger } from '../src/index';
import {
  MASTER_KEY,
  parseCaller,
  qs,
  request,
  startServer,
  TestClient,
  type RequestOptions,
  type TestServer,
} from './helpers';

const PARSE = { 'X-Parse-Application-Id': 'users-app' };
const TOKEN = /^r:[0-9a-f]{64}$/;

/** Every response text, for the leak checks. */
const seen: string[] = [];
const logLines: string[] = [];

const call = parseCaller(PARSE, seen);

async function signUp(
  t: TestServer,
  fields: Record<string, unknown>,
): Promise<{ objectId: string; sessionToken: string }> {
  const res = await call(t, 'POST', '/users', { body: fields });
  expect(res.status, res.text).toBe(201);
  return res.body as { objectId: string; sessionToken: string };
}

describe('users and sessions over REST', () => {
  let t: TestServer;
  let ada: { objectId: string; sessionToken: string };
  let bob: { objectId: string; sessionToken: string };

  beforeAll(async () => {
    t = await startServer({
      logger: createConsoleLogger({ level: 'debug', write: (line) => logLines.push(line) }),
      users: { loginThrottle: { maxFailures: 3, windowMs: 60_000 } },
    });
    ada = await signUp(t, { username: 'ada', password: 'lovelace-1815', email: 'Ada@Example.com' });
    bob = await signUp(t, { username: 'bob', password: 'builder-1999', email: 'bob@example.com' });
  });
  afterAll(() => t.stop());

  it('signs up with 201 {objectId, createdAt, sessionToken} and stores Parse’s layout with a scrypt hash', async () => {
    const res = await call(t, 'POST', '/users', {
      body: { username: 'cid', password: 'secret-cid', age: 30 },
      headers: { 'X-Parse-Installation-Id': 'inst-1' },
    });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(['createdAt', 'objectId', 'sessionToken']);
    expect(res.body.sessionToken).toMatch(TOKEN);
    expect(res.headers.get('location')).toBe(`/users/${res.body.objectId as string}`);
    const adapter = t.server.adapter!;
    const stored = await adapter.fetch({ collection: '_User', objectId: res.body.objectId });
    expect(stored).toMatchObject({ username: 'cid', age: 30 });
    expect(stored.hashed_password).toMatch(
      /^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/,
    );
    expect(JSON.stringify(stored)).not.toContain('secret-cid');
    expect(stored).not.toHaveProperty('password');
    const { results } = await adapter.query({
      collection: '_Session',
      where: { sessionToken: res.body.sessionToken },
    });
    expect(results).toHaveLength(1);
    const session = results[0]!;
    expect(session).toMatchObject({
      user: res.body.objectId,
      createdWith: { action: 'signup', authProvider: 'password' },
      installationId: 'inst-1',
    });
    const lifetime = Date.parse(session.expiresAt as string) - Date.now();
    expect(lifetime).toBeGreaterThan(364 * 24 * 3600_000);
    expect(lifetime).toBeLessThanOrEqual(365 * 24 * 3600_000);
    // The same salt is never reused: equal passwords hash differently.
    const twin = await signUp(t, { username: 'cid2', password: 'secret-cid' });
    const other = await adapter.fetch({ collection: '_User', objectId: twin.objectId });
    expect(other.hashed_password).not.toBe(stored.hashed_password);
  });

  it('refuses bad sign-ups with Parse’s codes: 200, 201, 202, 203, 125', async () => {
    const cases: [Record<string, unknown>, number, number][] = [
      [{ password: 'x' }, 200, 400],
      [{ username: '', password: 'x' }, 200, 400],
      [{ username: 42, password: 'x' }, 200, 400],
      [{ username: ['a'], password: 'x' }, 200, 400],
      [{ username: 'new1' }, 201, 400],
      [{ username: 'new1', password: '' }, 201, 400],
      [{ username: 'new1', password: { $gt: '' } }, 201, 400],
      [{ username: 'ada', password: 'x' }, 202, 409],
      [{ username: 'ADA', password: 'x' }, 202, 409],
      [{ username: 'new1', password: 'x', email: 'ada@example.COM' }, 203, 409],
      [{ username: 'new1', password: 'x', email: 'not-an-email' }, 125, 400],
      [{ username: 'new1', password: 'x', email: 7 }, 125, 400],
      [{ username: 'x'.repeat(129), password: 'x' }, 200, 400],
      [{ username: 'tab\there', password: 'x' }, 200, 400],
      [{ username: 'new1', password: 'p'.repeat(1025) }, 201, 400],
    ];
    for (const [body, code, status] of cases) {
      const res = await call(t, 'POST', '/users', { body });
      expect({ body, status: res.status, code: res.body.code }).toEqual({ body, status, code });
      expect(typeof res.body.error).toBe('string');
    }
  });

  it('refuses hostile sign-up bodies: 1 MB names, prototype keys, secret and server fields', async () => {
    const huge = 'u'.repeat(1024 * 1024);
    expect(
      (await call(t, 'POST', '/users', { body: { username: huge, password: 'x' } })).body.code,
    ).toBe(200);
    expect(
      (await call(t, 'POST', '/users', { body: { username: 'big', password: huge } })).body.code,
    ).toBe(201);
    const hostile: [string, number][] = [
      ['{"username":"p1","password":"x","__proto__":{"admin":true}}', 105],
      ['{"username":"p1","password":"x","constructor":{"prototype":{}}}', 105],
      ['{"username":"p1","password":"x","sessionToken":"r:mine"}', 105],
      ['{"username":"p1","password":"x","hashed_password":"$scrypt$x"}', 105],
      ['{"username":"p1","password":"x","_hashed_password":"x"}', 105],
      ['{"username":"p1","password":"x","emailVerified":true}', 119],
      ['{"username":"p1","password":"x","authData":{"facebook":{}}}', 108],
      ['{"username":"p1","password":"x","objectId":"AAAAAAAAAA"}', 105],
      ['[1,2]', 107],
      ['"text"', 107],
    ];
    for (const [raw, code] of hostile) {
      const res = await call(t, 'POST', '/users', {
        rawBody: raw,
        headers: { 'Content-Type': 'application/json' },
      });
      expect({ raw, code: res.body.code, status: res.status >= 400 && res.status < 500 }).toEqual({
        raw,
        code,
        status: true,
      });
    }
    const { results } = await t.server.adapter!.query({
      collection: '_User',
      where: { username: 'p1' },
    });
    expect(results).toHaveLength(0);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('treats SQL-ish usernames and passwords as plain text', async () => {
    const name = "x' OR '1'='1'; DROP TABLE _User; --";
    const user = await signUp(t, { username: name, password: "' OR 1=1 --" });
    const ok = await call(t, 'GET', `/login${qs({ username: name, password: "' OR 1=1 --" })}`);
    expect(ok.status).toBe(200);
    expect(ok.body.objectId).toBe(user.objectId);
    const wrong = await call(t, 'POST', '/login', {
      body: { username: name, password: "' OR '1'='1" },
    });
    expect(wrong.body).toEqual({ code: 101, error: 'Invalid username/password.' });
    expect((await call(t, 'GET', '/users', { master: true } as never)).status).toBe(200);
  });

  it('logs in with GET or POST and answers the user with a new session; wrong or unknown → 101', async () => {
    const viaGet = await call(
      t,
      'GET',
      `/login${qs({ username: 'ada', password: 'lovelace-1815' })}`,
    );
    expect(viaGet.status).toBe(200);
    expect(viaGet.body).toMatchObject({
      objectId: ada.objectId,
      username: 'ada',
      email: 'Ada@Example.com',
    });
    expect(viaGet.body.sessionToken).toMatch(TOKEN);
    expect(viaGet.body.sessionToken).not.toBe(ada.sessionToken);
    expect(viaGet.body.createdAt).toEqual(expect.any(String));
    expect(viaGet.body).not.toHaveProperty('hashed_password');
    expect(viaGet.body).not.toHaveProperty('password');
    const viaPost = await call(t, 'POST', '/login', {
      body: { username: 'ada', password: 'lovelace-1815' },
    });
    expect(viaPost.status).toBe(200);
    const byEmail = await call(t, 'POST', '/login', {
      body: { email: 'ada@example.com', password: 'lovelace-1815' },
    });
    expect(byEmail.body.objectId).toBe(ada.objectId);
    for (const body of [
      { username: 'ada', password: 'wrong' },
      { username: 'nobody-here', password: 'lovelace-1815' },
      { username: 'ADA', password: 'lovelace-1815' },
    ]) {
      const res = await call(t, 'POST', '/login', { body });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: 101, error: 'Invalid username/password.' });
    }
    expect((await call(t, 'POST', '/login', { body: { password: 'x' } })).body.code).toBe(200);
    expect((await call(t, 'POST', '/login', { body: { username: 'ada' } })).body.code).toBe(201);
    expect(
      (await call(t, 'POST', '/login', { body: { username: 'ada', password: 5 } })).status,
    ).toBe(400);
  });

  it('throttles repeated failed logins per username with 429 RATE_LIMITED', async () => {
    await signUp(t, { username: 'target', password: 'right-password' });
    for (let i = 0; i < 3; i++) {
      const res = await call(t, 'POST', '/login', {
        body: { username: 'target', password: `guess${i}` },
      });
      expect(res.body.code).toBe(101);
    }
    const locked = await call(t, 'POST', '/login', {
      body: { username: 'target', password: 'right-password' },
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe(155);
    expect(locked.body.error).toMatch(/Too many failed login attempts/);
    // Other usernames are not affected.
    const other = await call(t, 'POST', '/login', {
      body: { username: 'bob', password: 'builder-1999' },
    });
    expect(other.status).toBe(200);
  });

  it('lets exactly one of many concurrent sign-ups of a username win; the others get 202', async () => {
    const names = ['racer', 'RACER', 'Racer', 'racer', 'racer', 'rAcer', 'racer', 'racer'];
    const results = await Promise.all(
      names.map((username, i) =>
        call(t, 'POST', '/users', { body: { username, password: `pw-${i}` } }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((res) => res.status !== 201)) expect(r.body.code).toBe(202);
    const emails = await Promise.all(
      [1, 2, 3, 4].map((i) =>
        call(t, 'POST', '/users', {
          body: { username: `mailer${i}`, password: 'pw', email: 'same@example.com' },
        }),
      ),
    );
    expect(emails.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of emails.filter((res) => res.status !== 201)) expect(r.body.code).toBe(203);
  });

  it('GET /users/me answers the session’s user; a missing, unknown or expired token is 209', async () => {
    const me = await call(t, 'GET', '/users/me', { token: ada.sessionToken });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      objectId: ada.objectId,
      username: 'ada',
      email: 'Ada@Example.com',
      sessionToken: ada.sessionToken,
    });
    for (const token of [undefined, 'r:unknown', 'x'.repeat(600), 'bad token', 'r:é']) {
      const res = await call(t, 'GET', '/users/me', token === undefined ? {} : { token });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: 209, error: 'Invalid session token' });
    }
    // Parse refuses a bad token on every route, unless the master key is given.
    const anyRoute = await call(t, 'GET', '/classes/Anything', { token: 'r:unknown' });
    expect(anyRoute.body).toEqual({ code: 209, error: 'Invalid session token' });
    const native = await call(t, 'GET', '/api/Anything', { token: 'r:unknown' });
    expect(native.status).toBe(401);
    expect(
      (await call(t, 'GET', '/classes/Anything', { token: 'r:unknown', master: true })).status,
    ).toBe(200);

    const expiring = await signUp(t, { username: 'expiring', password: 'pw' });
    expect((await call(t, 'GET', '/users/me', { token: expiring.sessionToken })).status).toBe(200);
    const adapter = t.server.adapter!;
    const { results } = await adapter.query({
      collection: '_Session',
      where: { sessionToken: expiring.sessionToken },
    });
    await adapter.save({
      collection: '_Session',
      objectId: results[0]!.objectId,
      data: { expiresAt: new Date(Date.now() - 1000).toISOString() },
    });
    const expired = await call(t, 'GET', '/users/me', { token: expiring.sessionToken });
    expect(expired.body.code).toBe(209);
  });

  it('POST /logout deletes the session; the token is then invalid', async () => {
    const login = await call(t, 'POST', '/login', {
      body: { username: 'bob', password: 'builder-1999' },
    });
    const token = login.body.sessionToken as string;
    expect((await call(t, 'GET', '/users/me', { token })).status).toBe(200);
    const out = await call(t, 'POST', '/logout', { token });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({});
    expect((await call(t, 'GET', '/users/me', { token })).body.code).toBe(209);
    const { results } = await t.server.adapter!.query({
      collection: '_Session',
      where: { sessionToken: token },
    });
    expect(results).toHaveLength(0);
    expect((await call(t, 'POST', '/logout', {})).body.code).toBe(209);
  });

  it('lets users change only themselves (or the master key); 206 otherwise; protected fields stay protected', async () => {
    const own = await call(t, 'PUT', `/users/${ada.objectId}`, {
      token: ada.sessionToken,
      body: { nickname: 'Countess', visits: { __op: 'Increment', amount: 2 } },
    });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ updatedAt: expect.any(String), visits: 2 });
    const other = await call(t, 'PUT', `/users/${bob.objectId}`, {
      token: ada.sessionToken,
      body: { nickname: 'pwned' },
    });
    expect(other.status).toBe(403);
    expect(other.body).toEqual({ code: 206, error: `Cannot modify user ${bob.objectId}.` });
    const anonymous = await call(t, 'PUT', `/users/${bob.objectId}`, {
      body: { nickname: 'pwned' },
    });
    expect(anonymous.body.code).toBe(206);
    const viaClasses = await call(t, 'PUT', `/classes/_User/${bob.objectId}`, {
      token: ada.sessionToken,
      body: { nickname: 'pwned' },
    });
    expect(viaClasses.body.code).toBe(206);
    const viaBatch = await call(t, 'POST', '/batch', {
      token: ada.sessionToken,
      body: {
        requests: [
          {
            method: 'PUT',
            path: `/parse/classes/_User/${bob.objectId}`,
            body: { nickname: 'pwned' },
          },
        ],
      },
    });
    expect(viaBatch.body[0].error.code).toBe(206);
    const stillBob = await t.server.adapter!.fetch({ collection: '_User', objectId: bob.objectId });
    expect(stillBob.nickname).toBeUndefined();

    for (const [body, code] of [
      [{ sessionToken: 'r:x' }, 105],
      [{ hashed_password: 'x' }, 105],
      [{ emailVerified: true }, 119],
      [{ authData: {} }, 108],
      [{ objectId: bob.objectId }, 111],
      [{ username: 'BOB' }, 202],
      [{ email: 'BOB@example.com' }, 203],
      [{ username: '' }, 200],
      [{ username: { __op: 'Delete' } }, 200],
      [{ password: { __op: 'Delete' } }, 201],
    ] as [Record<string, unknown>, number][]) {
      const res = await call(t, 'PUT', `/users/${ada.objectId}`, { token: ada.sessionToken, body });
      expect({ body, code: res.body.code }).toEqual({ body, code });
    }
    const master = await call(t, 'PUT', `/users/${bob.objectId}`, {
      master: true,
      body: { nickname: 'Bobby', emailVerified: true },
    });
    expect(master.status).toBe(200);
    expect(master.body.sessionToken).toBeUndefined();
    const bobNow = await t.server.adapter!.fetch({ collection: '_User', objectId: bob.objectId });
    expect(bobNow).toMatchObject({ nickname: 'Bobby', emailVerified: true });
  });

  it('a password change re-hashes, ends every session of the user and hands the user a new one', async () => {
    const user = await signUp(t, { username: 'changer', password: 'old-password' });
    const second = await call(t, 'POST', '/login', {
      body: { username: 'changer', password: 'old-password' },
    });
    const before = await t.server.adapter!.fetch({ collection: '_User', objectId: user.objectId });
    const res = await call(t, 'PUT', `/users/${user.objectId}`, {
      token: user.sessionToken,
      body: { password: 'new-password' },
    });
    expect(res.status).toBe(200);
    expect(res.body.sessionToken).toMatch(TOKEN);
    const after = await t.server.adapter!.fetch({ collection: '_User', objectId: user.objectId });
    expect(after.hashed_password).not.toBe(before.hashed_password);
    expect(JSON.stringify(after)).not.toContain('new-password');
    expect((await call(t, 'GET', '/users/me', { token: user.sessionToken })).body.code).toBe(209);
    expect((await call(t, 'GET', '/users/me', { token: second.body.sessionToken })).body.code).toBe(
      209,
    );
    expect((await call(t, 'GET', '/users/me', { token: res.body.sessionToken })).status).toBe(200);
    expect(
      (await call(t, 'POST', '/login', { body: { username: 'changer', password: 'old-password' } }))
        .body.code,
    ).toBe(101);
    expect(
      (await call(t, 'POST', '/login', { body: { username: 'changer', password: 'new-password' } }))
        .status,
    ).toBe(200);
  });

  it('deletes a user only with its own session or the master key, and its sessions with it', async () => {
    const victim = await signUp(t, { username: 'victim', password: 'pw' });
    expect(
      (await call(t, 'DELETE', `/users/${victim.objectId}`, { token: ada.sessionToken })).body.code,
    ).toBe(206);
    expect((await call(t, 'DELETE', `/users/${victim.objectId}`)).body.code).toBe(206);
    const self = await call(t, 'DELETE', `/users/${victim.objectId}`, {
      token: victim.sessionToken,
    });
    expect(self.status).toBe(200);
    expect(self.body).toEqual({});
    const sessions = await t.server.adapter!.query({
      collection: '_Session',
      where: { user: victim.objectId },
    });
    expect(sessions.results).toHaveLength(0);
    expect((await call(t, 'GET', '/users/me', { token: victim.sessionToken })).body.code).toBe(209);
    const gone = await call(t, 'GET', `/users/${victim.objectId}`);
    expect(gone.status).toBe(404);
    expect(gone.body.code).toBe(101);
    const byMaster = await signUp(t, { username: 'victim2', password: 'pw' });
    expect(
      (await call(t, 'DELETE', `/classes/_User/${byMaster.objectId}`, { master: true })).status,
    ).toBe(200);
  });

  it('GET /users and /classes/_User query users without emails of others; secrets cannot be queried', async () => {
    const anonymous = await call(
      t,
      'GET',
      `/users${qs({ where: { username: { $in: ['ada', 'bob'] } }, order: 'username' })}`,
    );
    expect(anonymous.status).toBe(200);
    expect(anonymous.body.results.map((u: { username: string }) => u.username)).toEqual([
      'ada',
      'bob',
    ]);
    for (const user of anonymous.body.results) {
      expect(user).not.toHaveProperty('email');
      expect(user).not.toHaveProperty('hashed_password');
    }
    const asAda = await call(
      t,
      'GET',
      `/classes/_User${qs({ where: { username: { $in: ['ada', 'bob'] } }, order: 'username' })}`,
      { token: ada.sessionToken },
    );
    expect(asAda.body.results[0].email).toBe('Ada@Example.com');
    expect(asAda.body.results[1]).not.toHaveProperty('email');
    const asMaster = await call(t, 'GET', `/users${qs({ where: { username: 'bob' } })}`, {
      master: true,
    });
    expect(asMaster.body.results[0].email).toBe('bob@example.com');
    expect(asMaster.body.results[0]).not.toHaveProperty('hashed_password');
    const one = await call(t, 'GET', `/users/${bob.objectId}`, { token: ada.sessionToken });
    expect(one.body).toMatchObject({ objectId: bob.objectId, username: 'bob' });
    expect(one.body).not.toHaveProperty('email');
    const keys = await call(
      t,
      'GET',
      `/users/${bob.objectId}${qs({ keys: 'hashed_password,email' })}`,
      { master: true },
    );
    expect(keys.body).not.toHaveProperty('hashed_password');

    const refused: [string, boolean][] = [
      [`/users${qs({ where: { hashed_password: { $regex: '^\\$scrypt' } } })}`, true],
      [`/users${qs({ where: { $or: [{ hashed_password: { $exists: true } }] } })}`, true],
      [`/users${qs({ order: 'hashed_password' })}`, true],
      [`/users${qs({ where: { email: 'bob@example.com' } })}`, false],
      [`/users${qs({ where: { email: { $regex: '^b' } } })}`, false],
      [`/classes/_User${qs({ where: { authData: { $exists: true } } })}`, true],
    ];
    for (const [path, evenMaster] of refused) {
      const res = await call(t, 'GET', path, { token: ada.sessionToken });
      expect({ path, status: res.status, code: res.body.code }).toEqual({
        path,
        status: 403,
        code: 119,
      });
      const master = await call(t, 'GET', path, { master: true });
      expect({ path, status: master.status }).toEqual({ path, status: evenMaster ? 403 : 200 });
    }
  });

  it('serves /sessions/me and the user’s own sessions; _Session itself needs the master key', async () => {
    const mine = await call(t, 'GET', '/sessions/me', { token: ada.sessionToken });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      sessionToken: ada.sessionToken,
      user: { __type: 'Pointer', className: '_User', objectId: ada.objectId },
      expiresAt: { __type: 'Date', iso: expect.any(String) },
      createdWith: { action: 'signup', authProvider: 'password' },
    });
    expect((await call(t, 'GET', '/sessions/me')).body.code).toBe(209);
    const own = await call(t, 'GET', '/sessions', { token: ada.sessionToken });
    expect(own.body.results.length).toBeGreaterThan(0);
    for (const s of own.body.results) expect(s.user).toBe(ada.objectId);
    expect((await call(t, 'GET', '/classes/_Session', { token: ada.sessionToken })).status).toBe(
      403,
    );
    expect((await call(t, 'GET', '/api/_Session')).status).toBe(403);
    expect((await call(t, 'GET', '/classes/_Session', { master: true })).status).toBe(200);
  });

  it('answers password-reset and verification requests with a clear error, not 404', async () => {
    const reset = await call(t, 'POST', '/requestPasswordReset', {
      body: { email: 'ada@example.com' },
    });
    expect(reset.status).toBe(400);
    expect(reset.body.error).toMatch(/no email adapter/);
    expect((await call(t, 'POST', '/requestPasswordReset', { body: {} })).body.code).toBe(204);
    expect(
      (await call(t, 'POST', '/requestPasswordReset', { body: { email: 'nope' } })).body.code,
    ).toBe(125);
    const verify = await call(t, 'POST', '/verificationEmailRequest', {
      body: { email: 'ada@example.com' },
    });
    expect(verify.status).toBe(400);
    expect(verify.body.error).toMatch(/no email adapter/);
  });

  it('keeps _User and _Session read-only and master-only on the native /api routes', async () => {
    expect((await call(t, 'GET', '/api/_User')).status).toBe(403);
    const read = await call(t, 'GET', `/api/_User${qs({ where: { username: 'ada' } })}`, {
      master: true,
    });
    expect(read.status).toBe(200);
    expect(read.body.results[0]).toMatchObject({ username: 'ada', email: 'Ada@Example.com' });
    expect(read.body.results[0]).not.toHaveProperty('hashed_password');
    expect(
      (
        await call(t, 'GET', `/api/_User${qs({ where: { hashed_password: { $exists: true } } })}`, {
          master: true,
        })
      ).status,
    ).toBe(403);
    for (const [method, path] of [
      ['POST', '/api/_User'],
      ['PUT', `/api/_User/${ada.objectId}`],
      ['DELETE', `/api/_User/${ada.objectId}`],
      ['POST', '/api/_Session'],
    ]) {
      const res = await call(t, method!, path!, {
        master: true,
        body: { username: 'x', hashed_password: 'x' },
      });
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
    }
    const batch = await call(t, 'POST', '/api/_batch', {
      master: true,
      body: {
        requests: [
          { method: 'PUT', path: `/api/_User/${ada.objectId}`, body: { hashed_password: 'x' } },
        ],
      },
    });
    expect(batch.body.results[0].error.code).toBe('FORBIDDEN');
  });

  it('never leaks a hash, another user’s token or email: includes, batch, aggregate, realtime, logs', async () => {
    const ws = await TestClient.connect(t.url);
    const watcher = await TestClient.connect(t.url, { 'X-Parse-Master-Key': MASTER_KEY });
    expect(await watcher.call({ type: 'subscribe', collection: '_User' })).toMatchObject({
      type: 'subscribed',
    });
    const carol = await signUp(t, {
      username: 'carol',
      password: 'carol-secret-pw',
      email: 'carol@example.com',
    });
    await call(t, 'POST', '/login', { body: { username: 'carol', password: 'carol-secret-pw' } });
    await call(t, 'PUT', `/users/${carol.objectId}`, {
      token: carol.sessionToken,
      body: { bio: 'hi' },
    });
    const post = await call(t, 'POST', '/classes/Post', {
      body: {
        title: 'by carol',
        owner: { __type: 'Pointer', className: '_User', objectId: carol.objectId },
      },
    });
    const comment = await call(t, 'POST', '/classes/Comment', {
      body: { post: { __type: 'Pointer', className: 'Post', objectId: post.body.objectId } },
    });
    await call(t, 'POST', '/classes/Audit', {
      body: { session: { __type: 'Pointer', className: '_Session', objectId: 'abc' } },
    });

    const viewers: RequestOptions[] = [{}, { token: ada.sessionToken } as never, { master: true }];
    for (const viewer of viewers) {
      const opts = viewer as RequestOptions & { token?: string };
      const included = await call(t, 'GET', `/classes/Post${qs({ include: 'owner' })}`, opts);
      expect(included.body.results[0].owner).toMatchObject({
        __type: 'Object',
        className: '_User',
        username: 'carol',
      });
      expect(included.body.results[0].owner).not.toHaveProperty('hashed_password');
      const nested = await call(
        t,
        'GET',
        `/classes/Comment/${comment.body.objectId as string}${qs({ include: 'post.owner' })}`,
        opts,
      );
      expect(nested.body.post.owner.username).toBe('carol');
      await call(t, 'GET', `/api/Post${qs({ include: ['owner'] })}`, opts);
      await call(t, 'GET', `/api/Comment${qs({ include: ['post.owner'] })}`, opts);
      await call(t, 'POST', '/batch', {
        ...opts,
        body: {
          requests: [
            { method: 'GET', path: '/classes/Post', body: { include: 'owner' } },
            { method: 'GET', path: '/classes/_User', body: {} },
            { method: 'GET', path: `/classes/_User/${carol.objectId}`, body: {} },
          ],
        },
      });
      await call(t, 'POST', '/api/_batch', {
        ...opts,
        body: { requests: [{ method: 'GET', path: '/api/Post', params: { include: ['owner'] } }] },
      });
      await call(t, 'GET', `/aggregate/Post${qs({ distinct: 'owner' })}`, opts);
      await call(t, 'GET', `/users${qs({ where: { username: 'carol' } })}`, opts);
      await call(t, 'GET', `/users/${carol.objectId}`, opts);
    }
    // Master-only aggregate of _User: never on a secret field.
    for (const query of [
      { distinct: 'hashed_password' },
      { $group: JSON.stringify({ _id: null, all: { $addToSet: '$hashed_password' } }) },
      { pipeline: JSON.stringify([{ $project: { h: '$hashed_password' } }]) },
      { pipeline: '[{"$group":{"_id":"$\\u0068ashed_password"}}]' },
    ]) {
      const res = await call(t, 'GET', `/aggregate/_User${qs(query)}`, { master: true });
      expect({ query, status: res.status }).toEqual({ query, status: 403 });
    }
    const plain = await call(
      t,
      'GET',
      `/aggregate/_User${qs({ $match: JSON.stringify({ username: 'carol' }) })}`,
      { master: true },
    );
    expect(plain.status).toBe(200);
    const anonAudit = await call(t, 'GET', `/classes/Audit${qs({ include: 'session' })}`);
    expect(anonAudit.status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, 100));
    const events = [...ws.events(), ...watcher.events()];
    expect(events.some((e) => String(e.data?.collection).startsWith('_'))).toBe(false);
    expect(ws.events().some((e) => e.data.collection === 'Post')).toBe(true);
    await ws.close();
    await watcher.close();

    const stored = await t.server.adapter!.query({ collection: '_User', limit: 1000 });
    const hashes = stored.results.map((u) => u.hashed_password as string).filter(Boolean);
    expect(hashes.length).toBeGreaterThan(5);
    const all = [...seen, ...ws.messages.map((m) => JSON.stringify(m))].join('\n');
    const logs = logLines.join('\n');
    for (const hash of hashes) {
      const salt = hash.split('$')[3]!;
      expect(all).not.toContain(salt);
      expect(logs).not.toContain(salt);
    }
    for (const secret of ['hashed_password":', 'carol-secret-pw', 'lovelace-1815', '$scrypt$']) {
      expect(all).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    // Other users' emails appear only in answers to their owner or the master key; tokens only
    // in login/sign-up/me answers: never in the logs.
    expect(logs).not.toContain(carol.sessionToken);
    expect(logs).not.toContain(ada.sessionToken);
    expect(logs).not.toMatch(/r:[0-9a-f]{64}/);
  });

  it('never shows another user’s email or token to a non-master viewer in any response', async () => {
    const dave = await signUp(t, {
      username: 'dave',
      password: 'pw-dave',
      email: 'dave@example.com',
    });
    await call(t, 'POST', '/classes/Note', {
      body: {
        text: 'x',
        author: { __type: 'Pointer', className: '_User', objectId: dave.objectId },
      },
    });
    const texts: string[] = [];
    const as = async (method: string, path: string, body?: unknown): Promise<void> => {
      const res = await call(t, method, path, {
        token: ada.sessionToken,
        ...(body === undefined ? {} : { body }),
      });
      texts.push(res.text);
    };
    await as('GET', `/classes/Note${qs({ include: 'author' })}`);
    await as('GET', `/api/Note${qs({ include: ['author'] })}`);
    await as('GET', `/users/${dave.objectId}`);
    await as('GET', '/users');
    await as('GET', '/classes/_User');
    await as('POST', '/batch', {
      requests: [
        { method: 'GET', path: '/classes/_User' },
        { method: 'GET', path: `/classes/Note`, body: { include: 'author' } },
      ],
    });
    await as('GET', '/sessions');
    await as('GET', '/users/me');
    const joined = texts.join('\n');
    expect(joined).not.toContain('dave@example.com');
    expect(joined).not.toContain(dave.sessionToken);
    expect(joined).toContain('Ada@Example.com');
  });
});

/** A Request node whose userId goes out in the response (Request → Response). */
const WHOAMI = {
  components: [
    {
      name: '/#__cloud__/whoami',
      nodes: [
        { id: 'req', type: 'noodl.cloud.request', parameters: {} },
        { id: 'res', type: 'noodl.cloud.response', parameters: {} },
      ],
      connections: [
        { sourceId: 'req', sourcePort: 'userId', targetId: 'res', targetPort: 'pm-userId' },
        { sourceId: 'req', sourcePort: 'auth', targetId: 'res', targetPort: 'pm-auth' },
        { sourceId: 'req', sourcePort: 'receive', targetId: 'res', targetPort: 'send' },
      ],
    },
    {
      name: '/#__cloud__/users-api',
      nodes: [
        { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
        {
          id: 'f',
          type: 'JavaScriptFunction',
          parameters: {
            functionScript: [
              'const p = Noodl.Objects.Request.Parameters;',
              'const current = Noodl.Users.Current;',
              'const li = await Noodl.Users.logIn(p.username, p.password);',
              'const im = await Noodl.Users.impersonate(p.username);',
              'let failed = null;',
              'try { await Noodl.Users.logIn(p.username, "wrong"); } catch (e) { failed = e.message; }',
              'Outputs.out = { current: current ? current.UserId : null, currentName: current ? current.Properties.username : null,',
              '  loggedIn: li.getId(), token: typeof li.sessionToken, hash: li.hashed_password === undefined,',
              '  impersonated: im.getId(), impToken: typeof im.sessionToken, failed };',
              'Outputs.Done();',
            ].join('\n'),
          },
          ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
        },
        { id: 'res', type: 'noodl.cloud.response', parameters: {} },
      ],
      connections: [
        { sourceId: 'req', sourcePort: 'receive', targetId: 'f', targetPort: 'run' },
        { sourceId: 'f', sourcePort: 'out-out', targetId: 'res', targetPort: 'pm-out' },
        { sourceId: 'f', sourcePort: 'out-Done', targetId: 'res', targetPort: 'send' },
      ],
    },
  ],
};

describe('the official Parse JS SDK and cloud functions', () => {
  let t: TestServer;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'server-users-'));
    writeFileSync(join(dir, 'users.workflow.json'), JSON.stringify(WHOAMI));
    t = await startServer({
      appId: 'users-app',
      workflowsPath: dir,
      workflows: { isolation: 'none', records: false },
    });
    Parse.initialize('users-app', undefined, MASTER_KEY);
    (Parse as unknown as { serverURL: string }).serverURL = t.url;
    Parse.User.enableUnsafeCurrentUser();
  });
  afterAll(async () => {
    await Parse.User.logOut().catch(() => undefined);
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('signUp, current, logIn, become, save own fields, logOut', async () => {
    const user = new Parse.User();
    user.set({
      username: 'sdk-ada',
      password: 'sdk-password',
      email: 'sdk-ada@example.com',
      level: 1,
    });
    await user.signUp();
    expect(user.id).toMatch(/^[A-Za-z0-9]{10}$/);
    const token = user.getSessionToken();
    expect(token).toMatch(TOKEN);
    expect(Parse.User.current()?.id).toBe(user.id);

    user.set('level', 2);
    await user.save();
    const fetched = await new Parse.Query(Parse.User).get(user.id!);
    expect(fetched.get('level')).toBe(2);
    expect(fetched.get('email')).toBe('sdk-ada@example.com');

    await Parse.User.logOut();
    expect(Parse.User.current()).toBeNull();
    await expect(Parse.User.become(token!)).rejects.toMatchObject({ code: 209 });

    const again = await Parse.User.logIn('sdk-ada', 'sdk-password');
    expect(again.id).toBe(user.id);
    expect(again.get('level')).toBe(2);
    expect(again.get('hashed_password')).toBeUndefined();
    await expect(Parse.User.logIn('sdk-ada', 'nope')).rejects.toMatchObject({
      code: 101,
      message: 'Invalid username/password.',
    });
    const became = await Parse.User.become(again.getSessionToken()!);
    expect(became.get('username')).toBe('sdk-ada');
    expect(Parse.User.current()?.getSessionToken()).toBe(again.getSessionToken());
  });

  it('cannot modify another user without the master key; can with it', async () => {
    const other = await Parse.User.signUp('sdk-bob', 'bob-password', { level: 1 });
    await Parse.User.logIn('sdk-ada', 'sdk-password');
    const bob = await new Parse.Query(Parse.User).get(other.id!);
    expect(bob.get('email')).toBeUndefined();
    bob.set('level', 99);
    await expect(bob.save()).rejects.toMatchObject({ code: 206 });
    await expect(bob.destroy()).rejects.toMatchObject({ code: 206 });
    bob.set('level', 5);
    await bob.save(null, { useMasterKey: true });
    const check = await new Parse.Query(Parse.User).get(other.id!, { useMasterKey: true });
    expect(check.get('level')).toBe(5);
  });

  it('Parse.Cloud.run passes the session to the workflow: the Request node outputs the userId', async () => {
    const ada = await Parse.User.logIn('sdk-ada', 'sdk-password');
    expect(await Parse.Cloud.run('whoami')).toEqual({ userId: ada.id, auth: true });
    await Parse.User.logOut();
    await expect(Parse.Cloud.run('whoami')).rejects.toMatchObject({
      message: 'Unauthenticated requests not accepted.',
    });
    const expired = await request(t.url, 'POST', '/functions/whoami', {
      body: {},
      headers: { ...PARSE, 'X-Parse-Session-Token': ada.getSessionToken()! },
    });
    expect(expired.body).toEqual({ code: 209, error: 'Invalid session token' });
  });

  it('Noodl.Users.logIn, impersonate and Current work in cloud code', async () => {
    const ada = await Parse.User.logIn('sdk-ada', 'sdk-password');
    const result = (await Parse.Cloud.run('users-api', {
      username: 'sdk-ada',
      password: 'sdk-password',
    })) as { out: Record<string, unknown> };
    expect(result.out).toEqual({
      current: ada.id,
      currentName: 'sdk-ada',
      loggedIn: ada.id,
      token: 'string',
      hash: true,
      impersonated: ada.id,
      impToken: 'string',
      failed: 'Invalid username/password.',
    });
    const users = t.server.users!;
    const first = await users.impersonate('sdk-ada', { installationId: 'cloud' });
    const second = await users.impersonate('sdk-ada', { installationId: 'cloud' });
    expect(second.sessionToken).toBe(first.sessionToken);
    await expect(users.impersonate('nobody')).rejects.toMatchObject({
      message: 'Could not find user.',
    });
  });
});
