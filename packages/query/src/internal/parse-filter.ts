import {
  isValidCollectionName,
  isValidFieldName,
  type CompareOperator,
  type FilterNode,
} from '@localbackend/adapter';
import { at, errorAt, invalidQuery, isPlainObject, own, typeMismatch, type Loc } from './loc';
import * as N from './nodes';
import { leaf, MAX_FILTER_DEPTH, type ParseContext } from './parse-context';
import {
  containsLeaf,
  eqLeaf,
  inNodes,
  objectIdOf,
  parseFieldValue,
  pointsToNodes,
  rangeLeaf,
} from './parse-field';
import { resolveField, type ResolvedField } from './schema-info';
import { evaluateOnMissing } from './evaluate';

/*
 * Format detection, per object, so that formats nest freely:
 * - `{combinator, rules}`                      the editor's visual filter
 * - `$and` `$or` `$nor` `$relatedTo`           Parse wire format
 * - `and` `or` (arrays) `idEqualTo` `idContainedIn` `relatedTo` (object)   Noodl filter format
 * - any other key: a field, whose value is a value, a RegExp or an operator object mixing Parse
 *   (`$gt`), Noodl (`greaterThan`) and shorthand (`contains`) operators.
 * Several keys in one object combine with AND.
 */

/** Parses one filter object. */
export function parseFilter(raw: unknown, loc: Loc, ctx: ParseContext, depth: number): FilterNode {
  if (depth > MAX_FILTER_DEPTH) {
    throw invalidQuery(loc, `filters may nest at most ${MAX_FILTER_DEPTH} levels deep`);
  }
  if (!isPlainObject(raw)) throw typeMismatch(loc, 'a filter object', raw);
  if ('combinator' in raw || 'rules' in raw) return parseVisualGroup(raw, loc, ctx, depth);
  const conditions: FilterNode[] = [];
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    const kl = at(loc, key);
    switch (key) {
      case '$and':
        conditions.push(N.and(parseList(value, kl, ctx, depth)));
        continue;
      case '$or':
        conditions.push(N.or(parseList(value, kl, ctx, depth)));
        continue;
      case '$nor':
        conditions.push(N.not(N.or(parseList(value, kl, ctx, depth))));
        continue;
      case '$relatedTo':
        conditions.push(parseRelatedTo(value, kl, ctx));
        continue;
      case 'and':
      case 'or':
        if (Array.isArray(value)) {
          const list = parseList(value, kl, ctx, depth);
          conditions.push(key === 'and' ? N.and(list) : N.or(list));
          continue;
        }
        break;
      case 'relatedTo':
        if (isPlainObject(value) && ('id' in value || 'key' in value)) {
          conditions.push(parseNoodlRelatedTo(value, kl, ctx));
          continue;
        }
        break;
      case 'idEqualTo':
        if (value === undefined) continue;
        conditions.push(eqLeaf(idField(kl, ctx), value, kl, ctx));
        continue;
      case 'idContainedIn':
        if (value === undefined) continue;
        conditions.push(inNodes(idField(kl, ctx), value, false, kl, ctx));
        continue;
      default:
        break;
    }
    if (key.startsWith('$')) {
      throw errorAt(
        'UNKNOWN_OPERATOR',
        kl,
        `unknown operator ${JSON.stringify(key.slice(0, 40))}; expected $and, $or, $nor, $relatedTo or a field name`,
        {
          expected: '$and, $or, $nor, $relatedTo or a field name',
          received: key,
        },
      );
    }
    conditions.push(parseField(key, value, kl, ctx));
  }
  return N.and(conditions);
}

function idField(loc: Loc, ctx: ParseContext): ResolvedField {
  return resolveField('objectId', loc, ctx.info, ctx.unknownFields);
}

function parseField(name: string, value: unknown, loc: Loc, ctx: ParseContext): FilterNode {
  const field = resolveField(name, loc, ctx.info, ctx.unknownFields);
  const node = parseFieldValue(field, value, loc, ctx);
  return field.missing ? evaluateOnMissing(node) : node;
}

