import { BackendError, assertCollectionName, describeValue } from '@localbackend/adapter';

/** Internal tables and name prefixes that no collection may use (compared case-insensitively). */
const RESERVED_TABLES = new Set(['_schema', '_meta']);
const RESERVED_PREFIXES = ['_join_', '_fts_', '_idx_', '_trg_', 'sqlite_'];

/** The metadata table of column definitions. */
export const SCHEMA_TABLE = '_schema';
/** Key/value facts about the database (format version, schema version). */
export const META_TABLE = '_meta';

/** Double-quotes an identifier (names are validated before they get here; quotes are doubled anyway). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The junction table of Relation field `key` of the owning collection. */
export function junctionTable(collection: string, key: string): string {
  return `_Join_${key}_${collection}`;
}

/** The FTS5 external-content table of a collection's text-indexed columns. */
export function ftsTable(collection: string): string {
  return `_FTS_${collection}`;
}

/** The name of a plain index on one column. */
export function indexName(collection: string, column: string, unique = false): string {
  return `_idx_${collection}_${column}${unique ? '_unique' : ''}`;
}

/** Trigger names of the FTS sync triggers. */
export function ftsTriggerNames(collection: string): {
  insert: string;
  update: string;
  delete: string;
} {
  return {
    insert: `_trg_${collection}_fts_ai`,
    update: `_trg_${collection}_fts_au`,
    delete: `_trg_${collection}_fts_ad`,
  };
}

/**
 * Validates a collection name for storage: the adapter's naming rule (system `_X` collections
 * allowed) plus the names SQLite or this adapter reserve.
 */
export function assertStorableCollection(
  name: unknown,
  path = 'collection',
): asserts name is string {
  assertCollectionName(name, path, { allowSystem: true });
  const lower = name.toLowerCase();
  if (RESERVED_TABLES.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p))) {
    throw new BackendError(
      'INVALID_COLLECTION_NAME',
      `${path}: ${describeValue(name)} is reserved for internal tables (_schema, _meta, _Join_*, _FTS_*, _idx_*, sqlite_*)`,
      { details: { path, expected: 'a collection name like Todo', received: describeValue(name) } },
    );
  }
}

/** True for collections whose names start with `_` (`_User`, `_Role`...): not listed by `getSchema()`. */
export function isSystemCollection(name: string): boolean {
  return name.startsWith('_');
}
