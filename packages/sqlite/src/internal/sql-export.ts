import { createHash } from 'node:crypto';
import type { ColumnDefinition, SchemaDefinition } from '@localbackend/adapter';
import { isSystemCollection, junctionTable, quoteIdent } from './identifiers';
import { decodeRow } from './record-store';
import type { TableInfo } from './schema-store';
import type { SqliteConnection } from './sqlite-connection';

const PG_TYPES: Record<ColumnDefinition['type'], string> = {
  String: 'TEXT',
  Number: 'DOUBLE PRECISION',
  Boolean: 'BOOLEAN',
  Date: 'TIMESTAMPTZ',
  Object: 'JSONB',
  Array: 'JSONB',
  GeoPoint: 'JSONB',
  File: 'JSONB',
  Pointer: 'TEXT',
  Relation: '',
};

const ROWS_PER_INSERT = 500;

/** PostgreSQL truncates identifiers at 63 bytes: longer generated names get a hash suffix instead. */
function pgName(base: string): string {
  if (Buffer.byteLength(base) <= 63) return base;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, 50)}_${hash}`;
}

function text(value: string): string {
  return `'${value.replaceAll('\u0000', '').replace(/'/g, "''")}'`;
}

/** A stored SQLite value as a PostgreSQL literal of the column's type. */
function literal(type: ColumnDefinition['type'] | 'System', raw: unknown): string {
  if (raw === null || raw === undefined) return 'NULL';
  switch (type) {
    case 'Number': {
      const n = typeof raw === 'number' ? raw : Number(raw);
      return Number.isFinite(n) ? String(n) : 'NULL';
    }
    case 'Boolean':
      return raw === 1 || raw === 1n || raw === true || raw === '1' ? 'TRUE' : 'FALSE';
    case 'Object':
    case 'Array':
    case 'GeoPoint':
    case 'File':
      return `${text(String(raw).replace(/\\u0000/g, ''))}::jsonb`;
    case 'Date':
      return `${text(String(raw))}::timestamptz`;
    default:
      return text(String(raw));
  }
}

function defaultClause(column: ColumnDefinition): string {
  if (column.defaultValue === undefined || column.defaultValue === null) return '';
  const value = column.defaultValue;
  switch (column.type) {
    case 'Number':
    case 'Boolean':
      return ` DEFAULT ${literal(column.type, column.type === 'Boolean' ? (value === true ? 1 : 0) : value)}`;
    case 'String':
    case 'Date':
    case 'Pointer':
      return ` DEFAULT ${literal(column.type, typeof value === 'object' ? ((value as { iso?: string; objectId?: string }).iso ?? (value as { objectId?: string }).objectId) : value)}`;
    default:
      return ` DEFAULT ${literal(column.type, JSON.stringify(value))}`;
  }
}

function hasNulls(conn: SqliteConnection, table: string, column: string): boolean {
  return (
    conn
      .prepare(`SELECT 1 FROM ${quoteIdent(table)} WHERE ${quoteIdent(column)} IS NULL LIMIT 1`)
      .get() !== undefined
  );
}

/**
 * PostgreSQL DDL for the collections: tables, indexes, junction tables, foreign keys (deferred,
 * so that data loads in any order), text indexes; for Supabase also row-level security.
 */
