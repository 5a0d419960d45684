import Database from 'better-sqlite3';
import { PGlite } from '@electric-sql/pglite';
import type { ColumnDefinition, TableSchema } from '@localbackend/adapter';
import { SQLITE_FUNCTIONS, type CompiledQuery } from '../src/index';

/** A stored record as adapters return it. */
export type Row = Record<string, unknown> & { objectId: string };

/** Junction rows: `_Join_<key>_<owningClass>` -> [owningId, relatedId][] */
export type Junctions = Record<string, [string, string][]>;

/** A table to create: a schema, or (schemaless) just column names. */
export interface TableSpec {
  readonly name: string;
  readonly schema?: TableSchema;
  readonly untyped?: readonly string[];
}

const SQLITE_TYPES: Record<string, string> = {
  String: 'TEXT',
  Number: 'REAL',
  Boolean: 'INTEGER',
  Date: 'TEXT',
  Object: 'TEXT',
  Array: 'TEXT',
  GeoPoint: 'TEXT',
  File: 'TEXT',
  Pointer: 'TEXT',
};

const PG_TYPES: Record<string, string> = {
  String: 'TEXT',
  Number: 'DOUBLE PRECISION',
  Boolean: 'BOOLEAN',
  Date: 'TIMESTAMPTZ',
  Object: 'JSONB',
  Array: 'JSONB',
  GeoPoint: 'JSONB',
  File: 'JSONB',
  Pointer: 'TEXT',
};

function storedColumns(
  spec: TableSpec,
): { name: string; type: string | undefined; column?: ColumnDefinition }[] {
  if (spec.schema !== undefined) {
    return spec.schema.columns
      .filter((c) => c.type !== 'Relation')
      .map((c) => ({ name: c.name, type: c.type, column: c }));
  }
  return (spec.untyped ?? []).map((name) => ({ name, type: undefined }));
}

/** A better-sqlite3 in-memory database with the query functions registered. */
export function openSqlite(): Database.Database {
  const db = new Database(':memory:');
  for (const f of SQLITE_FUNCTIONS) {
    db.function(
      f.name,
      { deterministic: f.deterministic, varargs: f.varargs ?? false },
      f.fn as (...a: unknown[]) => unknown,
    );
  }
  return db;
}

