import {
  isValidObjectId,
  type CompareOperator,
  type FilterLiteral,
  type FilterNode,
  type GeoPointLiteral,
} from '@localbackend/adapter';
import {
  at,
  errorAt,
  invalidQuery,
  isPlainObject,
  own,
  renderLoc,
  typeMismatch,
  type Loc,
} from './loc';
import * as N from './nodes';
import { expectedFor, isPointerLike, literalKind, toOperand, type Operand } from './operand';
import { leaf, type ParseContext } from './parse-context';
import { classifyPattern, normalizeFlags, toJsPattern } from './regex-pattern';
import { nestedQuantifierAt } from './regex-safety';
import { describeType, type ResolvedField } from './schema-info';

/** Longest accepted regular expression source. */
export const MAX_PATTERN_LENGTH = 10_000;
/** Most values in one `$in` / `$nin` / `$all`. */
export const MAX_LIST_LENGTH = 1_000_000;

const KM_PER_RADIAN = 6371;
const MILES_PER_RADIAN = 3958.8;

const RANGE: Readonly<Record<string, CompareOperator>> = {
  $lt: 'lt',
  $lte: 'lte',
  $gt: 'gt',
  $gte: 'gte',
  lessThan: 'lt',
  lessThanOrEqualTo: 'lte',
  greaterThan: 'gt',
  greaterThanOrEqualTo: 'gte',
};

/** Every operator name accepted inside a field's operator object. */
export const FIELD_OPERATORS: ReadonlySet<string> = new Set([
  '$eq',
  '$ne',
  '$lt',
  '$lte',
  '$gt',
  '$gte',
  '$in',
  '$nin',
  '$all',
  '$exists',
  '$regex',
  '$options',
  '$text',
  '$nearSphere',
  '$maxDistance',
  '$maxDistanceInRadians',
  '$maxDistanceInKilometers',
  '$maxDistanceInMiles',
  '$within',
  '$geoWithin',
  'equalTo',
  'notEqualTo',
  'lessThan',
  'greaterThan',
  'lessThanOrEqualTo',
  'greaterThanOrEqualTo',
  'exists',
  'containedIn',
  'notContainedIn',
  'pointsTo',
  'matchesRegex',
  'regex',
  'options',
  'text',
  'nearSphere',
  'withinBox',
  'withinPolygon',
  'contains',
  'startsWith',
  'endsWith',
]);

const UNSUPPORTED = new Set([
  '$select',
  '$dontSelect',
  '$inQuery',
  '$notInQuery',
  '$containedBy',
  '$size',
  '$not',
  '$elemMatch',
  '$type',
  '$mod',
  '$where',
  '$expr',
  '$box',
  '$polygon',
  '$centerSphere',
]);

const OPERATOR_LIST =
  '$eq $ne $lt $lte $gt $gte $in $nin $all $exists $regex $options $text $nearSphere $within $geoWithin, or equalTo notEqualTo lessThan greaterThan lessThanOrEqualTo greaterThanOrEqualTo exists containedIn notContainedIn pointsTo matchesRegex regex options contains startsWith endsWith text nearSphere withinBox withinPolygon';

function unknownOperator(loc: Loc, key: string): Error {
  const path = renderLoc(loc);
  if (UNSUPPORTED.has(key)) {
    return errorAt('UNKNOWN_OPERATOR', path, `the operator ${key} is not supported here`, {
      expected: OPERATOR_LIST,
      received: key,
    });
  }
  return errorAt(
    'UNKNOWN_OPERATOR',
    path,
    `unknown operator ${JSON.stringify(key.slice(0, 40))}; expected one of ${OPERATOR_LIST}`,
    {
      expected: OPERATOR_LIST,
      received: key,
    },
  );
}

/** Is `raw` an operator object (rather than a value)? */
function isOperatorObject(raw: Record<string, unknown>, field: ResolvedField): boolean {
  if ('__type' in raw) return false;
  if ((field.type === 'Pointer' || field.type === 'Relation') && 'objectId' in raw) {
    return Object.keys(raw).some((k) => FIELD_OPERATORS.has(k));
  }
  return true;
}

