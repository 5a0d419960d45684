import type { FilterNode, TableSchema } from '@localbackend/adapter';
import {
  compileSelectWith,
  newWriter,
  type BoundNumber,
  type CompiledQuery,
  type SqlDialect,
} from './compile';
import { isPlainObject } from './internal/loc';
import { setFreezing } from './internal/nodes';
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
  /**
   * Tells whether a table exists: a `$relatedTo` / Relation `pointsTo` whose junction table does
   * not exist then compiles to false instead of failing in SQL. The answers are re-checked on
   * every cache hit.
   */
  readonly hasTable?: (name: string) => boolean;
}

interface Entry {
  readonly sql: string;
  readonly leaves: Tracker['leaves'];
  readonly bases: readonly ('where' | 'limit' | 'skip')[];
  readonly recipes: readonly ParamRecipe[];
  /** hasTable() answers the SQL depends on. */
  readonly tables: readonly (readonly [string, boolean])[];
}

/** Cache counters (internal; read by tests and the benchmark). */
export const prepareQueryStats = { hits: 0, misses: 0 };

const MAX_ENTRIES = 2000;
const MAX_TOKENS = 4000;
const MAX_SCAN_DEPTH = 70;

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

// Structural tokens live in a small array per trie node, so that no key or value string can be
// mistaken for them; keys and verbatim strings go through a Map.
const OPEN = 0;
const CLOSE = 1;
const OPEN_ARRAY = 2;
const CLOSE_ARRAY = 3;
const STAR = 4;
const T_STRING = 5;
const T_NUMBER = 6;
const T_BOOLEAN = 7;
const T_TRUE = 8;
const T_FALSE = 9;
const T_NULL = 10;
const T_UNDEFINED = 11;
const T_DATE = 12;
const T_VERBATIM = 13;
const T_PATTERN = 14;
const T_REGEXP = 15;
const SPECIALS = 16;

interface TrieNode {
  map: Map<string, TrieNode> | undefined;
  special: (TrieNode | undefined)[] | undefined;
  entry: Entry | undefined;
}

function newNode(): TrieNode {
  return { map: undefined, special: undefined, entry: undefined };
}

/**
 * Walks the shape of a query through the trie: its structure, the type of every value, and the
 * strings that change the SQL. In lookup mode it stops at the first unknown step; in insert mode
 * it creates the path.
 */
class ShapeCursor {
  node: TrieNode | undefined;
  tokens = 0;

  constructor(
    root: TrieNode,
    private readonly insert: boolean,
  ) {
    this.node = root;
  }

  special(token: number): boolean {
    const node = this.node!;
    let next = node.special?.[token];
    if (next === undefined) {
      if (!this.insert) return false;
      node.special ??= new Array<TrieNode | undefined>(SPECIALS);
      next = node.special[token] = newNode();
    }
    this.node = next;
    return ++this.tokens <= MAX_TOKENS;
  }

  text(token: string): boolean {
    const node = this.node!;
    let next = node.map?.get(token);
    if (next === undefined) {
      if (!this.insert) return false;
      node.map ??= new Map();
      next = newNode();
      node.map.set(token, next);
    }
    this.node = next;
    return ++this.tokens <= MAX_TOKENS;
  }

  /** The scalar tag of a value, or -1 for containers. */
  static tag(v: unknown, parent: string): number {
    switch (typeof v) {
      case 'string':
        return VERBATIM.has(parent) || PATTERNS.has(parent) ? -1 : T_STRING;
      case 'number':
        return T_NUMBER;
      case 'boolean':
        // Only $exists reads a boolean structurally; elsewhere it is a bound value.
        return parent === '$exists' || parent === 'exists' ? (v ? T_TRUE : T_FALSE) : T_BOOLEAN;
      case 'undefined':
        return T_UNDEFINED;
      case 'object':
        return v === null ? T_NULL : v instanceof Date ? T_DATE : -1;
      default:
        return -1;
    }
  }

