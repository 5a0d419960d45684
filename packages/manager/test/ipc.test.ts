/**
 * registerIpcHandlers + createBackendApi through a fake ipcMain/ipcRenderer (structured-clone
 * boundary): every channel of the original design is registered, values round-trip, and errors
 * arrive as { code, message } (rethrown by the preload API as BackendError).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BACKEND_IPC_CHANNELS,
  BackendManager,
  createBackendApi,
  registerIpcHandlers,
  type BackendApi,
} from '../src/index';
import { createFakeIpc } from './helpers/fake-ipc';

let root: string;
let manager: BackendManager;
let api: BackendApi;
let ipc: ReturnType<typeof createFakeIpc>;
let unregister: () => void;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-ipc-'));
  manager = new BackendManager({ root, basePort: 24_000, maxPort: 24_999 });
  ipc = createFakeIpc();
  unregister = registerIpcHandlers(ipc.ipcMain, { manager });
  api = createBackendApi(ipc.ipcRenderer);
});
afterEach(async () => {
  unregister();
  await manager.stopAll();
  rmSync(root, { recursive: true, force: true });
});

describe('IPC channels', () => {
  it('registers every channel of the original design (and the additions)', () => {
    const original = [
      'backend:list',
      'backend:create',
      'backend:delete',
      'backend:start',
      'backend:stop',
      'backend:status',
      'backend:export-schema',
      'backend:export-data',
      'backend:update-workflow',
      'backend:reload-workflows',
      'backend:import-parse-schema',
      'backend:import-records',
    ];
    expect(ipc.ipcMain.channels).toEqual([...BACKEND_IPC_CHANNELS]);
    expect(ipc.ipcMain.channels).toEqual(expect.arrayContaining(original));
    unregister();
    expect(ipc.ipcMain.channels).toEqual([]);
    unregister = () => undefined;
  });

  it('creates, lists, reports and deletes backends through the preload API', async () => {
    const created = await api.create('From the editor');
    expect(created.name).toBe('From the editor');
    expect((await api.list()).map((b) => b.id)).toEqual([created.id]);
    expect(await api.status(created.id)).toMatchObject({
      id: created.id,
      state: 'stopped',
      running: false,
      port: created.port,
    });
    await api.updateWorkflow({
      backendId: created.id,
      name: 'hello',
      workflow: { components: [] },
    });
    expect(await manager.listWorkflows(created.id)).toEqual(['hello']);
    await expect(api.reloadWorkflows(created.id)).resolves.toBeUndefined();
    await expect(api.delete(created.id)).resolves.toBeUndefined();
    expect(await api.list()).toEqual([]);
  });

  it('sends errors as { code, message } on the wire and rethrows them with their code', async () => {
    const raw = await ipc.ipcRenderer.invoke('backend:status', 'backend-none');
    expect(raw).toEqual({
      ok: false,
      error: {
        code: 'NOT_FOUND',
        message: 'backend "backend-none" does not exist',
        details: { id: 'backend-none' },
      },
    });
    await expect(api.status('backend-none')).rejects.toMatchObject({
      name: 'BackendError',
      code: 'NOT_FOUND',
    });
    await expect(api.delete('../../etc')).rejects.toMatchObject({ code: 'INVALID_VALUE' });
  });

  it('validates hostile renderer arguments instead of crashing the main process', async () => {
    const cases: [string, unknown[]][] = [
      ['backend:create', [{ toString: 1 }]],
      ['backend:create', []],
      ['backend:start', [42]],
      ['backend:status', [null]],
      ['backend:export-schema', ['x', 'mysql']],
      ['backend:update-workflow', ['not an object']],
      ['backend:update-workflow', [{ backendId: 'b', name: '../../x', workflow: {} }]],
      ['backend:import-parse-schema', [{ backendId: 'b', schema: 'nope' }]],
      ['backend:import-records', [{ backendId: 'b', collection: 'A', records: 'nope' }]],
      ['backend:import-records', [{ backendId: 'b', collection: '$bad', records: [] }]],
      ['backend:logs', ['b', -1]],
    ];
    for (const [channel, args] of cases) {
      const reply = (await ipc.ipcRenderer.invoke(channel, ...args)) as {
        ok: boolean;
        error?: { code: string };
      };
      expect(reply.ok, `${channel} ${JSON.stringify(args)}`).toBe(false);
      expect(['INVALID_VALUE', 'INVALID_COLLECTION_NAME', 'NOT_FOUND'], channel).toContain(
        reply.error!.code,
      );
    }
  });

  it('rejects objects that are not an ipcMain / ipcRenderer', () => {
    expect(() => registerIpcHandlers({} as never, { manager })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(() => createBackendApi(null as never)).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });
});