/** The condition(s) a field's raw value expresses (a value, a RegExp or an operator object). */
export function parseFieldValue(
  field: ResolvedField,
  raw: unknown,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  if (raw === undefined) return N.TRUE;
  if (raw instanceof RegExp) return regexFromRegExp(field, raw, loc, ctx);
  if (isPlainObject(raw) && isOperatorObject(raw, field))
    return parseOperators(field, raw, loc, ctx);
  if (Array.isArray(raw)) {
    throw typeMismatch(
      loc,
      `a single value (to match several values use $in / containedIn, to require all of them $all)`,
      raw,
    );
  }
  return eqLeaf(field, raw, loc, ctx);
}

/** `field = value`, also for pointers and null. */
export function eqLeaf(
  field: ResolvedField,
  raw: unknown,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  return leaf(ctx, loc, raw, (r) => eqNode(field, toOperand(r, field, loc), loc));
}

function eqNode(field: ResolvedField, op: Operand, loc: Loc): FilterNode {
  if (op.t === 'ptr')
    return N.pointsTo(field.ref, [op.id], op.className ?? field.column?.targetClass);
  if (op.v === null) return N.exists(field.ref, false);
  checkComparable(field, loc, op.v);
  return N.compare(field.ref, 'eq', op.v);
}

function checkComparable(field: ResolvedField, loc: Loc, value: unknown): void {
  const t = field.type;
  if (t === 'Object' || t === 'GeoPoint' || t === 'File' || t === 'Relation') {
    throw typeMismatch(loc, expectedFor(t), value);
  }
}

function parseOperators(
  field: ResolvedField,
  ops: Record<string, unknown>,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  const conditions: FilterNode[] = [];
  const keys = Object.keys(ops);
  for (const key of keys) {
    const raw = ops[key];
    const kl = at(loc, key);
    if (!FIELD_OPERATORS.has(key)) throw unknownOperator(kl, key);
    if (raw === undefined) continue;
    switch (key) {
      case '$eq':
      case 'equalTo':
        conditions.push(eqLeaf(field, raw, kl, ctx));
        break;
      case '$ne':
      case 'notEqualTo':
        conditions.push(N.not(eqLeaf(field, raw, kl, ctx)));
        break;
      case '$lt':
      case '$lte':
      case '$gt':
      case '$gte':
      case 'lessThan':
      case 'lessThanOrEqualTo':
      case 'greaterThan':
      case 'greaterThanOrEqualTo':
        conditions.push(rangeLeaf(field, RANGE[key]!, raw, kl, ctx));
        break;
      case '$in':
      case 'containedIn':
        conditions.push(inNodes(field, raw, false, kl, ctx));
        break;
      case '$nin':
      case 'notContainedIn':
        conditions.push(inNodes(field, raw, true, kl, ctx));
        break;
      case '$all':
        conditions.push(allLeaf(field, raw, kl, ctx));
        break;
      case '$exists':
      case 'exists':
        if (typeof raw !== 'boolean') throw typeMismatch(kl, 'true or false', raw);
        if (field.type === 'Relation')
          throw typeMismatch(kl, 'an operator for Relation fields ($relatedTo, pointsTo)', key);
        conditions.push(N.exists(field.ref, raw));
        break;
      case '$regex':
      case 'matchesRegex':
      case 'regex':
        conditions.push(regexLeaf(field, raw, optionsOf(ops, key, loc), kl, ctx));
        break;
      case '$options':
      case 'options':
        if (!keys.some((k) => PATTERN_KEYS.has(k))) {
          throw invalidQuery(
            kl,
            `${key} needs a $regex / matchesRegex / contains / startsWith / endsWith beside it`,
          );
        }
        break;
      case 'contains':
      case 'startsWith':
      case 'endsWith':
        conditions.push(stringLeaf(field, key, raw, optionsOf(ops, key, loc), kl, ctx));
        break;
      case '$text':
      case 'text':
        conditions.push(textLeaf(field, raw, key === '$text', kl, ctx));
        break;
      case '$nearSphere':
        conditions.push(parseNearSphere(field, ops, loc, ctx));
        break;
      case '$maxDistance':
      case '$maxDistanceInRadians':
      case '$maxDistanceInKilometers':
      case '$maxDistanceInMiles':
        if (!('$nearSphere' in ops)) throw invalidQuery(kl, `${key} needs $nearSphere beside it`);
        break;
      case 'nearSphere':
        conditions.push(parseNoodlNear(field, raw, kl, ctx));
        break;
      case '$within':
        conditions.push(parseWithin(field, raw, kl, ctx));
        break;
      case '$geoWithin':
        conditions.push(parseGeoWithin(field, raw, kl, ctx));
        break;
      case 'withinBox':
        conditions.push(boxLeaf(field, raw, kl, ctx));
        break;
      case 'withinPolygon':
        conditions.push(polygonLeaf(field, raw, kl, ctx));
        break;
      case 'pointsTo':
        conditions.push(pointsToNodes(field, raw, kl, ctx));
        break;
      default:
        throw unknownOperator(kl, key);
    }
  }
  return N.and(conditions);
}

