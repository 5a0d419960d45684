import { BackendError, isErrorCode } from '@localbackend/adapter';
import type {
  BackendIPCChannel,
  BackendIPCChannels,
  IpcChannelResult,
  IpcResult,
} from './ipc-channels';

/**
 * Anything with Electron's `ipcRenderer.invoke(channel, ...args)` shape.
 *
 * @example
 * ```ts
 * const renderer: IpcRendererLike = { invoke: (channel, ...args) => window.bridge.invoke(channel, ...args) };
 * ```
 */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
}

/**
 * The preload object of the original design (`window.electronAPI.backend`): one method per
 * channel, resolving to the unwrapped value and rejecting with a {@link BackendError} carrying
 * the `code` sent by the main process.
 *
 * @example
 * ```ts
 * const api: BackendApi = createBackendApi(ipcRenderer);
 * const backends = await api.list();
 * ```
 */
export interface BackendApi {
  list: BackendIPCChannels['backend:list'];
  create: BackendIPCChannels['backend:create'];
  delete: BackendIPCChannels['backend:delete'];
  start: BackendIPCChannels['backend:start'];
  stop: BackendIPCChannels['backend:stop'];
  status: BackendIPCChannels['backend:status'];
  exportSchema: BackendIPCChannels['backend:export-schema'];
  exportData: BackendIPCChannels['backend:export-data'];
  updateWorkflow: BackendIPCChannels['backend:update-workflow'];
  reloadWorkflows: BackendIPCChannels['backend:reload-workflows'];
  importParseSchema: BackendIPCChannels['backend:import-parse-schema'];
  importRecords: BackendIPCChannels['backend:import-records'];
  restart: BackendIPCChannels['backend:restart'];
  health: BackendIPCChannels['backend:health'];
  backup: BackendIPCChannels['backend:backup'];
  listBackups: BackendIPCChannels['backend:list-backups'];
  restore: BackendIPCChannels['backend:restore'];
  logs: BackendIPCChannels['backend:logs'];
  /** Raw typed access to any channel (unwrapped like the methods). */
  invoke<C extends BackendIPCChannel>(
    channel: C,
    ...args: Parameters<BackendIPCChannels[C]>
  ): Promise<IpcChannelResult<C>>;
}

function unwrap<T>(channel: string, reply: unknown): T {
  const r = reply as IpcResult<T> | undefined;
  if (r !== null && typeof r === 'object' && r.ok === true) return r.value;
  if (r !== null && typeof r === 'object' && r.ok === false && typeof r.error === 'object') {
    const code = isErrorCode(r.error.code) ? r.error.code : 'INTERNAL';
    throw new BackendError(
      code,
      String(r.error.message),
      r.error.details === undefined ? {} : { details: r.error.details },
    );
  }
  throw new BackendError(
    'INTERNAL',
    `${channel}: unexpected IPC reply (is registerIpcHandlers() registered in the main process?)`,
  );
}

/**
 * Builds the renderer-side API (for a preload script's `contextBridge.exposeInMainWorld`) on
 * `ipcRenderer`. Pair it with {@link registerIpcHandlers} in the main process. Note that errors
 * passed through Electron's `contextBridge` keep only their message; call the API inside the
 * preload (or check `code` there) when the renderer needs the code.
 *
 * @example
 * ```ts
 * // preload.ts
 * import { contextBridge, ipcRenderer } from 'electron';
 * import { createBackendApi } from '@localbackend/manager';
 *
 * contextBridge.exposeInMainWorld('electronAPI', { backend: createBackendApi(ipcRenderer) });
 * ```
 */
export function createBackendApi(ipcRenderer: IpcRendererLike): BackendApi {
  if (
    ipcRenderer === null ||
    typeof ipcRenderer !== 'object' ||
    typeof ipcRenderer.invoke !== 'function'
  ) {
    throw new BackendError(
      'INVALID_CONFIG',
      'ipcRenderer: expected an object with invoke(channel, ...args)',
    );
  }
  const invoke = async <C extends BackendIPCChannel>(
    channel: C,
    ...args: Parameters<BackendIPCChannels[C]>
  ): Promise<IpcChannelResult<C>> =>
    unwrap<IpcChannelResult<C>>(channel, await ipcRenderer.invoke(channel, ...args));
  return {
    list: () => invoke('backend:list'),
    create: (name) => invoke('backend:create', name),
    delete: (id) => invoke('backend:delete', id),
    start: (id) => invoke('backend:start', id),
    stop: (id) => invoke('backend:stop', id),
    status: (id) => invoke('backend:status', id),
    exportSchema: (id, format) => invoke('backend:export-schema', id, format),
    exportData: (id, format) => invoke('backend:export-data', id, format),
    updateWorkflow: (params) => invoke('backend:update-workflow', params),
    reloadWorkflows: (id) => invoke('backend:reload-workflows', id),
    importParseSchema: (params) => invoke('backend:import-parse-schema', params),
    importRecords: (params) => invoke('backend:import-records', params),
    restart: (id) => invoke('backend:restart', id),
    health: (id) => invoke('backend:health', id),
    backup: (id) => invoke('backend:backup', id),
    listBackups: (id) => invoke('backend:list-backups', id),
    restore: (id, backup) => invoke('backend:restore', id, backup),
    logs: (id, lines) =>
      lines === undefined ? invoke('backend:logs', id) : invoke('backend:logs', id, lines),
    invoke,
  };
}
