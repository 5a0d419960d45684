import { AsyncLocalStorage } from 'node:async_hooks';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  BackendError,
  assertFieldName,
  assertObjectId,
  describeValue,
  isPlainRecord,
  isSystemFieldName,
  type AdapterCapabilities,
  type AggregateOptions,
  type ChangeEvent,
  type ChangeEventType,
  type ChangeListener,
  type CloudStoreAdapter,
  type ColumnDefinition,
  type CountOptions,
  type CreateManyOptions,
  type CreateOptions,
  type DeleteManyOptions,
  type DeleteOptions,
  type DistinctOptions,
  type FetchOptions,
  type IncrementOptions,
  type QueryOptions,
  type QueryResult,
  type RelationOptions,
  type SaveOptions,
  type SchemaDefinition,
  type SchemaMode,
  type StoredRecord,
  type TableSchema,
} from '@localbackend/adapter';
import { SQLITE_FUNCTIONS } from '@localbackend/query';
import { AsyncGate } from './internal/async-gate';
import { checkDatabaseFile, copyDatabase, readIntegrity, restoreInto } from './internal/backup';
import { assertStorableCollection } from './internal/identifiers';
import { importParseRecords, importParseSchemaResponse } from './internal/parse-import';
import { objectIdList, RecordStore, type WriteScope } from './internal/record-store';
import { QueryEngine } from './internal/query-engine';
import { SchemaStore, type TableInfo } from './internal/schema-store';
import { normalizeColumn, normalizeSchema, normalizeTable } from './internal/schema-validation';
import { exportDataJson, exportDataSql, exportSchemaSql } from './internal/sql-export';
import { SqliteConnection, type SqlFunction } from './internal/sqlite-connection';
import { isBusyError, mapSqliteError, type ErrorContext } from './internal/sqlite-errors';
import type {
  BackupOptions,
  BackupResult,
  DataExportFormat,
  ImportRecordsOptions,
  ImportRecordsResult,
  ImportSchemaResult,
  IntegrityCheckResult,
  LocalSQLAdapterOptions,
  SqlExportTarget,
} from './local-sql-adapter-options';
import { loadSchemaFileSync, writeSchemaFileSync } from './schema-file';

const EVENT_TYPES: readonly ChangeEventType[] = ['create', 'save', 'delete'];

/** Most records one `createMany` takes (`importRecords` is the tool for more). */
const MAX_BULK_RECORDS = 10_000;

const DEFAULTS = {
  schemaMode: 'auto' as SchemaMode,
  busyTimeoutMs: 5000,
  lockRetryMs: 30_000,
  transactionTimeoutMs: 60_000,
  maxRecordBytes: 4 * 1024 * 1024,
  defaultLimit: 100,
  maxLimit: 100_000,
  statementCacheSize: 500,
};

interface Settings {
  readonly schemaMode: SchemaMode;
  readonly schemaFile: string | undefined;
  readonly busyTimeoutMs: number;
  readonly lockRetryMs: number;
  readonly transactionTimeoutMs: number;
  readonly maxRecordBytes: number;
  readonly defaultLimit: number;
  readonly maxLimit: number;
  readonly statementCacheSize: number;
  readonly readonly: boolean;
  readonly onListenerError: ((error: unknown, event: ChangeEvent) => void) | undefined;
}

/** One open `transaction()`: its events wait here for the commit. */
class TxContext implements WriteScope {
  active = true;
  readonly events: ChangeEvent[] = [];
  savepoints = 0;
  handle!: CloudStoreAdapter;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function positiveInteger(
  value: unknown,
  name: string,
  fallback: number,
  allowZero = false,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new BackendError(
      'INVALID_CONFIG',
      `options.${name}: expected ${allowZero ? 'a non-negative' : 'a positive'} integer, got ${describeValue(value)}`,
      {
        details: { path: `options.${name}`, received: describeValue(value) },
      },
    );
  }
  return value;
}

function settingsFrom(options: LocalSQLAdapterOptions | undefined): Settings {
  const o: LocalSQLAdapterOptions = options ?? {};
  if (!isPlainRecord(o as unknown)) {
    throw new BackendError(
      'INVALID_CONFIG',
      `options: expected an object, got ${describeValue(o)}`,
    );
  }
  const schemaMode = o.schemaMode ?? DEFAULTS.schemaMode;
  if (schemaMode !== 'auto' && schemaMode !== 'strict') {
    throw new BackendError(
      'INVALID_CONFIG',
      `options.schemaMode: expected "auto" or "strict", got ${describeValue(schemaMode)}`,
      {
        details: { path: 'options.schemaMode' },
      },
    );
  }
  if (o.schemaFile !== undefined && (typeof o.schemaFile !== 'string' || o.schemaFile === '')) {
    throw new BackendError(
      'INVALID_CONFIG',
      `options.schemaFile: expected a file path, got ${describeValue(o.schemaFile)}`,
    );
  }
  if (o.onListenerError !== undefined && typeof o.onListenerError !== 'function') {
    throw new BackendError('INVALID_CONFIG', 'options.onListenerError: expected a function');
  }
  return {
    schemaMode,
    schemaFile: o.schemaFile === undefined ? undefined : resolve(o.schemaFile),
    busyTimeoutMs: positiveInteger(o.busyTimeoutMs, 'busyTimeoutMs', DEFAULTS.busyTimeoutMs, true),
    lockRetryMs: positiveInteger(o.lockRetryMs, 'lockRetryMs', DEFAULTS.lockRetryMs, true),
    transactionTimeoutMs: positiveInteger(
      o.transactionTimeoutMs,
      'transactionTimeoutMs',
      DEFAULTS.transactionTimeoutMs,
      true,
    ),
    maxRecordBytes: positiveInteger(o.maxRecordBytes, 'maxRecordBytes', DEFAULTS.maxRecordBytes),
    defaultLimit: positiveInteger(o.defaultLimit, 'defaultLimit', DEFAULTS.defaultLimit),
    maxLimit: positiveInteger(o.maxLimit, 'maxLimit', DEFAULTS.maxLimit),
    statementCacheSize: positiveInteger(
      o.statementCacheSize,
      'statementCacheSize',
      DEFAULTS.statementCacheSize,
    ),
    readonly: o.readonly === true,
    onListenerError: o.onListenerError,
  };
}

