import type { RecordInput, StoredRecord, UpdateInput } from './field-value';
import type { ColumnDefinition, SchemaDefinition, TableSchema } from './schema-definition';

/**
 * A filter in any format `@localbackend/query` accepts: Parse wire (`{ age: { $gt: 18 } }`),
 * Noodl's filter format (`{ and: [...] }`), the shorthand (`{ title: { contains: 'x' } }`) or the
 * editor's visual filter (`{ combinator, rules }`).
 *
 * @example
 * ```ts
 * const where: WhereInput = { done: false, priority: { $gte: 2 } };
 * ```
 */
export type WhereInput = Readonly<Record<string, unknown>>;

/**
 * A sort in any accepted format: `'-a,b'`, `['-a', 'b']`, `[{ property, order }]`,
 * `{ a: 1 | -1 | 'asc' | 'desc' }`.
 *
 * @example
 * ```ts
 * const sort: SortInput = '-createdAt,title';
 * ```
 */
export type SortInput =
  | string
  | readonly string[]
  | readonly { readonly property: string; readonly order?: string }[]
  | Readonly<Record<string, 1 | -1 | 'asc' | 'desc' | 'ascending' | 'descending'>>;

/**
 * A list of field names, as an array or a comma-separated string (`include`, `select`).
 *
 * @example
 * ```ts
 * const include: FieldList = 'list,owner';
 * ```
 */
export type FieldList = string | readonly string[];

/**
 * Options of {@link CloudStoreAdapter.query}.
 *
 * @example
 * ```ts
 * const options: QueryOptions = { collection: 'Todo', where: { done: false }, sort: '-createdAt', limit: 20, count: true };
 * ```
 */
export interface QueryOptions {
  /** The collection to read. */
  readonly collection: string;
  /** Which records; all when absent. */
  readonly where?: WhereInput;
  /** Order of the results; unspecified when absent. */
  readonly sort?: SortInput;
  /** At most this many results (adapters apply a default of 100 and a maximum). */
  readonly limit?: number;
  /** Skip this many results first. */
  readonly skip?: number;
  /** Also return the total number of matching records (ignoring limit/skip). */
  readonly count?: boolean;
  /** Pointer fields to replace with the records they point to (`a.b` follows two levels). */
  readonly include?: FieldList;
  /** Only return these fields (plus objectId, createdAt, updatedAt). */
  readonly select?: FieldList;
}

/**
 * What {@link CloudStoreAdapter.query} returns.
 *
 * @example
 * ```ts
 * const { results, count } = await adapter.query({ collection: 'Todo', count: true });
 * ```
 */
export interface QueryResult {
  readonly results: StoredRecord[];
  /** Present when the query asked for `count`. */
  readonly count?: number;
}

/**
 * Options of {@link CloudStoreAdapter.fetch}.
 *
 * @example
 * ```ts
 * const options: FetchOptions = { collection: 'Todo', objectId: 'a1b2c3d4e5', include: 'list' };
 * ```
 */
export interface FetchOptions {
  readonly collection: string;
  readonly objectId: string;
  readonly include?: FieldList;
  readonly select?: FieldList;
}

/**
 * Options of {@link CloudStoreAdapter.count}.
 *
 * @example
 * ```ts
 * const options: CountOptions = { collection: 'Todo', where: { done: true } };
 * ```
 */
export interface CountOptions {
  readonly collection: string;
  readonly where?: WhereInput;
}

/**
 * One aggregate over a field: exactly one of `sum`, `avg`, `min`, `max` (numbers and dates) or
 * `distinct` (the distinct values, as an array).
 *
 * @example
 * ```ts
 * const total: AggregateSpec = { sum: 'price' };
 * ```
 */
export type AggregateSpec =
  | { readonly sum: string }
  | { readonly avg: string }
  | { readonly min: string }
  | { readonly max: string }
  | { readonly distinct: string };

/**
 * Options of {@link CloudStoreAdapter.aggregate}: named aggregates over the matching records.
 *
 * @example
 * ```ts
 * const options: AggregateOptions = {
 *   collection: 'Order',
 *   where: { paid: true },
 *   aggregates: { total: { sum: 'price' }, customers: { distinct: 'customer' } },
 * };
 * ```
 */
export interface AggregateOptions {
  readonly collection: string;
  readonly where?: WhereInput;
  readonly aggregates: Readonly<Record<string, AggregateSpec>>;
}

/**
 * Options of {@link CloudStoreAdapter.distinct}.
 *
 * @example
 * ```ts
 * const options: DistinctOptions = { collection: 'Todo', field: 'owner' };
 * ```
 */
export interface DistinctOptions {
  readonly collection: string;
  readonly field: string;
  readonly where?: WhereInput;
}

/**
 * Options of {@link CloudStoreAdapter.create}. `data.objectId` (or `objectId`) chooses the id;
 * otherwise a new one is generated.
 *
 * @example
 * ```ts
 * const options: CreateOptions = { collection: 'Todo', data: { title: 'Buy milk', done: false } };
 * ```
 */
export interface CreateOptions {
  readonly collection: string;
  readonly data: RecordInput;
  /** A custom objectId (same as `data.objectId`). */
  readonly objectId?: string;
}

