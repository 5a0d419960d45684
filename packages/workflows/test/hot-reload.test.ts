import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WorkflowRuntime, type WorkflowRuntimeEvents } from '../src/runtime/workflow-runtime';
import type { WorkflowWatcher } from '../src/runtime/workflow-watcher';
import { project, scriptFunction } from './support/build-workflow';

const versioned = (version: string, delayMs = 0) =>
  JSON.stringify(
    project(
      scriptFunction(
        'which',
        `${delayMs > 0 ? `await new Promise((r) => setTimeout(r, ${delayMs}));` : ''} Outputs.value = "${version}"; Outputs.Done();`,
      ),
    ),
  );

async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('hot reload with watch(dir)', () => {
  let dir: string;
  let runtime: WorkflowRuntime;
  let watcher: WorkflowWatcher;
  let loads: WorkflowRuntimeEvents['load'][];
  let errors: WorkflowRuntimeEvents['error'][];

  const which = async (): Promise<string> =>
    JSON.parse((await runtime.run('which', { body: '{}' })).body).result?.value as string;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'workflows-watch-'));
    writeFileSync(join(dir, 'which.workflow.json'), versioned('v1'));
    writeFileSync(join(dir, 'notes.txt'), 'not a workflow');
    runtime = new WorkflowRuntime({ workers: 1 });
    loads = [];
    errors = [];
    runtime.on('load', (e) => loads.push(e));
    runtime.on('error', (e) => errors.push(e));
    watcher = await runtime.watch(dir, { debounceMs: 20 });
  });
  afterEach(async () => {
    await runtime.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the directory, then picks up a changed file', async () => {
    expect(await which()).toBe('v1');
    writeFileSync(join(dir, 'which.workflow.json'), versioned('v2'));
    await waitFor(() => loads.length >= 2);
    expect(await which()).toBe('v2');
  });

  it('lets runs in flight finish on the version they started with while new runs use the new one', async () => {
    writeFileSync(join(dir, 'which.workflow.json'), versioned('slow-v1', 400));
    await waitFor(() => loads.length >= 2);
    const inFlight = which();
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(join(dir, 'which.workflow.json'), versioned('v2'));
    await waitFor(() => loads.length >= 3);
    expect(await which()).toBe('v2');
    expect(await inFlight).toBe('slow-v1');
    await waitFor(() => runtime.stats().inflight === 0);
    expect(runtime.stats()).toMatchObject({ generations: 1, documents: 1 });
  });

  it('reports a broken file with its path and reason and keeps the previous version running', async () => {
    const path = join(dir, 'which.workflow.json');
    writeFileSync(path, '{ "components": [ oops');
    await waitFor(() => errors.length >= 1);
    expect(errors[0]!.path).toBe(path);
    expect(errors[0]!.reason).toMatch(/not valid JSON/);
    expect(await which()).toBe('v1');
    writeFileSync(
      path,
      JSON.stringify({
        components: [{ name: '/#__cloud__/which', graph: { roots: [{ id: 'x' }] } }],
      }),
    );
    await waitFor(() => errors.length >= 2);
    expect(errors[1]!.reason).toMatch(
      /components\[0\]\.graph\.roots\[0\]\.type: expected a node type name, got undefined/,
    );
    expect(await which()).toBe('v1');
    writeFileSync(path, versioned('v3'));
    await waitFor(() => loads.length >= 2);
    expect(await which()).toBe('v3');
  });

  it('unloads a deleted file and loads an added one', async () => {
    unlinkSync(join(dir, 'which.workflow.json'));
    await waitFor(() => runtime.list().length === 0);
    expect((await runtime.run('which', { body: '{}' })).statusCode).toBe(404);
    writeFileSync(join(dir, 'other.workflow.json'), versioned('other'));
    await waitFor(() => runtime.list().length === 1);
    expect(await which()).toBe('other');
  });

  it('does not reload a file whose content did not change, and stops following after close()', async () => {
    writeFileSync(join(dir, 'which.workflow.json'), versioned('v1'));
    await new Promise((r) => setTimeout(r, 150));
    await watcher.settled();
    expect(loads).toHaveLength(1);
    await watcher.close();
    writeFileSync(join(dir, 'which.workflow.json'), versioned('v9'));
    await new Promise((r) => setTimeout(r, 150));
    expect(await which()).toBe('v1');
  });
});
