import Database from 'better-sqlite3';

/** A better-sqlite3 database handle (internal: driver types never reach the public API). */
export type Db = Database.Database;
/** A prepared statement. */
export type Statement = Database.Statement<unknown[], unknown>;

/** A SQL function to register on the connection (what `@localbackend/query` needs). */
export interface SqlFunction {
  readonly name: string;
  readonly deterministic: boolean;
  readonly varargs?: boolean;
  readonly fn: (...args: never[]) => unknown;
}

/** Options of {@link openConnection}. */
export interface ConnectionOptions {
  readonly busyTimeoutMs: number;
  readonly readonly: boolean;
  readonly functions: readonly SqlFunction[];
  readonly statementCacheSize: number;
}

/**
 * One SQLite connection with the pragmas localbackend relies on (WAL, `synchronous=NORMAL`,
 * `foreign_keys=ON`, `busy_timeout`), the query functions registered, and a prepared-statement
 * cache keyed by SQL text.
 */
export class SqliteConnection {
  readonly db: Db;
  readonly #cache = new Map<string, Statement>();
  readonly #cacheSize: number;

  constructor(source: string | Buffer, options: ConnectionOptions) {
    this.db =
      typeof source === 'string'
        ? new Database(source, { readonly: options.readonly, timeout: options.busyTimeoutMs })
        : new Database(source, { timeout: options.busyTimeoutMs });
    this.#cacheSize = options.statementCacheSize;
    this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`);
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
    }
    this.db.pragma('foreign_keys = ON');
    for (const f of options.functions) {
      this.db.function(
        f.name,
        { deterministic: f.deterministic, varargs: f.varargs ?? false },
        f.fn as (...args: unknown[]) => unknown,
      );
    }
  }

  /** A cached prepared statement for `sql`. */
  prepare(sql: string): Statement {
    let statement = this.#cache.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      if (this.#cache.size >= this.#cacheSize) this.#cache.clear();
      this.#cache.set(sql, statement);
    }
    return statement;
  }

  /** Forgets every cached statement (after a schema change). */
  clearCache(): void {
    this.#cache.clear();
  }

  /** Runs SQL without results (DDL, BEGIN/COMMIT). */
  exec(sql: string): void {
    this.db.exec(sql);
  }

  /** True while a transaction is open on this connection. */
  get inTransaction(): boolean {
    return this.db.inTransaction;
  }

  get open(): boolean {
    return this.db.open;
  }

  close(): void {
    this.#cache.clear();
    if (this.db.open) this.db.close();
  }
}
