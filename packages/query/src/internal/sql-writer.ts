import { typeMismatch } from './loc';
import type { Tracker } from './parse-context';

/** A SQL dialect the compiler emits. */
export type Dialect = 'sqlite' | 'postgres';

/** How a cached query recomputes one bound parameter. */
export type ParamRecipe =
  | { readonly leaf: -1; readonly value: unknown }
  | { readonly leaf: number; readonly get: (node: never) => unknown };

/**
 * Accumulates bound parameters and hands out placeholders (`?` for SQLite and Kysely, `$n` for
 * Postgres). When a tracker is given it also records, per parameter, how to recompute it from a
 * rebuilt leaf node (for the compiled-shape cache).
 */
export class SqlWriter {
  readonly params: unknown[] = [];
  readonly recipes: ParamRecipe[] | undefined;
  cacheable = true;

  constructor(
    readonly dialect: Dialect,
    private readonly questionMarks: boolean,
    private readonly tracker: Tracker | undefined,
  ) {
    this.recipes = tracker === undefined ? undefined : [];
  }

  private placeholder(): string {
    return this.questionMarks ? '?' : `$${this.params.length}`;
  }

  /** Binds a value that does not depend on the filter's values (a JSON path, a constant). */
  value(value: unknown): string {
    if (this.dialect === 'postgres') checkPostgresParam(value);
    this.params.push(value);
    this.recipes?.push({ leaf: -1, value });
    return this.placeholder();
  }

  /** Binds a value computed from a leaf node; the cache recomputes it with `get`. */
  bind<T extends object>(node: T, get: (node: T) => unknown): string {
    const value = get(node);
    if (this.dialect === 'postgres') checkPostgresParam(value);
    this.params.push(value);
    if (this.recipes !== undefined) {
      const index = this.tracker!.index.get(node);
      if (index === undefined) this.cacheable = false;
      else this.recipes.push({ leaf: index, get: get as (node: never) => unknown });
    }
    return this.placeholder();
  }
}

/** `"name"` — names are validated before they get here (letters, digits, `_`). */
export function quoteIdent(name: string): string {
  return `"${name}"`;
}

/**
 * Postgres text cannot hold NUL characters: a parameter containing one would be a SQL error, so it
 * is a TYPE_MISMATCH here (also re-checked on compiled-shape cache hits).
 */
export function checkPostgresParam(value: unknown): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) {
      throw typeMismatch(
        'where',
        'strings without NUL characters (Postgres text cannot hold them)',
        value,
      );
    }
  } else if (Array.isArray(value)) {
    for (const item of value) checkPostgresParam(item);
  }
}
