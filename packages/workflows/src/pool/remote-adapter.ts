import { BackendError, type CloudStoreAdapter } from '@localbackend/adapter';
import type { CallMethod } from './protocol';

/**
 * Sends one call to the main thread.
 *
 * @example
 * ```ts
 * const call: RemoteCall = (method, args) => bridge.send(method, args);
 * ```
 */
export type RemoteCall = (method: CallMethod, args: readonly unknown[]) => Promise<unknown>;

const unsupported = (what: string) => (): Promise<never> =>
  Promise.reject(new BackendError('UNSUPPORTED', `${what} is not available to workflows`));

/**
 * The `CloudStoreAdapter` a workflow sees inside a worker thread: every data call is forwarded to
 * the main thread's adapter by message passing (so the database connection stays in one place).
 * Transactions, schema changes and change listeners are not available to workflows.
 *
 * @example
 * ```ts
 * const adapter = remoteAdapter((method, args) => bridge.call(slot, method, args));
 * await adapter.query({ collection: 'Todo' });
 * ```
 */
export function remoteAdapter(call: RemoteCall): CloudStoreAdapter {
  const forward =
    <T>(method: CallMethod) =>
    (options: unknown): Promise<T> =>
      call(method, [options]) as Promise<T>;
  return {
    capabilities: {
      transactions: false,
      relations: true,
      fullText: true,
      regex: true,
      geo: true,
      aggregate: true,
      schema: false,
      events: false,
      backup: false,
    },
    connect: () => Promise.resolve(),
    disconnect: () => Promise.resolve(),
    query: forward('query'),
    fetch: forward('fetch'),
    count: forward('count'),
    aggregate: forward('aggregate'),
    distinct: forward('distinct'),
    create: forward('create'),
    save: forward('save'),
    increment: forward('increment'),
    delete: forward('delete'),
    addRelation: forward('addRelation'),
    removeRelation: forward('removeRelation'),
    transaction: unsupported('transaction()'),
    getSchema: () => call('getSchema', []) as ReturnType<CloudStoreAdapter['getSchema']>,
    updateSchema: unsupported('updateSchema()'),
    createTable: unsupported('createTable()'),
    addColumn: unsupported('addColumn()'),
    deleteColumn: unsupported('deleteColumn()'),
    deleteTable: unsupported('deleteTable()'),
    on: () => {
      throw new BackendError(
        'UNSUPPORTED',
        'change listeners are not available to workflows; use a dbChange trigger',
      );
    },
    off: () => {},
  };
}
