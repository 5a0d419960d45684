import { parseIsoDate, type FilterLiteral } from '@localbackend/adapter';
import { errorAt, typeMismatch } from './loc';
import { expectedFor, literalKind } from './operand';
import type { FieldType } from './schema-info';

const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Validates a literal of a (possibly hand-built) AST and coerces it for the field's type, exactly
 * like the parser does: strings on Date columns become dates, date literals are normalised to the
 * storage format. Shared by the compiler and the matcher so both read a literal the same way.
 */
export function coerceLiteral(lit: FilterLiteral, type: FieldType, where: string): FilterLiteral {
  switch (typeof lit) {
    case 'number':
      if (!Number.isFinite(lit)) throw typeMismatch(where, 'a finite number', lit);
      break;
    case 'string':
      if (type === 'Date') {
        const date = parseIsoDate(lit);
        if (date === undefined) throw typeMismatch(where, expectedFor('Date'), lit);
        return Object.freeze({ kind: 'date', iso: date.toISOString() });
      }
      break;
    case 'boolean':
      break;
    case 'object':
      if (lit === null) return lit;
      if (lit.kind !== 'date' || typeof lit.iso !== 'string') {
        throw typeMismatch(where, 'a string, number, boolean, null or {kind:"date", iso}', lit);
      }
      if (!CANONICAL_ISO.test(lit.iso)) {
        const date = parseIsoDate(lit.iso);
        if (date === undefined) throw typeMismatch(where, 'an ISO-8601 date', lit.iso);
        lit = Object.freeze({ kind: 'date', iso: date.toISOString() });
      }
      break;
    default:
      throw typeMismatch(where, 'a string, number, boolean, null or date', lit);
  }
  const kind = literalKind(lit);
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
  if (!ok) {
    throw errorAt('TYPE_MISMATCH', where, `expected ${expectedFor(type)}, got a ${kind}`, {
      expected: expectedFor(type),
      received: lit,
    });
  }
  return lit;
}
