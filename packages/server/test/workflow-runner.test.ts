/**
 * The real workflow runtime (`@localbackend/workflows`) plugged in as the function runner: its
 * `run(name, { body, headers })` is exactly the server's FunctionRunner contract. Also the
 * `workflowsPath` option, with which the server creates and watches the runtime itself.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Parse from 'parse/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '@localbackend/workflows';
import { LocalBackendServer, type FunctionRunner } from '../src/index';
import { MASTER_KEY, request, startServer, type TestServer } from './helpers';

/** The shared Noodl cloud-function exports, next to the checkout (as the workflows tests use them). */
const FIXTURES = fileURLToPath(new URL('../../workflows/test/fixtures/noodl', import.meta.url));
const haveFixtures = existsSync(FIXTURES);
let t: TestServer;
let runtime: WorkflowRuntime;

beforeAll(async () => {
  if (!haveFixtures) return;
  t = await startServer({ appId: 'wf' });
  runtime = new WorkflowRuntime({
    adapter: t.server.adapter!,
    isolation: 'none',
    records: false,
    config: () => t.server.configStore!.getValues(),
  });
  await runtime.start();
  await runtime.loadFile(`${FIXTURES}/example-cf-api-test-post.json`);
  await runtime.loadFile(`${FIXTURES}/example-cf-no-auth-ok-expression-js.json`);
  const runner: FunctionRunner = runtime;
  t.server.setFunctionRunner(runner);
  Parse.initialize('wf', undefined, MASTER_KEY);
  (Parse as unknown as { serverURL: string }).serverURL = t.url;
});
afterAll(async () => {
  if (!haveFixtures) return;
  await runtime.close();
  await t.stop();
});

describe.skipIf(!haveFixtures)('WorkflowRuntime as the function runner', () => {
  it('runs a Noodl cloud function whose name has slashes, over plain HTTP and Parse.Cloud.run', async () => {
    const res = await request(t.url, 'POST', '/functions/API/test/POST', {
      body: { param1: 'x' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: { test: 'x post ok' } });
    expect(await Parse.Cloud.run('API/test/POST', { param1: 'y' })).toEqual({
      test: 'y post ok',
    });
  });

  it('passes failures through as Parse errors', async () => {
    expect(await Parse.Cloud.run('Simple/No Auth OK')).toEqual({
      Message: 'No auth ok here!',
      NoUserCheck: true,
    });
    await expect(Parse.Cloud.run('Simple/Failure Result')).rejects.toMatchObject({
      code: 141,
      message: 'Some error',
    });
    const missing = await request(t.url, 'POST', '/functions/Nope/Nothing', { body: {} });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('FUNCTION_NOT_FOUND');
  });

  it('refuses function names with empty or dot segments', async () => {
    for (const path of ['/functions/a//b', '/functions/a/%2E%2E/b', '/functions/./x']) {
      const res = await request(t.url, 'POST', path, { body: {} });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
    }
  });
});

/** A webhook workflow in the runtime export format: echoes the body it receives. */
const ECHO_WEBHOOK = {
  components: [
    {
      name: '/#__local__/hooks/echo',
      nodes: [
        {
          id: 'w',
          type: 'noodl.trigger.webhook',
          parameters: { path: 'hooks/echo', method: 'POST' },
        },
        { id: 'r', type: 'noodl.cloud.response', parameters: {} },
      ],
      connections: [
        { sourceId: 'w', sourcePort: 'body', targetId: 'r', targetPort: 'pm-echo' },
        { sourceId: 'w', sourcePort: 'received', targetId: 'r', targetPort: 'send' },
      ],
    },
  ],
};

async function eventually(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('workflowsPath', () => {
  it('loads and watches the folder, serving its cloud functions and webhooks until stop()', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'server-workflows-'));
    copyFileSync(join(FIXTURES, 'example-cf-api-test-post.json'), join(dir, 'api.workflow.json'));
    const server = new LocalBackendServer({
      dbPath: ':memory:',
      port: 0,
      logLevel: 'error',
      workflowsPath: dir,
      workflows: { isolation: 'none', records: false },
    });
    try {
      await server.start();
      expect(server.workflowRuntime).toBeDefined();
      const url = server.url;
      const ok = await request(url, 'POST', '/functions/API/test/POST', { body: { param1: 'x' } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ result: { test: 'x post ok' } });

      // A file added while running is picked up (hot reload), including its webhook.
      writeFileSync(join(dir, 'hooks.workflow.json'), JSON.stringify(ECHO_WEBHOOK));
      await eventually(
        async () =>
          (await request(url, 'POST', '/webhooks/hooks/echo', { body: { a: 1 } })).status === 200,
      );
      const echo = await request(url, 'POST', '/webhooks/hooks/echo', { body: { a: 2 } });
      expect(echo.body).toEqual({ result: { echo: { a: 2 } } });
      const wrongMethod = await request(url, 'GET', '/webhooks/hooks/echo');
      expect(wrongMethod.status).toBe(405);
      const unknown = await request(url, 'POST', '/webhooks/nothing/here', { body: {} });
      expect(unknown.status).toBe(404);

      // A deleted file is unloaded.
      rmSync(join(dir, 'api.workflow.json'));
      await eventually(
        async () =>
          (await request(url, 'POST', '/functions/API/test/POST', { body: {} })).status === 404,
      );
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(server.workflowRuntime).toBeUndefined();
  });

  it('answers webhook routes with 404 when no runtime is configured', async () => {
    const server = new LocalBackendServer({ dbPath: ':memory:', port: 0, logLevel: 'error' });
    await server.start();
    try {
      const res = await request(server.url, 'POST', '/webhooks/x', { body: {} });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
    } finally {
      await server.stop();
    }
  });
});