const PATTERN_KEYS = new Set([
  '$regex',
  'matchesRegex',
  'regex',
  'contains',
  'startsWith',
  'endsWith',
]);

function optionsOf(ops: Record<string, unknown>, key: string, loc: Loc): string {
  const optionKey = key.startsWith('$') ? '$options' : 'options';
  let raw = own(ops, optionKey);
  if (raw === undefined) raw = own(ops, key.startsWith('$') ? 'options' : '$options');
  if (raw === undefined) return '';
  if (typeof raw !== 'string')
    throw typeMismatch(at(loc, optionKey), 'a string of regex options (i, m, s)', raw);
  const flags = normalizeFlags(raw);
  if (flags === undefined) {
    throw errorAt(
      'INVALID_QUERY',
      at(loc, optionKey),
      `unsupported regex options ${JSON.stringify(raw.slice(0, 20))}; allowed: i, m, s`,
      {
        expected: 'i, m, s',
        received: raw,
      },
    );
  }
  return flags;
}

export function rangeLeaf(
  field: ResolvedField,
  op: CompareOperator,
  raw: unknown,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  return leaf(ctx, loc, raw, (r) => {
    if (r === null) throw typeMismatch(loc, `a string, number or date to compare with`, r);
    const operand = toOperand(r, field, loc);
    if (
      operand.t !== 'lit' ||
      literalKind(operand.v) === 'boolean' ||
      literalKind(operand.v) === 'null'
    ) {
      throw typeMismatch(
        loc,
        field.type === 'untyped' || field.type === 'json' || field.type === 'Array'
          ? 'a string, number or date to compare with'
          : expectedFor(field.type),
        r,
      );
    }
    if (field.type === 'Pointer' || field.type === 'Relation' || field.type === 'Boolean') {
      throw typeMismatch(
        loc,
        `an operator that suits ${describeType(field.type)} (not ${renderKey(loc)})`,
        r,
      );
    }
    checkComparable(field, loc, r);
    return N.compare(field.ref, op, operand.v);
  });
}

function renderKey(loc: Loc): string {
  return String(loc.key);
}

function listOf(raw: unknown, loc: Loc): unknown[] {
  if (!Array.isArray(raw)) throw typeMismatch(loc, 'an array of values', raw);
  if (raw.length > MAX_LIST_LENGTH) {
    throw invalidQuery(loc, `at most ${MAX_LIST_LENGTH} values are allowed, got ${raw.length}`);
  }
  return raw;
}

/**
 * `$in` / `$nin`: literals become one `in` node, references to records one `pointsTo` node.
 */
export function inNodes(
  field: ResolvedField,
  raw: unknown,
  negate: boolean,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  const list = listOf(raw, loc);
  const type = field.type;
  const pointerColumn = type === 'Pointer' || type === 'Relation';
  let literals = 0;
  let pointers = 0;
  let nulls = 0;
  for (const item of list) {
    if (item === null) nulls++;
    else if (isPointerLike(item, type)) pointers++;
    else literals++;
  }
  // A lone `in` node carries the negation itself (nicer SQL); mixed lists are negated as a whole.
  const lone = pointers === 0 && !(nulls > 0 && pointerColumn);
  const parts: FilterNode[] = [];
  if (literals > 0 || (nulls > 0 && !pointerColumn)) {
    parts.push(
      leaf(ctx, loc, raw, (r) => {
        const items = listOf(r, loc);
        const values: FilterLiteral[] = [];
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          if (item !== null && isPointerLike(item, type)) continue;
          const operand = toOperand(item, field, at(loc, i));
          if (operand.t !== 'lit') continue;
          if (operand.v !== null) checkComparable(field, at(loc, i), item);
          values.push(operand.v);
        }
        return N.inList(field.ref, values, lone && negate);
      }),
    );
  }
  if (pointers > 0) {
    parts.push(
      leaf(ctx, loc, raw, (r) => {
        const items = listOf(r, loc);
        const ids: string[] = [];
        let className: string | undefined;
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          if (item === null || !isPointerLike(item, type)) continue;
          const operand = toOperand(item, field, at(loc, i));
          if (operand.t === 'ptr') {
            ids.push(operand.id);
            className ??= operand.className;
          }
        }
        return N.pointsTo(field.ref, ids, className ?? field.column?.targetClass);
      }),
    );
  }
  if (nulls > 0 && pointerColumn) parts.push(N.exists(field.ref, false));
  if (parts.length === 0) return N.constant(negate);
  if (lone) return parts[0]!;
  const any = N.or(parts);
  return negate ? N.not(any) : any;
}

