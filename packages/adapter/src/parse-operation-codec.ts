import { BackendError, describeValue } from './backend-error';
import type { FieldOperation, FieldValue, PointerValue, UpdateInput } from './field-value';
import { assertFieldName, isSystemFieldName } from './names';
import {
  decodeParseValue,
  decodePointer,
  encodeParseValue,
  isPlainRecord,
  type ParseWireValue,
} from './parse-value-codec';

/**
 * The `__op` names Parse sends and localbackend understands.
 *
 * @example
 * ```ts
 * FIELD_OPERATIONS.includes('Increment'); // true
 * ```
 */
export const FIELD_OPERATIONS = Object.freeze([
  'Increment',
  'Add',
  'AddUnique',
  'Remove',
  'AddRelation',
  'RemoveRelation',
  'Delete',
] as const);

/**
 * The most items one Add / AddUnique / Remove / AddRelation / RemoveRelation may carry; more is
 * a `PAYLOAD_TOO_LARGE` error.
 *
 * @example
 * ```ts
 * if (objects.length > MAX_OPERATION_ITEMS) splitIntoSeveralSaves(objects);
 * ```
 */
export const MAX_OPERATION_ITEMS = 10_000;

/**
 * True when `value` looks like an operation (a plain object with a string `__op`); it may still
 * be malformed — {@link decodeParseOperation} validates it.
 *
 * @example
 * ```ts
 * isFieldOperation({ __op: 'Delete' }); // true
 * isFieldOperation({ op: 'Delete' }); // false
 * ```
 */
export function isFieldOperation(value: unknown): value is FieldOperation {
  return isPlainRecord(value) && typeof value.__op === 'string';
}

function opError(path: string, message: string, expected: string): BackendError {
  return new BackendError('INVALID_VALUE', `${path}: ${message}`, { details: { path, expected } });
}

function onlyKeys(wire: Record<string, unknown>, keys: readonly string[], path: string): void {
  for (const key of Object.keys(wire)) {
    if (!keys.includes(key)) {
      throw opError(
        `${path}.${key}`,
        `unexpected key in a ${String(wire.__op)} operation; expected only ${keys.join(', ')}`,
        `only ${keys.join(', ')}`,
      );
    }
  }
}

function objectsOf(wire: Record<string, unknown>, path: string): unknown[] {
  const objects = wire.objects;
  if (!Array.isArray(objects)) {
    throw opError(
      `${path}.objects`,
      `expected an array, got ${describeValue(objects)}`,
      'an array of values',
    );
  }
  if (objects.length > MAX_OPERATION_ITEMS) {
    throw new BackendError(
      'PAYLOAD_TOO_LARGE',
      `${path}.objects: at most ${MAX_OPERATION_ITEMS} items per operation, got ${objects.length}`,
      { details: { path: `${path}.objects`, expected: `at most ${MAX_OPERATION_ITEMS} items` } },
    );
  }
  return objects;
}

function relationPointers(wire: Record<string, unknown>, path: string): PointerValue[] {
  const pointers = objectsOf(wire, path).map((item, i) =>
    decodePointer(item, `${path}.objects[${i}]`),
  );
  const first = pointers[0];
  const other = pointers.find((p) => p.className !== first?.className);
  if (first !== undefined && other !== undefined) {
    throw new BackendError(
      'INVALID_POINTER',
      `${path}.objects: all related objects must be of one class, got ${first.className} and ${other.className}`,
      { details: { path: `${path}.objects`, expected: `pointers to ${first.className}` } },
    );
  }
  return pointers;
}

/**
 * Validates and normalises one Parse `__op` object. Malformed operations are `INVALID_VALUE`
 * errors naming the path and what was expected.
 *
 * @example
 * ```ts
 * decodeParseOperation({ __op: 'Increment', amount: 2 }, 'body.views'); // { __op: 'Increment', amount: 2 }
 * decodeParseOperation({ __op: 'Increment', amount: 'x' }); // throws: value.amount: expected a finite number
 * ```
 */
