import { BackendError, describeValue, toBackendError } from './backend-error';
import type { CloudStoreAdapter } from './cloud-store-adapter';

/**
 * The configuration handed to an adapter factory. `type` selects the factory (`'local'`,
 * `'parse'`, `'external'`...); the other keys are the factory's own (e.g. `dbPath`).
 *
 * @example
 * ```ts
 * const config: AdapterConfig = { type: 'local', dbPath: './data/local.db' };
 * ```
 */
export interface AdapterConfig {
  readonly type: string;
  readonly [option: string]: unknown;
}

/**
 * Builds an adapter from its configuration; the registry calls `connect()` on the result.
 *
 * @example
 * ```ts
 * const local: AdapterFactory = (config) => new LocalSQLAdapter(String(config.dbPath));
 * ```
 */
export type AdapterFactory = (
  config: AdapterConfig,
) => CloudStoreAdapter | Promise<CloudStoreAdapter>;

/**
 * Options of {@link AdapterRegistry.register}.
 *
 * @example
 * ```ts
 * registry.register('local', factory, { replace: true });
 * ```
 */
export interface RegisterOptions {
  /** Replace an existing factory of the same type instead of failing. */
  readonly replace?: boolean;
}

const TYPE_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * Creates and keeps adapters by id. Adapter packages register a factory per type; the registry
 * depends on none of them.
 *
 * @example
 * ```ts
 * import { AdapterRegistry } from '@localbackend/adapter';
 * import { LocalSQLAdapter } from '@localbackend/sqlite';
 *
 * const registry = new AdapterRegistry();
 * registry.register('local', (config) => new LocalSQLAdapter(String(config.dbPath)));
 * const adapter = await registry.createAdapter('todo-app', { type: 'local', dbPath: ':memory:' });
 * await registry.disconnectAll();
 * ```
 */
export class AdapterRegistry {
  static #instance: AdapterRegistry | undefined;
  readonly #factories = new Map<string, AdapterFactory>();
  readonly #adapters = new Map<string, CloudStoreAdapter>();
  readonly #pending = new Set<string>();

  /**
   * The process-wide registry (the original design's singleton). Tests and libraries should
   * prefer their own `new AdapterRegistry()`.
   *
   * @example
   * ```ts
   * AdapterRegistry.getInstance().getAdapter('todo-app');
   * ```
   */
  static getInstance(): AdapterRegistry {
    AdapterRegistry.#instance ??= new AdapterRegistry();
    return AdapterRegistry.#instance;
  }

