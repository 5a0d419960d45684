import type { ChangeEvent, SchemaMode } from '@localbackend/adapter';

/**
 * Options of `new LocalSQLAdapter(path, options)`.
 *
 * @example
 * ```ts
 * const options: LocalSQLAdapterOptions = { schemaMode: 'strict', schemaFile: './schema.json' };
 * const adapter = new LocalSQLAdapter('./data/local.db', options);
 * ```
 */
export interface LocalSQLAdapterOptions {
  /**
   * `auto` (default): the first write of an unknown field adds its column (type inferred from
   * the value) and an unknown collection reads as empty. `strict`: unknown fields are
   * `INVALID_FIELD_NAME`, unknown collections `TABLE_NOT_FOUND`.
   */
  readonly schemaMode?: SchemaMode;
  /**
   * A `schema.json` kept in step with the database: loaded and applied (additively) on
   * `connect()`, rewritten after every schema change.
   */
  readonly schemaFile?: string;
  /** How long SQLite itself waits for a lock held by another connection (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /**
   * How long a write keeps retrying (asynchronously, with back-off) while another process holds
   * the write lock, before it fails with `TIMEOUT` (default 30000 ms).
   */
  readonly lockRetryMs?: number;
  /** A `transaction()` still open after this long is rolled back with `TIMEOUT` (default 60000 ms; 0 = never). */
  readonly transactionTimeoutMs?: number;
  /** The largest record, in bytes of stored values; larger writes fail with `PAYLOAD_TOO_LARGE` (default 4 MiB). */
  readonly maxRecordBytes?: number;
  /** `limit` of a query that gives none (default 100). */
  readonly defaultLimit?: number;
  /** The largest `limit` honoured; larger ones are clamped (default 100000). */
  readonly maxLimit?: number;
  /** How many prepared statements to keep (default 500). */
  readonly statementCacheSize?: number;
  /** Open the file read-only (writes fail with `FORBIDDEN`). */
  readonly readonly?: boolean;
  /** Called when a change listener throws (default: `process.emitWarning`). The write itself stays committed. */
  readonly onListenerError?: (error: unknown, event: ChangeEvent) => void;
}

/**
 * Progress of {@link LocalSQLAdapter.backup}, in database pages.
 *
 * @example
 * ```ts
 * const onProgress = (p: BackupProgress) => console.log(`${p.totalPages - p.remainingPages}/${p.totalPages}`);
 * ```
 */
export interface BackupProgress {
  readonly totalPages: number;
  readonly remainingPages: number;
}

/**
 * Options of {@link LocalSQLAdapter.backup}.
 *
 * @example
 * ```ts
 * await adapter.backup('./backups/2026-01-01.db', { onProgress: (p) => console.log(p.remainingPages) });
 * ```
 */
export interface BackupOptions {
  /** Called after each step of the online backup. */
  readonly onProgress?: (progress: BackupProgress) => void;
  /** Pages copied per step (default 100); writes can run between steps. */
  readonly pagesPerStep?: number;
}

/**
 * What {@link LocalSQLAdapter.backup} reports.
 *
 * @example
 * ```ts
 * const { path, totalPages } = await adapter.backup('./backup.db');
 * ```
 */
export interface BackupResult {
  readonly path: string;
  readonly totalPages: number;
}

/**
 * What {@link LocalSQLAdapter.integrityCheck} reports: SQLite's `integrity_check` plus the
 * adapter's own metadata checks.
 *
 * @example
 * ```ts
 * const { ok, problems } = await adapter.integrityCheck();
 * if (!ok) console.error(problems.join('\n'));
 * ```
 */
export interface IntegrityCheckResult {
  readonly ok: boolean;
  readonly problems: readonly string[];
}

/**
 * The SQL dialect of {@link LocalSQLAdapter.exportToSQL}: plain PostgreSQL, or PostgreSQL with
 * Supabase's row-level security enabled and a default policy per table.
 *
 * @example
 * ```ts
 * const target: SqlExportTarget = 'supabase';
 * ```
 */
export type SqlExportTarget = 'postgres' | 'supabase';

/**
 * The format of {@link LocalSQLAdapter.exportData}: PostgreSQL `INSERT`s, or JSON.
 *
 * @example
 * ```ts
 * const format: DataExportFormat = 'json';
 * ```
 */
export type DataExportFormat = 'sql' | 'json';

/**
 * What {@link LocalSQLAdapter.importParseSchema} did.
 *
 * @example
 * ```ts
 * const { created, skipped } = await adapter.importParseSchema(await (await fetch(`${url}/schemas`)).json());
 * ```
 */
export interface ImportSchemaResult {
  /** Collections created or extended. */
  readonly tables: readonly string[];
  /** Classes or fields left out, with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * Options of {@link LocalSQLAdapter.importRecords}.
 *
 * @example
 * ```ts
 * await adapter.importRecords('Todo', records, { batchSize: 500, onProgress: (n) => console.log(n) });
 * ```
 */
export interface ImportRecordsOptions {
  /** Records per transaction (default 1000). */
  readonly batchSize?: number;
  /** What to do with a record whose objectId exists: fail (default), skip it, or replace it. */
  readonly onConflict?: 'error' | 'skip' | 'replace';
  /** Called after each batch with the number of records done so far. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * What {@link LocalSQLAdapter.importRecords} did.
 *
 * @example
 * ```ts
 * const { imported, skipped, relations } = await adapter.importRecords('Todo', records);
 * ```
 */
export interface ImportRecordsResult {
  readonly imported: number;
  readonly skipped: number;
  /** Junction rows written. */
  readonly relations: number;
}
