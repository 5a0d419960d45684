import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowRuntime } from '../src/runtime/workflow-runtime';
import { project, scriptFunction } from './support/build-workflow';

describe('hostile input to run() and webhook()', () => {
  let runtime: WorkflowRuntime;
  beforeAll(() => {
    runtime = new WorkflowRuntime({ isolation: 'none', timeoutMs: 2_000, scriptTimeoutMs: 200 });
    runtime.load(
      project(
        scriptFunction('echo', 'Outputs.value = Noodl.Objects.Request.Parameters; Outputs.Done();'),
        scriptFunction(
          'keys',
          'Outputs.value = Object.keys(Noodl.Objects.Request.Parameters); Outputs.Done();',
        ),
        scriptFunction('circular', 'const a = {}; a.self = a; Outputs.value = a; Outputs.Done();'),
        scriptFunction('timerSpin', 'setTimeout(() => { for (;;) {} }, 1);'),
        scriptFunction(
          'escape',
          'Outputs.value = [typeof process, typeof require, typeof globalThis, typeof Buffer, typeof setInterval]; Outputs.Done();',
        ),
      ),
      { source: 'hostile' },
    );
  });
  afterAll(async () => {
    await runtime.close();
  });

  it('treats a body that is not JSON as {}, takes a body nested 100 000 levels deep, and refuses to echo it back with a clear 500', async () => {
    expect((await runtime.run('echo', { body: '{"a":' })).body).toBe('{"result":{"value":{}}}');
    const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect((await runtime.run('keys', { body: deep })).body).toBe('{"result":{"value":["a"]}}');
    const echoed = await runtime.run('echo', { body: deep });
    expect(echoed.statusCode).toBe(500);
    expect(JSON.parse(echoed.body).error).toMatch(/cannot be serialised/);
  });

  it('answers 404 for names that are not strings or not loaded, including prototype names', async () => {
    for (const name of [
      '',
      '__proto__',
      'constructor',
      'toString',
      '../echo',
      42 as unknown as string,
      undefined as unknown as string,
    ]) {
      const result = await runtime.run(name, { body: '{}' });
      expect(result.statusCode).toBe(404);
      expect(result.error?.code).toBe('FUNCTION_NOT_FOUND');
    }
  });

  it('answers 500 with a clear message for a result that cannot be serialised (circular)', async () => {
    const result = await runtime.run('circular', { body: '{}' });
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(result.body).error).toMatch(/cannot be serialised/);
  });

  it('fails a run whose timer callback never returns with TIMEOUT', async () => {
    const result = await runtime.run('timerSpin', { body: '{}' });
    expect(result.error?.code).toBe('TIMEOUT');
    expect(result.error?.message).toMatch(/timer callback/);
  });

  it("hides Node globals from scripts (require is Noodl's logging stub)", async () => {
    expect(JSON.parse((await runtime.run('escape', { body: '{}' })).body)).toEqual({
      result: { value: ['undefined', 'function', 'undefined', 'undefined', 'undefined'] },
    });
  });

  it('accepts headers given as arrays or with odd casing, and bodies given as objects', async () => {
    const result = await runtime.run('echo', {
      body: { x: [1, 2] },
      headers: { 'X-A': ['1', '2'], 'x-b': undefined },
    });
    expect(result.body).toBe('{"result":{"value":{"x":[1,2]}}}');
  });

  it('answers webhook calls for paths that are not valid paths with 404', async () => {
    for (const path of ['', '../etc/passwd', 'a'.repeat(500), 7 as unknown as string]) {
      expect((await runtime.webhook(path, { method: 'POST' })).statusCode).toBe(404);
    }
  });
});
