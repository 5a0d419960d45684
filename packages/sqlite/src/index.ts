/**
 * `@localbackend/sqlite`: {@link LocalSQLAdapter}, the default localbackend storage on
 * better-sqlite3 — typed tables per collection, schema modes, relations, transactions, change
 * events, Postgres/Supabase export, Parse import and online backup — plus the `schema.json`
 * helpers.
 *
 * @packageDocumentation
 */
export { LocalSQLAdapter } from './local-sql-adapter';
export type {
  BackupOptions,
  BackupProgress,
  BackupResult,
  DataExportFormat,
  ImportRecordsOptions,
  ImportRecordsResult,
  ImportSchemaResult,
  IntegrityCheckResult,
  LocalSQLAdapterOptions,
  SqlExportTarget,
} from './local-sql-adapter-options';
export { loadSchemaFile, writeSchemaFile } from './schema-file';
