/**
 * Acceptance (issue 7): backends served by supervised child processes, driven through the API and
 * through a fake ipcMain: create -> start -> REST create/query -> stop -> start -> data still
 * there; ten backends at once; SIGKILL brings a backend back within 2 s with its data; a port
 * taken by another process is replaced and saved; workflows are served; stopAll loses nothing.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendManager,
  createBackendApi,
  registerIpcHandlers,
  type BackendStatusEvent,
} from '../src/index';
import { childEntry, ensureBuilt } from './helpers/built';
import { createFakeIpc } from './helpers/fake-ipc';
import { api, health, holdPort, waitFor } from './helpers/http';

const FIXTURE = fileURLToPath(new URL('./fixtures/apitest.workflow.json', import.meta.url));
let root: string;
let manager: BackendManager;
const holders: ChildProcess[] = [];

beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-life-'));
  manager = new BackendManager({
    root,
    basePort: 25_000,
    maxPort: 25_999,
    childEntry,
    restartDelaysMs: [100, 300, 1000],
  });
});
afterEach(() => {
  for (const h of holders.splice(0)) h.kill('SIGKILL');
});
afterAll(async () => {
  await manager.stopAll();
  rmSync(root, { recursive: true, force: true });
});

describe('BackendManager (child processes)', () => {
  it('create -> start -> REST create/query -> stop -> start again: the data is still there', async () => {
    const events: BackendStatusEvent[] = [];
    const listener = (e: BackendStatusEvent): void => void events.push(e);
    manager.on('status', listener);
    const backend = await manager.createBackend('Todo');
    const status = await manager.startBackend(backend.id);
    expect(status).toMatchObject({
      state: 'running',
      running: true,
      port: backend.port,
      mode: 'child',
    });
    expect(status.pid).not.toBe(process.pid);
    expect(await health(backend.port)).toMatchObject({
      status: 'ok',
      id: backend.id,
      backend: 'Todo',
    });

    const created = await api(backend.port, 'POST', '/api/Todo', {
      title: 'Buy milk',
      done: false,
    });
    expect(created.status).toBe(201);
    await api(backend.port, 'POST', '/api/Todo', { title: 'Walk dog', done: true });
    const open = await api(
      backend.port,
      'GET',
      `/api/Todo?where=${encodeURIComponent('{"done":false}')}`,
    );
    expect((open.body['results'] as { title: string }[]).map((r) => r.title)).toEqual(['Buy milk']);

    await manager.stopBackend(backend.id);
    expect(await manager.getStatus(backend.id)).toMatchObject({ state: 'stopped', running: false });
    expect(await health(backend.port)).toBeUndefined();

    await manager.startBackend(backend.id);
    const again = await api(backend.port, 'GET', '/api/Todo?count=1');
    expect(again.body['count']).toBe(2);
    expect(
      await api(backend.port, 'GET', `/api/Todo/${created.body['objectId'] as string}`),
    ).toMatchObject({
      status: 200,
      body: { title: 'Buy milk' },
    });
    // schema.json mirrors the live schema.
    const schema = JSON.parse(readFileSync(path.join(root, backend.id, 'schema.json'), 'utf8')) as {
      tables: { name: string }[];
    };
    expect(schema.tables.map((t) => t.name)).toContain('Todo');
    await manager.stopBackend(backend.id);
    manager.off('status', listener);
    expect(events.filter((e) => e.id === backend.id).map((e) => e.state)).toEqual([
      'starting',
      'running',
      'stopped',
      'starting',
      'running',
      'stopped',
    ]);
  });

  it('runs ten backends at once on distinct ports; SIGKILL of one brings it back within 2 s with its data', async () => {
    const backends = await Promise.all(
      Array.from({ length: 10 }, (_, i) => manager.createBackend(`Many ${i}`)),
    );
    const statuses = await Promise.all(backends.map((b) => manager.startBackend(b.id)));
    const ports = statuses.map((s) => s.port);
    expect(new Set(ports).size).toBe(10);
    const pids = statuses.map((s) => s.pid);
    expect(new Set(pids).size).toBe(10);
    const answers = await Promise.all(ports.map((p) => health(p!)));
    answers.forEach((h, i) => expect(h).toMatchObject({ status: 'ok', id: backends[i]!.id }));

    const victim = statuses[3]!;
    await api(victim.port!, 'POST', '/api/Item', { n: 1 });
    await api(victim.port!, 'POST', '/api/Item', { n: 2 });
    process.kill(victim.pid!, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(
      async () =>
        (await health(victim.port!))?.['status'] === 'ok' &&
        (await manager.getStatus(victim.id)).pid !== victim.pid,
      5000,
      'restart',
    );
    const downtime = Date.now() - killedAt;
    expect(downtime).toBeLessThan(2000);
    const after = await manager.getStatus(victim.id);
    expect(after).toMatchObject({ state: 'running', restarts: 1, port: victim.port });
    expect((await api(victim.port!, 'GET', '/api/Item?count=1')).body['count']).toBe(2);
    // The others never noticed.
    for (const s of statuses)
      if (s.id !== victim.id) expect((await manager.getStatus(s.id)).pid).toBe(s.pid);

    await Promise.all(backends.map((b) => manager.stopBackend(b.id)));
    const down = await Promise.all(ports.map((p) => health(p!)));
    expect(down.every((h) => h === undefined)).toBe(true);
  });

  it('detects a port taken by another process, moves to a free one and saves it in config.json', async () => {
    const backend = await manager.createBackend('Conflicted');
    holders.push(await holdPort(backend.port));
    const status = await manager.startBackend(backend.id);
    expect(status.port).not.toBe(backend.port);
    expect(await health(status.port!)).toMatchObject({ id: backend.id });
    expect((await manager.getBackend(backend.id)).port).toBe(status.port);
    const logs = await manager.readLogs(backend.id);
    expect(logs.some((e) => e.level === 'warn' && e.msg.includes('port'))).toBe(true);
    await manager.stopBackend(backend.id);
  });

  it('refuses to start a backend another process already serves, and reports it as external', async () => {
    const backend = await manager.createBackend('Shared');
    await manager.startBackend(backend.id);
    const other = new BackendManager({ root, childEntry });
    expect(await other.getStatus(backend.id)).toMatchObject({
      running: true,
      mode: 'external',
      port: backend.port,
    });
    await expect(other.startBackend(backend.id)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(other.importRecords(backend.id, 'X', [{ a: 1 }])).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    // Reads work from anywhere (the database is opened read-side by the other manager).
    await api(backend.port, 'POST', '/api/Note', { text: 'hi' });
    expect(JSON.parse(await other.exportData(backend.id, 'json'))).toMatchObject({
      data: { Note: [expect.objectContaining({ text: 'hi' })] },
    });
    expect(await other.getHealth(backend.id)).toMatchObject({ id: backend.id, port: backend.port });
    // The other manager can stop it (SIGTERM to the child; the supervisor sees a clean stop).
    await other.stopBackend(backend.id);
    await waitFor(
      async () => (await manager.getStatus(backend.id)).state === 'stopped',
      5000,
      'stopped',
    );
    expect((await manager.getStatus(backend.id)).restarts).toBe(0);
  });

  it('serves workflows from workflows/*.workflow.json and reloads them', async () => {
    const backend = await manager.createBackend('Flows');
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>;
    await manager.updateWorkflow(backend.id, 'api-test', fixture);
    await manager.startBackend(backend.id);
    const reply = await api(backend.port, 'POST', '/functions/apitest', { param1: 'x' });
    expect(reply).toMatchObject({ status: 200, body: { result: { test: 'x post ok' } } });
    await manager.reloadWorkflows(backend.id);
    expect((await api(backend.port, 'POST', '/functions/apitest', { param1: 'y' })).body).toEqual({
      result: { test: 'y post ok' },
    });
    await manager.stopBackend(backend.id);
  });

  it('health report: uptime, version, CPU and memory of the backend process', async () => {
    const backend = await manager.createBackend('Healthy');
    const status = await manager.startBackend(backend.id);
    const report = await manager.getHealth(backend.id);
    expect(report).toMatchObject({
      id: backend.id,
      name: 'Healthy',
      status: 'ok',
      pid: status.pid,
      port: backend.port,
      version: '0.1.0',
    });
    expect(report.uptime).toBeGreaterThanOrEqual(0);
    expect(report.memory.rss).toBeGreaterThan(1_000_000);
    expect(report.cpu!.user).toBeGreaterThan(0);
    expect(report.cpu!.percent).toBeGreaterThanOrEqual(0);
    await manager.stopBackend(backend.id);
  });

  it('stopAll stops every backend cleanly and nothing acknowledged is lost', async () => {
    const backends = await Promise.all([manager.createBackend('S1'), manager.createBackend('S2')]);
    await Promise.all(backends.map((b) => manager.startBackend(b.id)));
    const writes = backends.flatMap((b) =>
      Array.from({ length: 50 }, (_, i) => api(b.port, 'POST', '/api/Row', { i })),
    );
    const results = await Promise.all(writes);
    expect(results.every((r) => r.status === 201)).toBe(true);
    await manager.stopAll();
    for (const b of backends) {
      expect(await manager.getStatus(b.id)).toMatchObject({ state: 'stopped' });
      const data = JSON.parse(await manager.exportData(b.id, 'json')) as {
        data: Record<string, unknown[]>;
      };
      expect(data.data['Row']).toHaveLength(50);
    }
  });
});

describe('BackendManager through a fake ipcMain', () => {
  it('create -> start -> REST -> stop -> start: data still there, errors arrive as { code, message }', async () => {
    const ipc = createFakeIpc();
    const unregister = registerIpcHandlers(ipc.ipcMain, { manager });
    const backend = createBackendApi(ipc.ipcRenderer);
    const created = await backend.create('Via IPC');
    const started = await backend.start(created.id);
    expect(started).toMatchObject({ running: true, port: created.port });
    await api(
      created.port,
      'POST',
      '/classes/Post',
      { title: 'Parse wire' },
      { 'X-Parse-Application-Id': 'localbackend' },
    );
    expect(await backend.status(created.id)).toMatchObject({ state: 'running' });
    const schemaJson = JSON.parse(await backend.exportSchema(created.id, 'json')) as {
      tables: { name: string }[];
    };
    expect(schemaJson.tables.map((t) => t.name)).toContain('Post');
    expect(await backend.exportSchema(created.id, 'postgres')).toMatch(
      /CREATE TABLE IF NOT EXISTS "Post"/,
    );
    await backend.stop(created.id);
    await backend.start(created.id);
    const query = await api(created.port, 'GET', '/classes/Post', undefined, {
      'X-Parse-Application-Id': 'localbackend',
    });
    expect((query.body['results'] as { title: string }[]).map((r) => r.title)).toEqual([
      'Parse wire',
    ]);
    expect(await backend.health(created.id)).toMatchObject({ status: 'ok' });
    await expect(backend.exportSchema(created.id, 'oracle' as never)).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
    await expect(backend.start('backend-nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await backend.stop(created.id);
    unregister();
  });
});

describe('BackendManager in-process mode', () => {
  it('serves a backend inside this process with the same API', async () => {
    const local = new BackendManager({
      root,
      mode: 'in-process',
      basePort: 26_000,
      maxPort: 26_999,
    });
    const backend = await local.createBackend('In process');
    const status = await local.startBackend(backend.id);
    expect(status).toMatchObject({ running: true, mode: 'in-process', pid: process.pid });
    await api(status.port!, 'POST', '/api/Thing', { a: 1 });
    await local.restartBackend(backend.id);
    expect((await api(status.port!, 'GET', '/api/Thing?count=1')).body['count']).toBe(1);
    await local.stopAll();
    expect(await health(status.port!)).toBeUndefined();
  });

  it('deletes a running backend: it is stopped first, then its directory goes', async () => {
    const local = new BackendManager({
      root,
      mode: 'in-process',
      basePort: 26_100,
      maxPort: 26_999,
    });
    const backend = await local.createBackend('Doomed');
    const { port } = await local.startBackend(backend.id);
    await local.deleteBackend(backend.id);
    expect(await health(port!)).toBeUndefined();
    await expect(local.getStatus(backend.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await local.listBackends()).some((b) => b.id === backend.id)).toBe(false);
  });
});