/**
 * Options of {@link CloudStoreAdapter.createMany}: records to create in one atomic write. Each
 * record is what {@link CreateOptions.data} accepts (`objectId` in a record chooses its id).
 *
 * @example
 * ```ts
 * const options: CreateManyOptions = {
 *   collection: 'Todo',
 *   records: [{ title: 'Buy milk' }, { objectId: 'todo000002', title: 'Walk the dog' }],
 * };
 * ```
 */
export interface CreateManyOptions {
  readonly collection: string;
  /** The records, created in this order (an adapter may cap how many one call takes). */
  readonly records: readonly RecordInput[];
}

/**
 * Options of {@link CloudStoreAdapter.deleteMany}: every record of `collection` matching `where`
 * is deleted in one atomic write. `where` is required; `{}` means every record.
 *
 * @example
 * ```ts
 * const options: DeleteManyOptions = { collection: 'Todo', where: { done: true } };
 * ```
 */
export interface DeleteManyOptions {
  readonly collection: string;
  /** Which records (any filter format {@link WhereInput} accepts); `{}` deletes them all. */
  readonly where: WhereInput;
}

/**
 * Options of {@link CloudStoreAdapter.save}: a partial update; fields not in `data` keep their
 * values.
 *
 * @example
 * ```ts
 * const options: SaveOptions = { collection: 'Todo', objectId: 'a1b2c3d4e5', data: { done: true } };
 * ```
 */
export interface SaveOptions {
  readonly collection: string;
  readonly objectId: string;
  readonly data: UpdateInput;
}

/**
 * Options of {@link CloudStoreAdapter.increment}: add `amount` to each field atomically.
 *
 * @example
 * ```ts
 * const options: IncrementOptions = { collection: 'Post', objectId: 'p1', fields: { views: 1 } };
 * ```
 */
export interface IncrementOptions {
  readonly collection: string;
  readonly objectId: string;
  readonly fields: Readonly<Record<string, number>>;
}

/**
 * Options of {@link CloudStoreAdapter.delete}.
 *
 * @example
 * ```ts
 * const options: DeleteOptions = { collection: 'Todo', objectId: 'a1b2c3d4e5' };
 * ```
 */
export interface DeleteOptions {
  readonly collection: string;
  readonly objectId: string;
}

/**
 * Options of {@link CloudStoreAdapter.addRelation} and {@link CloudStoreAdapter.removeRelation}:
 * the record `collection/objectId` gains (loses) the related records in its Relation field `key`.
 *
 * @example
 * ```ts
 * const options: RelationOptions = { collection: 'Todo', objectId: 't1', key: 'tags', targetObjectId: ['g1', 'g2'], targetClass: 'Tag' };
 * ```
 */
export interface RelationOptions {
  readonly collection: string;
  readonly objectId: string;
  /** The Relation field. */
  readonly key: string;
  /** One or more objectIds of the related records. */
  readonly targetObjectId: string | readonly string[];
  /** The related collection; required when the Relation field does not exist yet. */
  readonly targetClass?: string;
}

/**
 * What an adapter can do. Callers (the server, the conformance suite) check these instead of
 * catching `UNSUPPORTED`.
 *
 * @example
 * ```ts
 * if (adapter.capabilities.transactions) await adapter.transaction(async (tx) => { ... });
 * ```
 */
export interface AdapterCapabilities {
  /** `transaction()` is all-or-nothing. */
  readonly transactions: boolean;
  /** Relation fields and `$relatedTo`. */
  readonly relations: boolean;
  /** `$text` search. */
  readonly fullText: boolean;
  /** `$regex` conditions. */
  readonly regex: boolean;
  /** `$nearSphere` / `$within` conditions. */
  readonly geo: boolean;
  /** `aggregate()` and `distinct()`. */
  readonly aggregate: boolean;
  /** Schema operations (`createTable`, `addColumn`...). */
  readonly schema: boolean;
  /** `create`/`save`/`delete` events. */
  readonly events: boolean;
  /** Online backup and restore. */
  readonly backup: boolean;
  /**
   * The optional bulk methods {@link CloudStoreAdapter.createMany} and
   * {@link CloudStoreAdapter.deleteMany} are implemented. Absent (or `false`) means the adapter
   * does not have them: callers fall back to one `create` / `delete` per record.
   */
  readonly bulk?: boolean;
}

/**
 * A change committed to the store. Emitted after the commit, never for rolled-back work.
 *
 * @example
 * ```ts
 * adapter.on('save', (event: ChangeEvent) => console.log(event.collection, event.objectId, event.previous));
 * ```
 */
export interface ChangeEvent {
  readonly type: ChangeEventType;
  readonly collection: string;
  readonly objectId: string;
  /** The record after the change (for `delete`: the record as it was). */
  readonly object: StoredRecord;
  /** The record before a `save`. */
  readonly previous?: StoredRecord;
}

/**
 * The kinds of {@link ChangeEvent}.
 *
 * @example
 * ```ts
 * const type: ChangeEventType = 'create';
 * ```
 */
export type ChangeEventType = 'create' | 'save' | 'delete';

