import type { FieldRef, SortKey } from '@localbackend/adapter';
import { at, invalidQuery, isPlainObject, rootLoc, typeMismatch, type Loc } from './internal/loc';
import { resolveField, schemaInfo, type SchemaInfo } from './internal/schema-info';
import type { ParseOptions } from './parse-options';

/** Most sort keys accepted. */
const MAX_SORT_KEYS = 32;

const DIRECTIONS: Readonly<Record<string, 'asc' | 'desc'>> = {
  asc: 'asc',
  ascending: 'asc',
  desc: 'desc',
  descending: 'desc',
};

/**
 * Parses a sort in any accepted format into frozen {@link SortKey}s: `'-a,b'`, `['-a', 'b']`,
 * `[{ property: 'a', order: 'descending' }]` (the editor) or `{ a: -1, b: 'asc' }`. `a.b` sorts
 * by a key inside an Object field. With a schema, unknown fields are errors (or, with
 * `unknownFields: 'missing'`, dropped: a field nobody wrote sorts every record equally).
 *
 * @example
 * ```ts
 * import { parseSort } from '@localbackend/query';
 *
 * parseSort('-createdAt,title');
 * // [{ field: {field:'createdAt', path:[]}, direction: 'desc' }, { field: {field:'title', path:[]}, direction: 'asc' }]
 * ```
 */
export function parseSort(input: unknown, options: ParseOptions = {}): readonly SortKey[] {
  const loc = rootLoc(options.path ?? 'sort');
  const info = schemaInfo(options.schema);
  const unknown = options.unknownFields ?? 'error';
  const keys: SortKey[] = [];
  const seen = new Set<string>();
  const add = (name: unknown, direction: 'asc' | 'desc', l: Loc): void => {
    if (typeof name !== 'string' || name === '') throw typeMismatch(l, 'a field name', name);
    if (name === '$score') throw invalidQuery(l, 'sorting by $score is not supported');
    const field = resolveSortField(name, l, info, unknown);
    if (field === undefined) return;
    const id = [field.field, ...field.path].join('.');
    if (seen.has(id)) return;
    seen.add(id);
    if (keys.length >= MAX_SORT_KEYS)
      throw invalidQuery(l, `at most ${MAX_SORT_KEYS} sort keys are allowed`);
    keys.push(Object.freeze({ field, direction }));
  };
  const addSigned = (text: string, l: Loc): void => {
    const trimmed = text.trim();
    if (trimmed === '') return;
    if (trimmed.startsWith('-')) add(trimmed.slice(1).trim(), 'desc', l);
    else add(trimmed.startsWith('+') ? trimmed.slice(1).trim() : trimmed, 'asc', l);
  };
  if (input === undefined || input === null || input === '') return Object.freeze(keys);
  if (typeof input === 'string') {
    if (input.length > 10_000) throw invalidQuery(loc, 'the sort is too long');
    for (const part of input.split(',')) addSigned(part, loc);
  } else if (Array.isArray(input)) {
    if (input.length > MAX_SORT_KEYS)
      throw invalidQuery(loc, `at most ${MAX_SORT_KEYS} sort keys are allowed`);
    input.forEach((item: unknown, i) => {
      const l = at(loc, i);
      if (typeof item === 'string') {
        addSigned(item, l);
      } else if (isPlainObject(item) && 'property' in item) {
        const order = item.order ?? 'ascending';
        const direction = typeof order === 'string' ? DIRECTIONS[order] : undefined;
        if (direction === undefined)
          throw typeMismatch(at(l, 'order'), '"ascending" or "descending"', order);
        add(item.property, direction, at(l, 'property'));
      } else {
        throw typeMismatch(l, 'a field name or {property, order}', item);
      }
    });
  } else if (isPlainObject(input)) {
    for (const name of Object.keys(input)) {
      const v = input[name];
      const l = at(loc, name);
      const direction =
        v === 1 ? 'asc' : v === -1 ? 'desc' : typeof v === 'string' ? DIRECTIONS[v] : undefined;
      if (direction === undefined) throw typeMismatch(l, '1, -1, "asc" or "desc"', v);
      add(name, direction, l);
    }
  } else {
    throw typeMismatch(
      loc,
      "a sort like '-a,b', ['-a','b'], [{property, order}] or {a: -1}",
      input,
    );
  }
  return Object.freeze(keys);
}

function resolveSortField(
  name: string,
  loc: Loc,
  info: SchemaInfo | undefined,
  unknown: 'error' | 'missing',
): FieldRef | undefined {
  const field = resolveField(name, loc, info, unknown);
  if (field.missing) return undefined;
  if (field.type === 'Relation') throw typeMismatch(loc, 'a field that is not a Relation', name);
  return field.ref;
}
