import {
  isValidCollectionName,
  isValidObjectId,
  parseIsoDate,
  type DateLiteral,
  type FilterLiteral,
} from '@localbackend/adapter';
import { describeType, type ResolvedField, type FieldType } from './schema-info';
import { errorAt, isPlainObject, own, typeMismatch, type Loc } from './loc';

/** A value in a filter after decoding: a literal, or a reference to a record (a Pointer). */
export type Operand =
  | { readonly t: 'lit'; readonly v: FilterLiteral }
  | { readonly t: 'ptr'; readonly id: string; readonly className: string | undefined };

/** A frozen date literal from a Date. */
export function dateLiteral(date: Date): DateLiteral {
  return Object.freeze({ kind: 'date', iso: date.toISOString() });
}

const DATE_EXPECTED = 'a date (an ISO-8601 string, {"__type":"Date","iso"} or a Date)';

function decodeDate(raw: unknown, loc: Loc): DateLiteral | undefined {
  if (raw instanceof Date) {
    if (Number.isNaN(raw.getTime())) throw typeMismatch(loc, DATE_EXPECTED, 'an invalid Date');
    return dateLiteral(raw);
  }
  if (isPlainObject(raw) && own(raw, '__type') === 'Date') {
    const keys = Object.keys(raw);
    const date = parseIsoDate(own(raw, 'iso'));
    if (date === undefined || keys.length !== 2) {
      throw typeMismatch(loc, DATE_EXPECTED, own(raw, 'iso') ?? raw);
    }
    return dateLiteral(date);
  }
  return undefined;
}

function pointerOf(raw: Record<string, unknown>, loc: Loc): Operand {
  const id = own(raw, 'objectId');
  if (!isValidObjectId(id)) {
    throw typeMismatch(
      at2(loc, 'objectId'),
      'an objectId (1-64 characters of A-Z a-z 0-9 _ -)',
      id,
    );
  }
  const className = own(raw, 'className');
  if (className !== undefined && !isValidCollectionName(className, { allowSystem: true })) {
    throw typeMismatch(at2(loc, 'className'), 'a collection name', className);
  }
  return { t: 'ptr', id, className: className as string | undefined };
}

function at2(loc: Loc, key: string): Loc {
  return { parent: loc, key };
}

/** Is this raw value a reference to a record (Pointer object, included object, record)? */
export function isPointerLike(raw: unknown, type: FieldType): boolean {
  if (!isPlainObject(raw))
    return type === 'Pointer' || type === 'Relation' ? typeof raw === 'string' : false;
  const tag = own(raw, '__type');
  if (tag === 'Pointer' || tag === 'Object') return true;
  return (type === 'Pointer' || type === 'Relation') && tag === undefined && 'objectId' in raw;
}

/**
 * Decodes a raw filter value for a field: dates (ISO strings on Date columns, `{__type:'Date'}`,
 * Date objects), pointers (ids on Pointer columns, Pointer objects, records), and checks that the
 * value's type suits the column.
 */
export function toOperand(raw: unknown, field: ResolvedField, loc: Loc): Operand {
  const type = field.type;
  if (raw === null) return { t: 'lit', v: null };
  const date = decodeDate(raw, loc);
  if (date !== undefined) return checked({ t: 'lit', v: date }, field, loc, raw);
  if (isPlainObject(raw)) {
    if (isPointerLike(raw, type)) return checked(pointerOf(raw, loc), field, loc, raw);
    throw typeMismatch(loc, expectedFor(type), raw);
  }
  switch (typeof raw) {
    case 'string':
      if (type === 'Date') {
        const parsed = parseIsoDate(raw);
        if (parsed === undefined) throw typeMismatch(loc, DATE_EXPECTED, raw);
        return { t: 'lit', v: dateLiteral(parsed) };
      }
      if (type === 'Pointer' || type === 'Relation') {
        if (!isValidObjectId(raw)) throw typeMismatch(loc, 'an objectId or a Pointer', raw);
        return { t: 'ptr', id: raw, className: undefined };
      }
      return checked({ t: 'lit', v: raw }, field, loc, raw);
    case 'number':
      if (!Number.isFinite(raw)) throw typeMismatch(loc, 'a finite number', raw);
      return checked({ t: 'lit', v: raw }, field, loc, raw);
    case 'boolean':
      return checked({ t: 'lit', v: raw }, field, loc, raw);
    default:
      throw typeMismatch(loc, expectedFor(type), raw);
  }
}

/** The literal kind of a literal. */
export function literalKind(v: FilterLiteral): 'null' | 'string' | 'number' | 'boolean' | 'date' {
  if (v === null) return 'null';
  if (typeof v === 'object') return 'date';
  return typeof v as 'string' | 'number' | 'boolean';
}

/** What a column of this type accepts, for messages. */
export function expectedFor(type: FieldType): string {
  switch (type) {
    case 'String':
      return 'a string';
    case 'Number':
      return 'a number';
    case 'Boolean':
      return 'a boolean';
    case 'Date':
      return DATE_EXPECTED;
    case 'Pointer':
    case 'Relation':
      return 'an objectId, a Pointer {"__type":"Pointer","className","objectId"} or a record';
    case 'Object':
    case 'GeoPoint':
    case 'File':
      return `null (${describeType(type)} can only be compared with null; use a path like field.key)`;
    default:
      return 'a string, number, boolean, date, null or Pointer';
  }
}

function checked(op: Operand, field: ResolvedField, loc: Loc, raw: unknown): Operand {
  const type = field.type;
  if (op.t === 'ptr') {
    if (type === 'Pointer' || type === 'Relation') {
      const target = field.column?.targetClass;
      if (op.className !== undefined && target !== undefined && op.className !== target) {
        throw errorAt(
          'TYPE_MISMATCH',
          loc,
          `expected a Pointer to ${target}, got a Pointer to ${op.className}`,
          { expected: `a Pointer to ${target}`, received: raw },
        );
      }
      return op;
    }
    if (type === 'Array' || type === 'json' || type === 'untyped') return op;
    throw typeMismatch(loc, expectedFor(type), raw);
  }
  const kind = literalKind(op.v);
  const ok =
    type === 'Array' || type === 'json' || type === 'untyped'
      ? true
      : type === 'String'
        ? kind === 'string'
        : type === 'Number'
          ? kind === 'number'
          : type === 'Boolean'
            ? kind === 'boolean'
            : type === 'Date'
              ? kind === 'date'
              : false;
  if (!ok) throw typeMismatch(loc, expectedFor(type), raw);
  return op;
}
