import { randomBytes } from 'node:crypto';
import {
  BackendError,
  toBackendError,
  type ChangeEvent,
  type ChangeEventType,
  type CloudStoreAdapter,
  type SchemaDefinition,
  type StoredRecord,
  type TableSchema,
} from '@localbackend/adapter';
import { silentLogger, type Logger } from './logger';
import { LoginThrottle, type LoginThrottleOptions } from './internal/users/login-throttle';
import {
  hashPassword,
  spendVerificationTime,
  verifyPassword,
} from './internal/users/password-hash';
import {
  PARSE_USER_CODES,
  invalidLogin,
  invalidSession,
  userError,
} from './internal/users/user-errors';
import {
  HASH_FIELD,
  NOBODY,
  SESSION_CLASS,
  USER_CLASS,
  checkUsername,
  exactCaseInsensitive,
  userView,
  userWriteData,
  type Viewer,
} from './internal/users/user-fields';

export type { LoginThrottleOptions } from './internal/users/login-throttle';
export type { Viewer } from './internal/users/user-fields';

/**
 * Options of {@link UserStore}.
 *
 * @example
 * ```ts
 * const options: UserStoreOptions = { adapter, sessionLengthMs: 7 * 24 * 3600_000, loginThrottle: { maxFailures: 5 } };
 * ```
 */
export interface UserStoreOptions {
  /** The store holding `_User` and `_Session`. */
  readonly adapter: CloudStoreAdapter;
  /** Lifetime of a session created by sign-up or log-in (default one year, as Parse). */
  readonly sessionLengthMs?: number;
  /** Per-username failed-login limit (default 10 failures per 5 minutes); `false` turns it off. */
  readonly loginThrottle?: LoginThrottleOptions | false;
  /** How long a resolved session token is cached (default 30 s; logout, user changes and deletes invalidate at once). */
  readonly sessionCacheMs?: number;
  /** Warnings (a `_User` table whose columns could not be given their unique indexes). */
  readonly logger?: Logger;
}

/**
 * A user as the user may see it (no password hash; `email` included) plus the `sessionToken` of
 * the session that authenticated it. Structurally the `SessionUser` of `@localbackend/workflows`.
 *
 * @example
 * ```ts
 * const user: AuthenticatedUser = await users.logIn('ada', 'lovelace');
 * console.log(user.objectId, user.sessionToken);
 * ```
 */
export interface AuthenticatedUser {
  readonly objectId: string;
  readonly sessionToken: string;
  readonly [field: string]: unknown;
}

/**
 * A resolved session: the stored user record (with its password hash — never send it as is)
 * and the session's id, token and expiry.
 *
 * @example
 * ```ts
 * const session: UserSession | undefined = await users.session(token);
 * ```
 */
export interface UserSession {
  readonly user: StoredRecord;
  readonly sessionId: string;
  readonly token: string;
  readonly expiresAtMs: number;
}

interface CacheEntry extends UserSession {
  readonly cachedAt: number;
}

const DAY = 24 * 3600_000;
const DEFAULT_SESSION_LENGTH = 365 * DAY;
const DEFAULT_IMPERSONATION_LENGTH = DAY;
const MAX_SESSION_LENGTH = 100 * 365 * DAY;
const CACHE_SIZE = 1000;
const TOKEN = /^[\x21-\x7e]{1,512}$/;
const EVENTS: readonly ChangeEventType[] = ['save', 'delete'];

const USER_TABLE: TableSchema = {
  name: USER_CLASS,
  columns: [
    { name: 'username', type: 'String', unique: true },
    { name: 'email', type: 'String', unique: true },
    { name: 'emailVerified', type: 'Boolean' },
    { name: HASH_FIELD, type: 'String' },
  ],
};
const SESSION_TABLE: TableSchema = {
  name: SESSION_CLASS,
  columns: [
    { name: 'sessionToken', type: 'String', unique: true },
    { name: 'user', type: 'String', indexed: true },
    { name: 'expiresAt', type: 'Date' },
    { name: 'createdWith', type: 'Object' },
    { name: 'installationId', type: 'String' },
  ],
};

