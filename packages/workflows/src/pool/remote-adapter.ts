import {
  BackendError,
  type AdapterCapabilities,
  type AggregateOptions,
  type ChangeEventType,
  type ChangeListener,
  type CloudStoreAdapter,
  type CountOptions,
  type CreateOptions,
  type DeleteOptions,
  type DistinctOptions,
  type FetchOptions,
  type IncrementOptions,
  type QueryOptions,
  type QueryResult,
  type RelationOptions,
  type SaveOptions,
  type SchemaDefinition,
  type StoredRecord,
} from '@localbackend/adapter';
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

const CAPABILITIES: AdapterCapabilities = Object.freeze({
  transactions: false,
  relations: true,
  fullText: true,
  regex: true,
  geo: true,
  aggregate: true,
  schema: false,
  events: false,
  backup: false,
});

function unsupported(what: string): Promise<never> {
  return Promise.reject(new BackendError('UNSUPPORTED', `${what} is not available to workflows`));
}

/**
 * The `CloudStoreAdapter` a workflow sees inside a worker thread: every data call is forwarded to
 * the main thread's adapter by message passing (so the database connection stays in one place).
 * Transactions, schema changes and change listeners are not available to workflows. One object
 * per run (its methods live on the prototype).
 *
 * @example
 * ```ts
 * const adapter = new RemoteAdapter((method, args) => bridge.call(slot, method, args));
 * await adapter.query({ collection: 'Todo' });
 * ```
 */
export class RemoteAdapter implements CloudStoreAdapter {
  readonly #call: RemoteCall;

  constructor(call: RemoteCall) {
    this.#call = call;
  }

  get capabilities(): AdapterCapabilities {
    return CAPABILITIES;
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  disconnect(): Promise<void> {
    return Promise.resolve();
  }

  query(options: QueryOptions): Promise<QueryResult> {
    return this.#call('query', [options]) as Promise<QueryResult>;
  }

  fetch(options: FetchOptions): Promise<StoredRecord> {
    return this.#call('fetch', [options]) as Promise<StoredRecord>;
  }

  count(options: CountOptions): Promise<number> {
    return this.#call('count', [options]) as Promise<number>;
  }

  aggregate(options: AggregateOptions): Promise<Record<string, unknown>> {
    return this.#call('aggregate', [options]) as Promise<Record<string, unknown>>;
  }

  distinct(options: DistinctOptions): Promise<unknown[]> {
    return this.#call('distinct', [options]) as Promise<unknown[]>;
  }

  create(options: CreateOptions): Promise<StoredRecord> {
    return this.#call('create', [options]) as Promise<StoredRecord>;
  }

  save(options: SaveOptions): Promise<StoredRecord> {
    return this.#call('save', [options]) as Promise<StoredRecord>;
  }

  increment(options: IncrementOptions): Promise<StoredRecord> {
    return this.#call('increment', [options]) as Promise<StoredRecord>;
  }

  delete(options: DeleteOptions): Promise<void> {
    return this.#call('delete', [options]) as Promise<void>;
  }

  addRelation(options: RelationOptions): Promise<void> {
    return this.#call('addRelation', [options]) as Promise<void>;
  }

  removeRelation(options: RelationOptions): Promise<void> {
    return this.#call('removeRelation', [options]) as Promise<void>;
  }

  transaction<T>(): Promise<T> {
    return unsupported('transaction()');
  }

  getSchema(): Promise<SchemaDefinition> {
    return this.#call('getSchema', []) as Promise<SchemaDefinition>;
  }

  updateSchema(): Promise<void> {
    return unsupported('updateSchema()');
  }

  createTable(): Promise<void> {
    return unsupported('createTable()');
  }

  addColumn(): Promise<void> {
    return unsupported('addColumn()');
  }

  deleteColumn(): Promise<void> {
    return unsupported('deleteColumn()');
  }

  deleteTable(): Promise<void> {
    return unsupported('deleteTable()');
  }

  on(_event: ChangeEventType, _listener: ChangeListener): void {
    throw new BackendError(
      'UNSUPPORTED',
      'change listeners are not available to workflows; use a dbChange trigger',
    );
  }

  off(_event: ChangeEventType, _listener: ChangeListener): void {}
}
