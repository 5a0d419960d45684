import type {
  CompareOperator,
  FieldRef,
  FilterLiteral,
  FilterNode,
  GeoPointLiteral,
  GeoShape,
} from '@localbackend/adapter';

/*
 * Constructors of frozen AST nodes. Children are frozen when they are built, so a tree built with
 * these functions is deeply frozen. `and` / `or` / `not` simplify: nested groups are flattened,
 * constants folded, one-element groups unwrapped.
 */

let freezing = true;

/**
 * Nodes rebuilt on a compiled-shape cache hit never leave the package, so the cache turns freezing
 * off while it rebuilds them (Object.freeze is a large part of that path's cost).
 */
export function setFreezing(on: boolean): void {
  freezing = on;
}

function freeze<T>(value: T): T {
  return freezing ? Object.freeze(value) : value;
}

export const TRUE: FilterNode = freeze({ kind: 'const', value: true });
export const FALSE: FilterNode = freeze({ kind: 'const', value: false });

export function constant(value: boolean): FilterNode {
  return value ? TRUE : FALSE;
}

export function and(conditions: readonly FilterNode[]): FilterNode {
  const out: FilterNode[] = [];
  for (const c of conditions) {
    if (c.kind === 'const') {
      if (!c.value) return FALSE;
      continue;
    }
    if (c.kind === 'and') out.push(...c.conditions);
    else out.push(c);
  }
  if (out.length === 0) return TRUE;
  if (out.length === 1) return out[0]!;
  return freeze({ kind: 'and', conditions: freeze(out) });
}

export function or(conditions: readonly FilterNode[]): FilterNode {
  const out: FilterNode[] = [];
  for (const c of conditions) {
    if (c.kind === 'const') {
      if (c.value) return TRUE;
      continue;
    }
    if (c.kind === 'or') out.push(...c.conditions);
    else out.push(c);
  }
  if (out.length === 0) return FALSE;
  if (out.length === 1) return out[0]!;
  return freeze({ kind: 'or', conditions: freeze(out) });
}

export function not(condition: FilterNode): FilterNode {
  if (condition.kind === 'const') return constant(!condition.value);
  if (condition.kind === 'not') return condition.condition;
  if (condition.kind === 'exists') return exists(condition.field, !condition.exists);
  return freeze({ kind: 'not', condition });
}

export function compare(field: FieldRef, op: CompareOperator, value: FilterLiteral): FilterNode {
  return freeze({ kind: 'compare', field, op, value: freezeLiteral(value) });
}

export function inList(
  field: FieldRef,
  values: readonly FilterLiteral[],
  negate: boolean,
): FilterNode {
  return freeze({ kind: 'in', field, values: freeze(values.map(freezeLiteral)), negate });
}

export function all(field: FieldRef, values: readonly FilterLiteral[]): FilterNode {
  return freeze({ kind: 'all', field, values: freeze(values.map(freezeLiteral)) });
}

export function exists(field: FieldRef, value: boolean): FilterNode {
  return freeze({ kind: 'exists', field, exists: value });
}

export function regex(field: FieldRef, pattern: string, flags: string): FilterNode {
  return freeze({ kind: 'regex', field, pattern, flags });
}

export function stringMatch(
  field: FieldRef,
  mode: 'contains' | 'startsWith' | 'endsWith',
  value: string,
  caseSensitive: boolean,
): FilterNode {
  return freeze({ kind: 'stringMatch', field, mode, value, caseSensitive });
}

export function text(
  field: FieldRef,
  search: string,
  caseSensitive: boolean,
  diacriticSensitive: boolean,
  language: string | undefined,
): FilterNode {
  return freeze(
    language === undefined
      ? { kind: 'text', field, search, caseSensitive, diacriticSensitive }
      : { kind: 'text', field, search, caseSensitive, diacriticSensitive, language },
  );
}

export function relatedTo(className: string, objectId: string, key: string): FilterNode {
  return freeze({ kind: 'relatedTo', object: freeze({ className, objectId }), key });
}

export function pointsTo(
  field: FieldRef,
  objectIds: readonly string[],
  className: string | undefined,
): FilterNode {
  return freeze(
    className === undefined
      ? { kind: 'pointsTo', field, objectIds: freeze([...objectIds]) }
      : { kind: 'pointsTo', field, objectIds: freeze([...objectIds]), className },
  );
}

export function geoPoint(latitude: number, longitude: number): GeoPointLiteral {
  return freeze({ latitude, longitude });
}

export function near(
  field: FieldRef,
  point: GeoPointLiteral,
  maxDistanceRadians: number | undefined,
): FilterNode {
  return freeze(
    maxDistanceRadians === undefined
      ? { kind: 'near', field, point }
      : { kind: 'near', field, point, maxDistanceRadians },
  );
}

export function within(field: FieldRef, shape: GeoShape): FilterNode {
  return freeze({ kind: 'within', field, shape: freeze(shape) });
}

function freezeLiteral(value: FilterLiteral): FilterLiteral {
  return typeof value === 'object' && value !== null ? freeze(value) : value;
}