function allLeaf(field: ResolvedField, raw: unknown, loc: Loc, ctx: ParseContext): FilterNode {
  if (!(field.type === 'Array' || field.type === 'json' || field.type === 'untyped')) {
    throw typeMismatch(
      loc,
      `$all on an Array field (${field.ref.field} is ${describeType(field.type)})`,
      raw,
    );
  }
  const list = listOf(raw, loc);
  if (list.length === 0) return N.FALSE;
  if (list.some((item) => item !== null && isPointerLike(item, field.type))) {
    // Every pointer must be in the array: one pointsTo per pointer.
    return N.and(
      list.map((item, i) => {
        const l = at(loc, i);
        if (item === null) throw typeMismatch(l, 'a value other than null', item);
        return eqLeaf(field, item, l, ctx);
      }),
    );
  }
  return leaf(ctx, loc, raw, (r) => {
    const items = listOf(r, loc);
    const values: FilterLiteral[] = [];
    for (let i = 0; i < items.length; i++) {
      const operand = toOperand(items[i], field, at(loc, i));
      if (operand.t !== 'lit' || operand.v === null) {
        throw typeMismatch(at(loc, i), 'a string, number, boolean or date', items[i]);
      }
      values.push(operand.v);
    }
    return N.all(field.ref, values);
  });
}

function checkStringField(field: ResolvedField, loc: Loc, raw: unknown): void {
  const t = field.type;
  if (!(t === 'String' || t === 'Array' || t === 'json' || t === 'untyped')) {
    throw typeMismatch(
      loc,
      `a text operator on a String field (${field.ref.field} is ${describeType(t)})`,
      raw,
    );
  }
}

function patternOf(raw: unknown, loc: Loc): string {
  if (typeof raw !== 'string') throw typeMismatch(loc, 'a regular expression string', raw);
  if (raw.length > MAX_PATTERN_LENGTH) {
    throw invalidQuery(
      loc,
      `regular expressions may be at most ${MAX_PATTERN_LENGTH} characters, got ${raw.length}`,
    );
  }
  return raw;
}

/** A regex, or a string match / equality when the pattern is only (quoted) literal text. */
export function regexNode(
  field: ResolvedField,
  pattern: string,
  flags: string,
  loc: Loc,
): FilterNode {
  const cls = classifyPattern(pattern, flags.includes('m'));
  const caseSensitive = !flags.includes('i');
  if (cls.kind === 'literal') {
    if (cls.mode === 'exact') {
      if (caseSensitive) return N.compare(field.ref, 'eq', cls.text);
    } else {
      return N.stringMatch(field.ref, cls.mode, cls.text, caseSensitive);
    }
  }
  const js = toJsPattern(pattern);
  try {
    new RegExp(js, flags);
  } catch (error) {
    throw errorAt('INVALID_QUERY', loc, `invalid regular expression: ${(error as Error).message}`, {
      expected: 'a valid regular expression',
      received: pattern,
    });
  }
  const nested = nestedQuantifierAt(js);
  if (nested !== undefined) {
    throw errorAt(
      'INVALID_QUERY',
      loc,
      `regular expression refused: the quantifier at position ${nested} repeats a group that already repeats, which can backtrack catastrophically; rewrite it without nested repetition`,
      { expected: 'a regular expression without nested quantifiers', received: pattern },
    );
  }
  return N.regex(field.ref, js, flags);
}

