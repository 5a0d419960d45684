import {
  assertCollectionName,
  isValidCollectionName,
  isValidFieldName,
  type CompareNode,
  type FieldRef,
  type FilterLiteral,
  type FilterNode,
  type InNode,
  type AllNode,
  type WithinNode,
} from '@localbackend/adapter';
import { errorAt, typeMismatch } from './loc';
import { coerceLiteral } from './literal-rules';
import { literalKind } from './operand';
import { toPosixPattern } from './regex-pattern';
import { checkRef, describeType, type FieldType, type SchemaInfo } from './schema-info';
import {
  escapePosixRegExp,
  ftsMatchExpression,
  likePatterns,
  polygonEdges,
  stringMatchPattern,
} from './semantics';
import {
  pgJson,
  pgPath,
  pgTyped,
  sqliteJsonPath,
  sqliteTyped,
  sqliteUntyped,
  sqliteUntypedJsonBase,
  type Src,
  type ValueKind,
} from './sql-source';
import { quoteIdent, type SqlWriter } from './sql-writer';
import { MAX_AST_DEPTH } from './evaluate';

/** What the node compiler needs to know. */
export interface CompileScope {
  readonly w: SqlWriter;
  readonly table: string;
  /** The name columns are qualified with (the table, or its alias). */
  readonly qualifier: string;
  readonly info: SchemaInfo | undefined;
  readonly hasTable: ((name: string) => boolean) | undefined;
}

const OPS: Readonly<Record<string, string>> = {
  eq: '=',
  ne: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};
const RAD = String(Math.PI / 180);

function isPg(s: CompileScope): boolean {
  return s.w.dialect === 'postgres';
}

function t(s: CompileScope, value: boolean): string {
  return isPg(s) ? (value ? 'TRUE' : 'FALSE') : value ? '1' : '0';
}

function column(s: CompileScope, name: string): string {
  return `${quoteIdent(s.qualifier)}.${quoteIdent(name)}`;
}

/** The SQL source of a field. */
export function sourceOf(s: CompileScope, ref: FieldRef, type: FieldType): Src {
  const col = column(s, ref.field);
  const base: FieldType =
    ref.path.length > 0 ? (s.info?.columns.get(ref.field)?.type ?? 'untyped') : type;
  if (isPg(s)) {
    if (ref.path.length > 0) {
      return pgJson(pgPath(s.w, base === 'untyped' ? `to_jsonb(${col})` : col, ref.path));
    }
    if (type === 'untyped') return pgJson(() => `to_jsonb(${col})`);
    return pgTyped(col, type);
  }
  if (ref.path.length > 0) {
    return sqliteJsonPath(s.w, base === 'untyped' ? sqliteUntypedJsonBase(col) : col, ref.path);
  }
  if (type === 'untyped') return sqliteUntyped(col);
  return sqliteTyped(col, type);
}

function kindOf(lit: Exclude<FilterLiteral, null>): ValueKind {
  return literalKind(lit) as ValueKind;
}

/** A literal as a bound parameter value. */
function paramValue(s: CompileScope, lit: Exclude<FilterLiteral, null>): unknown {
  if (typeof lit === 'object') return lit.iso;
  if (typeof lit === 'boolean' && !isPg(s)) return lit ? 1 : 0;
  return lit;
}

function checkPgString(s: CompileScope, value: string, where: string): string {
  if (isPg(s) && value.includes('\u0000')) {
    throw typeMismatch(
      where,
      'a string without NUL characters (Postgres text cannot hold them)',
      value,
    );
  }
  return value;
}

/** `::float8` etc. for a Postgres parameter compared with `src.val(kind)`. */
function pgCast(kind: ValueKind, src: Src): string {
  switch (kind) {
    case 'number':
      return '::float8';
    case 'boolean':
      return '::boolean';
    case 'date':
      return src.timestamp ? '::timestamptz' : '::text';
    default:
      return '::text';
  }
}

