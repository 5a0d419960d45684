/**
 * The real workflow runtime (`@localbackend/workflows`) plugged in as the function runner: its
 * `run(name, { body, headers })` is exactly the server's FunctionRunner contract. Loading
 * `workflowsPath` stays the manager's job; this pins that the two packages fit.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Parse from 'parse/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '@localbackend/workflows';
import type { FunctionRunner } from '../src/index';
import { MASTER_KEY, request, startServer, type TestServer } from './helpers';

/** The shared Noodl cloud-function exports, next to the checkout (as the workflows tests use them). */
const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/noodl', import.meta.url));
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

describe.skipIf(!haveFixtures)(
  'WorkflowRuntime as the function runner (needs ../shared/fixtures)',
  () => {
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
  },
);
