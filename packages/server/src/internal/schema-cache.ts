import type { CloudStoreAdapter, SchemaDefinition, TableSchema } from '@localbackend/adapter';
import { HIDDEN_FIELDS, READ_FIELD } from './acl';

const SYSTEM_FIELDS = new Set(['objectId', 'createdAt', 'updatedAt']);

interface Loaded {
  readonly tables: Map<string, TableSchema>;
  /** Collections with the hidden ACL columns. */
  readonly acl: ReadonlySet<string>;
}

/**
 * Caches `adapter.getSchema()` for value encoding (Parse responses need each column's type).
 * Refreshed after schema changes made through the server, when a written record shows a field
 * the cache does not know (auto-schema added a column), on a miss, and after `ttlMs`.
 * The hidden ACL columns (`_rperm`, `_wperm`) are left out of the tables it serves; `hasAcl`
 * says which collections have them.
 */
export class SchemaCache {
  readonly #adapter: CloudStoreAdapter;
  readonly #ttlMs: number;
  #loaded: Promise<Loaded> | undefined;
  #loadedAt = 0;

  constructor(adapter: CloudStoreAdapter, ttlMs = 2000) {
    this.#adapter = adapter;
    this.#ttlMs = ttlMs;
  }

  invalidate(): void {
    this.#loaded = undefined;
  }

  #load(): Promise<Loaded> {
    if (this.#loaded === undefined || Date.now() - this.#loadedAt > this.#ttlMs) {
      this.#loadedAt = Date.now();
      const loading = this.#adapter.getSchema().then((schema) => {
        const tables = new Map<string, TableSchema>();
        const acl = new Set<string>();
        for (const table of schema.tables) {
          if (table.columns.some((c) => HIDDEN_FIELDS.has(c.name))) {
            if (table.columns.some((c) => c.name === READ_FIELD)) acl.add(table.name);
            tables.set(table.name, withoutHiddenColumns(table));
          } else {
            tables.set(table.name, table);
          }
        }
        return { tables, acl };
      });
      this.#loaded = loading;
      loading.catch(() => {
        if (this.#loaded === loading) this.#loaded = undefined;
      });
    }
    return this.#loaded;
  }

  async tables(): Promise<Map<string, TableSchema>> {
    return (await this.#load()).tables;
  }

  /** The table, re-reading the schema once when it is not cached. */
  async table(name: string): Promise<TableSchema | undefined> {
    const found = (await this.tables()).get(name);
    if (found !== undefined) return found;
    this.invalidate();
    return (await this.tables()).get(name);
  }

  /**
   * True when records of `collection` may carry ACLs (it has the hidden `_rperm` column): reads
   * without the master key must then be filtered. Cheap: the cached schema answers (re-read once
   * for a collection it does not know).
   */
  async hasAcl(name: string): Promise<boolean> {
    if (name.startsWith('_')) return false; // system collections keep their own rules
    let loaded = await this.#load();
    if (!loaded.tables.has(name)) {
      this.invalidate();
      loaded = await this.#load();
    }
    return loaded.acl.has(name);
  }

  /** Call with the fields just written: a field the cache does not know invalidates it. */
  async noteFields(collection: string, fields: Iterable<string>): Promise<void> {
    if (this.#loaded === undefined) return;
    const table = (await this.#loaded.catch(() => undefined))?.tables.get(collection);
    if (table === undefined) {
      this.invalidate();
      return;
    }
    const known = new Set(table.columns.map((c) => c.name));
    for (const key of fields) {
      if (!SYSTEM_FIELDS.has(key) && !HIDDEN_FIELDS.has(key) && !known.has(key)) {
        this.invalidate();
        return;
      }
    }
  }
}

/** A table schema without the hidden ACL columns. */
export function withoutHiddenColumns<T extends TableSchema>(table: T): T {
  return { ...table, columns: table.columns.filter((c) => !HIDDEN_FIELDS.has(c.name)) };
}

/** A schema as clients see it: without the hidden ACL columns. */
export function publicSchema(schema: SchemaDefinition): SchemaDefinition {
  return { ...schema, tables: schema.tables.map((t) => withoutHiddenColumns(t)) };
}
