import type { StoredRecord, TableSchema } from '@localbackend/adapter';
import { isStoredFileName } from '../file-store';

/** Builds the current url of a stored file from its name (see {@link withCurrentFileUrls}). */
export type FileUrlBuilder = (name: string) => string;

function fileColumns(table: TableSchema | undefined): readonly string[] {
  if (table === undefined) return [];
  const names: string[] = [];
  for (const column of table.columns) if (column.type === 'File') names.push(column.name);
  return names;
}

/**
 * The record with the url of every file this server stores (a `File` column whose value names a
 * stored file) rebuilt for the current request, as Parse Server does: a record keeps working when
 * the backend moves to another port or is reached under another host name. Files stored elsewhere
 * (other names, e.g. migrated from a hosted Parse) keep the url they were saved with. Returns the
 * same object when nothing changes, else a shallow copy.
 */
export function withCurrentFileUrls<T extends StoredRecord>(
  record: T,
  table: TableSchema | undefined,
  fileUrl: FileUrlBuilder | undefined,
): T {
  if (fileUrl === undefined) return record;
  let out: T | undefined;
  for (const column of fileColumns(table)) {
    const value = (record as Record<string, unknown>)[column];
    if (typeof value !== 'object' || value === null) continue;
    const name = (value as { name?: unknown }).name;
    if (!isStoredFileName(name)) continue;
    const url = fileUrl(name);
    if ((value as { url?: unknown }).url === url) continue;
    out ??= { ...record };
    (out as Record<string, unknown>)[column] = { ...value, url };
  }
  return out ?? record;
}