function regexLeaf(
  field: ResolvedField,
  raw: unknown,
  flags: string,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  checkStringField(field, loc, raw);
  if (raw instanceof RegExp) return regexFromRegExp(field, raw, loc, ctx, flags);
  return leaf(ctx, loc, raw, (r) => regexNode(field, patternOf(r, loc), flags, loc));
}

function regexFromRegExp(
  field: ResolvedField,
  re: RegExp,
  loc: Loc,
  ctx: ParseContext,
  extraFlags = '',
): FilterNode {
  checkStringField(field, loc, re);
  const flags = normalizeFlags((re.flags + extraFlags).replace(/[gyd]/g, ''));
  if (flags === undefined) {
    throw errorAt(
      'INVALID_QUERY',
      loc,
      `unsupported regular expression flags ${JSON.stringify(re.flags)}; allowed: i, m, s`,
    );
  }
  return leaf(ctx, loc, re, (r) =>
    regexNode(field, patternOf((r as RegExp).source, loc), flags, loc),
  );
}

function stringLeaf(
  field: ResolvedField,
  mode: 'contains' | 'startsWith' | 'endsWith',
  raw: unknown,
  flags: string,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  checkStringField(field, loc, raw);
  const caseSensitive = !flags.includes('i');
  return leaf(ctx, loc, raw, (r) => {
    if (typeof r !== 'string') throw typeMismatch(loc, 'a string', r);
    return N.stringMatch(field.ref, mode, r, caseSensitive);
  });
}

/** A case-insensitive `contains` (the visual filter's "contain"). */
export function containsLeaf(
  field: ResolvedField,
  raw: unknown,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  return stringLeaf(field, 'contains', raw, 'i', loc, ctx);
}

function textLeaf(
  field: ResolvedField,
  raw: unknown,
  parseStyle: boolean,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  if (!(field.type === 'String' || field.type === 'json' || field.type === 'untyped')) {
    throw typeMismatch(
      loc,
      `$text on a String field (${field.ref.field} is ${describeType(field.type)})`,
      raw,
    );
  }
  return leaf(ctx, loc, raw, (r) => {
    const p = parseStyle ? '$' : '';
    if (!isPlainObject(r)) {
      throw typeMismatch(
        loc,
        parseStyle ? '{"$search": {"$term": "words"}}' : '{search: "words"}',
        r,
      );
    }
    for (const key of Object.keys(r)) {
      if (key !== `${p}search`) throw unknownOperator(at(loc, key), key);
    }
    const searchLoc = at(loc, `${p}search`);
    const rawSearch = own(r, `${p}search`);
    const options: Record<string, unknown> = isPlainObject(rawSearch) ? rawSearch : {};
    const search = isPlainObject(rawSearch) ? own(rawSearch, `${p}term`) : rawSearch;
    const termLoc = isPlainObject(rawSearch) ? at(searchLoc, `${p}term`) : searchLoc;
    if (typeof search !== 'string') throw typeMismatch(termLoc, 'a search string', search);
    if (search.trim() === '') throw invalidQuery(termLoc, 'the search text is empty');
    for (const key of Object.keys(options)) {
      if (
        ![`${p}term`, `${p}language`, `${p}caseSensitive`, `${p}diacriticSensitive`].includes(key)
      ) {
        throw unknownOperator(at(searchLoc, key), key);
      }
    }
    const language = own(options, `${p}language`);
    if (language !== undefined && typeof language !== 'string') {
      throw typeMismatch(at(searchLoc, `${p}language`), 'a language name', language);
    }
    for (const flag of ['caseSensitive', 'diacriticSensitive']) {
      const v = own(options, `${p}${flag}`);
      if (v === undefined || v === false) continue;
      if (v !== true) throw typeMismatch(at(searchLoc, `${p}${flag}`), 'true or false', v);
      throw invalidQuery(
        at(searchLoc, `${p}${flag}`),
        `${flag} text search is not supported (text search ignores case and diacritics); use $regex instead`,
      );
    }
    return N.text(field.ref, search, false, false, language as string | undefined);
  });
}