export function decodeParseOperation(wire: unknown, path = 'value'): FieldOperation {
  if (!isFieldOperation(wire)) {
    throw opError(
      path,
      `expected an operation {"__op":...}, got ${describeValue(wire)}`,
      'an operation',
    );
  }
  const raw = wire as unknown as Record<string, unknown>;
  switch (raw.__op) {
    case 'Increment': {
      onlyKeys(raw, ['__op', 'amount'], path);
      const amount = raw.amount;
      if (typeof amount !== 'number' || !Number.isFinite(amount)) {
        throw new BackendError(
          'TYPE_MISMATCH',
          `${path}.amount: expected a finite number, got ${describeValue(amount)}`,
          {
            details: {
              path: `${path}.amount`,
              expected: 'a finite number',
              received: describeValue(amount),
            },
          },
        );
      }
      return { __op: 'Increment', amount };
    }
    case 'Add':
    case 'AddUnique':
    case 'Remove': {
      onlyKeys(raw, ['__op', 'objects'], path);
      const objects: FieldValue[] = objectsOf(raw, path).map((item, i) =>
        decodeParseValue(item, `${path}.objects[${i}]`),
      );
      return { __op: raw.__op, objects };
    }
    case 'AddRelation':
    case 'RemoveRelation':
      onlyKeys(raw, ['__op', 'objects'], path);
      return { __op: raw.__op, objects: relationPointers(raw, path) };
    case 'Delete':
      onlyKeys(raw, ['__op'], path);
      return { __op: 'Delete' };
    default:
      throw new BackendError(
        'INVALID_VALUE',
        `${path}.__op: unknown operation ${describeValue(raw.__op)}; expected one of ${FIELD_OPERATIONS.join(', ')}`,
        {
          details: {
            path: `${path}.__op`,
            expected: FIELD_OPERATIONS.join(' | '),
            received: describeValue(raw.__op),
          },
        },
      );
  }
}

/**
 * Encodes a {@link FieldOperation} for the Parse wire (values inside `objects` are encoded with
 * `encodeParseValue`).
 *
 * @example
 * ```ts
 * encodeParseOperation({ __op: 'Add', objects: [new Date(0)] });
 * // { __op: 'Add', objects: [{ __type: 'Date', iso: '1970-01-01T00:00:00.000Z' }] }
 * ```
 */
export function encodeParseOperation(op: FieldOperation): ParseWireValue {
  switch (op.__op) {
    case 'Increment':
      return { __op: 'Increment', amount: op.amount };
    case 'Delete':
      return { __op: 'Delete' };
    case 'AddRelation':
    case 'RemoveRelation':
      return {
        __op: op.__op,
        objects: op.objects.map((p) => ({
          __type: 'Pointer',
          className: p.className,
          objectId: p.objectId,
        })),
      };
    default:
      return { __op: op.__op, objects: op.objects.map((item) => encodeParseValue(item)) };
  }
}

/**
 * Decodes the body of a Parse create or update (`POST /classes/C`, `PUT /classes/C/id`): every
 * field name is validated, `__op` values become {@link FieldOperation}s and the rest is decoded
 * with `decodeParseValue`. `objectId`, `createdAt`, `updatedAt` and `ACL` pass through for the
 * adapter to judge; `undefined` fields are dropped.
 *
 * @example
 * ```ts
 * decodeParseFields({ title: 'x', views: { __op: 'Increment', amount: 1 } }, 'body');
 * ```
 */
export function decodeParseFields(body: unknown, path = 'body'): UpdateInput {
  if (!isPlainRecord(body)) {
    throw new BackendError(
      'INVALID_JSON',
      `${path}: expected a JSON object of fields, got ${describeValue(body)}`,
      { details: { path, expected: 'a JSON object', received: describeValue(body) } },
    );
  }
  const out: Record<string, FieldValue | FieldOperation> = {};
  for (const key of Object.keys(body)) {
    const value = body[key];
    if (value === undefined) continue;
    const keyPath = `${path}.${key}`;
    if (isSystemFieldName(key) || key === 'ACL') {
      out[key] = decodeParseValue(value, keyPath);
      continue;
    }
    assertFieldName(key, keyPath);
    out[key] = isFieldOperation(value)
      ? decodeParseOperation(value, keyPath)
      : decodeParseValue(value, keyPath);
  }
  return out;
}
