import {
  BackendError,
  decodeParseValue,
  describeValue,
  encodeParseValue,
  isPlainRecord,
  isValidObjectId,
  parseIsoDate,
  type ColumnDefinition,
  type ColumnType,
  type FieldValue,
} from '@localbackend/adapter';

/** A value SQLite stores: TEXT, REAL/INTEGER or NULL. */
export type SqlValue = string | number | null;

/** What a decoded field value is, in column-type terms. */
export type ValueKind = ColumnType | 'Null' | 'Bytes';

/** Classifies a decoded {@link FieldValue}. */
export function kindOf(value: FieldValue): ValueKind {
  if (value === null) return 'Null';
  switch (typeof value) {
    case 'string':
      return 'String';
    case 'number':
      return 'Number';
    case 'boolean':
      return 'Boolean';
    default:
      break;
  }
  if (value instanceof Date) return 'Date';
  if (value instanceof Uint8Array) return 'Bytes';
  if (Array.isArray(value)) return 'Array';
  const tag = (value as { __type?: unknown }).__type;
  if (tag === 'Pointer' || tag === 'GeoPoint' || tag === 'File' || tag === 'Relation') return tag;
  return 'Object';
}

const KIND_NAMES: Record<ValueKind, string> = {
  Null: 'null',
  String: 'a String',
  Number: 'a Number',
  Boolean: 'a Boolean',
  Date: 'a Date',
  Bytes: 'Bytes',
  Array: 'an Array',
  Object: 'an Object',
  Pointer: 'a Pointer',
  GeoPoint: 'a GeoPoint',
  File: 'a File',
  Relation: 'a Relation',
};

function mismatch(path: string, column: ColumnDefinition, value: FieldValue): BackendError {
  const expected =
    column.type === 'Pointer' || column.type === 'Relation'
      ? `a ${column.type} to ${column.targetClass ?? '?'}`
      : `a ${column.type}`;
  const received =
    typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
      ? describeValue(value)
      : KIND_NAMES[kindOf(value)];
  return new BackendError(
    'TYPE_MISMATCH',
    `${path}: expected ${expected} (the field's type), got ${received}`,
    { details: { path, expected, received } },
  );
}

/**
 * Validates one incoming value (JS-side values and Parse wire values alike) and returns its
 * decoded form: `{__type:'Date'}` becomes a `Date`, nested values are checked (depth, keys,
 * finite numbers). Errors name `path`.
 */
export function normalizeValue(value: unknown, path: string): FieldValue {
  return decodeParseValue(value, path);
}

/**
 * The column an `auto`-mode write creates for a value never seen before, or `undefined` for
 * `null` (no type can be inferred; the field simply stays unset).
 */
export function inferColumn(name: string, value: FieldValue): ColumnDefinition | undefined {
  const kind = kindOf(value);
  switch (kind) {
    case 'Null':
      return undefined;
    case 'Bytes':
      return { name, type: 'Object' };
    case 'Pointer':
    case 'Relation':
      return { name, type: kind, targetClass: (value as { className: string }).className };
    default:
      return { name, type: kind };
  }
}

function json(value: FieldValue): string {
  return JSON.stringify(encodeParseValue(value));
}

/**
 * Converts a decoded value to what the column stores, or throws `TYPE_MISMATCH` naming `path`.
 * Relation columns store nothing (`undefined`): a Relation value only declares the field.
 */
export function encodeColumnValue(
  column: ColumnDefinition,
  value: FieldValue,
  path: string,
): SqlValue | undefined {
  if (value === null) return null;
  const kind = kindOf(value);
  switch (column.type) {
    case 'String':
      if (kind === 'String') {
        if (!(value as unknown as { isWellFormed(): boolean }).isWellFormed()) {
          throw new BackendError(
            'INVALID_VALUE',
            `${path}: the string contains an unpaired UTF-16 surrogate and cannot be stored as text`,
            {
              details: { path, expected: 'a well-formed string' },
            },
          );
        }
        return value as string;
      }
      break;
    case 'Number':
      if (kind === 'Number') return value as number;
      break;
    case 'Boolean':
      if (kind === 'Boolean') return value === true ? 1 : 0;
      break;
    case 'Date':
      if (kind === 'Date') return (value as Date).toISOString();
      if (kind === 'String') {
        const date = parseIsoDate(value);
        if (date !== undefined) return date.toISOString();
      }
      break;
    case 'Object':
      if (kind === 'Object' || kind === 'Bytes') return json(value);
      break;
    case 'Array':
      if (kind === 'Array') return json(value);
      break;
    case 'GeoPoint':
      if (kind === 'GeoPoint') {
        const { latitude, longitude } = value as { latitude: number; longitude: number };
        return JSON.stringify({ __type: 'GeoPoint', latitude, longitude });
      }
      break;
    case 'File':
      if (kind === 'File') {
        const { name, url } = value as { name: string; url?: string };
        return JSON.stringify(
          url === undefined ? { __type: 'File', name } : { __type: 'File', name, url },
        );
      }
      break;
    case 'Pointer':
      if (kind === 'Pointer') {
        const pointer = value as { className: string; objectId: string };
        if (column.targetClass === undefined || pointer.className === column.targetClass) {
          return pointer.objectId;
        }
      } else if (kind === 'String' && isValidObjectId(value)) {
        return value as string;
      }
      break;
    case 'Relation':
      if (
        kind === 'Relation' &&
        (value as { className: string }).className === (column.targetClass ?? '')
      ) {
        return undefined;
      }
      break;
  }
  throw mismatch(path, column, value);
}

/** Reads a stored value back into its record form (see `StoredRecord`). */
export type ColumnDecoder = (raw: unknown) => unknown;

function parseJson(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

const DECODERS: Record<ColumnType, ColumnDecoder> = {
  String: (raw) => (typeof raw === 'string' ? raw : String(raw)),
  Number: (raw) => (typeof raw === 'number' ? raw : Number(raw)),
  Boolean: (raw) => raw === 1 || raw === 1n || raw === true || raw === '1',
  Date: (raw) => raw,
  Object: parseJson,
  Array: parseJson,
  GeoPoint: parseJson,
  File: parseJson,
  Pointer: (raw) => raw,
  Relation: (raw) => raw,
};

/** The decoder of a column type. */
export function columnDecoder(type: ColumnType): ColumnDecoder {
  return DECODERS[type];
}

/** Approximate stored size of a value in bytes (exact for long strings). */
export function storedSize(value: SqlValue | undefined): number {
  if (typeof value === 'string')
    return value.length < 4096 ? value.length : Buffer.byteLength(value);
  return 8;
}

/** True for a plain JS object (not an array, Date, class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return isPlainRecord(value);
}
