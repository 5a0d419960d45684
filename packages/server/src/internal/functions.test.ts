import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { ConfigStore } from '../config-store';
import { createApiRouter } from '../create-api-router';
import type { FunctionRunner } from '../function-runner';
import { silentLogger } from '../logger';
import { MASTER_KEY, request } from '../../test/helpers';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** A real HTTP server with the API router, `runner` as its function runner. */
async function serve(runner: FunctionRunner, functionTimeoutMs?: number): Promise<{ url: string }> {
  const adapter = new LocalSQLAdapter(':memory:');
  await adapter.connect();
  const app = express();
  app.use(
    createApiRouter({
      adapter,
      masterKey: MASTER_KEY,
      logger: silentLogger,
      configStore: new ConfigStore(),
      functionRunner: runner,
      ...(functionTimeoutMs === undefined ? {} : { functionTimeoutMs }),
    }),
  );
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stop = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await adapter.disconnect();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('POST /functions/:name (the runner call)', () => {
  it('answers TIMEOUT when the runner does not answer within functionTimeoutMs, and ignores its late answer', async () => {
    let answerLate!: () => void;
    const { url } = await serve(
      {
        run: () =>
          new Promise((resolve) => {
            answerLate = () => resolve({ statusCode: 200, body: '{"result":"late"}' });
          }),
      },
      150,
    );
    const started = Date.now();
    const res = await request(url, 'POST', '/functions/slow', { body: {} });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(408);
    expect(res.text).toMatch(/function slow did not answer within 150 ms/);
    answerLate();
    const again = await request(url, 'POST', '/functions/slow', { body: {} });
    expect(again.status).toBe(408);
  });

  it('answers SCRIPT_FAILED for a runner that throws or rejects with a plain error, and the runner status and message for its failures', async () => {
    const { url } = await serve({
      run: (name) => {
        if (name === 'throws') throw new Error('boom');
        if (name === 'rejects') return Promise.reject(new Error('boom'));
        if (name === 'invalid') return Promise.resolve({ statusCode: 'x' } as never);
        return Promise.resolve({ statusCode: 400, body: '{"error":"bad input"}' });
      },
    });
    for (const name of ['throws', 'rejects']) {
      const res = await request(url, 'POST', `/functions/${name}`, { body: {} });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.text).toMatch(/SCRIPT_FAILED/);
      expect(res.text).toMatch(/function (throws|rejects) failed/);
    }
    const invalid = await request(url, 'POST', '/functions/invalid', { body: {} });
    expect(invalid.status).toBe(500);
    expect(invalid.text).toMatch(/INTERNAL/);
    const failed = await request(url, 'POST', '/functions/fails', { body: {} });
    expect(failed.status).toBe(400);
    expect(failed.text).toMatch(/bad input/);
  });

  it('writes a successful answer with its headers, minus hop-by-hop ones', async () => {
    const { url } = await serve({
      run: () =>
        Promise.resolve({
          statusCode: 201,
          body: '{"result":1}',
          headers: { 'x-answer': 'yes', connection: 'close' },
        }),
    });
    const res = await request(url, 'POST', '/functions/ok', { body: {} });
    expect(res.status).toBe(201);
    expect(res.text).toBe('{"result":1}');
    expect(res.headers.get('x-answer')).toBe('yes');
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });
});
