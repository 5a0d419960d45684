import {
  assertCollectionName,
  type FilterNode,
  type NearNode,
  type SortKey,
  type TableSchema,
} from '@localbackend/adapter';
import { compileNode, pgDistance, sourceOf, type CompileScope } from './internal/compile-node';
import { errorAt } from './internal/loc';
import type { Tracker } from './internal/parse-context';
import { checkRef, schemaInfo, type SchemaInfo } from './internal/schema-info';
import { pgPath } from './internal/sql-source';
import { quoteIdent, SqlWriter } from './internal/sql-writer';
import { isSystemFieldName, isValidFieldName } from '@localbackend/adapter';

/**
 * The SQL dialects the compiler emits: SQLite (the local store) and Postgres (exports, Supabase).
 *
 * @example
 * ```ts
 * const dialect: SqlDialect = 'postgres';
 * ```
 */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * SQL text and its bound parameters (`?` placeholders for SQLite, `$1...` for Postgres).
 *
 * @example
 * ```ts
 * const { sql, parameters }: CompiledQuery = compile(parseWhere({ done: false }), { dialect: 'sqlite', table: 'Todo' });
 * db.prepare(sql).all(...parameters);
 * ```
 */
export interface CompiledQuery {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * Options of {@link compileWhere}.
 *
 * @example
 * ```ts
 * const options: CompileWhereOptions = { dialect: 'sqlite', table: 'Todo', schema: todoSchema };
 * ```
 */
export interface CompileWhereOptions {
  /** The SQL dialect. */
  readonly dialect: SqlDialect;
  /** The queried collection (the table name). */
  readonly table: string;
  /** Its columns: typed comparisons, FTS for text-indexed columns, Relation junctions. */
  readonly schema?: TableSchema;
  /** Qualify columns with this name instead of the table name (when the caller aliases the table). */
  readonly alias?: string;
  /**
   * Tells whether a table exists. When given, `$relatedTo` / Relation `pointsTo` on a junction
   * table that does not exist compile to false instead of failing in SQL.
   */
  readonly hasTable?: (name: string) => boolean;
}

/**
 * Options of {@link compile}.
 *
 * @example
 * ```ts
 * const options: CompileOptions = { dialect: 'sqlite', table: 'Todo', sort: parseSort('-createdAt'), limit: 20 };
 * ```
 */
export interface CompileOptions extends CompileWhereOptions {
  /** ORDER BY these keys (NULL / missing sorts lowest; ties broken by objectId). */
  readonly sort?: readonly SortKey[];
  /** LIMIT (a non-negative integer). */
  readonly limit?: number;
  /** OFFSET (a non-negative integer). */
  readonly offset?: number;
  /** Columns to return (objectId, createdAt, updatedAt always included); all when absent. */
  readonly select?: readonly string[];
  /** `SELECT COUNT(*) AS "count"` instead of rows (sort, limit and offset are ignored). */
  readonly count?: boolean;
}

/** A bound number (LIMIT / OFFSET) as a node the cache can track. */
export interface BoundNumber {
  readonly value: number;
}

function scopeOf(options: CompileWhereOptions, w: SqlWriter): CompileScope {
  if (options.dialect !== 'sqlite' && options.dialect !== 'postgres') {
    throw errorAt(
      'INVALID_QUERY',
      'dialect',
      `unknown SQL dialect ${JSON.stringify(options.dialect)}; expected sqlite or postgres`,
    );
  }
  assertCollectionName(options.table, 'table', { allowSystem: true });
  if (options.alias !== undefined)
    assertCollectionName(options.alias, 'alias', { allowSystem: true });
  return {
    w,
    table: options.table,
    qualifier: options.alias ?? options.table,
    info: schemaInfo(options.schema),
    hasTable: options.hasTable,
  };
}

/** Shared by compile(), compileWhere(), prepareQuery() and toKyselyExpression(). */
export function compileWhereWith(
  where: FilterNode,
  options: CompileWhereOptions,
  w: SqlWriter,
): string {
  return compileNode(scopeOf(options, w), where, 'where', 0);
}

/**
 * Compiles a filter AST to a boolean SQL fragment (no `WHERE` keyword). Columns are qualified
 * with the table name (or `alias`), so the fragment can be used in any statement over the table.
 * Every value is a bound parameter; identifiers are validated and double-quoted.
 *
 * @example
 * ```ts
 * import { compileWhere, parseWhere } from '@localbackend/query';
 *
 * const { sql, parameters } = compileWhere(parseWhere({ priority: { $gte: 2 } }), { dialect: 'sqlite', table: 'Todo' });
 * // sql: CASE WHEN typeof("Todo"."priority") = 'real' THEN "Todo"."priority" END >= ?   parameters: [2]
 * ```
 */
export function compileWhere(where: FilterNode, options: CompileWhereOptions): CompiledQuery {
  const w = new SqlWriter(options.dialect, options.dialect === 'sqlite', undefined);
  const sql = compileWhereWith(where, options, w);
  return Object.freeze({ sql, parameters: Object.freeze(w.params) });
}

/**
 * Compiles a full `SELECT` over the collection's table: the filter, ORDER BY (NULLs lowest),
 * LIMIT / OFFSET, a column list, or `COUNT(*)`. A `$nearSphere` filter without a sort orders by
 * distance, as Parse does.
 *
 * @example
 * ```ts
 * import { compile, parseSort, parseWhere } from '@localbackend/query';
 *
 * const q = compile(parseWhere({ done: false }), { dialect: 'sqlite', table: 'Todo', schema, sort: parseSort('-createdAt'), limit: 20 });
 * const rows = db.prepare(q.sql).all(...q.parameters);
 * ```
 */
export function compile(where: FilterNode | undefined, options: CompileOptions): CompiledQuery {
  const w = new SqlWriter(options.dialect, options.dialect === 'sqlite', undefined);
  const limit = options.limit === undefined ? undefined : { value: options.limit };
  const offset = options.offset === undefined ? undefined : { value: options.offset };
  const sql = compileSelectWith(where, options, w, limit, offset);
  return Object.freeze({ sql, parameters: Object.freeze(w.params) });
}

function checkCount(n: BoundNumber, name: string): number {
  const v = n.value;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw errorAt('INVALID_QUERY', name, `expected a non-negative integer, got ${String(v)}`, {
      expected: 'a non-negative integer',
      received: v,
    });
  }
  return v;
}

