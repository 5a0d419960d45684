import {
  BackendError,
  type ColumnDefinition,
  type SchemaDefinition,
  type TableSchema,
} from '@localbackend/adapter';
import {
  META_TABLE,
  SCHEMA_TABLE,
  ftsTable,
  ftsTriggerNames,
  indexName,
  isSystemCollection,
  junctionTable,
  quoteIdent,
} from './identifiers';
import { MAX_COLUMNS, normalizeTable, sameColumnShape } from './schema-validation';
import type { SqliteConnection } from './sqlite-connection';
import { columnDecoder, type ColumnDecoder } from './value-codec';

/** Everything the adapter needs to know about one collection, precomputed. */
export interface TableInfo {
  readonly name: string;
  readonly schema: TableSchema;
  readonly columns: ReadonlyMap<string, ColumnDefinition>;
  /** Lower-cased name -> actual name, system columns included (SQLite names are case-insensitive). */
  readonly lowerNames: ReadonlyMap<string, string>;
  /** Stored (non-Relation) columns and how to read them. */
  readonly decoders: readonly (readonly [string, ColumnDecoder])[];
  readonly relations: readonly ColumnDefinition[];
  /** Columns with a default value or `required` (checked on create). */
  readonly constrained: readonly ColumnDefinition[];
  readonly position: number;
  /** `SELECT * FROM "<table>" WHERE "objectId" = ?` */
  readonly selectByIdSql: string;
}

const SYSTEM_COLUMNS = ['objectId', 'createdAt', 'updatedAt'];

const SQLITE_TYPES: Record<ColumnDefinition['type'], string> = {
  String: 'TEXT',
  Number: 'REAL',
  Boolean: 'INTEGER',
  Date: 'TEXT',
  Object: 'TEXT',
  Array: 'TEXT',
  GeoPoint: 'TEXT',
  File: 'TEXT',
  Pointer: 'TEXT',
  Relation: '',
};

function buildInfo(schema: TableSchema, position: number): TableInfo {
  const columns = new Map<string, ColumnDefinition>();
  const lowerNames = new Map<string, string>();
  for (const name of SYSTEM_COLUMNS) lowerNames.set(name.toLowerCase(), name);
  const decoders: (readonly [string, ColumnDecoder])[] = [];
  const relations: ColumnDefinition[] = [];
  const constrained: ColumnDefinition[] = [];
  for (const column of schema.columns) {
    if (column.required === true || column.defaultValue !== undefined) constrained.push(column);
    columns.set(column.name, column);
    lowerNames.set(column.name.toLowerCase(), column.name);
    if (column.type === 'Relation') relations.push(column);
    else decoders.push([column.name, columnDecoder(column.type)] as const);
  }
  return {
    name: schema.name,
    schema,
    columns,
    lowerNames,
    decoders,
    relations,
    constrained,
    position,
    selectByIdSql: `SELECT * FROM ${quoteIdent(schema.name)} WHERE "objectId" = ?`,
  };
}

function conflict(message: string, path?: string): BackendError {
  return new BackendError(
    'SCHEMA_CONFLICT',
    message,
    path === undefined ? {} : { details: { path } },
  );
}

/**
 * The schema manager: the `_schema` metadata table (one JSON definition per collection), the
 * DDL that keeps SQLite tables, indexes, junction tables and FTS5 indexes in line with it, and an
 * in-memory copy for fast lookups. Every mutating method must run inside a write transaction.
 */
export class SchemaStore {
  readonly #conn: () => SqliteConnection;
  #tables = new Map<string, TableInfo>();
  #lower = new Map<string, string>();
  #cookie = -1;
  /** Incremented on every schema change made through this store (and on reloads). */
  generation = 0;
  /** Incremented on every schema change made through this store (not on reloads). */
  changes = 0;

  constructor(connection: () => SqliteConnection) {
    this.#conn = connection;
  }

