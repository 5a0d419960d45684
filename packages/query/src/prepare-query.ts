import type { FilterNode, TableSchema } from '@localbackend/adapter';
import {
  compileSelectWith,
  newWriter,
  type BoundNumber,
  type CompiledQuery,
  type SqlDialect,
} from './compile';
import { isPlainObject } from './internal/loc';
import type { Tracker } from './internal/parse-context';
import { patternClassTag } from './internal/regex-pattern';
import { checkPostgresParam, type ParamRecipe } from './internal/sql-writer';
import { parseSelect } from './parse-select';
import { parseSort } from './parse-sort';
import { parseWhereWith } from './parse-where';

/**
 * What {@link prepareQuery} compiles: the parts of a query as clients send them.
 *
 * @example
 * ```ts
 * const input: PrepareQueryInput = { where: { done: false }, sort: '-createdAt', limit: 20, skip: 40 };
 * ```
 */
export interface PrepareQueryInput {
  /** A filter in any format {@link parseWhere} accepts. */
  readonly where?: unknown;
  /** A sort in any format {@link parseSort} accepts. */
  readonly sort?: unknown;
  /** LIMIT. */
  readonly limit?: number;
  /** OFFSET. */
  readonly skip?: number;
  /** Count the matches instead of returning them. */
  readonly count?: boolean;
  /** Fields to return ({@link parseSelect}). */
  readonly select?: unknown;
}

/**
 * Options of {@link prepareQuery}.
 *
 * @example
 * ```ts
 * const options: PrepareQueryOptions = { dialect: 'sqlite', table: 'Todo', schema: todoSchema, unknownFields: 'missing' };
 * ```
 */
export interface PrepareQueryOptions {
  readonly dialect: SqlDialect;
  readonly table: string;
  readonly schema?: TableSchema;
  readonly unknownFields?: 'error' | 'missing';
  /** Use the compiled-shape cache (default true). */
  readonly cache?: boolean;
}

interface Entry {
  readonly sql: string;
  readonly leaves: Tracker['leaves'];
  readonly bases: readonly ('where' | 'limit' | 'skip')[];
  readonly recipes: readonly ParamRecipe[];
}

const MAX_ENTRIES = 2000;

/** Cache counters (internal; read by tests and the benchmark). */
export const prepareQueryStats = { hits: 0, misses: 0 };
const MAX_KEY_LENGTH = 16_384;
const MAX_SCAN_DEPTH = 70;
const NO_SCHEMA: TableSchema = Object.freeze({ name: '', columns: [] });
const caches = new WeakMap<TableSchema, Map<string, Entry>>();

/** Strings under these keys change the SQL (operators, names, classes), so they are part of the shape. */
const VERBATIM = new Set([
  'combinator',
  'operator',
  'property',
  'relatedTo',
  'relationProperty',
  'input',
  '__type',
  'className',
  'key',
  '$options',
  'options',
  '$language',
  'language',
  'order',
]);
const PATTERNS = new Set(['$regex', 'matchesRegex', 'regex']);
const SCALAR_TAGS = new Set(['s', 'n', 'b', 'z', 'u', 'd']);

/**
 * The shape of a raw filter: its structure with every value replaced by its type, except the
 * strings that change the SQL. Undefined when the input should not be cached (too deep, too long,
 * exotic objects).
 */
function shapeOf(v: unknown, parent: string, depth: number): string | undefined {
  switch (typeof v) {
    case 'string':
      if (VERBATIM.has(parent)) return v.length > 256 ? undefined : `S${v.length}:${v}`;
      if (PATTERNS.has(parent))
        return v.length > 10_000 ? undefined : `P${patternClassTag(v, false)}`;
      return 's';
    case 'number':
      return 'n';
    case 'boolean':
      // Only $exists reads a boolean structurally; elsewhere it is a bound value.
      return parent === '$exists' || parent === 'exists' ? (v ? 't' : 'f') : 'b';
    case 'undefined':
      return 'u';
    case 'object': {
      if (v === null) return 'z';
      if (depth > MAX_SCAN_DEPTH) return undefined;
      if (Array.isArray(v)) {
        let out = '[';
        let previous = '';
        for (let i = 0; i < v.length; i++) {
          const s = shapeOf(v[i], parent, depth + 1);
          if (s === undefined) return undefined;
          if (s === previous && SCALAR_TAGS.has(s)) continue;
          out += s === previous ? '*' : `${s};`;
          previous = s;
          if (out.length > MAX_KEY_LENGTH) return undefined;
        }
        return `${out}]`;
      }
      if (v instanceof Date) return 'd';
      if (v instanceof RegExp)
        return v.source.length > 10_000
          ? undefined
          : `r${v.flags}${patternClassTag(v.source, false)}`;
      if (!isPlainObject(v)) return undefined;
      let out = '{';
      for (const key of Object.keys(v)) {
        const s = shapeOf(v[key], key, depth + 1);
        if (s === undefined) return undefined;
        out += `${key.length}:${key}=${s},`;
        if (out.length > MAX_KEY_LENGTH) return undefined;
      }
      return `${out}}`;
    }
    default:
      return undefined;
  }
}

