import {
  BackendError,
  describeValue,
  isPlainRecord,
  isValidFieldName,
  isValidObjectId,
  type ColumnDefinition,
} from '@localbackend/adapter';
import { assertStorableCollection } from './identifiers';
import type { RecordStore, WriteScope } from './record-store';
import type { SchemaStore } from './schema-store';
import { normalizeColumn, normalizeTable } from './schema-validation';
import { mapSqliteError } from './sqlite-errors';

/** Parse classes that only make sense inside Parse Server: never imported. */
const PARSE_INTERNAL_CLASSES = new Set([
  '_Session',
  '_Installation',
  '_PushStatus',
  '_JobStatus',
  '_JobSchedule',
  '_Hooks',
  '_GlobalConfig',
  '_GraphQLConfig',
  '_Audience',
  '_Idempotency',
  '_ExportProgress',
  '_Product',
]);

const SYSTEM_FIELDS = new Set(['objectId', 'createdAt', 'updatedAt']);
/** Secrets and Parse bookkeeping that never become columns. */
const SECRET_FIELDS = new Set(['password', 'authData', 'sessionToken']);

const PARSE_TYPES: Record<string, ColumnDefinition['type']> = {
  String: 'String',
  Number: 'Number',
  Boolean: 'Boolean',
  Date: 'Date',
  Object: 'Object',
  Array: 'Array',
  Pointer: 'Pointer',
  Relation: 'Relation',
  GeoPoint: 'GeoPoint',
  File: 'File',
  Bytes: 'Object',
  Polygon: 'Object',
};

/** What `importParseSchema` returns. */
export interface SchemaImportReport {
  tables: string[];
  skipped: { name: string; reason: string }[];
}

function classesOf(response: unknown): unknown[] {
  if (Array.isArray(response)) return response;
  if (isPlainRecord(response) && Array.isArray(response.results)) return response.results;
  if (isPlainRecord(response) && typeof response.className === 'string') return [response];
  throw new BackendError(
    'INVALID_VALUE',
    `schema: expected a Parse /schemas response { results: [{ className, fields }] }, got ${describeValue(response)}`,
    { details: { path: 'schema', expected: '{ results: [...] }' } },
  );
}

function indexedFields(indexes: unknown): { plain: Set<string>; text: Set<string> } {
  const plain = new Set<string>();
  const text = new Set<string>();
  if (!isPlainRecord(indexes)) return { plain, text };
  for (const [name, spec] of Object.entries(indexes)) {
    if (name === '_id_' || !isPlainRecord(spec)) continue;
    const keys = Object.entries(spec);
    if (keys.length === 1) {
      const [field, kind] = keys[0]!;
      if (kind === 'text') text.add(field);
      else if (kind === 1 || kind === -1) plain.add(field);
    } else {
      for (const [field, kind] of keys) if (kind === 'text') text.add(field);
    }
  }
  return { plain, text };
}