export function pointsToNodes(
  field: ResolvedField,
  raw: unknown,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  if (!(
    field.type === 'Pointer' ||
    field.type === 'Relation' ||
    field.type === 'Array' ||
    field.type === 'json' ||
    field.type === 'untyped'
  )) {
    throw typeMismatch(
      loc,
      `pointsTo on a Pointer or Relation field (${field.ref.field} is ${describeType(field.type)})`,
      raw,
    );
  }
  const asPointer = {
    ...field,
    type: field.type === 'Relation' ? 'Relation' : 'Pointer',
  } as ResolvedField;
  return leaf(ctx, loc, raw, (r) => {
    const items = Array.isArray(r) ? r : [r];
    if (items.length > MAX_LIST_LENGTH)
      throw invalidQuery(loc, `at most ${MAX_LIST_LENGTH} values are allowed`);
    const ids: string[] = [];
    let className: string | undefined;
    for (let i = 0; i < items.length; i++) {
      const l = Array.isArray(r) ? at(loc, i) : loc;
      const operand = toOperand(items[i], asPointer, l);
      if (operand.t !== 'ptr')
        throw typeMismatch(l, 'an objectId, a Pointer or a record', items[i]);
      ids.push(operand.id);
      className ??= operand.className;
    }
    return N.pointsTo(field.ref, ids, className ?? field.column?.targetClass);
  });
}

/* ---------------------------------------------------------------------------------------------
 * Geo
 */

function checkGeoField(field: ResolvedField, loc: Loc, raw: unknown): void {
  const t = field.type;
  if (!(t === 'GeoPoint' || t === 'json' || t === 'untyped')) {
    throw typeMismatch(
      loc,
      `a geo operator on a GeoPoint field (${field.ref.field} is ${describeType(t)})`,
      raw,
    );
  }
}

function finite(raw: unknown, loc: Loc, what: string, min: number, max: number): number {
  if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < min || raw > max) {
    throw typeMismatch(loc, `${what} (a number from ${min} to ${max})`, raw);
  }
  return raw;
}

/** `{latitude, longitude}` (optionally `__type: 'GeoPoint'`) or `[latitude, longitude]`. */
function geoPointOf(
  raw: unknown,
  loc: Loc,
  arrayOrder: 'latlon' | 'lonlat' = 'latlon',
): GeoPointLiteral {
  if (Array.isArray(raw) && raw.length === 2) {
    const [a, b] = arrayOrder === 'latlon' ? [raw[0], raw[1]] : [raw[1], raw[0]];
    const ai = arrayOrder === 'latlon' ? 0 : 1;
    return N.geoPoint(
      finite(a, at(loc, ai), 'a latitude', -90, 90),
      finite(b, at(loc, 1 - ai), 'a longitude', -180, 180),
    );
  }
  if (!isPlainObject(raw)) throw typeMismatch(loc, 'a GeoPoint {latitude, longitude}', raw);
  const tag = own(raw, '__type');
  if (tag !== undefined && tag !== 'GeoPoint')
    throw typeMismatch(loc, 'a GeoPoint {latitude, longitude}', raw);
  return N.geoPoint(
    finite(own(raw, 'latitude'), at(loc, 'latitude'), 'a latitude', -90, 90),
    finite(own(raw, 'longitude'), at(loc, 'longitude'), 'a longitude', -180, 180),
  );
}

function distance(raw: unknown, loc: Loc, perRadian: number): number {
  return finite(raw, loc, 'a distance', 0, Number.MAX_VALUE) / perRadian;
}

function parseNearSphere(
  field: ResolvedField,
  ops: Record<string, unknown>,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  checkGeoField(field, at(loc, '$nearSphere'), ops.$nearSphere);
  const units: [string, number][] = [
    ['$maxDistance', 1],
    ['$maxDistanceInRadians', 1],
    ['$maxDistanceInKilometers', KM_PER_RADIAN],
    ['$maxDistanceInMiles', MILES_PER_RADIAN],
  ];
  const present = units.filter(([k]) => own(ops, k) !== undefined);
  if (present.length > 1)
    throw invalidQuery(loc, `give only one of ${present.map(([k]) => k).join(', ')}`);
  return leaf(ctx, loc, ops, (r) => {
    const o = r as Record<string, unknown>;
    const point = geoPointOf(own(o, '$nearSphere'), at(loc, '$nearSphere'));
    const unit = present[0];
    const max =
      unit === undefined ? undefined : distance(own(o, unit[0]), at(loc, unit[0]), unit[1]);
    return N.near(field.ref, point, max);
  });
}