/**
 * A listener for {@link ChangeEvent}s.
 *
 * @example
 * ```ts
 * const log: ChangeListener = (event) => console.log(event.type, event.objectId);
 * ```
 */
export type ChangeListener = (event: ChangeEvent) => void;

/**
 * The storage contract of localbackend. Every storage (SQLite, Postgres, a remote Parse Server)
 * implements it; the server, the workflow runtime and the manager only talk to data through it.
 * All methods reject with a `BackendError`.
 *
 * @example
 * ```ts
 * async function openTodos(adapter: CloudStoreAdapter) {
 *   await adapter.connect();
 *   const todo = await adapter.create({ collection: 'Todo', data: { title: 'Buy milk', done: false } });
 *   const { results } = await adapter.query({ collection: 'Todo', where: { done: false }, sort: '-createdAt' });
 *   await adapter.save({ collection: 'Todo', objectId: todo.objectId, data: { done: true } });
 *   return results;
 * }
 * ```
 */
export interface CloudStoreAdapter {
  /** What this adapter supports. */
  readonly capabilities: AdapterCapabilities;

  /** Opens the store (idempotent). */
  connect(): Promise<void>;
  /** Closes the store (idempotent); pending work finishes first. */
  disconnect(): Promise<void>;

  /** Reads records. */
  query(options: QueryOptions): Promise<QueryResult>;
  /** Reads one record; rejects with `NOT_FOUND` when it does not exist. */
  fetch(options: FetchOptions): Promise<StoredRecord>;
  /** Counts matching records. */
  count(options: CountOptions): Promise<number>;
  /** Computes named aggregates: `{ name: value }` (`distinct` gives an array). */
  aggregate(options: AggregateOptions): Promise<Record<string, unknown>>;
  /** The distinct values of a field. */
  distinct(options: DistinctOptions): Promise<unknown[]>;

  /** Creates a record and returns it as stored. */
  create(options: CreateOptions): Promise<StoredRecord>;
  /** Updates some fields of a record and returns it as stored. */
  save(options: SaveOptions): Promise<StoredRecord>;
  /** Adds to numeric fields atomically and returns the record as stored. */
  increment(options: IncrementOptions): Promise<StoredRecord>;
  /** Deletes a record; rejects with `NOT_FOUND` when it does not exist. */
  delete(options: DeleteOptions): Promise<void>;

  /**
   * Optional (present when `capabilities.bulk` is true): creates many records of one collection
   * all-or-nothing and returns them as stored, in order. Each record is validated exactly like
   * `create` would; an error names the record (`records[3].age: ...`) and nothing of the call is
   * written. Emits one `create` event per record after the commit (inside a `transaction`, after
   * that commits). The same records through `create` one by one give the same result, only
   * slower.
   *
   * @example
   * ```ts
   * if (adapter.createMany !== undefined) {
   *   const stored = await adapter.createMany({ collection: 'Log', records: lines });
   * } else for (const data of lines) await adapter.create({ collection: 'Log', data });
   * ```
   */
  createMany?(options: CreateManyOptions): Promise<StoredRecord[]>;

  /**
   * Optional (present when `capabilities.bulk` is true): deletes every record of `collection`
   * matching `where` all-or-nothing (with its relation rows, as `delete` does) and returns how
   * many were deleted; an unknown collection deletes nothing (`TABLE_NOT_FOUND` in a strict
   * schema, like `query`). Emits one `delete` event per deleted record after the commit, with
   * the record as it was.
   *
   * @example
   * ```ts
   * const removed = await adapter.deleteMany?.({ collection: 'Log', where: { run: { $in: ids } } });
   * ```
   */
  deleteMany?(options: DeleteManyOptions): Promise<number>;

  /** Adds records to a Relation field. */
  addRelation(options: RelationOptions): Promise<void>;
  /** Removes records from a Relation field. */
  removeRelation(options: RelationOptions): Promise<void>;

  /**
   * Runs `fn` all-or-nothing: if it throws (or rejects) every change it made is rolled back and no
   * event is emitted. A `transaction` called on `tx` joins the outer transaction.
   */
  transaction<T>(fn: (tx: CloudStoreAdapter) => Promise<T> | T): Promise<T>;

  /** The current schema of the user collections. */
  getSchema(): Promise<SchemaDefinition>;
  /** Creates missing tables and columns so that the store has at least `schema`. */
  updateSchema(schema: SchemaDefinition): Promise<void>;
  /** Creates a collection; `SCHEMA_CONFLICT` when it exists with different columns. */
  createTable(table: TableSchema): Promise<void>;
  /** Adds a column; `SCHEMA_CONFLICT` when it exists with another type. */
  addColumn(table: string, column: ColumnDefinition): Promise<void>;
  /** Deletes a column and its data. */
  deleteColumn(table: string, column: string): Promise<void>;
  /** Deletes a collection and its data. */
  deleteTable(table: string): Promise<void>;

  /** Listens for committed changes. */
  on(event: ChangeEventType, listener: ChangeListener): void;
  /** Stops listening. */
  off(event: ChangeEventType, listener: ChangeListener): void;
}