/** Creates (or extends) collections from a Parse `/schemas` response. Runs inside a write transaction. */
export function importParseSchemaResponse(
  response: unknown,
  schema: SchemaStore,
): SchemaImportReport {
  const report: SchemaImportReport = { tables: [], skipped: [] };
  classesOf(response).forEach((raw, i) => {
    if (!isPlainRecord(raw) || typeof raw.className !== 'string') {
      throw new BackendError(
        'INVALID_VALUE',
        `schema.results[${i}]: expected { className, fields }, got ${describeValue(raw)}`,
        {
          details: { path: `schema.results[${i}]` },
        },
      );
    }
    const className = raw.className;
    if (PARSE_INTERNAL_CLASSES.has(className)) {
      report.skipped.push({ name: className, reason: 'a Parse Server internal class' });
      return;
    }
    try {
      assertStorableCollection(className, `schema.results[${i}].className`);
    } catch (error) {
      report.skipped.push({ name: className, reason: (error as Error).message });
      return;
    }
    const fields = isPlainRecord(raw.fields) ? raw.fields : {};
    const { plain, text } = indexedFields(raw.indexes);
    const columns: ColumnDefinition[] = [];
    const lower = new Set<string>(['objectid', 'createdat', 'updatedat']);
    for (const [name, spec] of Object.entries(fields)) {
      if (SYSTEM_FIELDS.has(name)) continue;
      const where = `${className}.${name}`;
      if (name === 'ACL') {
        report.skipped.push({
          name: where,
          reason: 'ACLs are not stored (localbackend has no per-record permissions yet)',
        });
        continue;
      }
      if (SECRET_FIELDS.has(name)) {
        report.skipped.push({ name: where, reason: 'credentials are not imported' });
        continue;
      }
      if (!isValidFieldName(name)) {
        report.skipped.push({ name: where, reason: 'not a valid field name' });
        continue;
      }
      if (lower.has(name.toLowerCase())) {
        report.skipped.push({
          name: where,
          reason: 'clashes with another field of the same name in another case',
        });
        continue;
      }
      const parseType = isPlainRecord(spec) ? spec.type : undefined;
      const type = typeof parseType === 'string' ? PARSE_TYPES[parseType] : undefined;
      if (type === undefined || !isPlainRecord(spec)) {
        report.skipped.push({
          name: where,
          reason: `unsupported Parse type ${describeValue(parseType)}`,
        });
        continue;
      }
      try {
        const column = normalizeColumn(
          {
            name,
            type,
            ...(type === 'Pointer' || type === 'Relation' ? { targetClass: spec.targetClass } : {}),
            ...(spec.required === true ? { required: true } : {}),
            ...(spec.defaultValue !== undefined && type !== 'Relation'
              ? { defaultValue: spec.defaultValue }
              : {}),
            ...(plain.has(name) && type !== 'Relation' ? { indexed: true } : {}),
            ...(text.has(name) && type === 'String' ? { textIndex: true } : {}),
          },
          `schema.results[${i}].fields.${name}`,
        );
        columns.push(column);
        lower.add(name.toLowerCase());
      } catch (error) {
        report.skipped.push({ name: where, reason: (error as Error).message });
      }
    }
    if (schema.table(className) === undefined) {
      const clash = schema.caseInsensitive(className);
      if (clash !== undefined) {
        report.skipped.push({
          name: className,
          reason: `clashes with the existing collection "${clash}" (names are case-insensitive)`,
        });
        return;
      }
      schema.createTable(normalizeTable({ name: className, columns }, `schema.results[${i}]`));
    } else {
      for (const column of columns) {
        try {
          schema.addColumn(className, column);
        } catch (error) {
          if (!BackendError.is(error) || error.code !== 'SCHEMA_CONFLICT') throw error;
          report.skipped.push({ name: `${className}.${column.name}`, reason: error.message });
        }
      }
    }
    report.tables.push(className);
  });
  return report;
}

// ---- records ---------------------------------------------------------------------------------------

/** Options of an import (validated by the adapter). */
export interface RecordImportOptions {
  readonly onConflict?: 'error' | 'skip' | 'replace';
  readonly onProgress?: (done: number, total: number) => void;
}

/** Runs one batch inside a write transaction. */
export type BatchRunner = <T>(
  batch: (records: RecordStore, schema: SchemaStore) => T,
) => Promise<T>;

const DROPPED_KEYS = new Set([
  'ACL',
  '__type',
  'className',
  '_rperm',
  '_wperm',
  '_acl',
  '_hashed_password',
  'sessionToken',
  'authData',
  'password',
]);

function convertValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(convertValue);
  if (!isPlainRecord(value)) return value;
  if (
    value.__type === 'Object' &&
    typeof value.className === 'string' &&
    typeof value.objectId === 'string'
  ) {
    return { __type: 'Pointer', className: value.className, objectId: value.objectId };
  }
  if (value.__type === 'Polygon')
    return { kind: 'Polygon', coordinates: convertValue(value.coordinates) };
  if (typeof value.$date === 'string' && Object.keys(value).length === 1)
    return { __type: 'Date', iso: value.$date };
  if (value.__type !== undefined || value.__op !== undefined) {
    if (value.__op !== undefined && Array.isArray(value.objects))
      return { ...value, objects: value.objects.map(convertValue) };
    return value;
  }
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = convertValue(inner);
  return out;
}

/** True when a record needs no conversion: plain keys, no nested values (the common import row). */
function isPlainAlready(raw: Record<string, unknown>): boolean {
  for (const key in raw) {
    const value = raw[key];
    if (key.charCodeAt(0) === 95 /* _ */ || DROPPED_KEYS.has(key)) return false;
    if (typeof value === 'object' && value !== null) return false;
  }
  return true;
}

