import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LocalSQLAdapter } from '@localbackend/sqlite';
import { LOG_COLLECTION, RUN_COLLECTION } from '../src/records/run-store';
import { WorkflowRuntime } from '../src/runtime/workflow-runtime';
import { project, scriptFunction } from './support/build-workflow';
import { memoryAdapter } from './support/harness';

describe('execution records (_WorkflowRun / _WorkflowLog through the adapter)', () => {
  let adapter: LocalSQLAdapter;
  let runtime: WorkflowRuntime;

  beforeEach(async () => {
    adapter = await memoryAdapter();
    runtime = new WorkflowRuntime({
      adapter,
      isolation: 'none',
      timeoutMs: 2_000,
      records: { retention: 5, flushIntervalMs: 10 },
    });
    runtime.load(
      project(
        scriptFunction(
          'hello',
          'console.log("hello", Inputs.name ?? "nobody"); Outputs.value = "hi"; Outputs.Done();',
        ),
        scriptFunction('broken', 'throw new Error("kaput");'),
        scriptFunction(
          'slow',
          'await new Promise((r) => setTimeout(r, 200)); Outputs.value = 1; Outputs.Done();',
        ),
      ),
      { source: 'doc' },
    );
  });
  afterEach(async () => {
    await runtime.close();
    await adapter.disconnect();
  });

  it('records every run with id, workflow, trigger, status, times, input (credentials redacted) and output, plus its log lines', async () => {
    const result = await runtime.run('hello', {
      body: '{"x":1}',
      headers: { 'x-parse-session-token': 'r:secret', 'x-other': 'kept' },
    });
    const run = await runtime.getRun(result.runId);
    expect(run).toMatchObject({
      id: result.runId,
      workflow: 'hello',
      trigger: 'http',
      status: 'success',
      statusCode: 200,
      input: {
        body: { x: 1 },
        headers: { 'x-parse-session-token': '[redacted]', 'x-other': 'kept' },
      },
      output: { result: { value: 'hi' } },
    });
    expect(Date.parse(run!.endedAt!)).toBeGreaterThanOrEqual(Date.parse(run!.startedAt));
    expect(run!.durationMs).toBeGreaterThanOrEqual(0);
    expect(run!.logs).toEqual([
      expect.objectContaining({
        runId: result.runId,
        seq: 0,
        level: 'info',
        message: 'hello nobody',
        nodeId: 'fn',
        nodeType: 'JavaScriptFunction',
      }),
    ]);
    // Stored through the adapter, in the system collections.
    expect(
      (await adapter.fetch({ collection: RUN_COLLECTION, objectId: result.runId }))['status'],
    ).toBe('success');
    expect(
      (await adapter.query({ collection: LOG_COLLECTION, where: { run: result.runId } })).results,
    ).toHaveLength(1);
  });

  it('keeps bodies longer than records.maxBodyChars as a truncated preview with their length', async () => {
    const small = new WorkflowRuntime({
      adapter,
      isolation: 'none',
      records: { flushIntervalMs: 10, maxBodyChars: 100 },
    });
    small.load(
      project(scriptFunction('long', 'Outputs.value = "x".repeat(500); Outputs.Done();')),
      {
        source: 'long',
      },
    );
    try {
      const text = 'x'.repeat(500);
      const result = await small.run('long', { body: '{}' });
      expect(JSON.parse(result.body)).toEqual({ result: { value: text } });
      const run = await small.getRun(result.runId);
      const output = run!.output as { truncated: boolean; preview: string; length: number };
      expect(output.truncated).toBe(true);
      expect(output.length).toBe(result.body.length);
      expect(output.preview).toBe(result.body.slice(0, 100));
      expect(() => new WorkflowRuntime({ adapter, records: { maxBodyChars: 0 } })).toThrow(
        /records\.maxBodyChars: expected a positive number/,
      );
    } finally {
      await small.close();
    }
  });

  it('records failed runs with their error code and message', async () => {
    const result = await runtime.run('broken', { body: '{}' });
    const run = await runtime.getRun(result.runId);
    expect(run).toMatchObject({
      status: 'error',
      statusCode: 500,
      error: { code: 'SCRIPT_FAILED' },
    });
    expect(run!.logs.map((l) => l.message)).toEqual(
      expect.arrayContaining([expect.stringContaining('kaput')]),
    );
  });

  it('lists runs newest first with filters, and shows runs in flight as running', async () => {
    await runtime.run('hello', {});
    await runtime.run('broken', {});
    const inFlight = runtime.run('slow', {});
    await new Promise((r) => setTimeout(r, 50));
    const listed = await runtime.listRuns();
    expect(listed[0]).toMatchObject({ workflow: 'slow', status: 'running' });
    expect(listed.map((r) => r.workflow)).toEqual(['slow', 'broken', 'hello']);
    expect((await runtime.listRuns({ status: 'error' })).map((r) => r.workflow)).toEqual([
      'broken',
    ]);
    expect(
      (await runtime.listRuns({ workflow: 'hello', trigger: 'http' })).map((r) => r.workflow),
    ).toEqual(['hello']);
    expect(await runtime.listRuns({ trigger: 'schedule' })).toEqual([]);
    await inFlight;
    expect((await runtime.listRuns({ workflow: 'slow' }))[0]).toMatchObject({ status: 'success' });
    await expect(runtime.listRuns({ limit: -1 })).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    expect(await runtime.getRun('nope')).toBeUndefined();
  });

  it("keeps only the newest runs (retention) and deletes the pruned runs' logs", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++)
      ids.push((await runtime.run('hello', { body: JSON.stringify({ name: `n${i}` }) })).runId);
    await runtime.listRuns();
    await new Promise((r) => setTimeout(r, 50));
    await runtime.listRuns();
    const stored = await adapter.count({ collection: RUN_COLLECTION });
    expect(stored).toBeLessThanOrEqual(5 + 2);
    expect(stored).toBeGreaterThanOrEqual(5);
    expect(await runtime.getRun(ids[0]!)).toBeUndefined();
    expect(await runtime.getRun(ids[59]!)).toBeDefined();
    expect(await adapter.count({ collection: LOG_COLLECTION })).toBe(stored);
  });
});