function parseList(raw: unknown, loc: Loc, ctx: ParseContext, depth: number): FilterNode[] {
  if (!Array.isArray(raw)) throw typeMismatch(loc, 'an array of filters', raw);
  const out: FilterNode[] = [];
  for (let i = 0; i < raw.length; i++) out.push(parseFilter(raw[i], at(loc, i), ctx, depth + 1));
  return out;
}

function checkRelationKey(key: unknown, loc: Loc): string {
  if (!isValidFieldName(key)) throw typeMismatch(loc, 'the name of a Relation field', key);
  return key as string;
}

function checkClassName(name: unknown, loc: Loc): string {
  if (!isValidCollectionName(name, { allowSystem: true }))
    throw typeMismatch(loc, 'a collection name', name);
  return name as string;
}

/** `$relatedTo: {object: Pointer, key}` */
function parseRelatedTo(raw: unknown, loc: Loc, ctx: ParseContext): FilterNode {
  if (!isPlainObject(raw))
    throw typeMismatch(loc, '{"object": Pointer, "key": relationField}', raw);
  for (const k of Object.keys(raw)) {
    if (k !== 'object' && k !== 'key')
      throw invalidQuery(
        at(loc, k),
        `unexpected key ${JSON.stringify(k)} in $relatedTo; expected object and key`,
      );
  }
  const key = checkRelationKey(own(raw, 'key'), at(loc, 'key'));
  const object = own(raw, 'object');
  const ol = at(loc, 'object');
  if (!isPlainObject(object))
    throw typeMismatch(ol, 'a Pointer {"__type":"Pointer","className","objectId"}', object);
  const className = checkClassName(own(object, 'className'), at(ol, 'className'));
  const il = at(ol, 'objectId');
  return leaf(ctx, il, own(object, 'objectId'), (r) =>
    N.relatedTo(className, objectIdOf(r, il), key),
  );
}

/** Noodl: `relatedTo: {id, key, className}` */
function parseNoodlRelatedTo(
  raw: Record<string, unknown>,
  loc: Loc,
  ctx: ParseContext,
): FilterNode {
  for (const k of Object.keys(raw)) {
    if (k !== 'id' && k !== 'key' && k !== 'className')
      throw invalidQuery(
        at(loc, k),
        `unexpected key ${JSON.stringify(k)} in relatedTo; expected id, key and className`,
      );
  }
  const key = checkRelationKey(own(raw, 'key'), at(loc, 'key'));
  const className = checkClassName(own(raw, 'className'), at(loc, 'className'));
  const il = at(loc, 'id');
  return leaf(ctx, il, own(raw, 'id'), (r) => N.relatedTo(className, objectIdOf(idOf(r), il), key));
}

function idOf(raw: unknown): unknown {
  return isPlainObject(raw) && typeof raw.objectId === 'string'
    ? raw.objectId
    : isPlainObject(raw) && typeof raw.id === 'string'
      ? raw.id
      : raw;
}

/* ---------------------------------------------------------------------------------------------
 * The editor's visual filter: {combinator: 'and'|'or', rules: [rule | group]}, a rule being
 * {property, operator, value} (or `input`, resolved through ParseOptions.values).
 */

const VISUAL_OPERATORS = [
  'equal to',
  'not equal to',
  'greater than',
  'greater than or equal to',
  'less than',
  'less than or equal to',
  'exist',
  'not exist',
  'contain',
  'points to',
  'related to',
];

const VISUAL_RANGE: Readonly<Record<string, CompareOperator>> = {
  'greater than': 'gt',
  'greater than or equal to': 'gte',
  'less than': 'lt',
  'less than or equal to': 'lte',
};

