import {
  BackendError,
  isValidCollectionName,
  isValidFieldName,
  type FieldRef,
  type FilterLiteral,
  type FilterNode,
} from '@localbackend/adapter';
import { errorAt } from './loc';
import { coerceLiteral } from './literal-rules';
import { literalKind } from './operand';
import { checkRef, typeOfRef, type FieldType, type SchemaInfo } from './schema-info';
import {
  compareStrings,
  dateTextOf,
  ftsTest,
  geoDistance,
  geoOf,
  inBox,
  isObjectValue,
  likeWordsTest,
  pointInPolygon,
  pointerIdOf,
  polygonEdges,
  regexTest,
  searchWords,
  stringMatchTest,
} from './semantics';

/**
 * Answers "does the Relation field `key` of record `owner` contain the record `relatedId`?" for
 * matches(); without it, `$relatedTo` and `pointsTo` on Relation fields cannot be evaluated.
 *
 * @example
 * ```ts
 * const relations: RelationLookup = (owner, key, relatedId) =>
 *   db.prepare(`SELECT 1 FROM "_Join_${key}_${owner.className}" WHERE "owningId" = ? AND "relatedId" = ?`).get(owner.objectId, relatedId) !== undefined;
 * ```
 */
export type RelationLookup = (
  owner: { readonly className: string; readonly objectId: string },
  key: string,
  relatedId: string,
) => boolean;

/** Deepest AST that compile() and matches() walk. */
export const MAX_AST_DEPTH = 1000;

export interface EvalContext {
  readonly info: SchemaInfo | undefined;
  readonly relations: RelationLookup | undefined;
  /** Field refs are already validated (ASTs from the parser). */
  readonly trusted: boolean;
}

const MISSING_CONTEXT: EvalContext = { info: undefined, relations: undefined, trusted: true };

/** The constant a condition on an always-missing field reduces to. */
export function evaluateOnMissing(node: FilterNode): FilterNode {
  return evalNode(node, {}, MISSING_CONTEXT, 0) ? TRUE_NODE : FALSE_NODE;
}

const TRUE_NODE: FilterNode = Object.freeze({ kind: 'const', value: true });
const FALSE_NODE: FilterNode = Object.freeze({ kind: 'const', value: false });

function fieldValue(record: Readonly<Record<string, unknown>>, ref: FieldRef): unknown {
  let v: unknown = Object.prototype.hasOwnProperty.call(record, ref.field)
    ? record[ref.field]
    : undefined;
  for (const key of ref.path) {
    if (!isObjectValue(v) || v instanceof Date) return undefined;
    v = Object.prototype.hasOwnProperty.call(v, key) ? v[key] : undefined;
  }
  return v;
}

function typeOf(ref: FieldRef, ctx: EvalContext): FieldType {
  return ctx.trusted ? typeOfRef(ref, ctx.info) : checkRef(ref, 'where', ctx.info);
}

/** Equality of one value with a non-null literal (no array traversal). */
export function scalarEquals(v: unknown, lit: FilterLiteral): boolean {
  if (typeof lit === 'object') {
    if (lit === null) return v === undefined || v === null;
    const text = dateTextOf(v);
    return text !== undefined && text === lit.iso;
  }
  return typeof v === typeof lit && v === lit;
}

function scalarCompare(v: unknown, op: string, lit: FilterLiteral): boolean {
  let c: number;
  if (typeof lit === 'number') {
    if (typeof v !== 'number') return false;
    c = v < lit ? -1 : v > lit ? 1 : 0;
  } else if (typeof lit === 'string') {
    if (typeof v !== 'string') return false;
    c = compareStrings(v, lit);
  } else if (typeof lit === 'object' && lit !== null) {
    const text = dateTextOf(v);
    if (text === undefined) return false;
    c = compareStrings(text, lit.iso);
  } else {
    return false;
  }
  switch (op) {
    case 'lt':
      return c < 0;
    case 'lte':
      return c <= 0;
    case 'gt':
      return c > 0;
    default:
      return c >= 0;
  }
}

function elements(v: unknown): readonly unknown[] {
  return Array.isArray(v) ? v : [];
}

function any(v: unknown, isArray: boolean, test: (x: unknown) => boolean): boolean {
  if (!isArray) return test(v);
  for (const x of elements(v)) if (test(x)) return true;
  return false;
}

