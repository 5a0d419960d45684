import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { LocalBackendServer, silentLogger, type FunctionRunner } from '../src/index';
import { MASTER_KEY, request, sleep, startServer, tempDir, TestClient } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.remove());

describe('start and stop', () => {
  it('port 0 picks a free port; start/stop/isRunning; a restart serves the same file', async () => {
    const dbPath = join(tmp.dir, 'restart.db');
    const server = new LocalBackendServer({ dbPath, port: 0, logger: silentLogger });
    expect(server.isRunning()).toBe(false);
    await server.start();
    expect(server.isRunning()).toBe(true);
    const port = server.getPort();
    expect(port).toBeGreaterThan(0);
    const created = await request(server.url, 'POST', '/api/Note', { body: { text: 'kept' } });
    expect(created.status).toBe(201);
    await server.start(); // no-op while running
    await server.stop();
    expect(server.isRunning()).toBe(false);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    await server.stop(); // no-op when stopped
    await server.start();
    expect(
      (await request(server.url, 'GET', `/api/Note/${created.body.objectId as string}`)).body.text,
    ).toBe('kept');
    await server.stop();
  });

  it('generates a master key when none is given', async () => {
    const server = new LocalBackendServer({ dbPath: ':memory:', port: 0, logger: silentLogger });
    expect(server.masterKey.length).toBeGreaterThanOrEqual(24);
    await server.start();
    expect(
      (
        await request(server.url, 'POST', '/api/_schema', {
          body: { table: { name: 'T', columns: [] } },
          headers: { 'X-Parse-Master-Key': server.masterKey },
        })
      ).status,
    ).toBe(200);
    await server.stop();
  });

  it('rejects a taken port with UNAVAILABLE / EADDRINUSE and leaves nothing open', async () => {
    const first = await startServer();
    const second = new LocalBackendServer({
      dbPath: ':memory:',
      port: first.server.getPort(),
      logger: silentLogger,
    });
    await expect(second.start()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: { reason: 'EADDRINUSE' },
    });
    expect(second.isRunning()).toBe(false);
    await first.stop();
  });

  it('refuses bad options with INVALID_CONFIG', () => {
    expect(() => new LocalBackendServer({ port: 0 })).toThrow(/exactly one of dbPath or adapter/);
    expect(
      () =>
        new LocalBackendServer({ dbPath: ':memory:', adapter: new LocalSQLAdapter(':memory:') }),
    ).toThrow(/exactly one/);
    expect(() => new LocalBackendServer({ dbPath: ':memory:', port: 70_000 })).toThrow(/port/);
  });

  it('runs several backends side by side', async () => {
    const servers = await Promise.all([1, 2, 3].map((i) => startServer({ id: `b${i}` })));
    const ids = await Promise.all(
      servers.map(async (s) => (await request(s.url, 'GET', '/health')).body.id as string),
    );
    expect(ids).toEqual(['b1', 'b2', 'b3']);
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('keeps a given adapter open when closeAdapterOnStop is false', async () => {
    const adapter = new LocalSQLAdapter(':memory:');
    const t = await startServer({ adapter, closeAdapterOnStop: false });
    await request(t.url, 'POST', '/api/K', { body: { a: 1 } });
    await t.stop();
    expect((await adapter.query({ collection: 'K' })).results).toHaveLength(1);
    await adapter.disconnect();
  });
});

describe('graceful stop', () => {
  it('loses no acknowledged write when stopped under load, then refuses new requests', async () => {
    const dbPath = join(tmp.dir, 'graceful.db');
    const server = new LocalBackendServer({
      dbPath,
      port: 0,
      logger: silentLogger,
      masterKey: MASTER_KEY,
    });
    await server.start();
    const url = server.url;
    const acknowledged: string[] = [];
    let refused = 0;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; ; i++) {
        try {
          const res = await request(url, 'POST', '/api/Load', { body: { w, i } });
          if (res.status === 201) acknowledged.push(res.body.objectId as string);
          else {
            expect(res.status).toBe(503);
            refused++;
            return;
          }
        } catch {
          return; // connection refused / closed: the server is gone
        }
      }
    });
    await sleep(300);
    await server.stop();
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThan(20);
    const reopened = new LocalSQLAdapter(dbPath);
    await reopened.connect();
    const stored = new Set(
      (await reopened.query({ collection: 'Load', limit: 100_000 })).results.map((r) => r.objectId),
    );
    for (const id of acknowledged) expect(stored.has(id)).toBe(true);
    await reopened.disconnect();
    void refused;
  });

  it('lets an in-flight request finish, closes WebSockets with 1001', async () => {
    let release: () => void = () => {};
    const slow: FunctionRunner = {
      run: () =>
        new Promise((resolve) => {
          release = () => resolve({ statusCode: 200, body: '{"result":"done"}' });
        }),
    };
    const t = await startServer({ functionRunner: slow });
    const ws = await TestClient.connect(t.url);
    const inFlight = request(t.url, 'POST', '/functions/slow', { body: {} });
    await sleep(50);
    const stopping = t.stop();
    await sleep(50);
    expect(t.server.isRunning()).toBe(true);
    release();
    expect((await inFlight).body).toEqual({ result: 'done' });
    await stopping;
    expect(await ws.closed).toBe(1001);
    expect(t.server.isRunning()).toBe(false);
  });

  it('cuts requests still running at the shutdown deadline', async () => {
    const never: FunctionRunner = { run: () => new Promise(() => {}) };
    const t = await startServer({ functionRunner: never, shutdownTimeoutMs: 200 });
    const hanging = request(t.url, 'POST', '/functions/never', { body: {} }).catch(
      (e: unknown) => e,
    );
    await sleep(50);
    const started = Date.now();
    await t.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(await hanging).toBeInstanceOf(Error);
  });
});

describe('config store persistence', () => {
  it('persists config parameters across restarts and reports where', async () => {
    const dbPath = join(tmp.dir, 'config.db');
    const server = new LocalBackendServer({
      dbPath,
      port: 0,
      logger: silentLogger,
      masterKey: MASTER_KEY,
    });
    await server.start();
    await request(server.url, 'PUT', '/config', {
      body: { params: { greeting: 'hej' } },
      master: true,
    });
    const storage = server.configStore!.storage;
    expect(['adapter', 'file']).toContain(storage);
    if (storage === 'file') expect(existsSync(join(tmp.dir, 'config.config.json'))).toBe(true);
    await server.stop();
    await server.start();
    expect((await request(server.url, 'GET', '/config')).body).toEqual({
      params: { greeting: 'hej' },
    });
    await server.stop();
  });
});