function verbatim(v: unknown): string | undefined {
  if (v === undefined) return 'u';
  try {
    const s = JSON.stringify(v);
    return s !== undefined && s.length <= 2048 ? s : undefined;
  } catch (_error) {
    return undefined;
  }
}

function navigate(root: unknown, keys: readonly (string | number)[]): unknown {
  let v = root;
  for (const k of keys) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function build(
  input: PrepareQueryInput,
  options: PrepareQueryOptions,
  tracker: Tracker | undefined,
  bases: ('where' | 'limit' | 'skip')[],
): { sql: string; params: unknown[]; recipes: ParamRecipe[] | undefined; cacheable: boolean } {
  const parseOptions = { schema: options.schema, unknownFields: options.unknownFields };
  const where: FilterNode = parseWhereWith(input.where, parseOptions, tracker);
  for (let i = bases.length; i < (tracker?.leaves.length ?? 0); i++) bases.push('where');
  const sort = parseSort(input.sort, parseOptions);
  const select = input.select === undefined ? undefined : parseSelect(input.select, parseOptions);
  const bound = (value: unknown, base: 'limit' | 'skip'): BoundNumber | undefined => {
    if (value === undefined) return undefined;
    const node: BoundNumber = { value: value as number };
    if (tracker !== undefined) {
      tracker.index.set(node, tracker.leaves.length);
      tracker.leaves.push({ keys: [], make: (r) => ({ value: r as number }) });
      bases.push(base);
    }
    return node;
  };
  const w = newWriter(options.dialect, options.dialect === 'sqlite', tracker);
  const sql = compileSelectWith(
    where,
    {
      dialect: options.dialect,
      table: options.table,
      schema: options.schema,
      sort,
      select,
      count: input.count === true,
    },
    w,
    bound(input.limit, 'limit'),
    bound(input.skip, 'skip'),
  );
  return { sql, params: w.params, recipes: w.recipes, cacheable: w.cacheable };
}

/**
 * Parses and compiles a whole query in one step, with the compiled-shape cache: a query with the
 * same shape as an earlier one (same fields, operators and structure, other values) reuses the
 * SQL text and only re-extracts and re-validates its parameters. Errors are the same
 * `BackendError`s as {@link parseWhere} and {@link compile} raise.
 *
 * @example
 * ```ts
 * import { prepareQuery } from '@localbackend/query';
 *
 * const q = prepareQuery({ where: { done: false }, sort: '-createdAt', limit: 20 }, { dialect: 'sqlite', table: 'Todo', schema });
 * const rows = db.prepare(q.sql).all(...q.parameters);
 * ```
 */
export function prepareQuery(
  input: PrepareQueryInput,
  options: PrepareQueryOptions,
): CompiledQuery {
  if (options.cache === false) {
    const r = build(input, options, undefined, []);
    return Object.freeze({ sql: r.sql, parameters: Object.freeze(r.params) });
  }
  const shape = shapeOf(input.where, 'where', 0);
  const sortKey = verbatim(input.sort);
  const selectKey = verbatim(input.select);
  if (shape === undefined || sortKey === undefined || selectKey === undefined) {
    return prepareQuery(input, { ...options, cache: false });
  }
  const key = `${options.dialect}|${options.table}|${options.unknownFields ?? 'error'}|${shape}|${sortKey}|${selectKey}|${input.limit === undefined ? 'u' : 'n'}${input.skip === undefined ? 'u' : 'n'}${input.count === true ? 't' : 'f'}`;
  let cache = caches.get(options.schema ?? NO_SCHEMA);
  if (cache === undefined) {
    cache = new Map();
    caches.set(options.schema ?? NO_SCHEMA, cache);
  }
  const entry = cache.get(key);
  if (entry !== undefined) {
    try {
      const { leaves, bases, recipes } = entry;
      const nodes: unknown[] = new Array<unknown>(leaves.length);
      for (let i = 0; i < leaves.length; i++) {
        const l = leaves[i]!;
        const base = bases[i];
        const root = base === 'where' ? input.where : base === 'limit' ? input.limit : input.skip;
        nodes[i] = l.make(l.keys.length === 0 ? root : navigate(root, l.keys));
      }
      const parameters: unknown[] = new Array<unknown>(recipes.length);
      for (let i = 0; i < recipes.length; i++) {
        const r = recipes[i]!;
        parameters[i] =
          r.leaf < 0
            ? (r as { value: unknown }).value
            : (r as unknown as { get: (n: unknown) => unknown }).get(nodes[r.leaf]);
        if (options.dialect === 'postgres') checkPostgresParam(parameters[i]);
      }
      prepareQueryStats.hits++;
      return { sql: entry.sql, parameters };
    } catch (_error) {
      // A value that does not validate: the slow path reports it with the proper error.
      return prepareQuery(input, { ...options, cache: false });
    }
  }
  prepareQueryStats.misses++;
  const tracker: Tracker = { leaves: [], index: new Map() };
  const bases: ('where' | 'limit' | 'skip')[] = [];
  const r = build(input, options, tracker, bases);
  if (r.cacheable && r.recipes !== undefined) {
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(key, { sql: r.sql, leaves: tracker.leaves, bases, recipes: r.recipes });
  }
  return Object.freeze({ sql: r.sql, parameters: Object.freeze(r.params) });
}