function requireOptions<T>(options: T, method: string): T {
  if (!isPlainRecord(options)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${method}: expected an options object, got ${describeValue(options)}`,
      {
        details: { path: method, expected: 'an options object' },
      },
    );
  }
  return options;
}

function transactionFinished(): BackendError {
  return new BackendError(
    'FORBIDDEN',
    'This transaction has already finished (committed, rolled back or timed out); its handle can no longer be used',
  );
}

/**
 * The default localbackend storage: a {@link CloudStoreAdapter} on one SQLite file (or
 * `:memory:`) through better-sqlite3. WAL journal, `synchronous=NORMAL`, typed columns per
 * collection, `_schema` metadata, junction tables for Relations, FTS5 text indexes, all-or-nothing
 * transactions, change events after commit, Postgres/Supabase export, Parse import and online
 * backup.
 *
 * @example
 * ```ts
 * import { LocalSQLAdapter } from '@localbackend/sqlite';
 *
 * const db = new LocalSQLAdapter('./data/local.db');
 * await db.connect();
 * const todo = await db.create({ collection: 'Todo', data: { title: 'Buy milk', done: false } });
 * const { results } = await db.query({ collection: 'Todo', where: { done: false }, sort: '-createdAt' });
 * await db.save({ collection: 'Todo', objectId: todo.objectId, data: { done: true } });
 * await db.disconnect();
 * ```
 */
export class LocalSQLAdapter implements CloudStoreAdapter {
  /** Everything is supported. */
  readonly capabilities: AdapterCapabilities = Object.freeze({
    transactions: true,
    relations: true,
    fullText: true,
    regex: true,
    geo: true,
    aggregate: true,
    schema: true,
    events: true,
    backup: true,
    bulk: true,
  });
  /** The database file (absolute), or `:memory:`. */
  readonly path: string;
  /** `auto` or `strict`. */
  readonly schemaMode: SchemaMode;

  readonly #settings: Settings;
  readonly #gate = new AsyncGate();
  readonly #als = new AsyncLocalStorage<TxContext>();
  readonly #schema: SchemaStore;
  readonly #records: RecordStore;
  readonly #queries: QueryEngine;
  readonly #listeners: Record<ChangeEventType, Set<ChangeListener>> = {
    create: new Set(),
    save: new Set(),
    delete: new Set(),
  };
  readonly #shared: boolean;
  readonly #validNames = new Set<string>();
  readonly #find = (name: string): TableInfo | undefined => this.#records.findTable(name);
  #connection: SqliteConnection | undefined;
  #connecting: Promise<void> | undefined;
  #closed = false;
  #lastRefresh = 0;

  /**
   * @param path - a database file (created with its folder if missing) or `':memory:'`
   * @param options - see {@link LocalSQLAdapterOptions}
   */
  constructor(path: string, options?: LocalSQLAdapterOptions) {
    if (typeof path !== 'string' || path.trim() === '') {
      throw new BackendError(
        'INVALID_CONFIG',
        `path: expected a database file path or ":memory:", got ${describeValue(path)}`,
        {
          details: { path: 'path' },
        },
      );
    }
    this.#settings = settingsFrom(options);
    this.path = path === ':memory:' ? path : resolve(path);
    this.#shared = this.path !== ':memory:';
    this.schemaMode = this.#settings.schemaMode;
    const conn = () => this.#conn();
    this.#schema = new SchemaStore(conn);
    this.#records = new RecordStore(conn, this.#schema, {
      schemaMode: this.#settings.schemaMode,
      maxRecordBytes: this.#settings.maxRecordBytes,
    });
    this.#queries = new QueryEngine(conn, this.#settings.schemaMode, {
      defaultLimit: this.#settings.defaultLimit,
      maxLimit: this.#settings.maxLimit,
    });
  }

  // ---- lifecycle ---------------------------------------------------------------------------------

  /** Opens the database (idempotent). Other methods connect on first use too. */
  async connect(): Promise<void> {
    if (this.#connection !== undefined) return;
    this.#connecting ??= this.#open().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(): Promise<void> {
    const settings = this.#settings;
    let conn: SqliteConnection;
    try {
      if (this.#shared && !settings.readonly) mkdirSync(dirname(this.path), { recursive: true });
      conn = new SqliteConnection(this.path, {
        busyTimeoutMs: settings.busyTimeoutMs,
        readonly: settings.readonly,
        functions: (SQLITE_FUNCTIONS ?? []) as readonly SqlFunction[],
        statementCacheSize: settings.statementCacheSize,
      });
    } catch (error) {
      throw mapSqliteError(error, { operation: 'connect' });
    }
    this.#connection = conn;
    try {
      if (!settings.readonly) {
        await this.#withLockRetry({ operation: 'connect' }, () => {
          conn.exec('BEGIN IMMEDIATE');
          try {
            this.#schema.initialize();
            conn.exec('COMMIT');
          } catch (error) {
            if (conn.inTransaction) conn.exec('ROLLBACK');
            throw error;
          }
        });
      }
      this.#schema.load();
      if (settings.schemaFile !== undefined && existsSync(settings.schemaFile)) {
        const fileSchema = loadSchemaFileSync(settings.schemaFile);
        this.#closed = false;
        await this.#run('write', { operation: 'connect (schemaFile)' }, () =>
          this.#applySchema(fileSchema),
        );
      }
      if (settings.schemaFile !== undefined && !settings.readonly) this.#writeSchemaFile();
    } catch (error) {
      conn.close();
      this.#connection = undefined;
      throw mapSqliteError(error, { operation: 'connect' });
    }
    this.#closed = false;
  }

  /** Closes the database after the work in progress (queued operations, an open transaction) finished. */
  async disconnect(): Promise<void> {
    if (this.#currentTx() !== undefined) {
      throw new BackendError('FORBIDDEN', 'disconnect() cannot be called inside a transaction');
    }
    if (this.#connecting !== undefined) await this.#connecting.catch(() => undefined);
    await this.#gate.run(() => {
      this.#connection?.close();
      this.#connection = undefined;
      this.#closed = true;
    });
  }

  #conn(): SqliteConnection {
    const conn = this.#connection;
    if (conn === undefined || !conn.open) {
      throw new BackendError(
        'UNAVAILABLE',
        `The database ${this.path} is not connected (call connect())`,
      );
    }
    return conn;
  }

  async #ensureConnected(): Promise<void> {
    if (this.#connection !== undefined) return;
    if (this.#closed) {
      throw new BackendError(
        'UNAVAILABLE',
        `The database ${this.path} was disconnected (call connect() to reopen it)`,
      );
    }
    await this.connect();
  }

  // ---- the execution core --------------------------------------------------------------------------

  #currentTx(): TxContext | undefined {
    const ctx = this.#als.getStore();
    return ctx !== undefined && ctx.active ? ctx : undefined;
  }

  #collection(name: unknown, path = 'collection'): string {
    if (typeof name === 'string' && this.#validNames.has(name)) return name;
    assertStorableCollection(name, path);
    if (this.#validNames.size > 1000) this.#validNames.clear();
    this.#validNames.add(name);
    return name;
  }

  /**
   * Runs `work` as a read or an atomic write: inside the caller's transaction, or queued behind
   * one. `single`, when given, may return the write as one SQL statement (see
   * `RecordStore.singleStatementCreate`), which inside a transaction needs no savepoint.
   */
  async #run<T>(
    kind: 'read' | 'write',
    context: ErrorContext,
    work: (scope: WriteScope) => T,
    single?: () => ((scope: WriteScope) => T) | undefined,
  ): Promise<T> {
    if (this.#connection === undefined) await this.#ensureConnected();
    const tx = this.#currentTx();
    if (tx !== undefined) return this.#inTransaction(tx, kind, context, work, single);
    if (this.#gate.free) {
      // fast path: nobody holds or waits for the connection; the work runs synchronously now
      try {
        return this.#now(kind, work);
      } catch (error) {
        if (!isBusyError(error)) throw mapSqliteError(error, context);
      }
    }
    return this.#withLockRetry(context, () => {
      if (this.#gate.free) return this.#now(kind, work);
      return this.#gate.run(() => this.#now(kind, work));
    });
  }

  /** Retries `attempt` while another connection holds the write lock, up to `lockRetryMs`. */
  async #withLockRetry<T>(context: ErrorContext, attempt: () => T | Promise<T>): Promise<T> {
    const started = Date.now();
    let delay = 2;
    for (;;) {
      try {
        return await attempt();
      } catch (error) {
        if (!isBusyError(error) || Date.now() - started > this.#settings.lockRetryMs) {
          throw mapSqliteError(error, context);
        }
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
      if (this.#connection === undefined) await this.#ensureConnected();
    }
  }

  #maybeRefresh(): void {
    if (!this.#shared) return;
    const now = Date.now();
    if (now - this.#lastRefresh < 1000) return;
    this.#lastRefresh = now;
    this.#schema.refreshIfChanged();
  }

  /** Runs synchronously now (nobody else is in a transaction). Writes are one IMMEDIATE transaction. */
  #now<T>(kind: 'read' | 'write', work: (scope: WriteScope) => T): T {
    const conn = this.#conn();
    if (kind === 'read') {
      this.#maybeRefresh();
      try {
        return work(NO_SCOPE);
      } catch (error) {
        // another process dropped a column or table since the schema was read: reload, retry once
        if (!this.#shared || !/no such (column|table)/i.test(String((error as Error).message)))
          throw error;
        if (!this.#schema.refreshIfChanged()) throw error;
        return work(NO_SCOPE);
      }
    }
    const events: ChangeEvent[] = [];
    const generation = this.#schema.generation;
    const changes = this.#schema.changes;
    conn.prepare('BEGIN IMMEDIATE').run();
    let result: T;
    try {
      if (this.#shared) this.#schema.refreshIfChanged();
      result = work({ events });
      conn.prepare('COMMIT').run();
    } catch (error) {
      this.#rollback(conn);
      if (this.#schema.generation !== generation) this.#reloadSchema();
      throw error;
    }
    if (this.#schema.changes !== changes) this.#writeSchemaFile();
    this.#emit(events);
    return result;
  }

  #inTransaction<T>(
    ctx: TxContext,
    kind: 'read' | 'write',
    context: ErrorContext,
    work: (scope: WriteScope) => T,
    single?: () => ((scope: WriteScope) => T) | undefined,
  ): T {
    if (kind === 'read') {
      try {
        return work(ctx);
      } catch (error) {
        throw mapSqliteError(error, context);
      }
    }
    // One statement is atomic by itself: when it fails, SQLite undoes it and the transaction
    // goes on, as after ROLLBACK TO a savepoint (whose page journaling would double its cost).
    let one: ((scope: WriteScope) => T) | undefined;
    try {
      one = single?.();
    } catch (error) {
      throw mapSqliteError(error, context);
    }
    if (one !== undefined) {
      const mark = ctx.events.length;
      try {
        return one(ctx);
      } catch (error) {
        ctx.events.length = mark;
        throw mapSqliteError(error, context);
      }
    }
    const conn = this.#conn();
    const mark = ctx.events.length;
    const generation = this.#schema.generation;
    conn.prepare('SAVEPOINT "lb_op"').run();
    try {
      const result = work(ctx);
      conn.prepare('RELEASE "lb_op"').run();
      return result;
    } catch (error) {
      try {
        conn.prepare('ROLLBACK TO "lb_op"').run();
        conn.prepare('RELEASE "lb_op"').run();
      } catch {
        // the transaction is gone already; the outer rollback cleans up
      }
      ctx.events.length = mark;
      if (this.#schema.generation !== generation) this.#reloadSchema();
      throw mapSqliteError(error, context);
    }
  }

  #rollback(conn: SqliteConnection): void {
    try {
      if (conn.inTransaction) conn.exec('ROLLBACK');
    } catch {
      // nothing more to undo
    }
  }

  #reloadSchema(): void {
    try {
      this.#schema.load();
    } catch {
      // the next operation reloads again
    }
  }

  #emit(events: readonly ChangeEvent[]): void {
    for (const event of events) {
      const listeners = this.#listeners[event.type];
      if (listeners.size === 0) continue;
      for (const listener of [...listeners]) {
        const copy: ChangeEvent =
          event.previous === undefined
            ? { ...event, object: { ...event.object } }
            : { ...event, object: { ...event.object }, previous: { ...event.previous } };
        try {
          listener(copy);
        } catch (error) {
          if (this.#settings.onListenerError !== undefined)
            this.#settings.onListenerError(error, copy);
          else
            process.emitWarning(
              `A ${event.type} listener of LocalSQLAdapter threw: ${String(error)}`,
            );
        }
      }
    }
  }

  #writeSchemaFile(): void {
    const file = this.#settings.schemaFile;
    if (file === undefined || this.#settings.readonly) return;
    try {
      writeSchemaFileSync(file, this.#schema.definition(true));
    } catch (error) {
      process.emitWarning(`LocalSQLAdapter could not write ${file}: ${String(error)}`);
    }
  }

  // ---- transactions ------------------------------------------------------------------------------

  /**
   * Runs `fn` all-or-nothing in one SQLite transaction (`BEGIN IMMEDIATE`). Other callers of this
   * adapter wait until it ends; calls made inside `fn` (on `tx` or on this adapter) join it; a
   * nested `transaction()` is a savepoint. If `fn` throws, everything is rolled back, no event is
   * emitted and the promise rejects with what `fn` threw.
   */
  async transaction<T>(fn: (tx: CloudStoreAdapter) => Promise<T> | T): Promise<T> {
    if (typeof fn !== 'function') {
      throw new BackendError(
        'INVALID_VALUE',
        `transaction: expected a function, got ${describeValue(fn)}`,
      );
    }
    if (this.#connection === undefined) await this.#ensureConnected();
    const outer = this.#currentTx();
    if (outer !== undefined) return this.#nested(outer, fn);
    return this.#gate.run(async () => {
      const conn = await this.#withLockRetry({ operation: 'transaction' }, () => {
        const c = this.#conn();
        c.prepare('BEGIN IMMEDIATE').run();
        try {
          if (this.#shared) this.#schema.refreshIfChanged();
        } catch (error) {
          this.#rollback(c);
          throw error;
        }
        return c;
      });
      const ctx = new TxContext();
      ctx.handle = this.#makeHandle(ctx);
      const generation = this.#schema.generation;
      const changes = this.#schema.changes;
      let result: T;
      try {
        result = await this.#withTimeout(this.#als.run(ctx, () => fn(ctx.handle)));
      } catch (error) {
        ctx.active = false;
        this.#rollback(conn);
        if (this.#schema.generation !== generation) this.#reloadSchema();
        throw error;
      }
      ctx.active = false;
      try {
        conn.prepare('COMMIT').run();
      } catch (error) {
        this.#rollback(conn);
        if (this.#schema.generation !== generation) this.#reloadSchema();
        throw mapSqliteError(error, { operation: 'transaction commit' });
      }
      if (this.#schema.changes !== changes) this.#writeSchemaFile();
      this.#emit(ctx.events);
      return result;
    });
  }

  async #withTimeout<T>(work: Promise<T> | T): Promise<T> {
    const ms = this.#settings.transactionTimeoutMs;
    if (ms === 0) return work;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BackendError(
              'TIMEOUT',
              `The transaction was still open after ${ms} ms and was rolled back (transactionTimeoutMs)`,
            ),
          ),
        ms,
      );
    });
    try {
      return await Promise.race([Promise.resolve(work), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #nested<T>(ctx: TxContext, fn: (tx: CloudStoreAdapter) => Promise<T> | T): Promise<T> {
    const conn = this.#conn();
    const name = `"lb_sp_${++ctx.savepoints}"`;
    const mark = ctx.events.length;
    const generation = this.#schema.generation;
    conn.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn(ctx.handle);
      if (ctx.active) conn.exec(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (ctx.active) {
        try {
          conn.exec(`ROLLBACK TO ${name}`);
          conn.exec(`RELEASE ${name}`);
        } catch {
          // the outer transaction rolls back
        }
        ctx.events.length = mark;
        if (this.#schema.generation !== generation) this.#reloadSchema();
      }
      throw error;
    }
  }

  #makeHandle(ctx: TxContext): CloudStoreAdapter {
    const inside =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> =>
        ctx.active ? this.#als.run(ctx, () => fn(...args)) : Promise.reject(transactionFinished());
    return Object.freeze({
      capabilities: this.capabilities,
      connect: () => Promise.resolve(),
      disconnect: () =>
        Promise.reject(
          new BackendError('FORBIDDEN', 'disconnect() cannot be called inside a transaction'),
        ),
      query: inside((o: QueryOptions) => this.query(o)),
      fetch: inside((o: FetchOptions) => this.fetch(o)),
      count: inside((o: CountOptions) => this.count(o)),
      aggregate: inside((o: AggregateOptions) => this.aggregate(o)),
      distinct: inside((o: DistinctOptions) => this.distinct(o)),
      create: inside((o: CreateOptions) => this.create(o)),
      save: inside((o: SaveOptions) => this.save(o)),
      increment: inside((o: IncrementOptions) => this.increment(o)),
      delete: inside((o: DeleteOptions) => this.delete(o)),
      createMany: inside((o: CreateManyOptions) => this.createMany(o)),
      deleteMany: inside((o: DeleteManyOptions) => this.deleteMany(o)),
      addRelation: inside((o: RelationOptions) => this.addRelation(o)),
      removeRelation: inside((o: RelationOptions) => this.removeRelation(o)),
      transaction: <T>(fn: (tx: CloudStoreAdapter) => Promise<T> | T): Promise<T> =>
        ctx.active
          ? this.#als.run(ctx, () => this.transaction(fn))
          : Promise.reject(transactionFinished()),
      getSchema: inside(() => this.getSchema()),
      updateSchema: inside((s: SchemaDefinition) => this.updateSchema(s)),
      createTable: inside((t: TableSchema) => this.createTable(t)),
      addColumn: inside((t: string, c: ColumnDefinition) => this.addColumn(t, c)),
      deleteColumn: inside((t: string, c: string) => this.deleteColumn(t, c)),
      deleteTable: inside((t: string) => this.deleteTable(t)),
      on: (event: ChangeEventType, listener: ChangeListener) => this.on(event, listener),
      off: (event: ChangeEventType, listener: ChangeListener) => this.off(event, listener),
    });
  }

  // ---- reads ---------------------------------------------------------------------------------------

  /** Reads records: `where` in any accepted filter format, `sort`, `limit` (default 100), `skip`, `count`, `include`, `select`. */
  async query(options: QueryOptions): Promise<QueryResult> {
    const o = requireOptions(options, 'query');
    const collection = this.#collection(o.collection);
    return this.#run('read', { operation: 'query', collection }, () =>
      this.#queries.query(o, this.#find),
    );
  }

  /** Reads one record (with `include` / `select`); `NOT_FOUND` when it does not exist. */
  async fetch(options: FetchOptions): Promise<StoredRecord> {
    const o = requireOptions(options, 'fetch');
    const collection = this.#collection(o.collection);
    assertObjectId(o.objectId);
    return this.#run('read', { operation: 'fetch', collection }, () => {
      const table = this.#records.tableForRecord(collection, o.objectId);
      const row = this.#records.row(table, o.objectId);
      if (row === undefined) {
        throw new BackendError('NOT_FOUND', `${collection}/${o.objectId}: no such record`, {
          details: { path: 'objectId', received: o.objectId },
        });
      }
      return this.#queries.fetch(o, table, row, this.#find);
    });
  }

  /** Counts the records matching `where`. */
  async count(options: CountOptions): Promise<number> {
    const o = requireOptions(options, 'count');
    const collection = this.#collection(o.collection);
    return this.#run('read', { operation: 'count', collection }, () =>
      this.#queries.count(o, this.#find),
    );
  }

  /** Named aggregates over the matching records: `{ total: { sum: 'price' }, owners: { distinct: 'owner' } }`. */
  async aggregate(options: AggregateOptions): Promise<Record<string, unknown>> {
    const o = requireOptions(options, 'aggregate');
    const collection = this.#collection(o.collection);
    return this.#run('read', { operation: 'aggregate', collection }, () =>
      this.#queries.aggregate(o, this.#find),
    );
  }

  /** The distinct non-null values of a field, in ascending order. */
  async distinct(options: DistinctOptions): Promise<unknown[]> {
    const o = requireOptions(options, 'distinct');
    const collection = this.#collection(o.collection);
    return this.#run('read', { operation: 'distinct', collection }, () =>
      this.#queries.distinct(o, this.#find),
    );
  }

  // ---- writes --------------------------------------------------------------------------------------

  /** Creates a record (custom `objectId` allowed; an existing one is `DUPLICATE_VALUE`). */
  async create(options: CreateOptions): Promise<StoredRecord> {
    const o = requireOptions(options, 'create');
    const collection = this.#collection(o.collection);
    return this.#run(
      'write',
      { operation: 'create', collection },
      (scope) => this.#records.create(scope, collection, o.data, o.objectId),
      () => this.#records.singleStatementCreate(collection, o.data, o.objectId),
    );
  }

  /** Updates some fields (values or `__op` operations) and returns the stored record. */
  async save(options: SaveOptions): Promise<StoredRecord> {
    const o = requireOptions(options, 'save');
    const collection = this.#collection(o.collection);
    assertObjectId(o.objectId);
    return this.#run('write', { operation: 'save', collection }, (scope) =>
      this.#records.save(scope, collection, o.objectId, o.data),
    );
  }

  /** Adds to numeric fields atomically. */
  async increment(options: IncrementOptions): Promise<StoredRecord> {
    const o = requireOptions(options, 'increment');
    const collection = this.#collection(o.collection);
    assertObjectId(o.objectId);
    if (!isPlainRecord(o.fields) || Object.keys(o.fields).length === 0) {
      throw new BackendError(
        'INVALID_VALUE',
        `fields: expected { field: amount, ... }, got ${describeValue(o.fields)}`,
        {
          details: { path: 'fields', expected: 'an object of numbers' },
        },
      );
    }
    const data: Record<string, { __op: 'Increment'; amount: number }> = {};
    for (const [field, amount] of Object.entries(o.fields)) {
      assertFieldName(field, `fields.${field}`);
      if (typeof amount !== 'number' || !Number.isFinite(amount)) {
        throw new BackendError(
          'TYPE_MISMATCH',
          `fields.${field}: expected a finite number, got ${describeValue(amount)}`,
          {
            details: {
              path: `fields.${field}`,
              expected: 'a finite number',
              received: describeValue(amount),
            },
          },
        );
      }
      data[field] = { __op: 'Increment', amount };
    }
    return this.#run('write', { operation: 'increment', collection }, (scope) =>
      this.#records.save(scope, collection, o.objectId, data),
    );
  }

  /** Deletes a record (and its relation rows); `NOT_FOUND` when it does not exist. */
  async delete(options: DeleteOptions): Promise<void> {
    const o = requireOptions(options, 'delete');
    const collection = this.#collection(o.collection);
    assertObjectId(o.objectId);
    return this.#run(
      'write',
      { operation: 'delete', collection },
      (scope) => this.#records.remove(scope, collection, o.objectId),
      () => this.#records.singleStatementRemove(collection, o.objectId),
    );
  }

  /**
   * Creates many records of one collection all-or-nothing (at most 10,000):
   * each is validated like `create` (an error names it: `records[3].age: ...`), rows of the same
   * fields are written with multi-row INSERTs in one transaction (a savepoint inside a
   * `transaction()`), and one `create` event per record is emitted after the commit.
   */
  async createMany(options: CreateManyOptions): Promise<StoredRecord[]> {
    const o = requireOptions(options, 'createMany');
    const collection = this.#collection(o.collection);
    const records: unknown = o.records;
    if (!Array.isArray(records)) {
      throw new BackendError(
        'INVALID_VALUE',
        `records: expected an array of records, got ${describeValue(records)}`,
        { details: { path: 'records', expected: 'an array of records' } },
      );
    }
    if (records.length > MAX_BULK_RECORDS) {
      throw new BackendError(
        'RESOURCE_LIMIT',
        `records: at most ${MAX_BULK_RECORDS} records per createMany, got ${records.length} (use importRecords for more)`,
        { details: { path: 'records', expected: `at most ${MAX_BULK_RECORDS} records` } },
      );
    }
    if (records.length === 0) return [];
    return this.#run('write', { operation: 'createMany', collection }, (scope) =>
      this.#records.createRecords(scope, collection, records as readonly unknown[]),
    );
  }

  /**
   * Deletes every record matching `where` (required; `{}` is all) with its relation rows, in one
   * statement, and returns how many. One `delete` event per record is emitted after the commit,
   * with the record as it was; when no `delete` listener is registered at the time of the call
   * the DELETE reads nothing back, which makes it about as cheap as raw SQL.
   */
  async deleteMany(options: DeleteManyOptions): Promise<number> {
    const o = requireOptions(options, 'deleteMany');
    const collection = this.#collection(o.collection);
    if (!isPlainRecord(o.where)) {
      throw new BackendError(
        'INVALID_VALUE',
        `where: expected a filter object ({} deletes every record), got ${describeValue(o.where)}`,
        { details: { path: 'where', expected: 'a filter object' } },
      );
    }
    return this.#run('write', { operation: 'deleteMany', collection }, (scope) => {
      const filter = this.#queries.deleteFilter(collection, o.where, this.#find);
      if (filter === undefined) return 0;
      return this.#records.removeWhere(
        scope,
        filter.table,
        filter,
        this.#listeners.delete.size > 0,
      );
    });
  }

  /** Relates records through a Relation field (created in auto mode when `targetClass` is given). */
  async addRelation(options: RelationOptions): Promise<void> {
    return this.#changeRelation(options, true);
  }

  /** Removes related records from a Relation field. */
  async removeRelation(options: RelationOptions): Promise<void> {
    return this.#changeRelation(options, false);
  }

  async #changeRelation(options: RelationOptions, add: boolean): Promise<void> {
    const method = add ? 'addRelation' : 'removeRelation';
    const o = requireOptions(options, method);
    const collection = this.#collection(o.collection);
    assertObjectId(o.objectId);
    const ids = objectIdList(o.targetObjectId, 'targetObjectId');
    const targetClass =
      o.targetClass === undefined ? undefined : this.#collection(o.targetClass, 'targetClass');
    return this.#run('write', { operation: method, collection }, (scope) =>
      this.#records.changeRelation(scope, collection, o.objectId, o.key, ids, targetClass, add),
    );
  }

  // ---- schema ----------------------------------------------------------------------------------------

  /**
   * The schema of the user collections (`{ version, tables }`); with `includeSystem`, also the
   * `_`-prefixed system collections (`_User`...).
   */
  async getSchema(options?: { readonly includeSystem?: boolean }): Promise<SchemaDefinition> {
    return this.#run('read', { operation: 'getSchema' }, () => {
      if (this.#shared) this.#schema.refreshIfChanged();
      return this.#schema.definition(options?.includeSystem === true);
    });
  }

  /** Creates the missing tables and columns of `schema` (additive; other tables are left alone). */
  async updateSchema(schema: SchemaDefinition): Promise<void> {
    const normalized = normalizeSchema(schema, 'schema');
    return this.#run('write', { operation: 'updateSchema' }, () => this.#applySchema(normalized));
  }

  #applySchema(schema: SchemaDefinition): void {
    for (const table of schema.tables) {
      if (this.#schema.table(table.name) === undefined) this.#schema.createTable(table);
      else for (const column of table.columns) this.#schema.addColumn(table.name, column);
    }
  }

  /** Creates a collection; the same definition again is a no-op, a different one `SCHEMA_CONFLICT`. */
  async createTable(table: TableSchema): Promise<void> {
    const normalized = normalizeTable(table, 'table');
    return this.#run('write', { operation: 'createTable', collection: normalized.name }, () => {
      this.#schema.createTable(normalized);
    });
  }

  /** Adds a column; the same column again is a no-op (new flags are merged), another type `SCHEMA_CONFLICT`. */
  async addColumn(table: string, column: ColumnDefinition): Promise<void> {
    const collection = this.#collection(table, 'table');
    const normalized = normalizeColumn(column, 'column');
    return this.#run('write', { operation: 'addColumn', collection }, () => {
      if (this.#records.findTable(collection) === undefined) throw tableMissing(collection);
      this.#schema.addColumn(collection, normalized);
    });
  }

  /** Deletes a column with its data. */
  async deleteColumn(table: string, column: string): Promise<void> {
    const collection = this.#collection(table, 'table');
    if (isSystemFieldName(column)) {
      throw new BackendError(
        'INVALID_FIELD_NAME',
        `column: "${column}" is a system field and cannot be deleted`,
        {
          details: { path: 'column' },
        },
      );
    }
    assertFieldName(column, 'column');
    return this.#run('write', { operation: 'deleteColumn', collection }, () => {
      if (this.#records.findTable(collection) === undefined) throw tableMissing(collection);
      this.#schema.deleteColumn(collection, column);
    });
  }

  /** Deletes a collection with its data, relations and indexes. */
  async deleteTable(table: string): Promise<void> {
    const collection = this.#collection(table, 'table');
    return this.#run('write', { operation: 'deleteTable', collection }, () => {
      if (this.#records.findTable(collection) === undefined) throw tableMissing(collection);
      this.#schema.deleteTable(collection);
    });
  }

  // ---- events ------------------------------------------------------------------------------------------

  /** Listens for committed changes (`create`, `save`, `delete`). */
  on(event: ChangeEventType, listener: ChangeListener): void {
    this.#listenerSet(event, listener).add(listener);
  }

  /** Stops listening. */
  off(event: ChangeEventType, listener: ChangeListener): void {
    this.#listenerSet(event, listener).delete(listener);
  }

  #listenerSet(event: unknown, listener: unknown): Set<ChangeListener> {
    if (!EVENT_TYPES.includes(event as ChangeEventType)) {
      throw new BackendError(
        'INVALID_VALUE',
        `event: expected "create", "save" or "delete", got ${describeValue(event)}`,
        {
          details: { path: 'event' },
        },
      );
    }
    if (typeof listener !== 'function') {
      throw new BackendError(
        'INVALID_VALUE',
        `listener: expected a function, got ${describeValue(listener)}`,
        {
          details: { path: 'listener' },
        },
      );
    }
    return this.#listeners[event as ChangeEventType];
  }

  // ---- migration tools ---------------------------------------------------------------------------------

  /**
   * The schema as PostgreSQL DDL: tables with typed columns (TEXT, DOUBLE PRECISION, BOOLEAN,
   * TIMESTAMPTZ, JSONB), indexes, junction tables, foreign keys for Pointers and Relations and
   * full-text indexes. `supabase` also enables row-level security with a default policy per table.
   */
  async exportToSQL(target: SqlExportTarget = 'postgres'): Promise<string> {
    if (target !== 'postgres' && target !== 'supabase') {
      throw new BackendError(
        'INVALID_VALUE',
        `target: expected "postgres" or "supabase", got ${describeValue(target)}`,
        {
          details: { path: 'target' },
        },
      );
    }
    return this.#run('read', { operation: 'exportToSQL' }, () =>
      exportSchemaSql(this.#conn(), this.#schema.tables(), target),
    );
  }

  /**
   * All data: PostgreSQL `INSERT`s matching {@link LocalSQLAdapter.exportToSQL} (`sql`), or a
   * JSON document `{ format, version, schema, data, relations }` (`json`).
   */
  async exportData(format: DataExportFormat = 'json'): Promise<string> {
    if (format !== 'sql' && format !== 'json') {
      throw new BackendError(
        'INVALID_VALUE',
        `format: expected "sql" or "json", got ${describeValue(format)}`,
        {
          details: { path: 'format' },
        },
      );
    }
    return this.#run('read', { operation: 'exportData' }, () => {
      const tables = this.#schema.tables();
      return format === 'sql'
        ? exportDataSql(this.#conn(), tables)
        : exportDataJson(this.#conn(), tables, this.#schema.definition(true));
    });
  }

  /**
   * Creates the collections of a Parse Server `GET /schemas` response (`{ results: [{ className,
   * fields, indexes }] }`): Parse types map to columns, `_User` / `_Role` are kept as system
   * collections, internal Parse classes and unsupported types are reported as skipped.
   */
  async importParseSchema(response: unknown): Promise<ImportSchemaResult> {
    return this.#run('write', { operation: 'importParseSchema' }, () =>
      importParseSchemaResponse(response, this.#schema),
    );
  }

  /**
   * Imports records exported from Parse (REST / dashboard JSON, or `{ results: [...] }`) in
   * batches, each batch one transaction: objectId, createdAt and updatedAt are kept, Pointers
   * become ids, Dates ISO strings, ACL / `__type` / `className` are dropped, `AddRelation`
   * operations and `_Join:<key>:<Class>` rows fill junction tables. No events are emitted.
   */
  async importRecords(
    collection: string,
    records: unknown,
    options: ImportRecordsOptions = {},
  ): Promise<ImportRecordsResult> {
    const batchSize = positiveInteger(options.batchSize, 'batchSize', 1000);
    return importParseRecords(collection, records, options, batchSize, (batch) =>
      this.#run('write', { operation: 'importRecords', collection }, () =>
        batch(this.#records, this.#schema),
      ),
    );
  }

  // ---- backup ------------------------------------------------------------------------------------------

  /**
   * Copies the database to `destPath` with SQLite's online backup while writes continue (the copy
   * is the state at the start). For `:memory:` databases writes wait until the copy is done.
   */
  async backup(destPath: string, options: BackupOptions = {}): Promise<BackupResult> {
    if (typeof destPath !== 'string' || destPath.trim() === '' || destPath === ':memory:') {
      throw new BackendError(
        'INVALID_VALUE',
        `destPath: expected a file path, got ${describeValue(destPath)}`,
        {
          details: { path: 'destPath' },
        },
      );
    }
    const dest = resolve(destPath);
    if (dest === this.path) {
      throw new BackendError(
        'INVALID_VALUE',
        'destPath: the backup cannot overwrite the database itself',
      );
    }
    await this.#ensureConnected();
    const steps = positiveInteger(options.pagesPerStep, 'pagesPerStep', 100);
    const run = () => copyDatabase(this.#conn(), this.path, dest, steps, options.onProgress);
    try {
      if (this.#shared) return await run();
      if (this.#currentTx() !== undefined) {
        throw new BackendError(
          'FORBIDDEN',
          'backup() of a :memory: database cannot run inside a transaction',
        );
      }
      return await this.#gate.run(run);
    } catch (error) {
      throw mapSqliteError(error, { operation: 'backup' });
    }
  }

  /**
   * Replaces the whole database with the one at `srcPath`, after checking that it is intact and
   * a localbackend database. Queued work waits; no other process may have the file open.
   */
  async restore(srcPath: string): Promise<void> {
    if (typeof srcPath !== 'string' || srcPath.trim() === '') {
      throw new BackendError(
        'INVALID_VALUE',
        `srcPath: expected a file path, got ${describeValue(srcPath)}`,
        {
          details: { path: 'srcPath' },
        },
      );
    }
    if (this.#currentTx() !== undefined) {
      throw new BackendError('FORBIDDEN', 'restore() cannot run inside a transaction');
    }
    const src = resolve(srcPath);
    checkDatabaseFile(src);
    await this.#ensureConnected();
    await this.#gate.run(async () => {
      const settings = this.#settings;
      const old = this.#conn();
      try {
        const reopen = (source: string | Buffer) =>
          new SqliteConnection(source, {
            busyTimeoutMs: settings.busyTimeoutMs,
            readonly: settings.readonly,
            functions: (SQLITE_FUNCTIONS ?? []) as readonly SqlFunction[],
            statementCacheSize: settings.statementCacheSize,
          });
        this.#connection = undefined;
        const next = await restoreInto(old, this.path, src, reopen);
        this.#connection = next;
        if (!settings.readonly) {
          next.exec('BEGIN IMMEDIATE');
          this.#schema.initialize();
          next.exec('COMMIT');
        }
        this.#schema.load();
      } catch (error) {
        if (this.#connection === undefined) {
          try {
            this.#connection = new SqliteConnection(this.path, {
              busyTimeoutMs: settings.busyTimeoutMs,
              readonly: settings.readonly,
              functions: (SQLITE_FUNCTIONS ?? []) as readonly SqlFunction[],
              statementCacheSize: settings.statementCacheSize,
            });
            this.#schema.load();
          } catch {
            this.#connection = undefined;
          }
        }
        throw mapSqliteError(error, { operation: 'restore' });
      }
      this.#writeSchemaFile();
    });
  }

  /** Runs SQLite's `integrity_check` and checks the adapter's metadata against the tables. */
  async integrityCheck(): Promise<IntegrityCheckResult> {
    return this.#run('read', { operation: 'integrityCheck' }, () =>
      readIntegrity(this.#conn(), this.#schema.tables()),
    );
  }
}

const NO_SCOPE: WriteScope = Object.freeze({
  events: Object.freeze([]) as unknown as ChangeEvent[],
});

function tableMissing(collection: string): BackendError {
  return new BackendError('TABLE_NOT_FOUND', `The collection "${collection}" does not exist`, {
    details: { path: 'table', received: collection },
  });
}