  value(v: unknown, parent: string, depth: number): boolean {
    const tag = ShapeCursor.tag(v, parent);
    if (tag >= 0) return this.special(tag);
    if (typeof v === 'string') {
      if (v.length > 256 && VERBATIM.has(parent)) return false;
      if (PATTERNS.has(parent))
        return (
          v.length <= 10_000 && this.special(T_PATTERN) && this.text(patternClassTag(v, false))
        );
      return this.special(T_VERBATIM) && this.text(v);
    }
    if (typeof v !== 'object' || v === null || depth > MAX_SCAN_DEPTH) return false;
    if (Array.isArray(v)) {
      if (!this.special(OPEN_ARRAY)) return false;
      let previous = -1;
      let starred = false;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        const itemTag = ShapeCursor.tag(item, parent);
        if (itemTag >= 0 && itemTag === previous) {
          if (!starred && !this.special(STAR)) return false;
          starred = true;
          continue;
        }
        previous = itemTag;
        starred = false;
        if (!this.value(item, parent, depth + 1)) return false;
      }
      return this.special(CLOSE_ARRAY);
    }
    if (v instanceof RegExp) {
      return (
        v.source.length <= 10_000 &&
        this.special(T_REGEXP) &&
        this.text(v.flags) &&
        this.text(patternClassTag(v.source, false))
      );
    }
    if (!isPlainObject(v)) return false;
    if (!this.special(OPEN)) return false;
    for (const key of Object.keys(v)) {
      if (!this.text(key) || !this.value(v[key], key, depth + 1)) return false;
    }
    return this.special(CLOSE);
  }

  /** Sort and select are structural: their JSON text is one token. */
  json(v: unknown): boolean {
    if (v === undefined) return this.special(T_UNDEFINED);
    let text: string | undefined;
    try {
      text = JSON.stringify(v);
    } catch (_error) {
      return false;
    }
    return text !== undefined && text.length <= 2048 && this.special(T_VERBATIM) && this.text(text);
  }

  query(input: PrepareQueryInput, options: PrepareQueryOptions): boolean {
    return (
      this.text(options.dialect) &&
      this.text(options.table) &&
      this.text(options.unknownFields ?? 'error') &&
      this.value(input.where, 'where', 0) &&
      this.json(input.sort) &&
      this.json(input.select) &&
      this.special(input.limit === undefined ? T_UNDEFINED : T_NUMBER) &&
      this.special(input.skip === undefined ? T_UNDEFINED : T_NUMBER) &&
      this.special(input.count === true ? T_TRUE : T_FALSE) &&
      this.special(options.hasTable === undefined ? T_FALSE : T_TRUE)
    );
  }
}

const NO_SCHEMA: TableSchema = Object.freeze({ name: '', columns: [] });
const tries = new WeakMap<TableSchema, { root: TrieNode; size: number }>();

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
): {
  sql: string;
  params: unknown[];
  recipes: ParamRecipe[] | undefined;
  cacheable: boolean;
  tables: [string, boolean][];
} {
  const tables: [string, boolean][] = [];
  const ask = options.hasTable;
  const hasTable =
    ask === undefined
      ? undefined
      : (name: string): boolean => {
          const answer = ask(name) === true;
          tables.push([name, answer]);
          return answer;
        };
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
      hasTable,
    },
    w,
    bound(input.limit, 'limit'),
    bound(input.skip, 'skip'),
  );
  return { sql, params: w.params, recipes: w.recipes, cacheable: w.cacheable, tables };
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
  const schemaKey = options.schema ?? NO_SCHEMA;
  let trie = tries.get(schemaKey);
  if (trie === undefined) {
    trie = { root: newNode(), size: 0 };
    tries.set(schemaKey, trie);
  }
  const cursor = new ShapeCursor(trie.root, false);
  let entry = cursor.query(input, options) ? cursor.node!.entry : undefined;
  if (
    entry !== undefined &&
    entry.tables.some(([name, answer]) => options.hasTable?.(name) !== answer)
  ) {
    entry = undefined;
  }
  if (entry !== undefined) {
    setFreezing(false);
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
      setFreezing(true);
      return prepareQuery(input, { ...options, cache: false });
    } finally {
      setFreezing(true);
    }
  }
  prepareQueryStats.misses++;
  const tracker: Tracker = { leaves: [], index: new Map() };
  const bases: ('where' | 'limit' | 'skip')[] = [];
  const r = build(input, options, tracker, bases);
  if (r.cacheable && r.recipes !== undefined) {
    if (trie.size >= MAX_ENTRIES) {
      trie.root = newNode();
      trie.size = 0;
    }
    const insert = new ShapeCursor(trie.root, true);
    if (insert.query(input, options)) {
      insert.node!.entry = {
        sql: r.sql,
        leaves: tracker.leaves,
        bases,
        recipes: r.recipes,
        tables: r.tables,
      };
      trie.size++;
    }
  }
  return Object.freeze({ sql: r.sql, parameters: Object.freeze(r.params) });
}