function parseVisualGroup(
  raw: Record<string, unknown>,
  loc: Loc,
  ctx: ParseContext,
  depth: number,
): FilterNode {
  const combinator = own(raw, 'combinator') ?? 'and';
  if (combinator !== 'and' && combinator !== 'or') {
    throw typeMismatch(at(loc, 'combinator'), '"and" or "or"', combinator);
  }
  const rules = own(raw, 'rules') ?? [];
  const rl = at(loc, 'rules');
  if (!Array.isArray(rules)) throw typeMismatch(rl, 'an array of rules', rules);
  for (const key of Object.keys(raw)) {
    if (key !== 'combinator' && key !== 'rules' && key !== 'id' && key !== 'not') {
      throw invalidQuery(
        at(loc, key),
        `unexpected key ${JSON.stringify(key.slice(0, 40))} in a filter group; expected combinator and rules`,
      );
    }
  }
  const out: FilterNode[] = [];
  for (let i = 0; i < rules.length; i++) {
    const item: unknown = rules[i];
    const il = at(rl, i);
    if (depth + 1 > MAX_FILTER_DEPTH)
      throw invalidQuery(il, `filters may nest at most ${MAX_FILTER_DEPTH} levels deep`);
    if (isPlainObject(item) && ('rules' in item || 'combinator' in item)) {
      out.push(parseVisualGroup(item, il, ctx, depth + 1));
    } else if (isPlainObject(item) && 'operator' in item) {
      const node = parseVisualRule(item, il, ctx);
      if (node !== undefined) out.push(node);
    } else {
      out.push(parseFilter(item, il, ctx, depth + 1));
    }
  }
  // Noodl: a group without (remaining) rules is no filter at all, whatever its combinator.
  if (out.length === 0) return N.TRUE;
  return combinator === 'and' ? N.and(out) : N.or(out);
}

function parseVisualRule(
  rule: Record<string, unknown>,
  loc: Loc,
  ctx: ParseContext,
): FilterNode | undefined {
  const operator = own(rule, 'operator');
  const ol = at(loc, 'operator');
  if (typeof operator !== 'string' || !VISUAL_OPERATORS.includes(operator)) {
    throw errorAt(
      'UNKNOWN_OPERATOR',
      ol,
      `unknown filter operator ${JSON.stringify(typeof operator === 'string' ? operator.slice(0, 40) : operator)}; expected one of ${VISUAL_OPERATORS.join(', ')}`,
      {
        expected: VISUAL_OPERATORS.join(', '),
        received: operator,
      },
    );
  }
  let value = own(rule, 'value');
  let vl = at(loc, 'value');
  if (value === undefined && typeof own(rule, 'input') === 'string' && ctx.values !== undefined) {
    const input = own(rule, 'input') as string;
    value = Object.prototype.hasOwnProperty.call(ctx.values, input) ? ctx.values[input] : undefined;
    vl = at(loc, 'input');
  }
  if (operator === 'related to') {
    if (value === undefined) return undefined;
    const className = checkClassName(own(rule, 'relatedTo'), at(loc, 'relatedTo'));
    const key = checkRelationKey(own(rule, 'relationProperty'), at(loc, 'relationProperty'));
    return leaf(ctx, vl, value, (r) => N.relatedTo(className, objectIdOf(idOf(r), vl), key));
  }
  const property = own(rule, 'property');
  const pl = at(loc, 'property');
  if (typeof property !== 'string') throw typeMismatch(pl, 'a field name', property);
  const field = resolveField(property, pl, ctx.info, ctx.unknownFields);
  let node: FilterNode;
  if (operator === 'exist' || operator === 'not exist') {
    node = N.exists(field.ref, operator === 'exist');
  } else {
    if (value === undefined) return undefined;
    switch (operator) {
      case 'equal to':
        node = eqLeaf(field, value, vl, ctx);
        break;
      case 'not equal to':
        node = N.not(eqLeaf(field, value, vl, ctx));
        break;
      case 'contain':
        node = containsLeaf(field, value, vl, ctx);
        break;
      case 'points to':
        node = pointsToNodes(field, value, vl, ctx);
        break;
      default:
        node = rangeLeaf(field, VISUAL_RANGE[operator]!, value, vl, ctx);
        break;
    }
  }
  return field.missing ? evaluateOnMissing(node) : node;
}