/** The full SELECT, with LIMIT / OFFSET given as (trackable) bound numbers. */
export function compileSelectWith(
  where: FilterNode | undefined,
  options: CompileOptions,
  w: SqlWriter,
  limit: BoundNumber | undefined,
  offset: BoundNumber | undefined,
): string {
  const scope = scopeOf(options, w);
  const table = quoteIdent(options.table);
  const from = options.alias === undefined ? table : `${table} AS ${quoteIdent(options.alias)}`;
  const columns =
    options.count === true ? 'COUNT(*) AS "count"' : selectList(options.select, scope.info);
  let sql = `SELECT ${columns} FROM ${from}`;
  if (
    where !== undefined &&
    !(typeof where === 'object' && where?.kind === 'const' && where.value === true)
  ) {
    sql += ` WHERE ${compileNode(scope, where, 'where', 0)}`;
  }
  if (options.count === true) return sql;
  const order = orderBy(scope, options.sort, where);
  if (order !== '') sql += ` ORDER BY ${order}`;
  const pg = options.dialect === 'postgres';
  if (limit !== undefined) {
    checkCount(limit, 'limit');
    sql += ` LIMIT ${w.bind(limit, (n) => checkCount(n, 'limit'))}`;
  } else if (offset !== undefined && !pg) {
    sql += ' LIMIT -1';
  }
  if (offset !== undefined) {
    checkCount(offset, 'skip');
    sql += ` OFFSET ${w.bind(offset, (n) => checkCount(n, 'skip'))}`;
  }
  return sql;
}