/** One Parse record (REST / dashboard JSON, or Parse's MongoDB export) as create() input. */
function convertRecord(raw: unknown, path: string): Record<string, unknown> {
  if (!isPlainRecord(raw)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected a record object, got ${describeValue(raw)}`,
      {
        details: { path },
      },
    );
  }
  if (isPlainAlready(raw)) return raw;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || DROPPED_KEYS.has(key)) continue;
    if (key === '_id') out.objectId = value;
    else if (key === '_created_at') out.createdAt = convertValue(value);
    else if (key === '_updated_at') out.updatedAt = convertValue(value);
    else if (key.startsWith('_p_') && typeof value === 'string' && value.includes('$')) {
      const at = value.indexOf('$');
      out[key.slice(3)] = {
        __type: 'Pointer',
        className: value.slice(0, at),
        objectId: value.slice(at + 1),
      };
    } else if (key.startsWith('_')) continue;
    else out[key] = convertValue(value);
  }
  return out;
}

function recordsOf(input: unknown): unknown[] {
  if (Array.isArray(input)) return input;
  if (isPlainRecord(input) && Array.isArray(input.results)) return input.results;
  throw new BackendError(
    'INVALID_VALUE',
    `records: expected an array of records or { results: [...] }, got ${describeValue(input)}`,
    {
      details: { path: 'records', expected: 'an array' },
    },
  );
}

/** Imports records in batches, each one transaction (`runBatch`). */
export async function importParseRecords(
  collection: string,
  input: unknown,
  options: RecordImportOptions,
  batchSize: number,
  runBatch: BatchRunner,
): Promise<{ imported: number; skipped: number; relations: number }> {
  if (!isPlainRecord(options as unknown)) {
    throw new BackendError('INVALID_VALUE', 'options: expected an object');
  }
  const onProgress = typeof options.onProgress === 'function' ? options.onProgress : undefined;
  const onConflict = options.onConflict ?? 'error';
  if (onConflict !== 'error' && onConflict !== 'skip' && onConflict !== 'replace') {
    throw new BackendError(
      'INVALID_VALUE',
      `options.onConflict: expected "error", "skip" or "replace", got ${describeValue(onConflict)}`,
      {
        details: { path: 'options.onConflict' },
      },
    );
  }
  const records = recordsOf(input);
  const join =
    typeof collection === 'string'
      ? /^_Join:([A-Za-z][A-Za-z0-9_]*):(_?[A-Za-z][A-Za-z0-9_]*)$/.exec(collection)
      : null;
  if (join === null) assertStorableCollection(collection, 'collection');
  let imported = 0;
  let skipped = 0;
  let relations = 0;
  for (let start = 0; start < records.length; start += batchSize) {
    const slice = records.slice(start, start + batchSize);
    const counts = await runBatch((store, schema) => {
      const discard: WriteScope = { events: [] };
      let done = 0;
      let left = 0;
      let related = 0;
      if (join !== null) {
        const [, key, owner] = join as unknown as [string, string, string];
        const table = schema.table(owner);
        const column = table?.columns.get(key);
        if (table === undefined || column?.type !== 'Relation') {
          throw new BackendError(
            'INVALID_VALUE',
            `collection: ${collection} fills the Relation "${owner}.${key}", which does not exist; import the schema (importParseSchema) first`,
            { details: { path: 'collection' } },
          );
        }
        slice.forEach((row, i) => {
          const path = `records[${start + i}]`;
          if (
            !isPlainRecord(row) ||
            !isValidObjectId(row.owningId) ||
            !isValidObjectId(row.relatedId)
          ) {
            throw new BackendError(
              'INVALID_VALUE',
              `${path}: expected { owningId, relatedId }, got ${describeValue(row)}`,
              {
                details: { path },
              },
            );
          }
          store.relateRaw(owner, key, row.owningId, [row.relatedId]);
          related++;
        });
        return { done: 0, left: 0, related };
      }
      const toCreate: Record<string, unknown>[] = [];
      const indexes: number[] = [];
      const positions = new Map<string, number>();
      slice.forEach((raw, i) => {
        const record = convertRecord(raw, `records[${start + i}]`);
        const id = record.objectId;
        if (onConflict !== 'error' && typeof id === 'string' && isValidObjectId(id)) {
          const earlier = positions.get(id);
          if (earlier !== undefined) {
            if (onConflict === 'skip') {
              left++;
              return;
            }
            toCreate[earlier] = record;
            indexes[earlier] = start + i;
            left++;
            return;
          }
          const table = store.findTable(collection);
          if (table !== undefined && store.row(table, id) !== undefined) {
            if (onConflict === 'skip') {
              left++;
              return;
            }
            store.remove(discard, collection, id);
          }
          positions.set(id, toCreate.length);
        }
        toCreate.push(record);
        indexes.push(start + i);
      });
      related = store.createMany(
        collection,
        toCreate,
        { keepTimestamps: true, silent: true },
        (k, error) => {
          const mapped = mapSqliteError(error, { operation: 'importRecords', collection });
          return new BackendError(mapped.code, `records[${indexes[k]!}]: ${mapped.message}`, {
            details: { ...mapped.details, record: indexes[k]! },
            cause: error,
          });
        },
      );
      done = toCreate.length;
      return { done, left, related };
    });
    imported += counts.done;
    skipped += counts.left;
    relations += counts.related;
    onProgress?.(Math.min(start + slice.length, records.length), records.length);
  }
  return { imported, skipped, relations };
}