/** A new session token: `r:` and 32 random bytes in hex (Parse's revocable-session form). */
function newToken(): string {
  return `r:${randomBytes(32).toString('hex')}`;
}

function isMissing(error: unknown): boolean {
  const code = toBackendError(error).code;
  return code === 'NOT_FOUND' || code === 'TABLE_NOT_FOUND';
}

/** DUPLICATE_VALUE from the unique indexes, as Parse's 202 / 203. */
function duplicateAsParse(error: unknown): never {
  const err = toBackendError(error);
  if (err.code === 'DUPLICATE_VALUE') {
    const path = err.details?.path;
    if (path === 'username') throw usernameTaken(err);
    if (path === 'email') throw emailTaken(err);
  }
  throw err;
}

function usernameTaken(cause?: unknown): BackendError {
  return userError(
    'DUPLICATE_VALUE',
    PARSE_USER_CODES.USERNAME_TAKEN,
    'Account already exists for this username.',
    { path: 'username' },
    cause,
  );
}

function emailTaken(cause?: unknown): BackendError {
  return userError(
    'DUPLICATE_VALUE',
    PARSE_USER_CODES.EMAIL_TAKEN,
    'Account already exists for this email address.',
    { path: 'email' },
    cause,
  );
}

function cannotModify(objectId: string): BackendError {
  return userError(
    'FORBIDDEN',
    PARSE_USER_CODES.SESSION_MISSING,
    `Cannot modify user ${objectId}.`,
    { path: 'objectId' },
  );
}

/**
 * Parse-compatible users and sessions on any {@link CloudStoreAdapter}, in Parse's layout:
 * `_User` (`username`, `email`, `emailVerified` and the scrypt hash in `hashed_password`) and
 * `_Session` (`sessionToken` `r:<64 hex>`, `user` = the user's objectId, `expiresAt`,
 * `createdWith`, `installationId`). Usernames and emails are unique (case-insensitively,
 * enforced inside a transaction and by unique indexes). The server's `/users`, `/login`,
 * `/logout` and `/sessions` routes use it, and it is the `users` service of the workflow
 * runtime (`resolveSession`, `logIn`, `impersonate`).
 *
 * @example
 * ```ts
 * const users = new UserStore({ adapter });
 * const { sessionToken } = await users.signUp({ username: 'ada', password: 'lovelace' });
 * const me = await users.resolveSession(sessionToken); // { objectId, username: 'ada', sessionToken, ... }
 * ```
 */
export class UserStore {
  readonly #adapter: CloudStoreAdapter;
  readonly #sessionLengthMs: number;
  readonly #cacheMs: number;
  readonly #throttle: LoginThrottle | undefined;
  readonly #logger: Logger;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #listener = (event: ChangeEvent): void => this.#onChange(event);
  #listening = false;
  #ready: Promise<void> | undefined;
  #system: { at: number; tables: Promise<Map<string, TableSchema>> } | undefined;

