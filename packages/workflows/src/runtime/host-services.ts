import {
  BackendError,
  decodeParseValue,
  type ChangeEventType,
  type CloudStoreAdapter,
  type SchemaDefinition,
} from '@localbackend/adapter';
import type { SessionUser } from '../catalog/node-definition';

/**
 * The user service a runtime uses for `Request` authentication and `Noodl.Users`. The server
 * passes its own; the default resolves sessions through the adapter (Parse layout: `_Session`
 * with `sessionToken`, `user`, `expiresAt`; `_User`).
 *
 * @example
 * ```ts
 * const users: UserService = {
 *   resolveSession: async (token) => (token === 'ok' ? { objectId: 'u1', username: 'ada' } : undefined),
 * };
 * ```
 */
export interface UserService {
  /** The user of a session token, or `undefined` when the token is unknown or expired. */
  resolveSession(token: string): Promise<SessionUser | undefined>;
  /** Verifies a password and returns the user with a `sessionToken`. */
  logIn?(username: string, password: string): Promise<SessionUser>;
  /** Returns the user with a (new or reused) `sessionToken`. */
  impersonate?(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser>;
}

/**
 * Reads the config parameters (what the server's `/config` serves).
 *
 * @example
 * ```ts
 * const config: ConfigSource = async () => ({ greeting: 'hello' });
 * ```
 */
export type ConfigSource = () => Promise<Readonly<Record<string, unknown>>>;

const HIDDEN_USER_FIELDS = new Set([
  'password',
  // The column @localbackend/server's UserStore keeps the scrypt hash in (adapters refuse
  // `_`-prefixed field names, so it is not Parse's `_hashed_password`).
  'hashed_password',
  '_hashed_password',
  'authData',
  '_password_history',
]);

/**
 * The default {@link UserService}: sessions and users through the adapter, Parse's layout.
 * `logIn` is not available (password hashing belongs to the server's user service).
 *
 * @example
 * ```ts
 * const users = adapterUserService(adapter);
 * await users.resolveSession('r:abc'); // undefined unless such a session exists
 * ```
 */
export function adapterUserService(adapter: CloudStoreAdapter): UserService {
  return {
    async resolveSession(token) {
      try {
        const { results } = await adapter.query({
          collection: '_Session',
          where: { sessionToken: token },
          limit: 1,
        });
        const session = results[0];
        if (session === undefined) return undefined;
        const expiresAt = session['expiresAt'];
        if (typeof expiresAt === 'string' && Date.parse(expiresAt) < Date.now()) return undefined;
        const userRef = session['user'];
        const userId =
          typeof userRef === 'string'
            ? userRef
            : typeof userRef === 'object' && userRef !== null
              ? (userRef as { objectId?: unknown }).objectId
              : undefined;
        if (typeof userId !== 'string') return undefined;
        const user = await adapter.fetch({ collection: '_User', objectId: userId });
        const out: Record<string, unknown> = { sessionToken: token };
        for (const [key, value] of Object.entries(user))
          if (!HIDDEN_USER_FIELDS.has(key)) out[key] = value;
        return out as SessionUser;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * The default {@link ConfigSource}: the parameters of the server's config store as it persists
 * them through the adapter (system collection `_Config`, record `params`, field `json` holding
 * `{ params, masterKeyOnly }` with Parse wire values), including master-key-only ones (cloud
 * code runs with the master key). `{}` when there is none. A server should pass its own
 * `config` source instead, so that file-backed config is seen too.
 *
 * @example
 * ```ts
 * const config = await adapterConfigSource(adapter)();
 * ```
 */
export function adapterConfigSource(adapter: CloudStoreAdapter): ConfigSource {
  return async () => {
    let record: Record<string, unknown>;
    try {
      record = await adapter.fetch({ collection: '_Config', objectId: 'params' });
    } catch (error) {
      if (
        BackendError.is(error) &&
        [
          'NOT_FOUND',
          'TABLE_NOT_FOUND',
          'INVALID_COLLECTION_NAME',
          'UNAVAILABLE',
          'FORBIDDEN',
          'UNSUPPORTED',
        ].includes(error.code)
      ) {
        return {};
      }
      throw error;
    }
    const json = record['json'];
    if (typeof json !== 'string') return {};
    const parsed = JSON.parse(json) as { params?: unknown };
    const params =
      typeof parsed.params === 'object' && parsed.params !== null
        ? (parsed.params as Record<string, unknown>)
        : {};
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(params)) {
      try {
        out[key] = decodeParseValue(value, `config.${key}`);
      } catch {
        out[key] = value;
      }
    }
    return out;
  };
}

/**
 * A value fetched at most once per `ttlMs`, shared by concurrent callers; a failed fetch is not
 * kept (the next call retries).
 *
 * @example
 * ```ts
 * const config = new CachedValue(() => source(), 1000);
 * await config.get();
 * ```
 */
export class CachedValue<T> {
  #value: T | undefined;
  #fetchedAt = 0;
  #inflight: Promise<T> | undefined;
  #generation = 0;
  #loads = 0;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlMs: number,
  ) {}

  /** The cached value, reloading it when older than the TTL. */
  get(): Promise<T> {
    if (this.#value !== undefined && Date.now() - this.#fetchedAt < this.ttlMs)
      return Promise.resolve(this.#value);
    if (this.#inflight !== undefined) return this.#inflight;
    const generation = this.#generation;
    const inflight = this.load().then(
      (value) => {
        if (generation === this.#generation) {
          this.#value = value;
          this.#fetchedAt = Date.now();
          this.#loads++;
        }
        this.#inflight = undefined;
        return value;
      },
      (error: unknown) => {
        this.#inflight = undefined;
        throw error;
      },
    );
    this.#inflight = inflight;
    return inflight;
  }

  /**
   * Identifies the cached value: changes whenever a new value is loaded; `0` when nothing is
   * cached or the cached value is stale.
   */
  get version(): number {
    if (this.#value === undefined || Date.now() - this.#fetchedAt >= this.ttlMs) return 0;
    return this.#loads;
  }

  /** The cached value without reloading, if any. */
  peek(): T | undefined {
    return this.#value;
  }

  /** Forgets the value (the next `get` reloads). */
  invalidate(): void {
    this.#generation++;
    this.#value = undefined;
    this.#inflight = undefined;
  }
}

/**
 * How long the schema is cached (it is also refreshed on every change event).
 *
 * @example
 * ```ts
 * setTimeout(refresh, SCHEMA_TTL_MS);
 * ```
 */
export const SCHEMA_TTL_MS = 2_000;

/**
 * The live schema, cached: refreshed after `SCHEMA_TTL_MS` and invalidated by every committed
 * change (auto-schema mode adds columns on writes).
 *
 * @example
 * ```ts
 * const schemas = new SchemaCache(adapter);
 * const schema = await schemas.get();
 * schemas.close();
 * ```
 */
export class SchemaCache {
  readonly #cache: CachedValue<SchemaDefinition>;
  readonly #listener = (event: { readonly collection: string }): void => {
    // System collections (`_WorkflowRun`...) are not part of the user schema.
    if (!event.collection.startsWith('_')) this.#cache.invalidate();
  };
  readonly #events: readonly ChangeEventType[] = ['create', 'save', 'delete'];
  #listening = false;

  constructor(private readonly adapter: CloudStoreAdapter) {
    this.#cache = new CachedValue(() => adapter.getSchema(), SCHEMA_TTL_MS);
    if (adapter.capabilities.events) {
      for (const event of this.#events) adapter.on(event, this.#listener);
      this.#listening = true;
    }
  }

  /** The schema. */
  get(): Promise<SchemaDefinition> {
    return this.#cache.get();
  }

  /** Identifies the cached schema (`0`: none cached); workers reuse theirs while it matches. */
  get version(): number {
    return this.#cache.version;
  }

  /** Forgets the cached schema (call after schema changes made elsewhere). */
  invalidate(): void {
    this.#cache.invalidate();
  }

  /** Stops listening to the adapter. */
  close(): void {
    if (!this.#listening) return;
    for (const event of this.#events) this.adapter.off(event, this.#listener);
    this.#listening = false;
  }
}
