import { BackendError, describeValue, isPlainRecord, toBackendError } from '@localbackend/adapter';
import { BackendManager } from './backend-manager';
import {
  BACKEND_IPC_CHANNELS,
  type BackendIPCChannel,
  type BackendIPCChannels,
  type IpcResult,
} from './ipc-channels';

/**
 * Anything with Electron's `ipcMain.handle(channel, listener)` shape (no Electron dependency).
 *
 * @example
 * ```ts
 * const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
 * const fakeIpcMain: IpcMainLike = { handle: (channel, fn) => void handlers.set(channel, fn) };
 * ```
 */
export interface IpcMainLike {
  handle(channel: string, listener: (event: unknown, ...args: unknown[]) => unknown): void;
  /** Electron's `ipcMain.removeHandler`; used by the function {@link registerIpcHandlers} returns. */
  removeHandler?(channel: string): void;
}

/**
 * Options of {@link registerIpcHandlers}.
 *
 * @example
 * ```ts
 * registerIpcHandlers(ipcMain, { manager: new BackendManager({ root }) });
 * ```
 */
export interface RegisterIpcHandlersOptions {
  /** The manager to serve (default `BackendManager.getInstance()`). */
  readonly manager?: BackendManager;
}

type Handlers = {
  [C in BackendIPCChannel]: (...args: unknown[]) => ReturnType<BackendIPCChannels[C]>;
};

function argString(value: unknown, where: string): string {
  if (typeof value !== 'string') {
    throw new BackendError(
      'INVALID_VALUE',
      `${where}: expected a string, got ${describeValue(value)}`,
      {
        details: { path: where, expected: 'a string', received: describeValue(value) },
      },
    );
  }
  return value;
}

function argObject(value: unknown, where: string): Record<string, unknown> {
  if (!isPlainRecord(value)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${where}: expected an object, got ${describeValue(value)}`,
      {
        details: { path: where, expected: 'an object', received: describeValue(value) },
      },
    );
  }
  return value;
}

function handlersFor(manager: BackendManager): Handlers {
  return {
    'backend:list': () => manager.listBackends(),
    'backend:create': (name) => manager.createBackend(argString(name, 'name')),
    'backend:delete': (id) => manager.deleteBackend(argString(id, 'id')),
    'backend:start': (id) => manager.startBackend(argString(id, 'id')),
    'backend:stop': (id) => manager.stopBackend(argString(id, 'id')),
    'backend:status': (id) => manager.getStatus(argString(id, 'id')),
    'backend:export-schema': (id, format) =>
      manager.exportSchema(argString(id, 'id'), (format ?? 'json') as 'json'),
    'backend:export-data': (id, format) =>
      manager.exportData(argString(id, 'id'), (format ?? 'json') as 'json'),
    'backend:update-workflow': (params) => {
      const p = argObject(params, 'params');
      return manager.updateWorkflow(
        argString(p['backendId'], 'params.backendId'),
        argString(p['name'], 'params.name'),
        p['workflow'],
      );
    },
    'backend:reload-workflows': (id) => manager.reloadWorkflows(argString(id, 'id')),
    'backend:import-parse-schema': (params) => {
      const p = argObject(params, 'params');
      return manager.importParseSchema(argString(p['backendId'], 'params.backendId'), p['schema']);
    },
    'backend:import-records': (params) => {
      const p = argObject(params, 'params');
      const records = p['records'];
      if (!Array.isArray(records)) {
        throw new BackendError(
          'INVALID_VALUE',
          `params.records: expected an array, got ${describeValue(records)}`,
        );
      }
      const onConflict = p['onConflict'];
      return manager.importRecords(
        argString(p['backendId'], 'params.backendId'),
        argString(p['collection'], 'params.collection'),
        records,
        onConflict === undefined ? {} : { onConflict: onConflict as 'error' },
      );
    },
    'backend:restart': (id) => manager.restartBackend(argString(id, 'id')),
    'backend:health': (id) => manager.getHealth(argString(id, 'id')),
    'backend:backup': (id) => manager.backup(argString(id, 'id')),
    'backend:list-backups': (id) => manager.listBackups(argString(id, 'id')),
    'backend:restore': (id, backup) =>
      manager.restore(argString(id, 'id'), argString(backup, 'backup')),
    'backend:logs': (id, lines) =>
      manager.readLogs(argString(id, 'id'), lines === undefined ? {} : { lines: lines as number }),
  };
}

/**
 * Registers the `backend:*` channels ({@link BackendIPCChannels}) on Electron's `ipcMain` or on
 * anything with `handle(channel, fn)`. Each handler answers an {@link IpcResult}: errors are
 * caught and sent as `{ code, message }`, never thrown across IPC. Returns a function that
 * removes the handlers (when the object has `removeHandler`).
 *
 * @example
 * ```ts
 * import { ipcMain } from 'electron';
 * import { BackendManager, registerIpcHandlers } from '@localbackend/manager';
 *
 * const manager = BackendManager.getInstance();
 * await manager.initialize();
 * registerIpcHandlers(ipcMain, { manager });
 * ```
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  options: RegisterIpcHandlersOptions = {},
): () => void {
  if (ipcMain === null || typeof ipcMain !== 'object' || typeof ipcMain.handle !== 'function') {
    throw new BackendError(
      'INVALID_CONFIG',
      'ipcMain: expected an object with handle(channel, listener)',
    );
  }
  const manager = options.manager ?? BackendManager.getInstance();
  const handlers = handlersFor(manager);
  for (const channel of BACKEND_IPC_CHANNELS) {
    const handler = handlers[channel] as (...args: unknown[]) => Promise<unknown>;
    ipcMain.handle(
      channel,
      async (_event: unknown, ...args: unknown[]): Promise<IpcResult<unknown>> => {
        try {
          const value = await handler(...args);
          return { ok: true, value };
        } catch (error) {
          const err = toBackendError(error);
          return {
            ok: false,
            error: {
              code: err.code,
              message: err.message,
              ...(err.details === undefined ? {} : { details: { ...err.details } }),
            },
          };
        }
      },
    );
  }
  return () => {
    for (const channel of BACKEND_IPC_CHANNELS) ipcMain.removeHandler?.(channel);
  };
}
