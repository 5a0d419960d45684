import { at, invalidQuery, rootLoc, typeMismatch, type Loc } from './internal/loc';
import { resolveField, schemaInfo } from './internal/schema-info';
import type { ParseOptions } from './parse-options';

/** Splits `'a,b'` / `['a', 'b']` into trimmed names with their locations. */
export function fieldListItems(input: unknown, loc: Loc): { name: string; loc: Loc }[] {
  if (input === undefined || input === null || input === '') return [];
  const out: { name: string; loc: Loc }[] = [];
  if (typeof input === 'string') {
    if (input.length > 10_000) throw invalidQuery(loc, 'the field list is too long');
    for (const part of input.split(','))
      if (part.trim() !== '') out.push({ name: part.trim(), loc });
  } else if (Array.isArray(input)) {
    if (input.length > 1000) throw invalidQuery(loc, 'at most 1000 fields are allowed');
    input.forEach((item: unknown, i) => {
      if (typeof item !== 'string') throw typeMismatch(at(loc, i), 'a field name', item);
      if (item.trim() !== '') out.push({ name: item.trim(), loc: at(loc, i) });
    });
  } else {
    throw typeMismatch(loc, "a list of fields like 'a,b' or ['a', 'b']", input);
  }
  return out;
}

/**
 * Parses the fields to return (`keys` / `select`): `'a,b'` or `['a', 'b']` into unique top-level
 * field names (`a.b` selects `a`). With a schema, unknown fields are errors, or dropped with
 * `unknownFields: 'missing'`; Relation fields are dropped (they have no column).
 *
 * @example
 * ```ts
 * import { parseSelect } from '@localbackend/query';
 *
 * parseSelect('title, done'); // ['title', 'done']
 * ```
 */
export function parseSelect(input: unknown, options: ParseOptions = {}): readonly string[] {
  const info = schemaInfo(options.schema);
  const names: string[] = [];
  for (const item of fieldListItems(input, rootLoc(options.path ?? 'select'))) {
    const field = resolveField(item.name, item.loc, info, options.unknownFields ?? 'error');
    if (field.missing || field.type === 'Relation') continue;
    if (!names.includes(field.ref.field)) names.push(field.ref.field);
  }
  return Object.freeze(names);
}
