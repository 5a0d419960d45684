import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendLogger, readLogEntries } from '../backend-logger';
import type { BackendState } from '../backend-status';
import { PortAllocator } from '../port-allocator';
import { ChildBackendRunner } from './backend-runner';
import type { HostStartOptions } from './host-protocol';

const FAKE_CHILD = fileURLToPath(new URL('../../test/fixtures/fake-child.mjs', import.meta.url));
const dirs: string[] = [];
const runners: ChildBackendRunner[] = [];
const servers: net.Server[] = [];

afterEach(async () => {
  await Promise.all(runners.splice(0).map((r) => r.stop().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const ports = new PortAllocator({ start: 21_000, end: 21_999 });

async function setup(
  name: string,
  extra: Partial<ConstructorParameters<typeof ChildBackendRunner>[0]> = {},
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-runner-'));
  dirs.push(dir);
  const port = await ports.allocate();
  const states: BackendState[] = [];
  const logger = new BackendLogger('fake', path.join(dir, 'backend.log'), {
    maxBytes: 1 << 20,
    maxFiles: 2,
  });
  const options: HostStartOptions = {
    id: 'fake',
    name,
    dir,
    port,
    host: '127.0.0.1',
    appId: 'app',
    masterKey: 'master-key',
    schemaMode: 'auto',
  };
  const conflicts: number[] = [];
  const runner = new ChildBackendRunner({
    options,
    logger,
    entry: FAKE_CHILD,
    onState: (state) => states.push(state),
    resolvePortConflict: async (taken) => {
      conflicts.push(taken);
      return ports.allocate();
    },
    restartDelaysMs: [50, 100],
    startTimeoutMs: 5000,
    stopTimeoutMs: 1500,
    ...extra,
  });
  runners.push(runner);
  return { runner, states, logger, dir, conflicts, port };
}

async function health(port: number): Promise<{ pid: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/health`);
  return (await response.json()) as { pid: number };
}

async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ChildBackendRunner', () => {
  it('starts a child, answers calls, stops it cleanly and reports starting/running/stopped', async () => {
    const { runner, states, port } = await setup('ok');
    await runner.start();
    expect(runner.state).toBe('running');
    expect(runner.pid).toBeGreaterThan(0);
    expect((await health(port)).pid).toBe(runner.pid);
    await expect(runner.call('health', [])).resolves.toEqual({ pid: runner.pid });
    await expect(runner.call('count', ['Todo'])).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await runner.stop();
    expect(states).toEqual(['starting', 'running', 'stopped']);
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('restarts a child killed with SIGKILL, with a new pid on the same port', async () => {
    const { runner, states, port } = await setup('ok');
    await runner.start();
    const first = runner.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => runner.state === 'running' && runner.pid !== first);
    expect(runner.restarts).toBe(1);
    expect((await health(port)).pid).toBe(runner.pid);
    expect(states).toEqual(['starting', 'running', 'crashed', 'starting', 'running']);
  });

  it('treats a SIGTERM from outside as a clean stop (no restart)', async () => {
    const { runner, states } = await setup('ok');
    await runner.start();
    process.kill(runner.pid!, 'SIGTERM');
    await waitFor(() => runner.state === 'stopped');
    await new Promise((r) => setTimeout(r, 200));
    expect(states).toEqual(['starting', 'running', 'stopped']);
  });

  it('moves to another port when the port is taken by another process', async () => {
    const { runner, conflicts, port } = await setup('ok');
    const blocker = net.createServer();
    servers.push(blocker);
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', r));
    await runner.start();
    expect(conflicts).toEqual([port]);
    expect(runner.port).not.toBe(port);
    expect((await health(runner.port)).pid).toBe(runner.pid);
  });

  it('rejects with the child’s error when the start fails, and does not restart', async () => {
    const { runner, states } = await setup('fail-start');
    await expect(runner.start()).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: 'bad settings',
    });
    expect(runner.state).toBe('stopped');
    expect(states).toEqual(['starting', 'stopped']);
  });

  it('reports the stderr of a child that exits before it is ready', async () => {
    const { runner } = await setup('exit-early');
    await expect(runner.start()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('something went wrong early'),
    });
  });

  it('gives up with TIMEOUT when the child never becomes ready', async () => {
    const { runner } = await setup('hang-start', { startTimeoutMs: 500 });
    await expect(runner.start()).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('kills a child that ignores the shutdown request after the stop deadline', async () => {
    const { runner } = await setup('ignore-stop', { stopTimeoutMs: 300 });
    await runner.start();
    const pid = runner.pid!;
    const started = Date.now();
    await runner.stop();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it('stops restarting after too many crashes in a row', async () => {
    const { runner, states } = await setup('ok', {
      maxConsecutiveCrashes: 1,
      restartDelaysMs: [20],
    });
    await runner.start();
    process.kill(runner.pid!, 'SIGKILL');
    await waitFor(() => runner.state === 'running' && runner.restarts === 1);
    process.kill(runner.pid!, 'SIGKILL');
    await waitFor(() => runner.lastError?.includes('gave up') === true);
    await new Promise((r) => setTimeout(r, 200));
    expect(runner.state).toBe('crashed');
    expect(states.filter((s) => s === 'crashed').length).toBeGreaterThanOrEqual(2);
  });

  it('writes the child’s stdout lines and its own events to the structured log', async () => {
    const { runner, logger } = await setup('ok');
    await runner.start();
    await runner.stop();
    logger.close();
    const entries = await readLogEntries(logger.file, 50);
    expect(entries.map((e) => e.msg)).toEqual(
      expect.arrayContaining(['fake listening', 'backend started', 'backend process exited']),
    );
    expect(entries.every((e) => e.backend === 'fake' && typeof e.time === 'string')).toBe(true);
  });
});