function pgArrayType(kind: ValueKind, src: Src): string {
  switch (kind) {
    case 'number':
      return 'float8[]';
    case 'boolean':
      return 'boolean[]';
    case 'date':
      return src.timestamp ? 'timestamptz[]' : 'text[]';
    default:
      return 'text[]';
  }
}

/** `left` collated for ordering comparisons of text on Postgres. */
function ordered(s: CompileScope, kind: ValueKind, src: Src, left: string, op: string): string {
  if (
    isPg(s) &&
    op !== '=' &&
    op !== '<>' &&
    (kind === 'string' || (kind === 'date' && !src.timestamp))
  ) {
    return `${left} COLLATE "C"`;
  }
  return left;
}

function typeAt(s: CompileScope, ref: FieldRef, where: string): FieldType {
  return checkRef(ref, where, s.info);
}

function arrayOr(s: CompileScope, src: Src, type: FieldType, pred: (src: Src) => string): string {
  if (type !== 'Array') return pred(src);
  const from = src.elements();
  return `EXISTS (SELECT 1 FROM ${from} WHERE ${pred(src.element())})`;
}

function notTrue(sql: string): string {
  return `(${sql}) IS NOT TRUE`;
}

function requireKinds(
  type: FieldType,
  where: string,
  node: string,
  allowed: readonly FieldType[],
): void {
  if (type === 'json' || type === 'untyped' || allowed.includes(type)) return;
  throw errorAt('TYPE_MISMATCH', where, `${node} cannot be used on ${describeType(type)}`);
}