function sqliteValue(value: unknown, type: string | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return type === undefined ? BigInt(value ? 1 : 0) : value ? 1 : 0;
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** Creates the table (and FTS / junction tables) in SQLite and inserts the rows. */
export function sqliteTable(
  db: Database.Database,
  spec: TableSpec,
  rows: readonly Row[],
  junctions: Junctions = {},
): void {
  const cols = storedColumns(spec);
  const t = `"${spec.name}"`;
  db.exec(`DROP TABLE IF EXISTS "_FTS_${spec.name}"; DROP TABLE IF EXISTS ${t};`);
  const defs = cols.map(
    (c) => `"${c.name}"${c.type === undefined ? '' : ` ${SQLITE_TYPES[c.type]}`}`,
  );
  db.exec(
    `CREATE TABLE ${t} ("objectId" TEXT PRIMARY KEY, "createdAt" TEXT, "updatedAt" TEXT${defs.map((d) => `, ${d}`).join('')})`,
  );
  const insert = db.prepare(
    `INSERT INTO ${t} ("objectId", "createdAt", "updatedAt"${cols.map((c) => `, "${c.name}"`).join('')}) VALUES (?, ?, ?${cols.map(() => ', ?').join('')})`,
  );
  for (const row of rows) {
    insert.run(
      row.objectId,
      row.createdAt ?? null,
      row.updatedAt ?? null,
      ...cols.map((c) => sqliteValue(row[c.name], c.type)),
    );
  }
  const text = cols.filter((c) => c.column?.textIndex === true).map((c) => `"${c.name}"`);
  if (text.length > 0) {
    db.exec(
      `CREATE VIRTUAL TABLE "_FTS_${spec.name}" USING fts5(${text.join(', ')}, content='${spec.name}', content_rowid='rowid', tokenize='unicode61')`,
    );
    db.exec(`INSERT INTO "_FTS_${spec.name}"("_FTS_${spec.name}") VALUES('rebuild')`);
  }
  for (const [name, pairs] of Object.entries(junctions)) {
    db.exec(
      `DROP TABLE IF EXISTS "${name}"; CREATE TABLE "${name}" ("owningId" TEXT, "relatedId" TEXT, PRIMARY KEY ("owningId", "relatedId"))`,
    );
    const ins = db.prepare(`INSERT OR IGNORE INTO "${name}" VALUES (?, ?)`);
    for (const [a, b] of pairs) ins.run(a, b);
  }
}

/** The objectIds a compiled SELECT returns, sorted. */
export function sqliteIds(db: Database.Database, q: CompiledQuery): string[] {
  return (db.prepare(q.sql).all(...(q.parameters as unknown[])) as { objectId: string }[])
    .map((r) => r.objectId)
    .sort();
}

let pglite: PGlite | undefined;

/** One PGlite instance per test file (it takes a second or two to start). */
export async function openPg(): Promise<PGlite> {
  pglite ??= new PGlite();
  await pglite.waitReady;
  return pglite;
}

function pgValue(value: unknown, type: string | undefined): unknown {
  if (value === undefined || value === null) return null;
  if (type === undefined || PG_TYPES[type] === 'JSONB') return JSON.stringify(value);
  return value;
}

/** Creates the table (and junction tables) in Postgres and inserts the rows. */
export async function pgTable(
  pg: PGlite,
  spec: TableSpec,
  rows: readonly Row[],
  junctions: Junctions = {},
): Promise<void> {
  const cols = storedColumns(spec);
  const t = `"${spec.name}"`;
  const defs = cols.map((c) => `"${c.name}" ${c.type === undefined ? 'JSONB' : PG_TYPES[c.type]}`);
  await pg.exec(
    `DROP TABLE IF EXISTS ${t}; CREATE TABLE ${t} ("objectId" TEXT PRIMARY KEY, "createdAt" TIMESTAMPTZ, "updatedAt" TIMESTAMPTZ${defs.map((d) => `, ${d}`).join('')})`,
  );
  const casts = cols.map(
    (c, i) => `$${i + 4}${c.type === undefined || PG_TYPES[c.type] === 'JSONB' ? '::jsonb' : ''}`,
  );
  const sql = `INSERT INTO ${t} ("objectId", "createdAt", "updatedAt"${cols.map((c) => `, "${c.name}"`).join('')}) VALUES ($1, $2, $3${casts.map((c) => `, ${c}`).join('')})`;
  for (const row of rows) {
    await pg.query(sql, [
      row.objectId,
      row.createdAt ?? null,
      row.updatedAt ?? null,
      ...cols.map((c) => pgValue(row[c.name], c.type)),
    ]);
  }
  for (const [name, pairs] of Object.entries(junctions)) {
    await pg.exec(
      `DROP TABLE IF EXISTS "${name}"; CREATE TABLE "${name}" ("owningId" TEXT, "relatedId" TEXT, PRIMARY KEY ("owningId", "relatedId"))`,
    );
    for (const [a, b] of pairs)
      await pg.query(`INSERT INTO "${name}" VALUES ($1, $2) ON CONFLICT DO NOTHING`, [a, b]);
  }
}

/** The objectIds a compiled SELECT returns on Postgres, sorted. */
export async function pgIds(pg: PGlite, q: CompiledQuery): Promise<string[]> {
  const result = await pg.query<{ objectId: string }>(q.sql, q.parameters as unknown[]);
  return result.rows.map((r) => r.objectId).sort();
}

/** A relation lookup over junction rows, for matches(). */
export function lookupFor(
  junctions: Junctions,
): (owner: { className: string; objectId: string }, key: string, relatedId: string) => boolean {
  const set = new Set<string>();
  for (const [name, pairs] of Object.entries(junctions))
    for (const [a, b] of pairs) set.add(`${name}|${a}|${b}`);
  return (owner, key, relatedId) =>
    set.has(`_Join_${key}_${owner.className}|${owner.objectId}|${relatedId}`);
}
