import { BackendError, describeValue } from './backend-error';
import type {
  FieldValue,
  FileValue,
  GeoPointValue,
  PointerValue,
  RelationValue,
} from './field-value';
import { isValidCollectionName } from './names';
import { isValidObjectId } from './object-id';

/**
 * How deep values may nest before they are refused (objects and arrays).
 *
 * @example
 * ```ts
 * decodeParseValue(deeplyNested); // throws INVALID_VALUE beyond MAX_VALUE_DEPTH levels
 * ```
 */
export const MAX_VALUE_DEPTH = 64;

const ISO_DATE =
  /^[+-]?\d{4,6}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * A value as it travels on the Parse REST wire: JSON, with dates, pointers, geo points, files,
 * relations and bytes as `{ __type: ... }` objects.
 *
 * @example
 * ```ts
 * const wire: ParseWireValue = { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' };
 * ```
 */
export type ParseWireValue =
  null | string | number | boolean | ParseWireValue[] | { [key: string]: ParseWireValue };

function invalid(path: string, expected: string, received: unknown): BackendError {
  return new BackendError(
    'INVALID_VALUE',
    `${path}: expected ${expected}, got ${describeValue(received)}`,
    { details: { path, expected, received: describeValue(received) } },
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function expectKeys(
  value: Record<string, unknown>,
  allowed: readonly string[],
  path: string,
  what: string,
): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new BackendError(
        'INVALID_VALUE',
        `${path}: unexpected key ${JSON.stringify(key)} in a ${what}; expected only ${allowed.join(', ')}`,
        { details: { path: `${path}.${key}`, expected: `only ${allowed.join(', ')}` } },
      );
    }
  }
}

/**
 * Parses an ISO-8601 date string strictly; `undefined` when it is not one.
 *
 * @example
 * ```ts
 * parseIsoDate('2026-01-01T10:00:00Z')?.toISOString(); // '2026-01-01T10:00:00.000Z'
 * parseIsoDate('yesterday'); // undefined
 * ```
 */
