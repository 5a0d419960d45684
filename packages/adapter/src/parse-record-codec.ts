import type { StoredRecord } from './field-value';
import type { ColumnDefinition, TableSchema } from './schema-definition';
import { isPlainRecord, type ParseWireValue } from './parse-value-codec';

/**
 * Finds the schema of a collection (used to encode included records).
 *
 * @example
 * ```ts
 * const lookup: TableLookup = (name) => schema.tables.find((t) => t.name === name);
 * ```
 */
export type TableLookup = (collection: string) => TableSchema | undefined;

function toWire(value: unknown): ParseWireValue {
  if (value === undefined) return null;
  if (value === null || typeof value !== 'object') return value as ParseWireValue;
  if (value instanceof Date) return { __type: 'Date', iso: value.toISOString() };
  if (Array.isArray(value)) return value.map(toWire);
  const out: { [key: string]: ParseWireValue } = {};
  for (const key of Object.keys(value)) out[key] = toWire((value as Record<string, unknown>)[key]);
  return out;
}

function encodeField(
  value: unknown,
  column: ColumnDefinition | undefined,
  lookup: TableLookup | undefined,
  depth: number,
): ParseWireValue {
  if (column === undefined || value === null || value === undefined) return toWire(value);
  switch (column.type) {
    case 'Date':
      return typeof value === 'string' ? { __type: 'Date', iso: value } : toWire(value);
    case 'Pointer': {
      const className = column.targetClass ?? '';
      if (typeof value === 'string') return { __type: 'Pointer', className, objectId: value };
      if (isPlainRecord(value) && typeof value.objectId === 'string' && depth < 8) {
        const included = encodeParseRecord(value as StoredRecord, lookup?.(className), {
          lookup,
          depth: depth + 1,
        });
        return { ...included, __type: 'Object', className };
      }
      return toWire(value);
    }
    default:
      return toWire(value);
  }
}

/**
 * Options of {@link encodeParseRecord}.
 *
 * @example
 * ```ts
 * const options: EncodeRecordOptions = { lookup: (name) => tables.get(name) };
 * ```
 */
export interface EncodeRecordOptions {
  /** Schema of other collections, to encode included (pointed-to) records. */
  readonly lookup?: TableLookup | undefined;
  /** @internal nesting depth of included records. */
  readonly depth?: number;
}

/**
 * Encodes a {@link StoredRecord} as Parse returns objects: Date columns become
 * `{__type:'Date', iso}`, Pointer ids become `{__type:'Pointer', className, objectId}` (an
 * included record becomes `{__type:'Object', className, ...fields}`), Relation columns become
 * `{__type:'Relation', className}`; `createdAt` / `updatedAt` stay ISO strings.
 *
 * @example
 * ```ts
 * encodeParseRecord(
 *   { objectId: 't1', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', due: '2026-02-01T00:00:00.000Z' },
 *   { name: 'Todo', columns: [{ name: 'due', type: 'Date' }] },
 * ); // due: { __type: 'Date', iso: '2026-02-01T00:00:00.000Z' }
 * ```
 */
export function encodeParseRecord(
  record: StoredRecord,
  table: TableSchema | undefined,
  options: EncodeRecordOptions = {},
): { [key: string]: ParseWireValue } {
  const columns = new Map<string, ColumnDefinition>();
  for (const column of table?.columns ?? []) columns.set(column.name, column);
  const out: { [key: string]: ParseWireValue } = {};
  for (const key of Object.keys(record)) {
    out[key] = encodeField(record[key], columns.get(key), options.lookup, options.depth ?? 0);
  }
  for (const column of columns.values()) {
    if (column.type === 'Relation' && column.targetClass !== undefined) {
      out[column.name] = { __type: 'Relation', className: column.targetClass };
    }
  }
  return out;
}
