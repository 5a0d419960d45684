import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Parse from 'parse/node';
import { WebSocketServer } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import {
  attachRealtime,
  ConfigStore,
  createApiRouter,
  silentLogger,
  type RealtimeHandle,
} from '../src/index';
import { MASTER_KEY, request, startServer, TestClient } from './helpers';

describe('createApiRouter + attachRealtime in an app the user owns', () => {
  let adapter: LocalSQLAdapter;
  let server: Server;
  let realtime: RealtimeHandle;
  let base: string;

  beforeAll(async () => {
    adapter = new LocalSQLAdapter(':memory:');
    await adapter.connect();
    const app = express();
    app.get('/', (_req, res) => {
      res.send('my own app');
    });
    app.use(
      '/backend',
      createApiRouter({
        adapter,
        masterKey: MASTER_KEY,
        logger: silentLogger,
        configStore: new ConfigStore(),
      }),
    );
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    realtime = attachRealtime({ server, adapter, path: '/backend/realtime', logger: silentLogger });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await realtime.close();
    await new Promise((resolve) => server.close(resolve));
    await adapter.disconnect();
  });

  it('serves the native and Parse routes under the mount path next to the app routes', async () => {
    expect((await request(base, 'GET', '/')).text).toBe('my own app');
    const created = await request(base, 'POST', '/backend/api/Thing', { body: { a: 1 } });
    expect(created.status).toBe(201);
    const parsed = await request(
      base,
      'GET',
      `/backend/classes/Thing/${created.body.objectId as string}`,
      { headers: { 'X-Parse-Application-Id': 'x' } },
    );
    expect(parsed.body.a).toBe(1);
    expect((await request(base, 'GET', '/backend/nope')).body.error.code).toBe('ROUTE_NOT_FOUND');
  });

  it('serves realtime on its path only', async () => {
    const client = await TestClient.connect(`${base}/backend/realtime`);
    await client.call({ type: 'subscribe', collection: 'Thing' });
    const created = await request(base, 'POST', '/backend/api/Thing', { body: { a: 2 } });
    await client.next((m) => m.data?.objectId === created.body.objectId);
    await expect(TestClient.connect(`${base}/elsewhere`)).rejects.toThrow(/404/);
    await client.close();
  });
});

describe('attachRealtime on a WebSocketServer the user created', () => {
  it('serves its connections', async () => {
    const adapter = new LocalSQLAdapter(':memory:');
    await adapter.connect();
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    const realtime = attachRealtime({ wss, adapter, logger: silentLogger });
    const client = await TestClient.connect(
      `http://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    );
    await client.call({ type: 'subscribe', collection: 'W' });
    const record = await adapter.create({ collection: 'W', data: { v: 1 } });
    await client.next((m) => m.data?.objectId === record.objectId);
    expect(realtime.clientCount).toBe(1);
    await realtime.close();
    expect(await client.closed).toBe(1001);
    await new Promise((resolve) => wss.close(resolve));
    await adapter.disconnect();
  });
});

describe('parsePath', () => {
  it('mounts the Parse routes under a prefix for SDKs configured with /parse', async () => {
    const t = await startServer({ parsePath: '/parse', appId: 'pp' });
    try {
      Parse.initialize('pp', undefined, MASTER_KEY);
      (Parse as unknown as { serverURL: string }).serverURL = `${t.url}/parse`;
      const objects = [
        new Parse.Object('Prefixed', { n: 1 }),
        new Parse.Object('Prefixed', { n: 2 }),
      ];
      await Parse.Object.saveAll(objects);
      expect(await new Parse.Query('Prefixed').count()).toBe(2);
      expect((await request(t.url, 'GET', '/classes/Prefixed')).status).toBe(404);
      expect((await request(t.url, 'GET', '/api/Prefixed')).body.results).toHaveLength(2);
    } finally {
      await t.stop();
    }
  });
});