function lookup(ctx: EvalContext): RelationLookup {
  if (ctx.relations === undefined) {
    throw new BackendError(
      'UNSUPPORTED',
      'matches() cannot evaluate $relatedTo or pointsTo on a Relation field without options.relations (a lookup of the junction table)',
      { details: { expected: 'options.relations' } },
    );
  }
  return ctx.relations;
}

/** Evaluates a node against a record. */
export function evalNode(
  node: FilterNode,
  record: Readonly<Record<string, unknown>>,
  ctx: EvalContext,
  depth: number,
): boolean {
  if (depth > MAX_AST_DEPTH) {
    throw errorAt(
      'INVALID_QUERY',
      'where',
      `filters may nest at most ${MAX_AST_DEPTH} levels deep`,
    );
  }
  if (!ctx.trusted) checkNode(node);
  switch (node.kind) {
    case 'const':
      return node.value === true;
    case 'and':
      for (const c of node.conditions) if (!evalNode(c, record, ctx, depth + 1)) return false;
      return true;
    case 'or':
      for (const c of node.conditions) if (evalNode(c, record, ctx, depth + 1)) return true;
      return false;
    case 'not':
      return !evalNode(node.condition, record, ctx, depth + 1);
    case 'exists': {
      typeOf(node.field, ctx);
      const v = fieldValue(record, node.field);
      return (v !== undefined && v !== null) === node.exists;
    }
    case 'compare': {
      const type = typeOf(node.field, ctx);
      const lit = coerceLiteral(node.value, type, 'where');
      const v = fieldValue(record, node.field);
      if (lit === null) {
        const missing = v === undefined || v === null;
        return node.op === 'eq' ? missing : node.op === 'ne' ? !missing : false;
      }
      const isArray = type === 'Array';
      if (node.op === 'eq' || node.op === 'ne') {
        const eq = any(v, isArray, (x) => scalarEquals(x, lit));
        return node.op === 'eq' ? eq : !eq;
      }
      if (literalKind(lit) === 'boolean') return false;
      return any(v, isArray, (x) => scalarCompare(x, node.op, lit));
    }
    case 'in': {
      const type = typeOf(node.field, ctx);
      const v = fieldValue(record, node.field);
      let hasNull = false;
      const values: FilterLiteral[] = [];
      for (const raw of node.values) {
        const lit = coerceLiteral(raw, type, 'where');
        if (lit === null) hasNull = true;
        else values.push(lit);
      }
      const found =
        (hasNull && (v === undefined || v === null)) ||
        any(v, type === 'Array', (x) => values.some((lit) => scalarEquals(x, lit)));
      return node.negate ? !found : found;
    }
    case 'all': {
      const type = typeOf(node.field, ctx);
      const v = fieldValue(record, node.field);
      if (!Array.isArray(v) || node.values.length === 0) return false;
      for (const raw of node.values) {
        const lit = coerceLiteral(raw, type, 'where');
        if (lit === null || !v.some((x) => scalarEquals(x, lit))) return false;
      }
      return true;
    }
    case 'regex': {
      const type = typeOf(node.field, ctx);
      return any(
        fieldValue(record, node.field),
        type === 'Array',
        (x) => typeof x === 'string' && regexTest(x, node.pattern, node.flags),
      );
    }
    case 'stringMatch': {
      const type = typeOf(node.field, ctx);
      return any(
        fieldValue(record, node.field),
        type === 'Array',
        (x) =>
          typeof x === 'string' && stringMatchTest(x, node.mode, node.value, node.caseSensitive),
      );
    }
    case 'text': {
      const type = typeOf(node.field, ctx);
      const v = fieldValue(record, node.field);
      if (typeof v !== 'string') return false;
      const column =
        node.field.path.length === 0 ? ctx.info?.columns.get(node.field.field) : undefined;
      return type === 'String' && column?.textIndex === true
        ? ftsTest(v, node.search)
        : likeWordsTest(v, searchWords(node.search));
    }
    case 'pointsTo': {
      const type = typeOf(node.field, ctx);
      if (type === 'Relation') {
        const objectId = record.objectId;
        if (typeof objectId !== 'string' || ctx.info === undefined) return false;
        const find = lookup(ctx);
        const owner = { className: ctx.info.schema.name, objectId };
        return node.objectIds.some((id) => find(owner, node.field.field, id));
      }
      const ids = node.objectIds;
      return any(fieldValue(record, node.field), type === 'Array', (x) => {
        const id = pointerIdOf(x);
        return id !== undefined && ids.includes(id);
      });
    }
    case 'relatedTo': {
      const objectId = record.objectId;
      if (typeof objectId !== 'string') return false;
      return lookup(ctx)(node.object, node.key, objectId);
    }
    case 'near': {
      typeOf(node.field, ctx);
      const g = geoOf(fieldValue(record, node.field));
      if (g === undefined) return false;
      if (node.maxDistanceRadians === undefined) return true;
      return (
        geoDistance(g.lat, g.lon, node.point.latitude, node.point.longitude) <=
        node.maxDistanceRadians
      );
    }
    case 'within': {
      typeOf(node.field, ctx);
      const g = geoOf(fieldValue(record, node.field));
      if (g === undefined) return false;
      const shape = node.shape;
      switch (shape.type) {
        case 'box':
          return inBox(
            g.lat,
            g.lon,
            shape.southwest.latitude,
            shape.southwest.longitude,
            shape.northeast.latitude,
            shape.northeast.longitude,
          );
        case 'polygon':
          return pointInPolygon(g.lat, g.lon, polygonEdgesOf(shape.points));
        default:
          return (
            geoDistance(g.lat, g.lon, shape.center.latitude, shape.center.longitude) <=
            shape.radiusRadians
          );
      }
    }
    default:
      throw errorAt(
        'INVALID_QUERY',
        'where',
        `unknown filter node kind ${JSON.stringify((node as { kind?: unknown }).kind)}`,
      );
  }
}

