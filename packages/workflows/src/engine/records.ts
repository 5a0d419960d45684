import {
  BackendError,
  describeValue,
  type ColumnDefinition,
  type FieldValue,
  type QueryResult,
  type SchemaDefinition,
  type StoredRecord,
  type TableSchema,
} from '@localbackend/adapter';
import type { RunServices, SessionUser } from '../catalog/node-definition';
import type { NoodlArray, NoodlObject } from './object-scope';
import { jsonTextOf } from './result-text';

const MAX_DEPTH = 32;

/**
 * The schema of a collection, or `undefined`.
 *
 * @example
 * ```ts
 * tableOf(await run.schema(), 'Todo')?.columns.length;
 * ```
 */
export function tableOf(
  schema: SchemaDefinition | undefined,
  className: string,
): TableSchema | undefined {
  return schema?.tables.find((t) => t.name === className);
}

const columnIndexes = new Map<TableSchema, Map<string, ColumnDefinition>>();

function columnOf(table: TableSchema | undefined, field: string): ColumnDefinition | undefined {
  if (table === undefined) return undefined;
  let index = columnIndexes.get(table);
  if (index === undefined) {
    // Schemas are immutable snapshots; keep the index of the few most recent ones.
    if (columnIndexes.size > 64) columnIndexes.clear();
    index = new Map(table.columns.map((c) => [c.name, c]));
    columnIndexes.set(table, index);
  }
  return index.get(field);
}

/**
 * The schema for a class, tolerant of a failing `getSchema` (then `undefined`).
 *
 * @example
 * ```ts
 * const table = await safeTable(run, 'Todo');
 * ```
 */
