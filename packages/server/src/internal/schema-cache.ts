import type { CloudStoreAdapter, TableSchema } from '@localbackend/adapter';

const SYSTEM_FIELDS = new Set(['objectId', 'createdAt', 'updatedAt']);

/**
 * Caches `adapter.getSchema()` for value encoding (Parse responses need each column's type).
 * Refreshed after schema changes made through the server, when a written record shows a field
 * the cache does not know (auto-schema added a column), on a miss, and after `ttlMs`.
 */
export class SchemaCache {
  readonly #adapter: CloudStoreAdapter;
  readonly #ttlMs: number;
  #tables: Promise<Map<string, TableSchema>> | undefined;
  #loadedAt = 0;

  constructor(adapter: CloudStoreAdapter, ttlMs = 2000) {
    this.#adapter = adapter;
    this.#ttlMs = ttlMs;
  }

  invalidate(): void {
    this.#tables = undefined;
  }

  async tables(): Promise<Map<string, TableSchema>> {
    if (this.#tables === undefined || Date.now() - this.#loadedAt > this.#ttlMs) {
      this.#loadedAt = Date.now();
      const loading = this.#adapter.getSchema().then((schema) => {
        const map = new Map<string, TableSchema>();
        for (const table of schema.tables) map.set(table.name, table);
        return map;
      });
      this.#tables = loading;
      loading.catch(() => {
        if (this.#tables === loading) this.#tables = undefined;
      });
    }
    return this.#tables;
  }

  /** The table, re-reading the schema once when it is not cached. */
  async table(name: string): Promise<TableSchema | undefined> {
    const found = (await this.tables()).get(name);
    if (found !== undefined) return found;
    this.invalidate();
    return (await this.tables()).get(name);
  }

  /** Call with the fields just written: a field the cache does not know invalidates it. */
  async noteFields(collection: string, fields: Iterable<string>): Promise<void> {
    if (this.#tables === undefined) return;
    const table = (await this.#tables.catch(() => undefined))?.get(collection);
    if (table === undefined) {
      this.invalidate();
      return;
    }
    const known = new Set(table.columns.map((c) => c.name));
    for (const key of fields) {
      if (!SYSTEM_FIELDS.has(key) && !known.has(key)) {
        this.invalidate();
        return;
      }
    }
  }
}
