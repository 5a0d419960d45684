import {
  geoDistance,
  inBox,
  pointInPolygon,
  regexTest,
  type PolygonEdges,
} from './internal/semantics';

/**
 * A user-defined SQL function for SQLite, in the shape better-sqlite3's `db.function()` takes.
 *
 * @example
 * ```ts
 * const f: SqliteFunction = SQLITE_FUNCTIONS[0]!;
 * db.function(f.name, { deterministic: f.deterministic, varargs: f.varargs ?? false }, f.fn);
 * ```
 */
export interface SqliteFunction {
  readonly name: string;
  readonly deterministic: boolean;
  readonly varargs?: boolean;
  readonly fn: (...args: never[]) => unknown;
}

function regexp(value: unknown, pattern: unknown, flags: unknown): number | null {
  if (typeof value !== 'string' || typeof pattern !== 'string' || typeof flags !== 'string')
    return 0;
  try {
    return regexTest(value, pattern, flags) ? 1 : 0;
  } catch (_error) {
    return 0;
  }
}

function num(value: unknown): value is number {
  return typeof value === 'number';
}

const polygonCache = new Map<string, PolygonEdges>();

function edgesOf(json: string): PolygonEdges | undefined {
  let edges = polygonCache.get(json);
  if (edges === undefined) {
    try {
      edges = JSON.parse(json) as PolygonEdges;
    } catch (_error) {
      return undefined;
    }
    if (polygonCache.size >= 100) polygonCache.delete(polygonCache.keys().next().value!);
    polygonCache.set(json, edges);
  }
  return edges;
}

/**
 * The SQL functions that SQL compiled for SQLite may call. Every better-sqlite3 connection that
 * runs compiled SQL must register all of them:
 * `regexp(pattern, value)` (so that `value REGEXP pattern` works), `lb_regexp(value, pattern,
 * flags)`, `lb_geo_distance(lat1, lon1, lat2, lon2)` (radians), `lb_geo_in_box(lat, lon, south,
 * west, north, east)` and `lb_geo_in_polygon(lat, lon, edgesJson)`. They use the very same JS
 * code as {@link matches}, so SQL and JS agree exactly.
 *
 * @example
 * ```ts
 * import Database from 'better-sqlite3';
 * import { SQLITE_FUNCTIONS } from '@localbackend/query';
 *
 * const db = new Database('app.db');
 * for (const f of SQLITE_FUNCTIONS) {
 *   db.function(f.name, { deterministic: f.deterministic, varargs: f.varargs ?? false }, f.fn);
 * }
 * ```
 */
export const SQLITE_FUNCTIONS: readonly SqliteFunction[] = Object.freeze([
  Object.freeze({
    name: 'regexp',
    deterministic: true,
    fn: (pattern: unknown, value: unknown) => regexp(value, pattern, ''),
  }),
  Object.freeze({
    name: 'lb_regexp',
    deterministic: true,
    fn: (value: unknown, pattern: unknown, flags: unknown) => regexp(value, pattern, flags),
  }),
  Object.freeze({
    name: 'lb_geo_distance',
    deterministic: true,
    fn: (lat1: unknown, lon1: unknown, lat2: unknown, lon2: unknown) =>
      num(lat1) && num(lon1) && num(lat2) && num(lon2) ? geoDistance(lat1, lon1, lat2, lon2) : null,
  }),
  Object.freeze({
    name: 'lb_geo_in_box',
    deterministic: true,
    fn: (
      lat: unknown,
      lon: unknown,
      south: unknown,
      west: unknown,
      north: unknown,
      east: unknown,
    ) =>
      num(lat) && num(lon) && num(south) && num(west) && num(north) && num(east)
        ? inBox(lat, lon, south, west, north, east)
          ? 1
          : 0
        : 0,
  }),
  Object.freeze({
    name: 'lb_geo_in_polygon',
    deterministic: true,
    fn: (lat: unknown, lon: unknown, edges: unknown) => {
      if (!num(lat) || !num(lon) || typeof edges !== 'string') return 0;
      const list = edgesOf(edges);
      return list !== undefined && pointInPolygon(lat, lon, list) ? 1 : 0;
    },
  }),
]);