export async function safeTable(
  run: RunServices,
  className: string,
): Promise<TableSchema | undefined> {
  try {
    return tableOf(await run.schema(), className);
  } catch {
    return undefined;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function toDate(value: unknown): Date | unknown {
  if (value instanceof Date) return value;
  if (typeof value === 'string') {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? value : date;
  }
  if (isPlainObject(value) && value['__type'] === 'Date' && typeof value['iso'] === 'string') {
    return new Date(value['iso']);
  }
  return value;
}

function fileValue(value: Record<string, unknown>): Record<string, unknown> {
  const name = value['name'];
  const url = value['url'];
  const file: Record<string, unknown> = { name, url };
  Object.defineProperty(file, 'toString', { value: () => String(url ?? ''), enumerable: false });
  return file;
}

/**
 * Converts one stored field value into a Noodl value (NOODL-RUNTIME §5.2).
 *
 * @example
 * ```ts
 * fromStoredValue(run, '2026-01-01T00:00:00.000Z', { name: 'due', type: 'Date' }); // a Date
 * ```
 */
export function fromStoredValue(
  run: RunServices,
  value: unknown,
  column: ColumnDefinition | undefined,
  depth = 0,
): unknown {
  if (value === null || value === undefined) return value;
  if (depth > MAX_DEPTH) return value;
  switch (column?.type) {
    case 'Relation':
      return undefined;
    case 'Date':
      return toDate(value);
    case 'Pointer':
      if (typeof value === 'string') return value;
      if (isPlainObject(value) && typeof value['objectId'] === 'string') {
        if (value['__type'] === 'Pointer') return value['objectId'];
        return storedToObject(
          run,
          column.targetClass ?? String(value['className'] ?? ''),
          value as StoredRecord,
          undefined,
          depth + 1,
        );
      }
      return value;
    case 'File':
      return isPlainObject(value) ? fileValue(value) : value;
    case 'GeoPoint':
      return isPlainObject(value)
        ? { latitude: value['latitude'], longitude: value['longitude'] }
        : value;
    default:
      break;
  }
  if (Array.isArray(value)) {
    if (value.length > 0 && value.every((v) => isPlainObject(v))) {
      return run.objects.newArray(value.map((v) => fromStoredValue(run, v, undefined, depth + 1)));
    }
    return value;
  }
  if (isPlainObject(value)) {
    switch (value['__type']) {
      case 'Date':
        return toDate(value);
      case 'GeoPoint':
        return { latitude: value['latitude'], longitude: value['longitude'] };
      case 'File':
        return fileValue(value);
      case 'Pointer':
        return value['objectId'];
      default:
        break;
    }
    const object = run.objects.get();
    for (const [key, inner] of Object.entries(value)) {
      run.objects.assign(object, key, fromStoredValue(run, inner, undefined, depth + 1), {
        silent: true,
      });
    }
    return object;
  }
  return value;
}

/**
 * Puts a stored record into the run's object scope (the same id is the same object), converting
 * its fields by the class schema, and remembers its class.
 *
 * @example
 * ```ts
 * const todo = storedToObject(run, 'Todo', await adapter.fetch({ collection: 'Todo', objectId: id }), table);
 * ```
 */
export function storedToObject(
  run: RunServices,
  className: string,
  stored: StoredRecord,
  table: TableSchema | undefined,
  depth = 0,
): NoodlObject {
  const id = stored.objectId;
  const object = run.objects.load(id, (put, putDate) => {
    for (const key in stored) {
      if (key === 'objectId' || key === 'ACL' || key === 'className' || key === '__type') continue;
      const value = stored[key];
      if (key === 'createdAt' || key === 'updatedAt') {
        if (typeof value === 'string' && value !== '') putDate(key, value);
        else put(key, toDate(value));
        continue;
      }
      const column = columnOf(table, key);
      if (column === undefined) {
        // Untyped fields: primitives as they are (the common case, no conversion call).
        if (value === null || typeof value !== 'object') put(key, value);
        else put(key, fromStoredValue(run, value, undefined, depth));
        continue;
      }
      if (column.type === 'Relation') continue;
      if (column.type === 'Date' && typeof value === 'string') {
        putDate(key, value);
        continue;
      }
      if (
        (column.type === 'String' || column.type === 'Number' || column.type === 'Boolean') &&
        (value === null || typeof value !== 'object')
      ) {
        put(key, value);
        continue;
      }
      put(key, fromStoredValue(run, value, column, depth));
    }
  });
  if (className !== '') run.objects.setClass(id, className);
  return object;
}

/**
 * Makes the session user the object `_User/<id>` of the run.
 *
 * @example
 * ```ts
 * userToObject(run, { objectId: 'u1', username: 'ada' });
 * ```
 */
export function userToObject(run: RunServices, user: SessionUser): NoodlObject {
  return storedToObject(
    run,
    '_User',
    { createdAt: '', updatedAt: '', ...user } as StoredRecord,
    undefined,
  );
}

/**
 * Converts a Noodl value into a value to store (NOODL-RUNTIME §5.1).
 *
 * @example
 * ```ts
 * toStoredValue(run, listObject, { name: 'list', type: 'Pointer', targetClass: 'List' }, 'data.list');
 * // { __type: 'Pointer', className: 'List', objectId: '...' }
 * ```
 */
export function toStoredValue(
  run: RunServices,
  value: unknown,
  column: ColumnDefinition | undefined,
  path: string,
  depth = 0,
): FieldValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (depth > MAX_DEPTH) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: the value nests deeper than ${MAX_DEPTH} levels (is it circular?)`,
      { details: { path } },
    );
  }
  switch (column?.type) {
    case 'Pointer': {
      const id = run.objects.isObject(value)
        ? value.id
        : typeof value === 'string'
          ? value
          : isPlainObject(value) && typeof value['objectId'] === 'string'
            ? value['objectId']
            : undefined;
      if (id === undefined) {
        throw new BackendError(
          'TYPE_MISMATCH',
          `${path}: expected a record id or record for the Pointer field, got ${describeValue(value)}`,
          { details: { path } },
        );
      }
      const className = column.targetClass ?? run.objects.classOf(id) ?? '';
      return { __type: 'Pointer', className, objectId: id };
    }
    case 'Date': {
      const date = toDate(value);
      return date instanceof Date ? date : (date as FieldValue);
    }
    case 'File':
      if (isPlainObject(value) || run.objects.isObject(value)) {
        const v = value as Record<string, unknown>;
        return {
          __type: 'File',
          name: String(v['name'] ?? ''),
          ...(typeof v['url'] === 'string' ? { url: v['url'] } : {}),
        };
      }
      break;
    case 'GeoPoint':
      if (isPlainObject(value) || run.objects.isObject(value)) {
        const v = value as Record<string, unknown>;
        return {
          __type: 'GeoPoint',
          latitude: Number(v['latitude']),
          longitude: Number(v['longitude']),
        };
      }
      break;
    case 'Object':
      if (typeof value === 'string' && run.objects.exists(value))
        return plainFields(run, run.objects.get(value), path, depth + 1);
      break;
    case 'Array':
      if (typeof value === 'string') {
        const array = run.objects.getArray(value);
        if (array !== undefined)
          return [...array].map(
            (v, i) => toStoredValue(run, v, undefined, `${path}[${i}]`, depth + 1) ?? null,
          );
      }
      break;
    default:
      break;
  }
  if (value instanceof Date) return column === undefined ? value.toISOString() : value;
  if (run.objects.isObject(value)) return plainFields(run, value, path, depth + 1);
  if (Array.isArray(value))
    return value.map(
      (v, i) => toStoredValue(run, v, undefined, `${path}[${i}]`, depth + 1) ?? null,
    );
  if (isPlainObject(value)) {
    const out: Record<string, FieldValue> = {};
    for (const [key, inner] of Object.entries(value)) {
      const converted = toStoredValue(run, inner, undefined, `${path}.${key}`, depth + 1);
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  }
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value === 'bigint') return Number(value);
  return value as FieldValue;
}

function plainFields(
  run: RunServices,
  object: NoodlObject,
  path: string,
  depth: number,
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [key, inner] of Object.entries(object.data)) {
    const converted = toStoredValue(run, inner, undefined, `${path}.${key}`, depth + 1);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

const NEVER_SENT = new Set(['objectId', 'id', '_createdAt', '_updatedAt', 'ACL']);

/**
 * Serialises fields for a create or save, by the class schema (NOODL-RUNTIME §5.1). Never sends
 * `objectId`; `createdAt`/`updatedAt` are dropped. Does not mutate `fields`.
 *
 * @example
 * ```ts
 * const data = serializeFields(run, { title: 'x', due: new Date() }, table);
 * ```
 */
export function serializeFields(
  run: RunServices,
  fields: Readonly<Record<string, unknown>>,
  table: TableSchema | undefined,
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (NEVER_SENT.has(key) || key === 'createdAt' || key === 'updatedAt') continue;
    const converted = toStoredValue(run, value, columnOf(table, key), `data.${key}`);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

/**
 * The id of a record given as a Noodl object, a record-like object or an id string.
 *
 * @example
 * ```ts
 * idOf(todo); // 'a1b2c3d4e5'
 * ```
 */
export function idOf(objectOrId: unknown): string | undefined {
  if (typeof objectOrId === 'string' && objectOrId !== '') return objectOrId;
  if (typeof objectOrId === 'object' && objectOrId !== null) {
    const record = objectOrId as Record<string, unknown>;
    if (typeof record['id'] === 'string') return record['id'];
    if (typeof record['objectId'] === 'string') return record['objectId'];
  }
  return undefined;
}

/** Keys of a stored record that its Noodl object does not keep as fields. */
function skippedKey(key: string): boolean {
  return key === 'ACL' || key === 'className' || key === '__type';
}

function primitiveArray(value: object): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (item === undefined || (item !== null && typeof item === 'object')) return false;
  }
  return true;
}

/**
 * True when the Noodl object of `row` holds exactly the row's fields minus `objectId`, in the
 * row's order, with the same JSON text (so its JSON is the row's text with `objectId` moved to
 * an `id` at the end): `objectId` first, every value a primitive, null or an array of those, no
 * relation fields and no keys the object skips.
 */
function plainRow(row: StoredRecord, table: TableSchema | undefined): boolean {
  let first = true;
  for (const key in row) {
    if (first) {
      if (key !== 'objectId' || typeof row[key] !== 'string') return false;
      first = false;
      continue;
    }
    const value = row[key];
    if (value !== null && typeof value === 'object' && !primitiveArray(value)) return false;
    if (value === undefined || skippedKey(key) || key === 'objectId' || key === 'id') return false;
    if (key === '__proto__') return false;
    if (table !== undefined && columnOf(table, key)?.type === 'Relation') return false;
  }
  return !first;
}

/**
 * The JSON of the Noodl objects of plain rows, by splicing the rows' JSON text: each
 * `{"objectId":<id>,<fields>}` becomes `{<fields>,"id":<id>}` (what {@link ObjectScope.json}
 * writes for the loaded objects). `undefined` when the text is not in that form.
 */
function spliceRows(text: string, ids: readonly string[]): string | undefined {
  if (text.charCodeAt(0) !== 91 /* [ */ || text.charCodeAt(text.length - 1) !== 93 /* ] */)
    return undefined;
  if (ids.length === 0) return text === '[]' ? text : undefined;
  let out = '[';
  let pos = 1;
  for (let i = 0; i < ids.length; i++) {
    const idJson = JSON.stringify(ids[i]);
    const head = `{"objectId":${idJson}`;
    if (!text.startsWith(head, pos)) return undefined;
    const bodyStart = pos + head.length;
    // Rows are flat, and a quote inside a JSON string is escaped, so the next `{"objectId":`
    // is the next row's start.
    const end = i + 1 < ids.length ? text.indexOf('{"objectId":', bodyStart) - 1 : text.length - 1;
    if (end < bodyStart || text.charCodeAt(end - 1) !== 125 /* } */) return undefined;
    if (i > 0) out += ',';
    const next = text.charCodeAt(bodyStart);
    if (next === 44 /* , */) out += `{${text.slice(bodyStart + 1, end - 1)},"id":${idJson}}`;
    else if (next === 125 /* } */ && end === bodyStart + 1) out += `{"id":${idJson}}`;
    else return undefined;
    pos = end + 1;
  }
  return pos === text.length ? `${out}]` : undefined;
}

/** The JSON text of `result.results`, cut from the text the result was parsed from if known. */
function rowsText(result: QueryResult): string {
  const text = jsonTextOf(result);
  if (text !== undefined && text.startsWith('{"results":[')) {
    const suffix = result.count === undefined ? '}' : `,"count":${JSON.stringify(result.count)}}`;
    let keys = 0;
    for (const _ in result) keys++;
    if (keys === (result.count === undefined ? 1 : 2) && text.endsWith(`]${suffix}`))
      return text.slice('{"results":'.length, text.length - suffix.length);
  }
  return JSON.stringify(result.results);
}

/**
 * The Noodl array of a query's records. With `defer`, and when every row is plain, the objects
 * are created only when something needs them ({@link ObjectScope.deferArray}); until then the
 * array serialises by splicing the rows' JSON text. Otherwise the objects are loaded now.
 *
 * @example
 * ```ts
 * const items = recordArray(run, 'Todo', await run.adapter.query({ collection: 'Todo' }), table, true);
 * ```
 */
export function recordArray(
  run: RunServices,
  className: string,
  result: QueryResult,
  table: TableSchema | undefined,
  defer: boolean,
): NoodlArray {
  const rows = result.results;
  const load = (array: NoodlArray): void => {
    for (const row of rows) array.push(storedToObject(run, className, row, table));
  };
  if (defer && rows.length > 0) {
    let plain = true;
    const ids: string[] = new Array<string>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (!plainRow(row, table)) {
        plain = false;
        break;
      }
      ids[i] = row.objectId;
    }
    if (plain) {
      const deferred = run.objects.deferArray(ids, load, () => spliceRows(rowsText(result), ids));
      if (deferred !== undefined) return deferred;
    }
  }
  const array = run.objects.newArray();
  load(array);
  return array;
}
