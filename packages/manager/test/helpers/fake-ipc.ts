import type { IpcMainLike, IpcRendererLike } from '../../src/index';

/**
 * An in-memory stand-in for Electron's ipcMain / ipcRenderer pair. Arguments and results go
 * through structuredClone, as Electron serialises them between processes.
 */
export function createFakeIpc(): {
  ipcMain: IpcMainLike & { readonly channels: string[] };
  ipcRenderer: IpcRendererLike;
} {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const ipcMain = {
    get channels() {
      return [...handlers.keys()];
    },
    handle(channel: string, listener: (event: unknown, ...args: unknown[]) => unknown) {
      if (handlers.has(channel))
        throw new Error(`Attempted to register a second handler for '${channel}'`);
      handlers.set(channel, listener);
    },
    removeHandler(channel: string) {
      handlers.delete(channel);
    },
  };
  const ipcRenderer: IpcRendererLike = {
    async invoke(channel: string, ...args: unknown[]) {
      const handler = handlers.get(channel);
      if (handler === undefined) throw new Error(`No handler registered for '${channel}'`);
      const result = await handler({ sender: { id: 1 } }, ...structuredClone(args));
      return structuredClone(result);
    },
  };
  return { ipcMain, ipcRenderer };
}