  constructor(options: UserStoreOptions) {
    this.#adapter = options.adapter;
    this.#sessionLengthMs = options.sessionLengthMs ?? DEFAULT_SESSION_LENGTH;
    if (
      !Number.isFinite(this.#sessionLengthMs) ||
      this.#sessionLengthMs <= 0 ||
      this.#sessionLengthMs > MAX_SESSION_LENGTH
    ) {
      throw new BackendError(
        'INVALID_CONFIG',
        'sessionLengthMs: expected a positive number of milliseconds (at most 100 years)',
        { details: { path: 'sessionLengthMs' } },
      );
    }
    this.#cacheMs = options.sessionCacheMs ?? 30_000;
    this.#throttle =
      options.loginThrottle === false ? undefined : new LoginThrottle(options.loginThrottle);
    this.#logger = options.logger ?? silentLogger;
    if (this.#adapter.capabilities.events) {
      for (const type of EVENTS) this.#adapter.on(type, this.#listener);
      this.#listening = true;
    }
  }

  /**
   * Stops listening to the store's change events (the cache then lives only `sessionCacheMs`).
   *
   * @example
   * ```ts
   * users.close();
   * ```
   */
  close(): void {
    if (!this.#listening) return;
    for (const type of EVENTS) this.#adapter.off(type, this.#listener);
    this.#listening = false;
    this.#cache.clear();
  }

  #onChange(event: ChangeEvent): void {
    if (this.#cache.size === 0) return;
    if (event.collection === SESSION_CLASS) {
      for (const [token, entry] of this.#cache) {
        if (entry.sessionId === event.objectId) this.#cache.delete(token);
      }
    } else if (event.collection === USER_CLASS) {
      this.#forgetUser(event.objectId);
    }
  }

  #forgetUser(userId: string): void {
    for (const [token, entry] of this.#cache) {
      if (entry.user.objectId === userId) this.#cache.delete(token);
    }
  }

  /**
   * Creates `_User` and `_Session` (or adds their missing columns and unique indexes) once.
   * Every other method calls it first.
   *
   * @example
   * ```ts
   * await users.ready();
   * ```
   */
  ready(): Promise<void> {
    this.#ready ??= this.#ensureSchema().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  async #ensureSchema(): Promise<void> {
    for (const table of [USER_TABLE, SESSION_TABLE]) {
      try {
        await this.#adapter.updateSchema({ version: 0, tables: [table] });
        continue;
      } catch (error) {
        const err = toBackendError(error);
        if (err.code !== 'DUPLICATE_VALUE' && err.code !== 'SCHEMA_CONFLICT') throw err;
        this.#logger.warn('users: could not prepare a system table; trying column by column', {
          table: table.name,
          error: err.message,
        });
      }
      // An older table with duplicates or other column types: add what can be added.
      for (const column of table.columns) {
        try {
          await this.#adapter.updateSchema({
            version: 0,
            tables: [{ name: table.name, columns: [column] }],
          });
        } catch (error) {
          this.#logger.warn('users: column left as it is', {
            table: table.name,
            column: column.name,
            error: toBackendError(error).message,
          });
        }
      }
    }
  }

  /**
   * The schemas of the system collections (`_User`, `_Session`...) when the store reports them
   * (`LocalSQLAdapter` does with `includeSystem`), cached for 2 s; used to encode users for Parse.
   *
   * @example
   * ```ts
   * const userTable = (await users.systemTables()).get('_User');
   * ```
   */
  systemTables(): Promise<Map<string, TableSchema>> {
    const now = Date.now();
    if (this.#system === undefined || now - this.#system.at > 2000) {
      // The interface's getSchema() takes no options; stores that know `includeSystem` use it.
      const getSchema = this.#adapter.getSchema as (options?: {
        includeSystem?: boolean;
      }) => Promise<SchemaDefinition>;
      const tables = getSchema
        .call(this.#adapter, { includeSystem: true })
        .then((schema) => {
          const map = new Map<string, TableSchema>();
          for (const table of schema.tables)
            if (table.name.startsWith('_')) map.set(table.name, table);
          return map;
        })
        .catch(() => new Map<string, TableSchema>());
      this.#system = { at: now, tables };
    }
    return this.#system.tables;
  }

  /** Runs `fn` in a transaction when the store has them (uniqueness checks are then atomic). */
  #atomically<T>(fn: (store: CloudStoreAdapter) => Promise<T>): Promise<T> {
    return this.#adapter.capabilities.transactions
      ? this.#adapter.transaction(fn)
      : fn(this.#adapter);
  }

  async #assertFree(
    store: CloudStoreAdapter,
    field: 'username' | 'email',
    value: string,
    except?: string,
  ): Promise<void> {
    const where: Record<string, unknown> = { [field]: exactCaseInsensitive(value) };
    if (except !== undefined) where.objectId = { $ne: except };
    const { results } = await store.query({ collection: USER_CLASS, where, limit: 1 });
    if (results.length > 0) throw field === 'username' ? usernameTaken() : emailTaken();
  }

  async #createSession(
    userId: string,
    options: {
      action: string;
      authProvider: string;
      installationId?: string | undefined;
      lengthMs?: number;
    },
  ): Promise<{ token: string; record: StoredRecord }> {
    const token = newToken();
    const data: Record<string, unknown> = {
      sessionToken: token,
      user: userId,
      expiresAt: new Date(Date.now() + (options.lengthMs ?? this.#sessionLengthMs)).toISOString(),
      createdWith: { action: options.action, authProvider: options.authProvider },
    };
    if (options.installationId !== undefined) data.installationId = options.installationId;
    const record = await this.#adapter.create({ collection: SESSION_CLASS, data: data as never });
    return { token, record };
  }

  async #deleteSessionsOf(userId: string): Promise<void> {
    for (let round = 0; round < 1000; round++) {
      const { results } = await this.#adapter
        .query({ collection: SESSION_CLASS, where: { user: userId }, limit: 500 })
        .catch((error: unknown) => {
          if (isMissing(error)) return { results: [] as StoredRecord[] };
          throw error;
        });
      if (results.length === 0) break;
      for (const session of results) {
        await this.#adapter
          .delete({ collection: SESSION_CLASS, objectId: session.objectId })
          .catch((error: unknown) => {
            if (!isMissing(error)) throw error;
          });
      }
    }
    this.#forgetUser(userId);
  }

  /**
   * The session of `token` with its stored user (hash included: for the server's own use), or
   * undefined when the token is unknown, malformed or expired. Cached for `sessionCacheMs`.
   *
   * @example
   * ```ts
   * const session = await users.session(token);
   * ```
   */
  async session(token: string): Promise<UserSession | undefined> {
    if (typeof token !== 'string' || !TOKEN.test(token)) return undefined;
    const now = Date.now();
    const cached = this.#cache.get(token);
    if (cached !== undefined) {
      if (now - cached.cachedAt < this.#cacheMs && cached.expiresAtMs > now) {
        this.#cache.delete(token);
        this.#cache.set(token, cached);
        return cached;
      }
      this.#cache.delete(token);
    }
    await this.ready();
    const { results } = await this.#adapter
      .query({ collection: SESSION_CLASS, where: { sessionToken: token }, limit: 1 })
      .catch((error: unknown) => {
        if (isMissing(error)) return { results: [] as StoredRecord[] };
        throw error;
      });
    const session = results[0];
    if (session === undefined || session.sessionToken !== token) return undefined;
    const expiresAtMs =
      typeof session.expiresAt === 'string' ? Date.parse(session.expiresAt) : Number.NaN;
    if (!(expiresAtMs > now)) return undefined;
    const userId = session.user;
    if (typeof userId !== 'string') return undefined;
    let user: StoredRecord;
    try {
      user = await this.#adapter.fetch({ collection: USER_CLASS, objectId: userId });
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    const entry: CacheEntry = {
      user,
      sessionId: session.objectId,
      token,
      expiresAtMs,
      cachedAt: Date.now(),
    };
    if (this.#cacheMs > 0) {
      if (this.#cache.size >= CACHE_SIZE) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
      this.#cache.set(token, entry);
    }
    return entry;
  }

  /**
   * The user of a session token as that user sees itself (plus `sessionToken`), or undefined
   * when the token is unknown or expired. The workflow runtime's Request node uses it.
   *
   * @example
   * ```ts
   * const user = await users.resolveSession(req.headers['x-parse-session-token']);
   * if (user) console.log(user.objectId, user.username);
   * ```
   */
  async resolveSession(token: string): Promise<AuthenticatedUser | undefined> {
    const session = await this.session(token);
    if (session === undefined) return undefined;
    return this.#authenticated(session.user, session.token);
  }

  #authenticated(user: StoredRecord, token: string): AuthenticatedUser {
    const view = userView(user, { master: false, userId: user.objectId });
    return { ...view, objectId: user.objectId, sessionToken: token };
  }

  /**
   * Creates a user and a session (Parse's sign-up). `fields` is a Parse write body: `username`
   * and `password` are required, `email` optional; other fields are stored as given. Errors carry
   * Parse's codes: 200/201 missing username/password, 202 username taken, 203 email taken, 125
   * invalid email.
   *
   * @example
   * ```ts
   * const { user, sessionToken } = await users.signUp({ username: 'ada', password: 'lovelace', email: 'ada@example.com' });
   * ```
   */
  async signUp(
    fields: unknown,
    options: { viewer?: Viewer; installationId?: string } = {},
  ): Promise<{ user: StoredRecord; sessionToken: string }> {
    const viewer = options.viewer ?? NOBODY;
    const { data, password } = userWriteData(fields, 'create', viewer);
    await this.ready();
    const hash = await hashPassword(password!);
    const username = data.username as string;
    const email = typeof data.email === 'string' ? data.email : undefined;
    const user = await this.#atomically(async (store) => {
      await this.#assertFree(store, 'username', username);
      if (email !== undefined) await this.#assertFree(store, 'email', email);
      return store
        .create({ collection: USER_CLASS, data: { ...data, [HASH_FIELD]: hash } as never })
        .catch(duplicateAsParse);
    });
    const { token } = await this.#createSession(user.objectId, {
      action: 'signup',
      authProvider: 'password',
      installationId: options.installationId,
    });
    return { user, sessionToken: token };
  }

  /**
   * Checks a username (or, with `{ email }`, an email address) and password and opens a new
   * session. Wrong credentials: 101 `Invalid username/password.` (the same for an unknown user,
   * and after the same scrypt work); too many failures for one username: 429 `RATE_LIMITED`.
   *
   * @example
   * ```ts
   * const user = await users.logIn('ada', 'lovelace');
   * await fetch(`${url}/users/me`, { headers: { 'X-Parse-Session-Token': user.sessionToken } });
   * ```
   */
  async logIn(
    username: string,
    password: string,
    options: { email?: string; installationId?: string } = {},
  ): Promise<AuthenticatedUser> {
    const byEmail = options.email !== undefined && (username === undefined || username === '');
    const name = byEmail ? (options.email as string) : username;
    if (typeof name !== 'string' || name === '') {
      throw userError(
        'REQUIRED_FIELD',
        PARSE_USER_CODES.USERNAME_MISSING,
        'username/email is required.',
        { path: 'username' },
      );
    }
    if (typeof password !== 'string' || password === '') {
      throw userError(
        'REQUIRED_FIELD',
        PARSE_USER_CODES.PASSWORD_MISSING,
        'password is required.',
        {
          path: 'password',
        },
      );
    }
    if (name.length > 254 || password.length > 1024) throw invalidLogin();
    this.#throttle?.check(name);
    await this.ready();
    const where = byEmail ? { email: exactCaseInsensitive(name) } : { username: name };
    const { results } = await this.#adapter.query({ collection: USER_CLASS, where, limit: 2 });
    const user = results.length === 1 ? results[0] : undefined;
    const ok =
      user === undefined
        ? (await spendVerificationTime(password), false)
        : await verifyPassword(password, user[HASH_FIELD]);
    if (!ok || user === undefined) {
      this.#throttle?.fail(name);
      throw invalidLogin();
    }
    this.#throttle?.succeed(name);
    const { token } = await this.#createSession(user.objectId, {
      action: 'login',
      authProvider: 'password',
      installationId: options.installationId,
    });
    return this.#authenticated(user, token);
  }

  /**
   * A session for a user without its password (cloud code's `Noodl.Users.impersonate`): exactly
   * one `_User` with that username, else `Could not find user.`; an unexpired session of the same
   * installation is reused, else one is created lasting `duration` ms (default 24 h).
   *
   * @example
   * ```ts
   * const user = await users.impersonate('ada', { duration: 3600_000 });
   * ```
   */
  async impersonate(
    username: string,
    options: { installationId?: string; duration?: number } = {},
  ): Promise<AuthenticatedUser> {
    const name = checkUsername(username);
    const duration = options.duration ?? DEFAULT_IMPERSONATION_LENGTH;
    if (!Number.isFinite(duration) || duration <= 0 || duration > MAX_SESSION_LENGTH) {
      throw new BackendError(
        'INVALID_VALUE',
        'duration: expected a positive number of milliseconds',
        {
          details: { path: 'duration' },
        },
      );
    }
    await this.ready();
    const { results } = await this.#adapter.query({
      collection: USER_CLASS,
      where: { username: name },
      limit: 2,
    });
    const user = results.length === 1 ? results[0] : undefined;
    if (user === undefined) {
      throw new BackendError('NOT_FOUND', 'Could not find user.', {
        details: { path: 'username' },
      });
    }
    const sessions = await this.#adapter.query({
      collection: SESSION_CLASS,
      where: { user: user.objectId },
      sort: '-expiresAt' as never,
      limit: 100,
    });
    const now = Date.now();
    const reusable = sessions.results.find(
      (s) =>
        typeof s.sessionToken === 'string' &&
        typeof s.expiresAt === 'string' &&
        Date.parse(s.expiresAt) > now &&
        (s.installationId ?? undefined) === options.installationId,
    );
    if (reusable !== undefined) return this.#authenticated(user, reusable.sessionToken as string);
    const { token } = await this.#createSession(user.objectId, {
      action: 'create',
      authProvider: 'impersonate',
      installationId: options.installationId,
      lengthMs: duration,
    });
    return this.#authenticated(user, token);
  }

  /**
   * Ends the session of `token` (deletes its `_Session`). Unknown tokens: 209.
   *
   * @example
   * ```ts
   * await users.logOut(user.sessionToken);
   * ```
   */
  async logOut(token: string): Promise<void> {
    const session = await this.session(token);
    this.#cache.delete(token);
    if (session === undefined) throw invalidSession();
    await this.#adapter
      .delete({ collection: SESSION_CLASS, objectId: session.sessionId })
      .catch((error: unknown) => {
        if (!isMissing(error)) throw error;
      });
  }

  /**
   * Updates a user: only the user itself (`viewer.userId`) or the master key, else 206. A new
   * password is hashed and ends every session of the user; a user changing its own password gets
   * a fresh session (`sessionToken` in the result), as Parse does.
   *
   * @example
   * ```ts
   * await users.updateUser(me.objectId, { nickname: 'Ada' }, { master: false, userId: me.objectId });
   * ```
   */
  async updateUser(
    objectId: string,
    body: unknown,
    viewer: Viewer,
    options: { installationId?: string } = {},
  ): Promise<{ user: StoredRecord; sessionToken?: string }> {
    if (!viewer.master && viewer.userId !== objectId) throw cannotModify(objectId);
    const { data, password } = userWriteData(body, 'update', viewer, objectId);
    await this.ready();
    if (password !== undefined) data[HASH_FIELD] = await hashPassword(password);
    const username = typeof data.username === 'string' ? data.username : undefined;
    const email = typeof data.email === 'string' ? data.email : undefined;
    const user = await this.#atomically(async (store) => {
      if (username !== undefined) await this.#assertFree(store, 'username', username, objectId);
      if (email !== undefined) await this.#assertFree(store, 'email', email, objectId);
      return store
        .save({ collection: USER_CLASS, objectId, data: data as never })
        .catch((error: unknown) => {
          if (isMissing(error)) {
            throw new BackendError('NOT_FOUND', 'Object not found.', { cause: error });
          }
          return duplicateAsParse(error);
        });
    });
    this.#forgetUser(objectId);
    if (password === undefined) return { user };
    await this.#deleteSessionsOf(objectId);
    if (viewer.master) return { user };
    const { token } = await this.#createSession(objectId, {
      action: 'update',
      authProvider: 'password',
      installationId: options.installationId,
    });
    return { user, sessionToken: token };
  }

  /**
   * Deletes a user and all its sessions: only the user itself or the master key, else 206.
   *
   * @example
   * ```ts
   * await users.deleteUser(me.objectId, { master: true, userId: undefined });
   * ```
   */
  async deleteUser(objectId: string, viewer: Viewer): Promise<void> {
    if (!viewer.master && viewer.userId !== objectId) throw cannotModify(objectId);
    await this.ready();
    await this.#adapter.delete({ collection: USER_CLASS, objectId }).catch((error: unknown) => {
      if (isMissing(error)) {
        throw new BackendError('NOT_FOUND', 'Object not found.', { cause: error });
      }
      throw error;
    });
    await this.#deleteSessionsOf(objectId);
  }
}