const COMPARE_OPS = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte']);

/** Shape checks for hand-built ASTs (parsed ones are valid by construction). */
function checkNode(node: FilterNode): void {
  const bad = (what: string): never => {
    throw errorAt('INVALID_QUERY', 'where', `malformed filter node: ${what}`);
  };
  if (typeof node !== 'object' || node === null) bad('expected an object');
  switch (node.kind) {
    case 'and':
    case 'or':
      if (!Array.isArray(node.conditions)) bad('expected conditions');
      break;
    case 'compare':
      if (!COMPARE_OPS.has(node.op)) bad(`unknown comparison ${JSON.stringify(node.op)}`);
      break;
    case 'in':
    case 'all':
      if (!Array.isArray(node.values)) bad('expected a list of values');
      break;
    case 'regex':
      if (
        typeof node.pattern !== 'string' ||
        typeof node.flags !== 'string' ||
        !/^[ims]*$/.test(node.flags)
      ) {
        bad('expected a pattern and flags from i, m, s');
      }
      try {
        cachedRegExpCheck(node.pattern, node.flags);
      } catch (_error) {
        bad('invalid regular expression');
      }
      break;
    case 'stringMatch':
      if (
        typeof node.value !== 'string' ||
        !['contains', 'startsWith', 'endsWith'].includes(node.mode)
      )
        bad('expected a string and a mode');
      break;
    case 'text':
      if (typeof node.search !== 'string') bad('expected a search string');
      break;
    case 'pointsTo':
      if (!Array.isArray(node.objectIds) || node.objectIds.some((id) => typeof id !== 'string'))
        bad('expected objectIds');
      break;
    case 'relatedTo':
      if (
        typeof node.object !== 'object' ||
        node.object === null ||
        !isValidCollectionName(node.object.className, { allowSystem: true }) ||
        typeof node.object.objectId !== 'string' ||
        !isValidFieldName(node.key)
      ) {
        bad('expected {object: {className, objectId}, key}');
      }
      break;
    default:
      break;
  }
}

function cachedRegExpCheck(pattern: string, flags: string): void {
  regexTest('', pattern, flags);
}

const edgeCache = new WeakMap<object, ReturnType<typeof polygonEdges>>();

function polygonEdgesOf(
  points: readonly { latitude: number; longitude: number }[],
): ReturnType<typeof polygonEdges> {
  let edges = edgeCache.get(points);
  if (edges === undefined) {
    edges = polygonEdges(points);
    edgeCache.set(points, edges);
  }
  return edges;
}