export function exportSchemaSql(
  conn: SqliteConnection,
  tables: readonly TableInfo[],
  target: 'postgres' | 'supabase',
): string {
  const names = new Set(tables.map((t) => t.name));
  const out: string[] = [
    `-- localbackend schema export for ${target === 'supabase' ? 'Supabase' : 'PostgreSQL'}`,
    `-- Types: String TEXT, Number DOUBLE PRECISION, Boolean BOOLEAN, Date TIMESTAMPTZ,`,
    `-- Object/Array/GeoPoint/File JSONB, Pointer TEXT (objectId) with a foreign key, Relation a junction table.`,
    'BEGIN;',
    '',
  ];
  const constraints: string[] = [];
  const junctions: string[] = [];
  for (const table of tables) {
    const t = quoteIdent(table.name);
    const defs = [
      `  "objectId" TEXT PRIMARY KEY`,
      `  "createdAt" TIMESTAMPTZ NOT NULL DEFAULT now()`,
      `  "updatedAt" TIMESTAMPTZ NOT NULL DEFAULT now()`,
    ];
    for (const column of table.schema.columns) {
      if (column.type === 'Relation') continue;
      const notNull =
        column.required === true && !hasNulls(conn, table.name, column.name) ? ' NOT NULL' : '';
      defs.push(
        `  ${quoteIdent(column.name)} ${PG_TYPES[column.type]}${notNull}${defaultClause(column)}`,
      );
    }
    out.push(`CREATE TABLE IF NOT EXISTS ${t} (\n${defs.join(',\n')}\n);`);
    out.push(
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(pgName(`${table.name}_createdAt_idx`))} ON ${t} ("createdAt");`,
    );
    out.push(
      `CREATE INDEX IF NOT EXISTS ${quoteIdent(pgName(`${table.name}_updatedAt_idx`))} ON ${t} ("updatedAt");`,
    );
    for (const column of table.schema.columns) {
      const c = quoteIdent(column.name);
      if (column.type === 'Relation') {
        const junction = junctionTable(table.name, column.name);
        const j = quoteIdent(junction);
        junctions.push(junction);
        out.push(
          `CREATE TABLE IF NOT EXISTS ${j} (\n  "owningId" TEXT NOT NULL,\n  "relatedId" TEXT NOT NULL,\n  PRIMARY KEY ("owningId", "relatedId")\n);`,
        );
        out.push(
          `CREATE INDEX IF NOT EXISTS ${quoteIdent(pgName(`${junction}_relatedId_idx`))} ON ${j} ("relatedId");`,
        );
        constraints.push(
          `ALTER TABLE ${j} ADD CONSTRAINT ${quoteIdent(pgName(`${junction}_owningId_fkey`))} FOREIGN KEY ("owningId") REFERENCES ${t} ("objectId") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;`,
        );
        if (column.targetClass !== undefined && names.has(column.targetClass)) {
          constraints.push(
            `ALTER TABLE ${j} ADD CONSTRAINT ${quoteIdent(pgName(`${junction}_relatedId_fkey`))} FOREIGN KEY ("relatedId") REFERENCES ${quoteIdent(column.targetClass)} ("objectId") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;`,
          );
        }
        continue;
      }
      if (column.unique === true) {
        out.push(
          `CREATE UNIQUE INDEX IF NOT EXISTS ${quoteIdent(pgName(`${table.name}_${column.name}_key`))} ON ${t} (${c});`,
        );
      }
      if (column.type === 'Pointer' || column.indexed === true) {
        out.push(
          `CREATE INDEX IF NOT EXISTS ${quoteIdent(pgName(`${table.name}_${column.name}_idx`))} ON ${t} (${c});`,
        );
      }
      if (column.textIndex === true) {
        out.push(
          `CREATE INDEX IF NOT EXISTS ${quoteIdent(pgName(`${table.name}_${column.name}_fts_idx`))} ON ${t} USING GIN (to_tsvector('simple', coalesce(${c}, '')));`,
        );
      }
      if (column.type === 'Pointer') {
        if (column.targetClass !== undefined && names.has(column.targetClass)) {
          constraints.push(
            `ALTER TABLE ${t} ADD CONSTRAINT ${quoteIdent(pgName(`${table.name}_${column.name}_fkey`))} FOREIGN KEY (${c}) REFERENCES ${quoteIdent(column.targetClass)} ("objectId") ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED;`,
          );
        } else {
          constraints.push(
            `-- ${table.name}.${column.name} points to ${column.targetClass ?? '?'}, which is not part of this export: no foreign key`,
          );
        }
      }
    }
    out.push('');
  }
  if (constraints.length > 0)
    out.push(
      '-- Foreign keys (deferred: rows may load in any order within a transaction)',
      ...constraints,
      '',
    );
  if (target === 'supabase') {
    out.push(
      '-- Row-level security: enabled on every table. Default policy: signed-in users (role authenticated)',
      '-- may read and write every row; anonymous clients (role anon) get nothing; service_role bypasses RLS.',
      '-- Replace these policies with per-user rules (e.g. USING (auth.uid()::text = "owner")) before going live.',
      `DO $$ BEGIN`,
      `  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN CREATE ROLE anon NOLOGIN; END IF;`,
      `  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN CREATE ROLE authenticated NOLOGIN; END IF;`,
      `END $$;`,
    );
    for (const name of [...tables.map((t) => t.name), ...junctions]) {
      const t = quoteIdent(name);
      out.push(`ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;`);
      out.push(
        `CREATE POLICY ${quoteIdent(pgName(`${name}_authenticated_all`))} ON ${t} FOR ALL TO authenticated USING (true) WITH CHECK (true);`,
      );
    }
    out.push('');
  }
  out.push('COMMIT;', '');
  return out.join('\n');
}

/**
 * The data as PostgreSQL `INSERT`s for the DDL of {@link exportSchemaSql}, in one transaction.
 * Pointers to records that no longer exist are exported as NULL (the foreign key would reject
 * them) and relation rows to missing records are left out; a comment says how many.
 */
export function exportDataSql(conn: SqliteConnection, tables: readonly TableInfo[]): string {
  const names = new Set(tables.map((t) => t.name));
  const out: string[] = [
    '-- localbackend data export for PostgreSQL',
    'BEGIN;',
    'SET CONSTRAINTS ALL DEFERRED;',
    '',
  ];
  for (const table of tables) {
    const t = quoteIdent(table.name);
    const columns: { name: string; type: ColumnDefinition['type'] | 'System'; select: string }[] = [
      { name: 'objectId', type: 'System', select: 't."objectId"' },
      { name: 'createdAt', type: 'Date', select: 't."createdAt"' },
      { name: 'updatedAt', type: 'Date', select: 't."updatedAt"' },
    ];
    let dangling = 0;
    for (const column of table.schema.columns) {
      if (column.type === 'Relation') continue;
      const c = `t.${quoteIdent(column.name)}`;
      if (
        column.type === 'Pointer' &&
        column.targetClass !== undefined &&
        names.has(column.targetClass)
      ) {
        const target = quoteIdent(column.targetClass);
        const exists = `EXISTS (SELECT 1 FROM ${target} x WHERE x."objectId" = ${c})`;
        columns.push({
          name: column.name,
          type: column.type,
          select: `CASE WHEN ${exists} THEN ${c} END`,
        });
        dangling += Number(
          conn
            .prepare(`SELECT COUNT(*) FROM ${t} t WHERE ${c} IS NOT NULL AND NOT ${exists}`)
            .pluck()
            .get() ?? 0,
        );
      } else {
        columns.push({ name: column.name, type: column.type, select: c });
      }
    }
    if (dangling > 0) {
      out.push(
        `-- ${table.name}: ${dangling} pointer value(s) to deleted records exported as NULL`,
      );
    }
    const head = `INSERT INTO ${t} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES`;
    let batch: string[] = [];
    const rows = conn.db
      .prepare(
        `SELECT ${columns.map((c) => `${c.select} AS ${quoteIdent(c.name)}`).join(', ')} FROM ${t} t ORDER BY t."createdAt", t."objectId"`,
      )
      .raw()
      .iterate() as IterableIterator<unknown[]>;
    for (const row of rows) {
      batch.push(`(${row.map((raw, i) => literal(columns[i]!.type, raw)).join(', ')})`);
      if (batch.length >= ROWS_PER_INSERT) {
        out.push(`${head}\n${batch.join(',\n')};`);
        batch = [];
      }
    }
    if (batch.length > 0) out.push(`${head}\n${batch.join(',\n')};`);
    for (const relation of table.relations) {
      const junction = junctionTable(table.name, relation.name);
      const j = quoteIdent(junction);
      const targetKnown = relation.targetClass !== undefined && names.has(relation.targetClass);
      const filter =
        `EXISTS (SELECT 1 FROM ${t} o WHERE o."objectId" = j."owningId")` +
        (targetKnown
          ? ` AND EXISTS (SELECT 1 FROM ${quoteIdent(relation.targetClass!)} r WHERE r."objectId" = j."relatedId")`
          : '');
      const skipped = Number(
        conn.prepare(`SELECT COUNT(*) FROM ${j} j WHERE NOT (${filter})`).pluck().get() ?? 0,
      );
      if (skipped > 0)
        out.push(`-- ${junction}: ${skipped} relation row(s) to deleted records left out`);
      const pairs = conn.db
        .prepare(`SELECT j."owningId", j."relatedId" FROM ${j} j WHERE ${filter} ORDER BY 1, 2`)
        .raw()
        .iterate() as IterableIterator<[string, string]>;
      let rowsOut: string[] = [];
      const jHead = `INSERT INTO ${j} ("owningId", "relatedId") VALUES`;
      for (const [owning, related] of pairs) {
        rowsOut.push(`(${text(owning)}, ${text(related)})`);
        if (rowsOut.length >= ROWS_PER_INSERT) {
          out.push(`${jHead}\n${rowsOut.join(',\n')};`);
          rowsOut = [];
        }
      }
      if (rowsOut.length > 0) out.push(`${jHead}\n${rowsOut.join(',\n')};`);
    }
    out.push('');
  }
  out.push('COMMIT;', '');
  return out.join('\n');
}

/** The data as one JSON document: schema, records per collection, relation pairs. */
export function exportDataJson(
  conn: SqliteConnection,
  tables: readonly TableInfo[],
  schema: SchemaDefinition,
): string {
  const data: Record<string, unknown[]> = {};
  const relations: Record<string, Record<string, [string, string][]>> = {};
  for (const table of tables) {
    const rows = conn.db
      .prepare(`SELECT * FROM ${quoteIdent(table.name)} ORDER BY "createdAt", "objectId"`)
      .all() as Record<string, unknown>[];
    data[table.name] = rows.map((row) => decodeRow(table, row));
    for (const relation of table.relations) {
      const pairs = conn.db
        .prepare(
          `SELECT "owningId", "relatedId" FROM ${quoteIdent(junctionTable(table.name, relation.name))} ORDER BY 1, 2`,
        )
        .raw()
        .all() as [string, string][];
      (relations[table.name] ??= {})[relation.name] = pairs;
    }
  }
  return JSON.stringify({
    format: 'localbackend',
    version: 1,
    exportedAt: new Date().toISOString(),
    schema,
    systemCollections: tables.filter((t) => isSystemCollection(t.name)).map((t) => t.name),
    data,
    relations,
  });
}