  /** Creates the metadata tables if needed. */
  initialize(): void {
    const conn = this.#conn();
    conn.exec(
      `CREATE TABLE IF NOT EXISTS ${quoteIdent(SCHEMA_TABLE)} ("name" TEXT PRIMARY KEY NOT NULL, "position" INTEGER NOT NULL, "definition" TEXT NOT NULL);` +
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(META_TABLE)} ("key" TEXT PRIMARY KEY NOT NULL, "value" TEXT NOT NULL);` +
        `INSERT OR IGNORE INTO ${quoteIdent(META_TABLE)} ("key", "value") VALUES ('format', '1'), ('schemaVersion', '0');`,
    );
  }

  /** Reads the metadata into memory. */
  load(): void {
    const conn = this.#conn();
    const rows = conn
      .prepare(
        `SELECT "name", "position", "definition" FROM ${quoteIdent(SCHEMA_TABLE)} ORDER BY "position"`,
      )
      .all() as { name: string; position: number; definition: string }[];
    const tables = new Map<string, TableInfo>();
    const lower = new Map<string, string>();
    for (const row of rows) {
      let schema: TableSchema;
      try {
        schema = normalizeTable(JSON.parse(row.definition) as unknown, `_schema.${row.name}`);
      } catch (error) {
        throw new BackendError('INTERNAL', `The stored schema of "${row.name}" is unreadable`, {
          cause: error,
        });
      }
      tables.set(schema.name, buildInfo(schema, row.position));
      lower.set(schema.name.toLowerCase(), schema.name);
    }
    this.#tables = tables;
    this.#lower = lower;
    this.#cookie = this.#readCookie();
    this.generation++;
    conn.clearCache();
  }

  #readCookie(): number {
    return this.#conn().prepare('PRAGMA schema_version').pluck().get() as number;
  }

  /** Reloads when another connection changed the schema since the last load. Returns true if it did. */
  refreshIfChanged(): boolean {
    if (this.#readCookie() === this.#cookie) return false;
    this.load();
    return true;
  }

  /** The collection, or undefined. */
  table(name: string): TableInfo | undefined {
    return this.#tables.get(name);
  }

  /** The existing collection whose name equals `name` ignoring case, if any. */
  caseInsensitive(name: string): string | undefined {
    return this.#lower.get(name.toLowerCase());
  }

  /** All collections, in creation order. */
  tables(): TableInfo[] {
    return [...this.#tables.values()];
  }

  /** The schema as `getSchema()` returns it. */
  definition(includeSystem: boolean): SchemaDefinition {
    const version = Number(
      this.#conn()
        .prepare(`SELECT "value" FROM ${quoteIdent(META_TABLE)} WHERE "key" = 'schemaVersion'`)
        .pluck()
        .get() ?? 0,
    );
    return {
      version,
      tables: this.tables()
        .filter((t) => includeSystem || !isSystemCollection(t.name))
        .map((t) => t.schema),
    };
  }

  // ---- mutations (inside a write transaction) -------------------------------------------------

  /**
   * Creates a collection. An existing collection with the same columns is left alone;
   * different columns, or a name that differs only in case, is `SCHEMA_CONFLICT`.
   */
  createTable(schema: TableSchema): boolean {
    const existing = this.#tables.get(schema.name);
    if (existing !== undefined) {
      const same =
        existing.schema.columns.length === schema.columns.length &&
        schema.columns.every((c) => {
          const other = existing.columns.get(c.name);
          return other !== undefined && sameColumnShape(c, other);
        });
      if (same) return false;
      throw conflict(
        `createTable: the collection "${schema.name}" already exists with different columns`,
        'name',
      );
    }
    const clash = this.#lower.get(schema.name.toLowerCase());
    if (clash !== undefined) {
      throw conflict(
        `createTable: "${schema.name}" and the existing collection "${clash}" would be the same table (SQLite table names are case-insensitive)`,
        'name',
      );
    }
    this.#checkJunctionNames(schema.name, schema.columns);
    const conn = this.#conn();
    const defs = [
      `"objectId" TEXT PRIMARY KEY NOT NULL`,
      `"createdAt" TEXT NOT NULL`,
      `"updatedAt" TEXT NOT NULL`,
      ...schema.columns
        .filter((c) => c.type !== 'Relation')
        .map((c) => `${quoteIdent(c.name)} ${SQLITE_TYPES[c.type]}`),
    ];
    conn.exec(`CREATE TABLE ${quoteIdent(schema.name)} (${defs.join(', ')})`);
    conn.exec(
      `CREATE INDEX ${quoteIdent(indexName(schema.name, 'createdAt'))} ON ${quoteIdent(schema.name)} ("createdAt");` +
        `CREATE INDEX ${quoteIdent(indexName(schema.name, 'updatedAt'))} ON ${quoteIdent(schema.name)} ("updatedAt");`,
    );
    for (const column of schema.columns) this.#createColumnExtras(schema.name, column);
    const position =
      ((conn
        .prepare(`SELECT MAX("position") FROM ${quoteIdent(SCHEMA_TABLE)}`)
        .pluck()
        .get() as number | null) ?? 0) + 1;
    this.#store(schema, position);
    if (schema.columns.some((c) => c.textIndex === true)) this.#rebuildFts(schema.name);
    return true;
  }

  /** Adds a column; the same column again is a no-op, another type is `SCHEMA_CONFLICT`. */
  addColumn(tableName: string, column: ColumnDefinition): boolean {
    const table = this.#require(tableName);
    const existing = table.columns.get(column.name);
    if (existing !== undefined) {
      if (sameColumnShape(existing, column)) return this.#updateFlags(table, existing, column);
      throw conflict(
        `addColumn: the column "${tableName}.${column.name}" already exists as ${existing.type}${existing.targetClass === undefined ? '' : ` to ${existing.targetClass}`}, not ${column.type}${column.targetClass === undefined ? '' : ` to ${column.targetClass}`}`,
        column.name,
      );
    }
    const clash = table.lowerNames.get(column.name.toLowerCase());
    if (clash !== undefined) {
      throw conflict(
        `addColumn: "${column.name}" and the existing column "${tableName}.${clash}" would be the same column (SQLite column names are case-insensitive)`,
        column.name,
      );
    }
    if (table.schema.columns.length >= MAX_COLUMNS) {
      throw new BackendError(
        'RESOURCE_LIMIT',
        `addColumn: "${tableName}" already has the maximum of ${MAX_COLUMNS} columns`,
        {
          details: { path: column.name },
        },
      );
    }
    this.#checkJunctionNames(tableName, [column]);
    const conn = this.#conn();
    if (column.type !== 'Relation') {
      conn.exec(
        `ALTER TABLE ${quoteIdent(tableName)} ADD COLUMN ${quoteIdent(column.name)} ${SQLITE_TYPES[column.type]}`,
      );
    }
    this.#createColumnExtras(tableName, column);
    this.#store({ name: tableName, columns: [...table.schema.columns, column] }, table.position);
    if (column.textIndex === true) this.#rebuildFts(tableName);
    return true;
  }

  /** Deletes a column, its indexes, its junction table and its FTS part. */
  deleteColumn(tableName: string, columnName: string): void {
    const table = this.#require(tableName);
    const column = table.columns.get(columnName);
    if (column === undefined) {
      throw new BackendError(
        'INVALID_FIELD_NAME',
        `deleteColumn: the collection "${tableName}" has no column "${columnName}"`,
        {
          details: { path: columnName },
        },
      );
    }
    const conn = this.#conn();
    if (column.textIndex === true) this.#dropFts(tableName);
    if (column.type === 'Relation') {
      conn.exec(`DROP TABLE IF EXISTS ${quoteIdent(junctionTable(tableName, column.name))}`);
    } else {
      conn.exec(
        `DROP INDEX IF EXISTS ${quoteIdent(indexName(tableName, column.name))};` +
          `DROP INDEX IF EXISTS ${quoteIdent(indexName(tableName, column.name, true))};`,
      );
      conn.exec(`ALTER TABLE ${quoteIdent(tableName)} DROP COLUMN ${quoteIdent(column.name)}`);
    }
    const columns = table.schema.columns.filter((c) => c.name !== columnName);
    this.#store({ name: tableName, columns }, table.position);
    if (column.textIndex === true && columns.some((c) => c.textIndex === true))
      this.#rebuildFts(tableName);
  }

  /** Deletes a collection with its data, junction tables and FTS index. */
  deleteTable(tableName: string): void {
    const table = this.#require(tableName);
    const conn = this.#conn();
    this.#dropFts(tableName);
    for (const relation of table.relations) {
      conn.exec(`DROP TABLE IF EXISTS ${quoteIdent(junctionTable(tableName, relation.name))}`);
    }
    conn.exec(`DROP TABLE IF EXISTS ${quoteIdent(tableName)}`);
    conn.prepare(`DELETE FROM ${quoteIdent(SCHEMA_TABLE)} WHERE "name" = ?`).run(tableName);
    this.#bumpVersion();
    this.#tables.delete(tableName);
    this.#lower.delete(tableName.toLowerCase());
    this.#afterChange();
  }

  #require(tableName: string): TableInfo {
    const table = this.#tables.get(tableName);
    if (table === undefined) {
      throw new BackendError('TABLE_NOT_FOUND', `The collection "${tableName}" does not exist`, {
        details: { path: 'collection', received: tableName },
      });
    }
    return table;
  }

  #updateFlags(table: TableInfo, existing: ColumnDefinition, wanted: ColumnDefinition): boolean {
    const merged: ColumnDefinition = {
      ...existing,
      ...(wanted.required === true ? { required: true } : {}),
      ...(wanted.indexed === true ? { indexed: true } : {}),
      ...(wanted.unique === true ? { unique: true } : {}),
      ...(wanted.textIndex === true ? { textIndex: true } : {}),
      ...(wanted.defaultValue !== undefined ? { defaultValue: wanted.defaultValue } : {}),
    };
    if (JSON.stringify(merged) === JSON.stringify(existing)) return false;
    const addedIndex = merged.indexed === true && existing.indexed !== true;
    const addedUnique = merged.unique === true && existing.unique !== true;
    const addedText = merged.textIndex === true && existing.textIndex !== true;
    if (addedIndex || addedUnique)
      this.#createColumnExtras(table.name, {
        ...merged,
        ...(addedIndex ? {} : { indexed: false }),
      });
    const columns = table.schema.columns.map((c) => (c.name === existing.name ? merged : c));
    this.#store({ name: table.name, columns }, table.position);
    if (addedText) this.#rebuildFts(table.name);
    return true;
  }

  #createColumnExtras(tableName: string, column: ColumnDefinition): void {
    const conn = this.#conn();
    const table = quoteIdent(tableName);
    const col = quoteIdent(column.name);
    if (column.type === 'Relation') {
      const junction = junctionTable(tableName, column.name);
      conn.exec(
        `CREATE TABLE IF NOT EXISTS ${quoteIdent(junction)} ("owningId" TEXT NOT NULL, "relatedId" TEXT NOT NULL, PRIMARY KEY ("owningId", "relatedId")) WITHOUT ROWID;` +
          `CREATE INDEX IF NOT EXISTS ${quoteIdent(`_idx${junction}_relatedId`)} ON ${quoteIdent(junction)} ("relatedId");`,
      );
      return;
    }
    if (column.unique === true) {
      conn.exec(
        `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(indexName(tableName, column.name, true))} ON ${table} (${col})`,
      );
    }
    if (column.type === 'Pointer' || column.indexed === true) {
      conn.exec(
        `CREATE INDEX IF NOT EXISTS ${quoteIdent(indexName(tableName, column.name))} ON ${table} (${col})`,
      );
    }
  }

  #checkJunctionNames(tableName: string, columns: readonly ColumnDefinition[]): void {
    const existing = new Map<string, string>();
    for (const table of this.#tables.values()) {
      for (const relation of table.relations) {
        existing.set(
          junctionTable(table.name, relation.name).toLowerCase(),
          `${table.name}.${relation.name}`,
        );
      }
    }
    for (const column of columns) {
      if (column.type !== 'Relation') continue;
      const owner = existing.get(junctionTable(tableName, column.name).toLowerCase());
      if (owner !== undefined && owner !== `${tableName}.${column.name}`) {
        throw conflict(
          `The Relation "${tableName}.${column.name}" would share its junction table ${junctionTable(tableName, column.name)} with "${owner}"`,
          column.name,
        );
      }
    }
  }

  #dropFts(tableName: string): void {
    const triggers = ftsTriggerNames(tableName);
    this.#conn().exec(
      `DROP TRIGGER IF EXISTS ${quoteIdent(triggers.insert)};` +
        `DROP TRIGGER IF EXISTS ${quoteIdent(triggers.update)};` +
        `DROP TRIGGER IF EXISTS ${quoteIdent(triggers.delete)};` +
        `DROP TABLE IF EXISTS ${quoteIdent(ftsTable(tableName))};`,
    );
  }

  /** (Re)creates the external-content FTS5 table of the text-indexed columns and its triggers. */
  #rebuildFts(tableName: string): void {
    this.#dropFts(tableName);
    const table = this.#tables.get(tableName);
    const columns = (table?.schema.columns ?? [])
      .filter((c) => c.textIndex === true)
      .map((c) => quoteIdent(c.name));
    if (columns.length === 0) return;
    const fts = quoteIdent(ftsTable(tableName));
    const content = quoteIdent(tableName);
    const triggers = ftsTriggerNames(tableName);
    const list = columns.join(', ');
    const newValues = columns.map((c) => `new.${c}`).join(', ');
    const oldValues = columns.map((c) => `old.${c}`).join(', ');
    const contentName = tableName.replace(/'/g, "''");
    this.#conn().exec(
      `CREATE VIRTUAL TABLE ${fts} USING fts5(${list}, content='${contentName}', content_rowid='rowid', tokenize='unicode61');` +
        `CREATE TRIGGER ${quoteIdent(triggers.insert)} AFTER INSERT ON ${content} BEGIN INSERT INTO ${fts}(rowid, ${list}) VALUES (new.rowid, ${newValues}); END;` +
        `CREATE TRIGGER ${quoteIdent(triggers.delete)} AFTER DELETE ON ${content} BEGIN INSERT INTO ${fts}(${fts}, rowid, ${list}) VALUES ('delete', old.rowid, ${oldValues}); END;` +
        `CREATE TRIGGER ${quoteIdent(triggers.update)} AFTER UPDATE OF ${list} ON ${content} BEGIN INSERT INTO ${fts}(${fts}, rowid, ${list}) VALUES ('delete', old.rowid, ${oldValues}); INSERT INTO ${fts}(rowid, ${list}) VALUES (new.rowid, ${newValues}); END;` +
        `INSERT INTO ${fts}(${fts}) VALUES ('rebuild');`,
    );
  }

  #store(schema: TableSchema, position: number): void {
    const frozen: TableSchema = Object.freeze({
      name: schema.name,
      columns: Object.freeze([...schema.columns]),
    });
    this.#conn()
      .prepare(
        `INSERT OR REPLACE INTO ${quoteIdent(SCHEMA_TABLE)} ("name", "position", "definition") VALUES (?, ?, ?)`,
      )
      .run(frozen.name, position, JSON.stringify(frozen));
    this.#tables.set(frozen.name, buildInfo(frozen, position));
    this.#lower.set(frozen.name.toLowerCase(), frozen.name);
    this.#bumpVersion();
    this.#afterChange();
  }

  #bumpVersion(): void {
    this.#conn()
      .prepare(
        `UPDATE ${quoteIdent(META_TABLE)} SET "value" = CAST(CAST("value" AS INTEGER) + 1 AS TEXT) WHERE "key" = 'schemaVersion'`,
      )
      .run();
  }

  #afterChange(): void {
    this.generation++;
    this.changes++;
    this.#conn().clearCache();
    this.#cookie = this.#readCookie();
  }
}