  /**
   * Registers the factory for an adapter type. A second factory for the same type is an
   * `INVALID_CONFIG` error, unless `replace` is set.
   *
   * @example
   * ```ts
   * registry.register('memory', () => new MyMemoryAdapter());
   * ```
   */
  register(type: string, factory: AdapterFactory, options: RegisterOptions = {}): void {
    if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) {
      throw new BackendError(
        'INVALID_CONFIG',
        `type: expected a lower-case adapter type name like "local", got ${describeValue(type)}`,
        { details: { path: 'type', expected: 'a lower-case name', received: describeValue(type) } },
      );
    }
    if (typeof factory !== 'function') {
      throw new BackendError(
        'INVALID_CONFIG',
        `factory: expected a function, got ${describeValue(factory)}`,
        {
          details: { path: 'factory', expected: 'a function' },
        },
      );
    }
    if (this.#factories.has(type) && options.replace !== true) {
      throw new BackendError(
        'INVALID_CONFIG',
        `type: an adapter factory for "${type}" is already registered (pass { replace: true } to replace it)`,
        { details: { path: 'type', received: type } },
      );
    }
    this.#factories.set(type, factory);
  }

  /**
   * Removes the factory of a type; adapters already created stay.
   *
   * @example
   * ```ts
   * registry.unregister('memory'); // true
   * ```
   */
  unregister(type: string): boolean {
    return this.#factories.delete(type);
  }

  /**
   * True when a factory is registered for `type`.
   *
   * @example
   * ```ts
   * registry.hasType('local');
   * ```
   */
  hasType(type: string): boolean {
    return this.#factories.has(type);
  }

  /**
   * The registered adapter types, sorted.
   *
   * @example
   * ```ts
   * registry.types(); // ['local', 'parse']
   * ```
   */
  types(): string[] {
    return [...this.#factories.keys()].sort();
  }

  /**
   * Creates an adapter with the factory of `config.type`, connects it and keeps it under `id`.
   * Unknown type -> `INVALID_CONFIG`; an id in use -> `DUPLICATE_VALUE`; a failing factory or
   * `connect()` rejects with its error (as a `BackendError`) and keeps nothing.
   *
   * @example
   * ```ts
   * const adapter = await registry.createAdapter('todo-app', { type: 'local', dbPath: ':memory:' });
   * ```
   */
  async createAdapter(id: string, config: AdapterConfig): Promise<CloudStoreAdapter> {
    if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
      throw new BackendError(
        'INVALID_CONFIG',
        `id: expected a non-empty string, got ${describeValue(id)}`,
        {
          details: { path: 'id', expected: 'a non-empty string (at most 200 characters)' },
        },
      );
    }
    if (typeof config !== 'object' || config === null || typeof config.type !== 'string') {
      throw new BackendError('INVALID_CONFIG', 'config.type: expected an adapter type string', {
        details: { path: 'config.type', expected: 'an adapter type string' },
      });
    }
    const factory = this.#factories.get(config.type);
    if (factory === undefined) {
      const known = this.types();
      throw new BackendError(
        'INVALID_CONFIG',
        `config.type: unknown adapter type ${describeValue(config.type)}; registered types: ${known.length > 0 ? known.join(', ') : '(none)'}`,
        { details: { path: 'config.type', expected: known.join(' | '), received: config.type } },
      );
    }
    if (this.#adapters.has(id) || this.#pending.has(id)) {
      throw new BackendError('DUPLICATE_VALUE', `id: an adapter with id "${id}" already exists`, {
        details: { path: 'id', received: id },
      });
    }
    this.#pending.add(id);
    try {
      const adapter = await factory(config);
      try {
        await adapter.connect();
      } catch (error) {
        await adapter.disconnect().catch(() => undefined);
        throw error;
      }
      this.#adapters.set(id, adapter);
      return adapter;
    } catch (error) {
      throw toBackendError(error, `Could not create the "${config.type}" adapter "${id}"`);
    } finally {
      this.#pending.delete(id);
    }
  }

  /**
   * The adapter created under `id`, if any.
   *
   * @example
   * ```ts
   * const adapter = registry.getAdapter('todo-app');
   * ```
   */
  getAdapter(id: string): CloudStoreAdapter | undefined {
    return this.#adapters.get(id);
  }

  /**
   * The ids of the live adapters.
   *
   * @example
   * ```ts
   * registry.ids(); // ['todo-app']
   * ```
   */
  ids(): string[] {
    return [...this.#adapters.keys()];
  }

  /**
   * Disconnects and forgets the adapter `id`; false when there was none.
   *
   * @example
   * ```ts
   * await registry.removeAdapter('todo-app');
   * ```
   */
  async removeAdapter(id: string): Promise<boolean> {
    const adapter = this.#adapters.get(id);
    if (adapter === undefined) return false;
    this.#adapters.delete(id);
    await adapter.disconnect();
    return true;
  }

  /**
   * Disconnects every adapter (all of them, even when some fail; the first failure is thrown
   * afterwards) and forgets them.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => registry.disconnectAll());
   * ```
   */
  async disconnectAll(): Promise<void> {
    const adapters = [...this.#adapters.values()];
    this.#adapters.clear();
    const results = await Promise.allSettled(adapters.map((adapter) => adapter.disconnect()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined)
      throw toBackendError(failure.reason, 'An adapter failed to disconnect');
  }
}