export function parseIsoDate(text: unknown): Date | undefined {
  if (typeof text !== 'string' || text.length > 40 || !ISO_DATE.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * Validates a Pointer: `{ __type: 'Pointer', className, objectId }` with a valid collection name
 * (system collections allowed) and objectId. Throws `INVALID_POINTER`.
 *
 * @example
 * ```ts
 * decodePointer({ __type: 'Pointer', className: 'List', objectId: 'a1' }, 'data.list');
 * ```
 */
export function decodePointer(wire: unknown, path = 'value'): PointerValue {
  if (!isPlainObject(wire) || wire.__type !== 'Pointer') {
    throw new BackendError(
      'INVALID_POINTER',
      `${path}: expected a Pointer {"__type":"Pointer","className","objectId"}, got ${describeValue(wire)}`,
      { details: { path, expected: 'a Pointer', received: describeValue(wire) } },
    );
  }
  expectKeys(wire, ['__type', 'className', 'objectId'], path, 'Pointer');
  if (!isValidCollectionName(wire.className, { allowSystem: true })) {
    throw new BackendError(
      'INVALID_POINTER',
      `${path}.className: expected a collection name, got ${describeValue(wire.className)}`,
      { details: { path: `${path}.className`, expected: 'a collection name' } },
    );
  }
  if (!isValidObjectId(wire.objectId)) {
    throw new BackendError(
      'INVALID_POINTER',
      `${path}.objectId: expected an objectId, got ${describeValue(wire.objectId)}`,
      { details: { path: `${path}.objectId`, expected: 'an objectId' } },
    );
  }
  return { __type: 'Pointer', className: wire.className as string, objectId: wire.objectId };
}

function decodeGeoPoint(wire: Record<string, unknown>, path: string): GeoPointValue {
  expectKeys(wire, ['__type', 'latitude', 'longitude'], path, 'GeoPoint');
  const { latitude, longitude } = wire;
  if (typeof latitude !== 'number' || !(latitude >= -90 && latitude <= 90)) {
    throw invalid(`${path}.latitude`, 'a number from -90 to 90', latitude);
  }
  if (typeof longitude !== 'number' || !(longitude >= -180 && longitude <= 180)) {
    throw invalid(`${path}.longitude`, 'a number from -180 to 180', longitude);
  }
  return { __type: 'GeoPoint', latitude, longitude };
}

function decodeFile(wire: Record<string, unknown>, path: string): FileValue {
  expectKeys(wire, ['__type', 'name', 'url'], path, 'File');
  if (typeof wire.name !== 'string' || wire.name.length === 0 || wire.name.length > 1024) {
    throw invalid(`${path}.name`, 'a file name (1-1024 characters)', wire.name);
  }
  if (wire.url === undefined) return { __type: 'File', name: wire.name };
  if (typeof wire.url !== 'string' || wire.url.length > 8192) {
    throw invalid(`${path}.url`, 'a URL string', wire.url);
  }
  return { __type: 'File', name: wire.name, url: wire.url };
}

function decodeRelation(wire: Record<string, unknown>, path: string): RelationValue {
  expectKeys(wire, ['__type', 'className'], path, 'Relation');
  if (!isValidCollectionName(wire.className, { allowSystem: true })) {
    throw invalid(`${path}.className`, 'a collection name', wire.className);
  }
  return { __type: 'Relation', className: wire.className as string };
}

function decodeBytes(wire: Record<string, unknown>, path: string): Uint8Array {
  expectKeys(wire, ['__type', 'base64'], path, 'Bytes');
  if (typeof wire.base64 !== 'string' || !BASE64.test(wire.base64)) {
    throw invalid(`${path}.base64`, 'a base64 string', wire.base64);
  }
  return new Uint8Array(Buffer.from(wire.base64, 'base64'));
}

function decodeTagged(wire: Record<string, unknown>, path: string): FieldValue {
  switch (wire.__type) {
    case 'Date': {
      expectKeys(wire, ['__type', 'iso'], path, 'Date');
      const date = parseIsoDate(wire.iso);
      if (date === undefined) throw invalid(`${path}.iso`, 'an ISO-8601 date string', wire.iso);
      return date;
    }
    case 'Pointer':
      return decodePointer(wire, path);
    case 'GeoPoint':
      return decodeGeoPoint(wire, path);
    case 'File':
      return decodeFile(wire, path);
    case 'Relation':
      return decodeRelation(wire, path);
    case 'Bytes':
      return decodeBytes(wire, path);
    case 'Object':
      throw new BackendError(
        'INVALID_VALUE',
        `${path}: a full object ({"__type":"Object"}) cannot be stored in a field; send a Pointer {"__type":"Pointer","className","objectId"}`,
        { details: { path, expected: 'a Pointer' } },
      );
    default:
      throw invalid(
        `${path}.__type`,
        'one of Date, Pointer, GeoPoint, File, Relation, Bytes',
        wire.__type,
      );
  }
}

function checkNestedKey(key: string, path: string): void {
  if (key === '__proto__' || key.startsWith('__') || key.includes('$') || key.includes('.')) {
    throw new BackendError(
      'INVALID_FIELD_NAME',
      `${path}: the key ${describeValue(key)} is not allowed inside an object (keys may not contain "$" or "." nor start with "__")`,
      { details: { path, expected: 'a key without "$", "." or a leading "__"' } },
    );
  }
}

/**
 * Decodes one Parse wire value into its JS-side {@link FieldValue}: `{__type:'Date'}` becomes a
 * `Date`, `{__type:'Bytes'}` a `Uint8Array`; Pointer, GeoPoint, File and Relation objects are
 * validated and normalised; arrays and objects are decoded recursively. JS values that are
 * already decoded (`Date`, `Uint8Array`) are accepted as they are. Anything malformed is an
 * `INVALID_VALUE` (or `INVALID_POINTER` / `INVALID_FIELD_NAME`) error naming the path, e.g.
 * `data.due.iso: expected an ISO-8601 date string, got "tomorrow"`.
 *
 * @example
 * ```ts
 * decodeParseValue({ __type: 'Date', iso: '2026-01-01T00:00:00.000Z' }); // Date
 * decodeParseValue([1, { a: 'b' }]); // [1, { a: 'b' }]
 * ```
 */
export function decodeParseValue(wire: unknown, path = 'value'): FieldValue {
  return decodeAt(wire, path, 0);
}

function decodeAt(wire: unknown, path: string, depth: number): FieldValue {
  if (wire === null || typeof wire === 'string' || typeof wire === 'boolean') return wire;
  if (typeof wire === 'number') {
    if (!Number.isFinite(wire)) throw invalid(path, 'a finite number', wire);
    return wire;
  }
  if (depth >= MAX_VALUE_DEPTH) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: values may nest at most ${MAX_VALUE_DEPTH} levels deep`,
      { details: { path, expected: `at most ${MAX_VALUE_DEPTH} levels of nesting` } },
    );
  }
  if (Array.isArray(wire)) {
    const out: FieldValue[] = new Array<FieldValue>(wire.length);
    for (let i = 0; i < wire.length; i++) out[i] = decodeAt(wire[i], `${path}[${i}]`, depth + 1);
    return out;
  }
  if (wire instanceof Date) {
    if (Number.isNaN(wire.getTime())) throw invalid(path, 'a valid Date', 'an invalid Date');
    return wire;
  }
  if (wire instanceof Uint8Array) return wire;
  if (!isPlainObject(wire)) throw invalid(path, 'a JSON value', wire);
  if ('__op' in wire) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: an operation ({"__op":...}) is only allowed as the value of a top-level field`,
      { details: { path, expected: 'a value' } },
    );
  }
  if ('__type' in wire) return decodeTagged(wire, path);
  const out: { [key: string]: FieldValue } = {};
  for (const key of Object.keys(wire)) {
    const keyPath = `${path}.${key}`;
    checkNestedKey(key, keyPath);
    out[key] = decodeAt(wire[key], keyPath, depth + 1);
  }
  return out;
}

/**
 * Encodes a JS-side {@link FieldValue} into the Parse wire format: `Date` becomes
 * `{__type:'Date', iso}`, `Uint8Array` becomes `{__type:'Bytes', base64}`, the rest is copied.
 * The inverse of {@link decodeParseValue}: `encodeParseValue(decodeParseValue(x))` equals `x`
 * for every valid wire value in canonical form.
 *
 * @example
 * ```ts
 * encodeParseValue(new Date(0)); // { __type: 'Date', iso: '1970-01-01T00:00:00.000Z' }
 * ```
 */
export function encodeParseValue(value: FieldValue): ParseWireValue {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return { __type: 'Date', iso: value.toISOString() };
  if (value instanceof Uint8Array) {
    return { __type: 'Bytes', base64: Buffer.from(value).toString('base64') };
  }
  if (Array.isArray(value)) return value.map((item) => encodeParseValue(item));
  const out: { [key: string]: ParseWireValue } = {};
  for (const key of Object.keys(value)) {
    out[key] = encodeParseValue((value as { [key: string]: FieldValue })[key]!);
  }
  return out;
}

/**
 * True for a plain (JSON-like) object: not an array, a `Date`, a class instance or `null`.
 *
 * @example
 * ```ts
 * isPlainRecord({ a: 1 }); // true
 * isPlainRecord(new Date()); // false
 * ```
 */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return isPlainObject(value);
}
