import { existsSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BackendError } from '@localbackend/adapter';
import { SCHEMA_TABLE, ftsTable, junctionTable, quoteIdent } from './identifiers';
import type { TableInfo } from './schema-store';
import type { SqliteConnection } from './sqlite-connection';

/** Progress callback of a backup. */
export type ProgressListener = (progress: { totalPages: number; remainingPages: number }) => void;

function removeDatabaseFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(path + suffix, { force: true });
}

/**
 * Online backup to `dest`. A file database is read through a second, read-only connection that
 * holds one read transaction for the whole copy, so the copy is a consistent snapshot and writes
 * on the main connection continue between steps without restarting it. A `:memory:` database is
 * copied from the main connection (the caller keeps writers out).
 */
export async function copyDatabase(
  conn: SqliteConnection,
  path: string,
  dest: string,
  pagesPerStep: number,
  onProgress: ProgressListener | undefined,
): Promise<{ path: string; totalPages: number }> {
  removeDatabaseFiles(dest);
  const progress = (p: { totalPages: number; remainingPages: number }) => {
    onProgress?.({ totalPages: p.totalPages, remainingPages: p.remainingPages });
    return pagesPerStep;
  };
  if (path === ':memory:') {
    const result = await conn.db.backup(dest, { progress });
    onProgress?.({ totalPages: result.totalPages, remainingPages: 0 });
    return { path: dest, totalPages: result.totalPages };
  }
  const reader = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
  try {
    reader.exec('BEGIN');
    reader.prepare('SELECT COUNT(*) FROM sqlite_master').get();
    const result = await reader.backup(dest, { progress });
    reader.exec('COMMIT');
    onProgress?.({ totalPages: result.totalPages, remainingPages: 0 });
    return { path: dest, totalPages: result.totalPages };
  } finally {
    reader.close();
  }
}

/** Throws `INVALID_VALUE` unless `src` is an intact SQLite file made by this adapter. */
export function checkDatabaseFile(src: string): void {
  if (!existsSync(src)) {
    throw new BackendError('INVALID_VALUE', `srcPath: ${src} does not exist`, {
      details: { path: 'srcPath' },
    });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(src, { readonly: true, fileMustExist: true });
    const result = db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = result.map((r) => r.integrity_check).filter((r) => r !== 'ok');
    if (problems.length > 0) {
      throw new BackendError(
        'INVALID_VALUE',
        `srcPath: ${src} failed the integrity check: ${problems.slice(0, 5).join('; ')}`,
        {
          details: { path: 'srcPath', problems },
        },
      );
    }
    const hasSchema = db
      .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
      .get(SCHEMA_TABLE);
    if (hasSchema === undefined) {
      throw new BackendError(
        'INVALID_VALUE',
        `srcPath: ${src} is not a localbackend database (no ${SCHEMA_TABLE} table)`,
        {
          details: { path: 'srcPath' },
        },
      );
    }
  } catch (error) {
    if (BackendError.is(error)) throw error;
    throw new BackendError('INVALID_VALUE', `srcPath: ${src} is not a readable SQLite database`, {
      cause: error,
      details: { path: 'srcPath' },
    });
  } finally {
    db?.close();
  }
}

/**
 * Replaces the database at `path` with `src`: the main connection is closed, the source is
 * copied in with the backup API (or deserialised, for `:memory:`), and a new connection opened.
 */
export async function restoreInto(
  old: SqliteConnection,
  path: string,
  src: string,
  reopen: (source: string | Buffer) => SqliteConnection,
): Promise<SqliteConnection> {
  const source = new Database(src, { readonly: true, fileMustExist: true });
  try {
    if (path === ':memory:') {
      const image = source.serialize();
      // An image of a WAL database says so in its header; in memory it must be a rollback journal.
      if (image.length > 19) {
        image[18] = 1;
        image[19] = 1;
      }
      old.close();
      return reopen(image);
    }
    old.close();
    await source.backup(path);
    return reopen(path);
  } finally {
    source.close();
  }
}

/** SQLite's integrity check plus the adapter's own metadata checks. */
export function readIntegrity(
  conn: SqliteConnection,
  tables: readonly TableInfo[],
): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  const db = conn.db;
  for (const row of db.pragma('integrity_check') as { integrity_check: string }[]) {
    if (row.integrity_check !== 'ok') problems.push(row.integrity_check);
  }
  for (const row of db.pragma('foreign_key_check') as {
    table: string;
    rowid: number;
    parent: string;
  }[]) {
    problems.push(`foreign key: ${row.table} row ${row.rowid} points to a missing ${row.parent}`);
  }
  const existing = new Set(
    (
      db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]
    ).map((n) => n),
  );
  for (const table of tables) {
    if (!existing.has(table.name)) {
      problems.push(`_schema lists "${table.name}" but the table is missing`);
      continue;
    }
    const columns = new Set(
      (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table.name) as string[]).map(
        (n) => n.toLowerCase(),
      ),
    );
    for (const column of table.schema.columns) {
      if (column.type === 'Relation') {
        if (!existing.has(junctionTable(table.name, column.name))) {
          problems.push(`the junction table of Relation "${table.name}.${column.name}" is missing`);
        }
      } else if (!columns.has(column.name.toLowerCase())) {
        problems.push(`_schema lists "${table.name}.${column.name}" but the column is missing`);
      }
    }
    if (table.schema.columns.some((c) => c.textIndex === true)) {
      const fts = ftsTable(table.name);
      if (!existing.has(fts)) problems.push(`the text index ${fts} of "${table.name}" is missing`);
      else {
        try {
          db.prepare(
            `INSERT INTO ${quoteIdent(fts)}(${quoteIdent(fts)}, rank) VALUES ('integrity-check', 1)`,
          ).run();
        } catch (error) {
          problems.push(
            `the text index ${fts} does not match "${table.name}": ${String((error as Error).message)}`,
          );
        }
      }
    }
  }
  return { ok: problems.length === 0, problems };
}