function parseNoodlNear(
  field: ResolvedField,
  raw: unknown,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  checkGeoField(field, loc, raw);
  if (!isPlainObject(raw))
    throw typeMismatch(loc, '{latitude, longitude, maxDistanceInKilometers?}', raw);
  const units: [string, number][] = [
    ['maxDistanceInRadians', 1],
    ['maxDistanceInKilometers', KM_PER_RADIAN],
    ['maxDistanceInMiles', MILES_PER_RADIAN],
  ];
  for (const key of Object.keys(raw)) {
    if (!['latitude', 'longitude', '__type', ...units.map(([k]) => k)].includes(key)) {
      throw unknownOperator(at(loc, key), key);
    }
  }
  const present = units.filter(([k]) => own(raw, k) !== undefined);
  if (present.length > 1)
    throw invalidQuery(loc, `give only one of ${present.map(([k]) => k).join(', ')}`);
  return leaf(ctx, loc, raw, (r) => {
    const o = r as Record<string, unknown>;
    const point = N.geoPoint(
      finite(own(o, 'latitude'), at(loc, 'latitude'), 'a latitude', -90, 90),
      finite(own(o, 'longitude'), at(loc, 'longitude'), 'a longitude', -180, 180),
    );
    const unit = present[0];
    const max =
      unit === undefined ? undefined : distance(own(o, unit[0]), at(loc, unit[0]), unit[1]);
    return N.near(field.ref, point, max);
  });
}

function boxLeaf(field: ResolvedField, raw: unknown, loc: Loc, ctx: ParseContext): FilterNode {
  checkGeoField(field, loc, raw);
  return leaf(ctx, loc, raw, (r) => {
    if (!Array.isArray(r) || r.length !== 2)
      throw typeMismatch(loc, 'a box [southwest, northeast] of two GeoPoints', r);
    const southwest = geoPointOf(r[0], at(loc, 0));
    const northeast = geoPointOf(r[1], at(loc, 1));
    if (southwest.latitude > northeast.latitude) {
      throw invalidQuery(
        loc,
        'the southwest corner of a box must be south of the northeast corner',
      );
    }
    return N.within(field.ref, { type: 'box', southwest, northeast });
  });
}

function polygonLeaf(field: ResolvedField, raw: unknown, loc: Loc, ctx: ParseContext): FilterNode {
  checkGeoField(field, loc, raw);
  return leaf(ctx, loc, raw, (r) => {
    if (!Array.isArray(r) || r.length < 3 || r.length > 10_000) {
      throw typeMismatch(loc, 'a polygon of 3 to 10000 GeoPoints', r);
    }
    const points = Object.freeze(r.map((p, i) => geoPointOf(p, at(loc, i))));
    return N.within(field.ref, { type: 'polygon', points });
  });
}

function parseWithin(field: ResolvedField, raw: unknown, loc: Loc, ctx: ParseContext): FilterNode {
  if (!isPlainObject(raw) || Object.keys(raw).length !== 1 || !('$box' in raw)) {
    throw typeMismatch(loc, '{"$box": [southwest, northeast]}', raw);
  }
  return boxLeaf(field, raw.$box, at(loc, '$box'), ctx);
}

function parseGeoWithin(
  field: ResolvedField,
  raw: unknown,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  if (isPlainObject(raw) && Object.keys(raw).length === 1) {
    if ('$polygon' in raw) return polygonLeaf(field, raw.$polygon, at(loc, '$polygon'), ctx);
    if ('$centerSphere' in raw) {
      checkGeoField(field, loc, raw);
      const l = at(loc, '$centerSphere');
      return leaf(ctx, l, raw.$centerSphere, (r) => {
        if (!Array.isArray(r) || r.length !== 2)
          throw typeMismatch(l, '[[longitude, latitude], radiusInRadians]', r);
        const center = geoPointOf(r[0], at(l, 0), 'lonlat');
        const radiusRadians = finite(r[1], at(l, 1), 'a radius in radians', 0, Number.MAX_VALUE);
        return N.within(field.ref, { type: 'centerSphere', center, radiusRadians });
      });
    }
  }
  throw typeMismatch(loc, '{"$polygon": [...]} or {"$centerSphere": [[lng, lat], radians]}', raw);
}

/** Validates an objectId for id filters. */
export function objectIdOf(raw: unknown, loc: Loc): string {
  if (!isValidObjectId(raw))
    throw typeMismatch(loc, 'an objectId (1-64 characters of A-Z a-z 0-9 _ -)', raw);
  return raw;
}
