import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudStoreAdapter } from '@localbackend/adapter';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { createConsoleLogger } from '../src/index';
import { MASTER_KEY, request, startServer, TestClient, type TestServer } from './helpers';

/** A raw HTTP request (to send Host headers and chunked bodies fetch would not). */
function raw(
  port: number,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    chunks?: Buffer[];
  },
): Promise<{
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    if (options.chunks !== undefined) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

describe('CORS', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(() => t.stop());

  it('allows every origin by default and answers pre-flights with 204', async () => {
    const res = await request(t.url, 'GET', '/health', {
      headers: { Origin: 'http://localhost:3000' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await request(t.url, 'OPTIONS', '/classes/Todo', {
      headers: {
        Origin: 'http://x',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'x-parse-application-id, content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain(
      'x-parse-application-id',
    );
  });

  it('can be turned off or restricted to listed origins', async () => {
    const off = await startServer({ cors: false });
    const listed = await startServer({ cors: { origin: ['http://good.test'] } });
    try {
      expect(
        (await request(off.url, 'GET', '/health', { headers: { Origin: 'http://x' } })).headers.get(
          'access-control-allow-origin',
        ),
      ).toBeNull();
      expect(
        (
          await request(listed.url, 'GET', '/health', { headers: { Origin: 'http://good.test' } })
        ).headers.get('access-control-allow-origin'),
      ).toBe('http://good.test');
      expect(
        (
          await request(listed.url, 'GET', '/health', { headers: { Origin: 'http://evil.test' } })
        ).headers.get('access-control-allow-origin'),
      ).toBeNull();
      await expect(TestClient.connect(listed.url, { Origin: 'http://evil.test' })).rejects.toThrow(
        /403/,
      );
      const good = await TestClient.connect(listed.url, { Origin: 'http://good.test' });
      await good.close();
    } finally {
      await off.stop();
      await listed.stop();
    }
  });
});

describe('request bodies', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(() => t.stop());

  it('answers 413 to a body over 10 MB (declared length or chunked), in both styles', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024 + 10, 0x20);
    const declared = await raw(t.server.getPort(), {
      method: 'POST',
      path: '/api/Big',
      body: big,
      headers: { 'Content-Type': 'application/json' },
    });
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const chunked = await raw(t.server.getPort(), {
      method: 'POST',
      path: '/classes/Big',
      chunks: [big.subarray(0, 6_000_000), big.subarray(6_000_000)],
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body)).toMatchObject({ code: 116 });
    expect((await request(t.url, 'GET', '/health')).status).toBe(200);
  });

  it('answers 400 INVALID_JSON to malformed, deeply nested or compressed bodies', async () => {
    for (const body of ['{"a":', 'nope', '['.repeat(100_000), '{"a":"\\u00"}']) {
      const res = await request(t.url, 'POST', '/api/Json', {
        rawBody: body,
        headers: { 'Content-Type': 'application/json' },
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('INVALID_JSON');
    }
    const gz = await raw(t.server.getPort(), {
      method: 'POST',
      path: '/api/Json',
      body: 'xx',
      headers: { 'Content-Encoding': 'gzip' },
    });
    expect(gz.status).toBe(400);
  });

  it('accepts a JSON body of any content type (the Parse SDK sends text/plain)', async () => {
    const res = await request(t.url, 'POST', '/api/Plain', {
      rawBody: '{"a":1}',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(201);
  });
});

describe('master key and loopback', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ trustLoopback: false });
  });
  afterAll(() => t.stop());

  it('without loopback trust, every request needs the master key (header or Parse body key)', async () => {
    expect((await request(t.url, 'GET', '/health')).status).toBe(401);
    expect(
      (await request(t.url, 'GET', '/classes/X', { headers: { 'X-Parse-Application-Id': 'a' } }))
        .body,
    ).toMatchObject({ code: 209 });
    expect((await request(t.url, 'GET', '/health', { master: true })).status).toBe(200);
    const viaBody = await request(t.url, 'POST', '/classes/X', {
      rawBody: JSON.stringify({ _method: 'GET', _ApplicationId: 'a', _MasterKey: MASTER_KEY }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(viaBody.status).toBe(200);
  });

  it('refuses a wrong master key with 401 even from loopback', async () => {
    const local = await startServer();
    try {
      const res = await request(local.url, 'GET', '/health', {
        headers: { 'X-Parse-Master-Key': 'wrong' },
      });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    } finally {
      await local.stop();
    }
  });

  it('WebSocket clients need the master key (header or ?masterKey=) without loopback trust', async () => {
    await expect(TestClient.connect(t.url)).rejects.toThrow(/401/);
    await expect(TestClient.connect(`${t.url}/?masterKey=wrong`)).rejects.toThrow(/401/);
    const viaQuery = await TestClient.connect(`${t.url}/?masterKey=${MASTER_KEY}`);
    expect(await viaQuery.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
    await viaQuery.close();
    const viaHeader = await TestClient.connect(t.url, { 'X-Parse-Master-Key': MASTER_KEY });
    expect(await viaHeader.call({ type: 'subscribe', collection: '_Config' })).toMatchObject({
      type: 'subscribed',
    });
    await viaHeader.close();
  });

  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && i.family === 'IPv4' && !i.internal)?.address;

  it.skipIf(external === undefined)(
    'a request from a non-loopback address needs the master key',
    async () => {
      const open = await startServer({ host: '0.0.0.0' });
      try {
        const url = `http://${external!}:${open.server.getPort()}`;
        expect((await request(url, 'GET', '/api/Anything')).status).toBe(401);
        expect((await request(url, 'GET', '/api/Anything', { master: true })).status).toBe(200);
        expect((await request(open.url, 'GET', '/api/Anything')).status).toBe(200);
      } finally {
        await open.stop();
      }
    },
  );
});

describe('Host header guard (DNS rebinding)', () => {
  it('refuses unknown Host names on a loopback server unless allowed', async () => {
    const t = await startServer({ allowedHosts: ['backend.local'] });
    try {
      const port = t.server.getPort();
      expect(
        (await raw(port, { path: '/health', headers: { Host: 'evil.example:80' } })).status,
      ).toBe(403);
      expect(
        (await raw(port, { path: '/health', headers: { Host: `localhost:${port}` } })).status,
      ).toBe(200);
      expect(
        (await raw(port, { path: '/health', headers: { Host: 'backend.local' } })).status,
      ).toBe(200);
      await expect(TestClient.connect(t.url, { Host: 'evil.example' })).rejects.toThrow(/403/);
    } finally {
      await t.stop();
    }
  });

  it('also guards a server bound to every interface, and can be turned off', async () => {
    const all = await startServer({ host: '0.0.0.0' });
    const off = await startServer({ allowedHosts: '*' });
    try {
      expect(
        (await raw(all.server.getPort(), { path: '/health', headers: { Host: 'evil.example' } }))
          .status,
      ).toBe(403);
      expect(
        (await raw(off.server.getPort(), { path: '/health', headers: { Host: 'evil.example' } }))
          .status,
      ).toBe(200);
    } finally {
      await all.stop();
      await off.stop();
    }
  });
});

describe('internal errors', () => {
  it('answer 500 with a generic message, never a stack or driver text, and are logged', async () => {
    const lines: string[] = [];
    const adapter = new LocalSQLAdapter(':memory:');
    const broken = new Proxy(adapter, {
      get(target, key, receiver) {
        if (key === 'query')
          return () => Promise.reject(new Error('SQLITE_ERROR: near "DROP": secret detail'));
        const value: unknown = Reflect.get(target, key, receiver);
        return typeof value === 'function'
          ? (value as (...a: unknown[]) => unknown).bind(target)
          : value;
      },
    }) as CloudStoreAdapter;
    const t = await startServer({
      adapter: broken,
      logger: createConsoleLogger({ level: 'debug', write: (l) => lines.push(l) }),
    });
    try {
      await request(t.url, 'POST', '/api/Boom', { body: { a: 1 } });
      const res = await request(t.url, 'GET', '/api/Boom');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'Internal server error' } });
      expect(res.text).not.toMatch(/secret|SQLITE|at /);
      expect(lines.some((l) => l.includes('secret detail') && l.includes('"level":"error"'))).toBe(
        true,
      );
    } finally {
      await t.stop();
    }
  });
});

describe('request logging', () => {
  it('logs one structured line per request and never the master key or session tokens', async () => {
    const lines: string[] = [];
    const t = await startServer({
      logger: createConsoleLogger({ level: 'debug', write: (l) => lines.push(l) }),
    });
    try {
      await request(t.url, 'GET', '/api/Todo?limit=1', {
        headers: { 'X-Parse-Master-Key': MASTER_KEY, 'X-Parse-Session-Token': 'r:session-secret' },
      });
      await request(t.url, 'POST', '/classes/Todo', {
        rawBody: JSON.stringify({
          _method: 'GET',
          _MasterKey: MASTER_KEY,
          _SessionToken: 'r:body-session-secret',
          _ApplicationId: 'x',
        }),
      });
      await request(t.url, 'GET', `/api/Todo?masterKey=${MASTER_KEY}`);
      const ws = await TestClient.connect(`${t.url}/?masterKey=${MASTER_KEY}`);
      await ws.close();
      await request(t.url, 'GET', '/health', {
        headers: { 'X-Parse-Master-Key': 'a-wrong-key-value' },
      });
      const all = lines.join('\n');
      expect(all).not.toContain(MASTER_KEY);
      expect(all).not.toContain('session-secret');
      expect(all).not.toContain('a-wrong-key-value');
      const entry = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'request' && l.path === '/api/Todo');
      expect(entry).toMatchObject({ level: 'debug', method: 'GET', status: 200, auth: 'master' });
      expect(typeof entry?.ms).toBe('number');
    } finally {
      await t.stop();
    }
  });
});