/** Compiles one node to a boolean SQL expression (NULL counts as false, see not()). */
export function compileNode(
  s: CompileScope,
  node: FilterNode,
  where: string,
  depth: number,
): string {
  if (depth > MAX_AST_DEPTH)
    throw errorAt('INVALID_QUERY', where, `filters may nest at most ${MAX_AST_DEPTH} levels deep`);
  if (typeof node !== 'object' || node === null)
    throw errorAt('INVALID_QUERY', where, 'expected a filter node');
  switch (node.kind) {
    case 'const':
      return t(s, node.value === true);
    case 'and':
    case 'or': {
      if (!Array.isArray(node.conditions))
        throw errorAt('INVALID_QUERY', where, 'expected conditions');
      if (node.conditions.length === 0) return t(s, node.kind === 'and');
      const parts = node.conditions.map((c, i) =>
        compileNode(s, c, `${where}.conditions[${i}]`, depth + 1),
      );
      return parts.length === 1
        ? parts[0]!
        : `(${parts.join(node.kind === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return notTrue(compileNode(s, node.condition, `${where}.condition`, depth + 1));
    case 'exists': {
      const type = typeAt(s, node.field, where);
      if (type === 'Relation')
        throw errorAt('TYPE_MISMATCH', where, 'exists cannot be used on a Relation field');
      const src = sourceOf(s, node.field, type);
      return node.exists ? src.present() : src.absent();
    }
    case 'compare':
      return compileCompare(s, node, where);
    case 'in':
      return compileIn(s, node, where);
    case 'all':
      return compileAll(s, node, where);
    case 'regex': {
      const type = typeAt(s, node.field, where);
      requireKinds(type, where, 'a regular expression', ['String', 'Array']);
      if (
        typeof node.pattern !== 'string' ||
        typeof node.flags !== 'string' ||
        !/^[ims]*$/.test(node.flags)
      ) {
        throw errorAt('INVALID_QUERY', where, 'expected a pattern string and flags from i, m, s');
      }
      const src = sourceOf(s, node.field, type);
      if (isPg(s)) {
        const posix = toPosixPattern(node.pattern, node.flags);
        if (posix === undefined) {
          throw errorAt(
            'INVALID_QUERY',
            where,
            `the regular expression ${JSON.stringify(node.pattern.slice(0, 60))} uses syntax Postgres does not support (named groups, \\k, \\p, \\c, \\u, empty classes)`,
          );
        }
        checkPgString(s, node.pattern, where);
        return arrayOr(
          s,
          src,
          type,
          (v) =>
            `${v.val('string')} ~ ${s.w.bind(node, (n) => toPosixPattern(n.pattern, n.flags))}::text`,
        );
      }
      return arrayOr(
        s,
        src,
        type,
        (v) =>
          `lb_regexp(${v.val('string')}, ${s.w.bind(node, (n) => n.pattern)}, ${s.w.bind(node, (n) => n.flags)})`,
      );
    }
    case 'stringMatch': {
      const type = typeAt(s, node.field, where);
      requireKinds(type, where, 'a string match', ['String', 'Array']);
      if (
        typeof node.value !== 'string' ||
        !['contains', 'startsWith', 'endsWith'].includes(node.mode)
      ) {
        throw errorAt('INVALID_QUERY', where, 'expected a string value and a mode');
      }
      checkPgString(s, node.value, where);
      const src = sourceOf(s, node.field, type);
      return arrayOr(s, src, type, (v) => stringMatchSql(s, v, node));
    }
    case 'text': {
      const type = typeAt(s, node.field, where);
      requireKinds(type, where, 'text search', ['String']);
      if (typeof node.search !== 'string')
        throw errorAt('INVALID_QUERY', where, 'expected a search string');
      checkPgString(s, node.search, where);
      const col = node.field.path.length === 0 ? s.info?.columns.get(node.field.field) : undefined;
      if (isPg(s)) {
        const src = sourceOf(s, node.field, type);
        return `to_tsvector('simple', ${src.val('string')}) @@ plainto_tsquery('simple', ${s.w.bind(node, (n) => n.search)}::text)`;
      }
      if (type === 'String' && col?.textIndex === true) {
        const fts = quoteIdent(`_FTS_${s.table}`);
        const name = node.field.field;
        return `${quoteIdent(s.qualifier)}.rowid IN (SELECT rowid FROM ${fts} WHERE ${fts} MATCH ${s.w.bind(node, (n) => ftsMatchExpression(name, n.search))})`;
      }
      const src = sourceOf(s, node.field, type);
      const a = src.val('string');
      const patterns = s.w.bind(node, (n) => JSON.stringify(likePatterns(n.search)));
      return `(${a} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM json_each(${patterns}) AS "$w" WHERE NOT (${src.val('string')} LIKE "$w".value ESCAPE '\\')))`;
    }
    case 'pointsTo':
      return compilePointsTo(s, node, where);
    case 'relatedTo': {
      const { className, objectId } = node.object ?? {};
      if (
        !isValidCollectionName(className, { allowSystem: true }) ||
        !isValidFieldName(node.key) ||
        typeof objectId !== 'string'
      ) {
        throw errorAt('INVALID_QUERY', where, 'expected {object: {className, objectId}, key}');
      }
      checkPgString(s, objectId, where);
      const junction = `_Join_${node.key}_${className}`;
      if (s.hasTable !== undefined && !s.hasTable(junction)) return t(s, false);
      return `${column(s, 'objectId')} IN (SELECT "relatedId" FROM ${quoteIdent(junction)} WHERE "owningId" = ${s.w.bind(node, (n) => n.object.objectId)})`;
    }
    case 'near': {
      const type = typeAt(s, node.field, where);
      requireKinds(type, where, 'a geo query', ['GeoPoint']);
      checkPoint(node.point, where);
      const src = sourceOf(s, node.field, type);
      if (node.maxDistanceRadians === undefined)
        return `(${src.lat()} IS NOT NULL AND ${src.lon()} IS NOT NULL)`;
      if (typeof node.maxDistanceRadians !== 'number' || !(node.maxDistanceRadians >= 0)) {
        throw errorAt('INVALID_QUERY', where, 'expected a distance >= 0');
      }
      return `${distanceSql(
        s,
        src,
        node,
        (n) => n.point.latitude,
        (n) => n.point.longitude,
      )} <= ${s.w.bind(node, (n) => n.maxDistanceRadians)}${isPg(s) ? '::float8' : ''}`;
    }
    case 'within':
      return compileWithin(s, node, where);
    default:
      throw errorAt(
        'INVALID_QUERY',
        where,
        `unknown filter node kind ${JSON.stringify((node as { kind?: unknown }).kind)}`,
      );
  }
}

type Point = { readonly latitude: number; readonly longitude: number };

function box(n: WithinNode): { southwest: Point; northeast: Point } {
  return n.shape as unknown as { southwest: Point; northeast: Point };
}

function compileWithin(s: CompileScope, node: WithinNode, where: string): string {
  const type = typeAt(s, node.field, where);
  requireKinds(type, where, 'a geo query', ['GeoPoint']);
  const src = sourceOf(s, node.field, type);
  const shape = node.shape;
  const pg = isPg(s);
  if (shape?.type === 'box') {
    checkPoint(shape.southwest, where);
    checkPoint(shape.northeast, where);
    const b = (get: (n: WithinNode) => number): string =>
      `${s.w.bind(node, get)}${pg ? '::float8' : ''}`;
    if (!pg) {
      return `lb_geo_in_box(${src.lat()}, ${src.lon()}, ${b((n) => box(n).southwest.latitude)}, ${b((n) => box(n).southwest.longitude)}, ${b((n) => box(n).northeast.latitude)}, ${b((n) => box(n).northeast.longitude)})`;
    }
    const latLow = `${src.lat()} >= ${b((n) => box(n).southwest.latitude)}`;
    const latHigh = `${src.lat()} <= ${b((n) => box(n).northeast.latitude)}`;
    const wrap = `${b((n) => box(n).southwest.longitude)} <= ${b((n) => box(n).northeast.longitude)}`;
    const inside = `${src.lon()} >= ${b((n) => box(n).southwest.longitude)} AND ${src.lon()} <= ${b((n) => box(n).northeast.longitude)}`;
    const outside = `${src.lon()} >= ${b((n) => box(n).southwest.longitude)} OR ${src.lon()} <= ${b((n) => box(n).northeast.longitude)}`;
    return `(${latLow} AND ${latHigh} AND CASE WHEN ${wrap} THEN ${inside} ELSE ${outside} END)`;
  }
  if (shape?.type === 'polygon') {
    if (!Array.isArray(shape.points) || shape.points.length < 3) {
      throw errorAt('INVALID_QUERY', where, 'a polygon needs at least 3 points');
    }
    shape.points.forEach((p) => checkPoint(p, where));
    const edges = (n: WithinNode): string =>
      JSON.stringify(polygonEdges((n.shape as unknown as { points: readonly Point[] }).points));
    if (!pg) return `lb_geo_in_polygon(${src.lat()}, ${src.lon()}, ${s.w.bind(node, edges)})`;
    const edgeList = s.w.bind(node, edges);
    const inner = `SELECT ("$g".e ->> 0)::float8 AS x1, ("$g".e ->> 1)::float8 AS y1, ("$g".e ->> 2)::float8 AS x2, ("$g".e ->> 3)::float8 AS y2, ${src.lat()} AS la, ${src.lon()} AS lo FROM jsonb_array_elements(${edgeList}::jsonb) AS "$g"(e)`;
    return `((SELECT count(*) FROM (${inner}) AS "$h" WHERE (y1 > la) <> (y2 > la) AND CASE WHEN abs(y2 - y1) < 1e-100 THEN FALSE ELSE lo < (${pgFlush('(x2 - x1)')} * ${pgFlush('(la - y1)')}) / (y2 - y1) + x1 END) % 2 = 1)`;
  }
  if (shape?.type === 'centerSphere') {
    checkPoint(shape.center, where);
    const center = (n: WithinNode): Point => (n.shape as unknown as { center: Point }).center;
    const radius = (n: WithinNode): number =>
      (n.shape as unknown as { radiusRadians: number }).radiusRadians;
    return `${distanceSql(
      s,
      src,
      node,
      (n) => center(n).latitude,
      (n) => center(n).longitude,
    )} <= ${s.w.bind(node, radius)}${pg ? '::float8' : ''}`;
  }
  throw errorAt('INVALID_QUERY', where, 'expected a box, polygon or centerSphere shape');
}

function checkPoint(p: unknown, where: string): void {
  const point = p as { latitude?: unknown; longitude?: unknown } | null;
  if (
    typeof point !== 'object' ||
    point === null ||
    typeof point.latitude !== 'number' ||
    typeof point.longitude !== 'number' ||
    !Number.isFinite(point.latitude) ||
    !Number.isFinite(point.longitude)
  ) {
    throw errorAt('INVALID_QUERY', where, 'expected a point {latitude, longitude}');
  }
}

/** Haversine distance in radians between the field's point and a bound point. */
function distanceSql<T extends object>(
  s: CompileScope,
  src: Src,
  node: T,
  lat2: (n: T) => number,
  lon2: (n: T) => number,
): string {
  if (!isPg(s)) {
    return `lb_geo_distance(${src.lat()}, ${src.lon()}, ${s.w.bind(node, lat2)}, ${s.w.bind(node, lon2)})`;
  }
  return pgDistance(
    src.lat(),
    src.lon(),
    `${s.w.bind(node, lat2)}::float8`,
    `${s.w.bind(node, lon2)}::float8`,
  );
}

function pgFlush(x: string): string {
  return `CASE WHEN abs(${x}) < 1e-100 THEN 0::float8 ELSE ${x} END`;
}

/**
 * Haversine on Postgres: the same operations, in the same order, as geoDistance() in
 * semantics.ts, computed once per row through nested derived tables.
 */
export function pgDistance(lat1: string, lon1: string, lat2: string, lon2: string): string {
  const s1 = `SELECT ${lat1} AS l1, ${lon1} AS o1, ${lat2} AS l2, ${lon2} AS o2`;
  const s2 = `SELECT l1, l2, ${pgFlush('(l2 - l1)')} AS dl, ${pgFlush('(o2 - o1)')} AS dn FROM (${s1}) AS "$g1"`;
  const s3 = `SELECT l1, l2, ${pgFlush(`sin((dl * ${RAD}) / 2)`)} AS a, ${pgFlush(`sin((dn * ${RAD}) / 2)`)} AS b FROM (${s2}) AS "$g2"`;
  const s4 = `SELECT a, b, cos(${pgFlush('l1')} * ${RAD}) AS c1, cos(${pgFlush('l2')} * ${RAD}) AS c2 FROM (${s3}) AS "$g3"`;
  return `(SELECT 2 * asin(least(1, sqrt(a * a + c1 * c2 * (b * b)))) FROM (${s4}) AS "$g4")`;
}

function stringMatchSql(
  s: CompileScope,
  src: Src,
  node: Extract<FilterNode, { kind: 'stringMatch' }>,
): string {
  if (!node.caseSensitive) {
    if (isPg(s)) {
      const pattern = (n: typeof node): string => {
        const body = escapePosixRegExp(n.value);
        return `(?i)${n.mode === 'startsWith' ? '^' : ''}${body}${n.mode === 'endsWith' ? '$' : ''}`;
      };
      return `${src.val('string')} ~ ${s.w.bind(node, pattern)}::text`;
    }
    return `lb_regexp(${src.val('string')}, ${s.w.bind(node, (n) => stringMatchPattern(n.mode, n.value))}, 'i')`;
  }
  const needle = (): string => `${s.w.bind(node, (n) => n.value)}${isPg(s) ? '::text' : ''}`;
  if (isPg(s)) {
    if (node.mode === 'contains') return `strpos(${src.val('string')}, ${needle()}) > 0`;
    if (node.mode === 'startsWith') return `starts_with(${src.val('string')}, ${needle()})`;
    return `right(${src.val('string')}, length(${needle()})) = ${needle()}`;
  }
  if (node.mode === 'contains') return `instr(${src.val('string')}, ${needle()}) > 0`;
  if (node.mode === 'startsWith') return `instr(${src.val('string')}, ${needle()}) = 1`;
  const v = src.val('string');
  return `substr(${v}, length(${src.val('string')}) - length(${needle()}) + 1) = ${needle()}`;
}

function compileCompare(s: CompileScope, node: CompareNode, where: string): string {
  const type = typeAt(s, node.field, where);
  if (!(node.op in OPS))
    throw errorAt('INVALID_QUERY', where, `unknown comparison ${JSON.stringify(node.op)}`);
  const lit = coerceLiteral(node.value, type, `${where}.value`);
  if (lit === null) {
    if (type === 'Relation')
      throw errorAt('TYPE_MISMATCH', where, 'a Relation field cannot be compared with null');
    const src = sourceOf(s, node.field, type);
    if (node.op === 'eq') return src.absent();
    if (node.op === 'ne') return src.present();
    throw typeMismatch(`${where}.value`, 'a string, number or date to compare with', null);
  }
  if (
    type === 'Object' ||
    type === 'GeoPoint' ||
    type === 'File' ||
    type === 'Relation' ||
    type === 'Pointer'
  ) {
    throw errorAt(
      'TYPE_MISMATCH',
      where,
      `a comparison with a ${literalKind(lit)} cannot be used on ${describeType(type)}`,
    );
  }
  const kind = kindOf(lit);
  if (kind === 'boolean' && node.op !== 'eq' && node.op !== 'ne') {
    throw typeMismatch(`${where}.value`, 'a string, number or date to compare with', lit);
  }
  if (typeof lit === 'string') checkPgString(s, lit, where);
  const src = sourceOf(s, node.field, type);
  const op = node.op === 'ne' ? '=' : OPS[node.op]!;
  const cast = isPg(s) ? pgCast(kind, src) : '';
  const get = (n: CompareNode): unknown =>
    paramValue(s, coerceLiteral(n.value, type, where) as Exclude<FilterLiteral, null>);
  const sql = arrayOr(
    s,
    src,
    type,
    (v) => `${ordered(s, kind, v, v.val(kind), op)} ${op} ${s.w.bind(node, get)}${cast}`,
  );
  return node.op === 'ne' ? notTrue(sql) : sql;
}

/** Splits literals by kind (null separately) after coercion. */
function groups(
  values: readonly FilterLiteral[],
  type: FieldType,
  where: string,
): { hasNull: boolean; byKind: Map<ValueKind, unknown[]> } {
  if (!Array.isArray(values)) throw errorAt('INVALID_QUERY', where, 'expected a list of values');
  let hasNull = false;
  const byKind = new Map<ValueKind, unknown[]>();
  for (let i = 0; i < values.length; i++) {
    const lit = coerceLiteral(values[i]!, type, `${where}.values[${i}]`);
    if (lit === null) {
      hasNull = true;
      continue;
    }
    const kind = kindOf(lit);
    let list = byKind.get(kind);
    if (list === undefined) byKind.set(kind, (list = []));
    list.push(lit);
  }
  return { hasNull, byKind };
}

const KIND_ORDER: readonly ValueKind[] = ['string', 'number', 'boolean', 'date'];

function listParam(s: CompileScope, kind: ValueKind, values: readonly unknown[]): unknown {
  const out = values.map((v) => paramValue(s, v as Exclude<FilterLiteral, null>));
  return isPg(s) ? out : JSON.stringify(out);
}

function inListSql(s: CompileScope, src: Src, kind: ValueKind, bind: () => string): string {
  if (isPg(s)) return `${src.val(kind)} = ANY(${bind()}::${pgArrayType(kind, src)})`;
  return `${src.val(kind)} IN (SELECT value FROM json_each(${bind()}))`;
}

function compileIn(s: CompileScope, node: InNode, where: string): string {
  const type = typeAt(s, node.field, where);
  if (
    type === 'Object' ||
    type === 'GeoPoint' ||
    type === 'File' ||
    type === 'Relation' ||
    type === 'Pointer'
  ) {
    const g = groups(node.values, 'untyped', where);
    if (g.byKind.size > 0)
      throw errorAt(
        'TYPE_MISMATCH',
        where,
        `$in with values cannot be used on ${describeType(type)}`,
      );
  }
  const { hasNull, byKind } = groups(node.values, type, where);
  for (const v of byKind.get('string') ?? []) checkPgString(s, v as string, where);
  const src = sourceOf(s, node.field, type);
  const parts: string[] = [];
  if (hasNull) parts.push(src.absent());
  const kinds = KIND_ORDER.filter((k) => byKind.has(k));
  if (kinds.length > 0) {
    const get =
      (kind: ValueKind) =>
      (n: InNode): unknown =>
        listParam(s, kind, groups(n.values, type, where).byKind.get(kind) ?? []);
    parts.push(
      arrayOr(s, src, type, (v) => {
        const sql = kinds.map((kind) => inListSql(s, v, kind, () => s.w.bind(node, get(kind))));
        return sql.length === 1 ? sql[0]! : `(${sql.join(' OR ')})`;
      }),
    );
  }
  if (parts.length === 0) return t(s, node.negate === true);
  const any = parts.length === 1 ? parts[0]! : `(${parts.join(' OR ')})`;
  return node.negate === true ? notTrue(any) : any;
}

function compileAll(s: CompileScope, node: AllNode, where: string): string {
  const type = typeAt(s, node.field, where);
  requireKinds(type, where, '$all', ['Array']);
  const { hasNull, byKind } = groups(node.values, type, where);
  if (hasNull) throw typeMismatch(`${where}.values`, 'values other than null', null);
  const kinds = KIND_ORDER.filter((k) => byKind.has(k));
  if (kinds.length === 0) return t(s, false);
  for (const v of byKind.get('string') ?? []) checkPgString(s, v as string, where);
  const src = sourceOf(s, node.field, type);
  const parts = kinds.map((kind) => {
    const get = (n: AllNode): unknown =>
      listParam(s, kind, groups(n.values, type, where).byKind.get(kind) ?? []);
    if (isPg(s)) {
      const list = s.w.bind(node, get);
      const from = src.elements();
      const e = src.element();
      return `NOT EXISTS (SELECT 1 FROM unnest(${list}::${pgArrayType(kind, src)}) AS "$v"(x) WHERE NOT EXISTS (SELECT 1 FROM ${from} WHERE ${e.val(kind)} = "$v".x))`;
    }
    const list = s.w.bind(node, get);
    const from = src.elements();
    const e = src.element();
    return `NOT EXISTS (SELECT 1 FROM json_each(${list}) AS "$v" WHERE NOT EXISTS (SELECT 1 FROM ${from} WHERE ${e.val(kind)} = "$v".value))`;
  });
  return parts.length === 1 ? parts[0]! : `(${parts.join(' AND ')})`;
}

function compilePointsTo(
  s: CompileScope,
  node: Extract<FilterNode, { kind: 'pointsTo' }>,
  where: string,
): string {
  const type = typeAt(s, node.field, where);
  requireKinds(type, where, 'pointsTo', ['Pointer', 'Relation', 'Array']);
  if (!Array.isArray(node.objectIds) || node.objectIds.some((id) => typeof id !== 'string')) {
    throw errorAt('INVALID_QUERY', where, 'expected a list of objectIds');
  }
  node.objectIds.forEach((id) => checkPgString(s, id, where));
  if (node.objectIds.length === 0) return t(s, false);
  const ids = (n: typeof node): unknown =>
    isPg(s) ? [...n.objectIds] : JSON.stringify(n.objectIds);
  const list = (): string =>
    isPg(s)
      ? `= ANY(${s.w.bind(node, ids)}::text[])`
      : `IN (SELECT value FROM json_each(${s.w.bind(node, ids)}))`;
  if (type === 'Relation') {
    if (s.info === undefined)
      throw errorAt('INVALID_QUERY', where, 'pointsTo on a Relation field needs the schema');
    assertCollectionName(s.table, 'table', { allowSystem: true });
    const junction = `_Join_${node.field.field}_${s.table}`;
    if (s.hasTable !== undefined && !s.hasTable(junction)) return t(s, false);
    return `${column(s, 'objectId')} IN (SELECT "owningId" FROM ${quoteIdent(junction)} WHERE "relatedId" ${list()})`;
  }
  const src = sourceOf(s, node.field, type);
  return arrayOr(s, src, type, (v) => `${v.val('pointer')} ${list()}`);
}