function selectList(select: readonly string[] | undefined, info: SchemaInfo | undefined): string {
  if (select === undefined) return '*';
  if (!Array.isArray(select))
    throw errorAt('INVALID_QUERY', 'select', 'expected a list of field names');
  const names = ['objectId', 'createdAt', 'updatedAt'];
  for (const name of select) {
    if (isSystemFieldName(name)) continue;
    if (!isValidFieldName(name))
      throw errorAt(
        'INVALID_FIELD_NAME',
        'select',
        `${JSON.stringify(String(name).slice(0, 40))} is not a valid field name`,
      );
    if (info !== undefined) {
      const column = info.columns.get(name);
      if (column === undefined)
        throw errorAt(
          'INVALID_FIELD_NAME',
          'select',
          `the field ${JSON.stringify(name)} does not exist in ${info.schema.name}`,
        );
      if (column.type === 'Relation') continue;
    }
    if (!names.includes(name)) names.push(name);
  }
  return names.map(quoteIdent).join(', ');
}

function nearNode(where: FilterNode | undefined): NearNode | undefined {
  if (where === undefined) return undefined;
  if (where.kind === 'near') return where;
  if (where.kind === 'and') {
    for (const c of where.conditions) if (c.kind === 'near') return c;
  }
  return undefined;
}

function orderBy(
  s: CompileScope,
  sort: readonly SortKey[] | undefined,
  where: FilterNode | undefined,
): string {
  const pg = s.w.dialect === 'postgres';
  const parts: string[] = [];
  let hasObjectId = false;
  if (sort !== undefined) {
    if (!Array.isArray(sort))
      throw errorAt('INVALID_QUERY', 'sort', 'expected a list of sort keys');
    sort.forEach((key, i) => {
      const where = `sort[${i}]`;
      if (key?.direction !== 'asc' && key?.direction !== 'desc')
        throw errorAt('INVALID_QUERY', where, 'expected direction asc or desc');
      const type = checkRef(key.field, where, s.info);
      if (type === 'Relation')
        throw errorAt('TYPE_MISMATCH', where, 'cannot sort by a Relation field');
      const col = `${quoteIdent(s.qualifier)}.${quoteIdent(key.field.field)}`;
      let expr: string;
      if (key.field.path.length > 0) {
        expr = pg
          ? pgPath(s.w, col, key.field.path)()
          : `json_extract(${col}, ${s.w.value(`$${key.field.path.map((p: string) => `."${p}"`).join('')}`)})`;
      } else {
        expr = pg && type === 'String' ? `${col} COLLATE "C"` : col;
      }
      if (key.field.field === 'objectId' && key.field.path.length === 0) hasObjectId = true;
      parts.push(`${expr} ${key.direction === 'asc' ? 'ASC NULLS FIRST' : 'DESC NULLS LAST'}`);
    });
  }
  if (parts.length === 0) {
    const near = nearNode(where);
    if (near === undefined) return '';
    const type = checkRef(near.field, 'where', s.info);
    const src = sourceOf(s, near.field, type);
    if (pg) {
      const lat = src.lat();
      const lon = src.lon();
      const plat = `${s.w.bind(near, (n) => n.point.latitude)}::float8`;
      const plon = `${s.w.bind(near, (n) => n.point.longitude)}::float8`;
      parts.push(`${pgDistance(lat, lon, plat, plon)} ASC`);
    } else {
      parts.push(
        `lb_geo_distance(${src.lat()}, ${src.lon()}, ${s.w.bind(near, (n) => n.point.latitude)}, ${s.w.bind(near, (n) => n.point.longitude)}) ASC`,
      );
    }
  }
  if (!hasObjectId) parts.push(`${quoteIdent(s.qualifier)}."objectId" ASC`);
  return parts.join(', ');
}

/** A writer for the cache (tracking) or Kysely (`?` markers). */
export function newWriter(
  dialect: SqlDialect,
  questionMarks: boolean,
  tracker: Tracker | undefined,
): SqlWriter {
  return new SqlWriter(dialect, questionMarks, tracker);
}
