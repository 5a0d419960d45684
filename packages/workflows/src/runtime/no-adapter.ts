import { BackendError, type CloudStoreAdapter } from '@localbackend/adapter';

const unavailable = (): Promise<never> =>
  Promise.reject(
    new BackendError(
      'UNAVAILABLE',
      'this workflow runtime has no data adapter; pass { adapter } to new WorkflowRuntime() to use data nodes',
    ),
  );

/**
 * The adapter of a runtime created without one: every data call rejects with `UNAVAILABLE`, so
 * workflows without data nodes run and data nodes fail with a clear message.
 *
 * @example
 * ```ts
 * await noAdapter.query({ collection: 'Todo' }); // rejects UNAVAILABLE
 * ```
 */
export const noAdapter: CloudStoreAdapter = Object.freeze({
  capabilities: Object.freeze({
    transactions: false,
    relations: false,
    fullText: false,
    regex: false,
    geo: false,
    aggregate: false,
    schema: false,
    events: false,
    backup: false,
  }),
  connect: () => Promise.resolve(),
  disconnect: () => Promise.resolve(),
  query: unavailable,
  fetch: unavailable,
  count: unavailable,
  aggregate: unavailable,
  distinct: unavailable,
  create: unavailable,
  save: unavailable,
  increment: unavailable,
  delete: unavailable,
  addRelation: unavailable,
  removeRelation: unavailable,
  transaction: unavailable,
  getSchema: () => Promise.resolve({ version: 0, tables: [] }),
  updateSchema: unavailable,
  createTable: unavailable,
  addColumn: unavailable,
  deleteColumn: unavailable,
  deleteTable: unavailable,
  on: () => {},
  off: () => {},
});
