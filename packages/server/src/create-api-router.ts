import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { BackendError, isPlainRecord, type CloudStoreAdapter } from '@localbackend/adapter';
import type { ConfigStore } from './config-store';
import type { FunctionRunner } from './function-runner';
import { createConsoleLogger, type Logger } from './logger';
import { VERSION } from './version';
import { collectionParam, objectIdParam, type ApiDeps } from './internal/api-deps';
import { authenticate, detectStyle, requireMaster } from './internal/auth';
import { DEFAULT_BODY_LIMIT, jsonBodyParser } from './internal/body-parser';
import { compose } from './internal/compose';
import { corsMiddleware, type CorsSetting } from './internal/cors';
import { exportBackend } from './internal/export';
import { functionName, runFunction, runWebhook } from './internal/functions';
import { errorMiddleware, publicError, toHttpError } from './internal/http-errors';
import {
  nativeCreate,
  nativeDelete,
  nativeFetch,
  nativeQuery,
  nativeSave,
  parseNativeBatch,
  runNativeOperation,
} from './internal/native-operations';
import { changeNativeSchema } from './internal/native-schema';
import { parseAggregate } from './internal/parse-aggregate';
import {
  parseCreate,
  parseDelete,
  parseFind,
  parseGet,
  parseParseBatch,
  parseUpdate,
  runParseOperation,
} from './internal/parse-operations';
import {
  createParseSchema,
  deleteParseSchema,
  getParseSchema,
  listParseSchemas,
  updateParseSchema,
} from './internal/parse-schemas';
import { DEFAULT_QUERY_LIMITS, queryStringParams } from './internal/params';
import { getContext } from './internal/request-context';
import { requestLogger } from './internal/request-logger';
import { safeLogger } from './internal/safe-logger';
import { sendJson } from './internal/send-json';
import { SchemaCache, publicSchema } from './internal/schema-cache';
import type { FileStore } from './file-store';
import { MemoryFileStore } from './memory-file-store';
import {
  fileUploadRule,
  maxFileBytesOption,
  mountFileRoutes,
  requestOrigin,
} from './internal/parse-files';
import { requestSession, sessionResolver, viewerOf } from './internal/users/session-resolver';
import { invalidSession } from './internal/users/user-errors';
import { NOBODY, USER_CLASS } from './internal/users/user-fields';
import {
  emailRequest,
  ownUser,
  sessionsFind,
  sessionsMe,
  usersCreate,
  usersDelete,
  usersFind,
  usersGet,
  usersMe,
  usersUpdate,
} from './internal/users/user-routes';
import { UserStore } from './user-store';

export type { CorsSetting } from './internal/cors';

/**
 * Options of {@link createApiRouter}.
 *
 * @example
 * ```ts
 * const options: ApiRouterOptions = { adapter, masterKey: 'change-me', appId: 'todo', cors: true };
 * ```
 */
export interface ApiRouterOptions {
  /** The store to serve. The router does not connect or close it. */
  readonly adapter: CloudStoreAdapter;
  /** The master key (`X-Parse-Master-Key`): needed for schema changes, export, config writes and by every non-loopback client. */
  readonly masterKey: string;
  /** When set, Parse requests that name another application id are refused (403). */
  readonly appId?: string;
  /** Runs `POST /functions/:name`; a function returning the runner allows setting it later. */
  readonly functionRunner?: FunctionRunner | (() => FunctionRunner | undefined);
  /** The config parameters behind `/config`; without one `/config` serves an empty, read-only config. */
  readonly configStore?: ConfigStore;
  /** CORS: `true` (default) allows every origin, `false` sends no CORS headers, or `{ origin, credentials, maxAge }`. */
  readonly cors?: CorsSetting;
  /** Largest request body in bytes (default 10 MB); larger bodies get 413. */
  readonly bodyLimit?: number;
  /** Largest `limit` of a query (default 10,000). */
  readonly maxLimit?: number;
  /** Largest `skip` of a query (default 10,000,000). */
  readonly maxSkip?: number;
  /** Requests from this machine need no master key (default `true`). */
  readonly trustLoopback?: boolean;
  /** Where the Parse-compatible routes live, e.g. `'/parse'` (default: at the root). */
  readonly parsePath?: string;
  /** Structured logs (default: JSON lines on stderr at `info`; request lines are `debug`). */
  readonly logger?: Logger;
  /** Shown by `GET /health`. */
  readonly id?: string;
  /** Shown by `GET /health` as `backend`. */
  readonly name?: string;
  /** How long `POST /functions/:name` waits for the runner (default 60 s) before 408. */
  readonly functionTimeoutMs?: number;
  /** `GET /health` status (default `'ok'`); the server reports `'stopping'` while it drains. */
  readonly status?: () => 'ok' | 'stopping';
  /** Where `POST /files/:filename` uploads go (default: a new {@link MemoryFileStore}). */
  readonly fileStore?: FileStore;
  /** Largest uploaded file in bytes (default 20 MB); larger uploads get 413. */
  readonly maxFileBytes?: number;
  /**
   * Users and sessions behind `/users`, `/login`, `/logout`, `/sessions` (default: a new
   * {@link UserStore} on `adapter`). Pass one to share it, e.g. with a workflow runtime.
   */
  readonly users?: UserStore;
}

/**
 * The health report of `GET /health`.
 *
 * @example
 * ```ts
 * const health = (await (await fetch('http://127.0.0.1:8577/health')).json()) as HealthReport;
 * ```
 */
export interface HealthReport {
  readonly status: 'ok' | 'stopping';
  readonly backend: string;
  readonly id: string;
  readonly version: string;
  /** Seconds since the router was created. */
  readonly uptime: number;
  /** Bytes, from `process.memoryUsage()`. */
  readonly memory: { rss: number; heapUsed: number; heapTotal: number; external: number };
}

function normalizeMount(path: string | undefined): string {
  if (path === undefined || path === '' || path === '/') return '';
  const withSlash = path.startsWith('/') ? path : `/${path}`;
  return withSlash.endsWith('/') ? withSlash.slice(0, -1) : withSlash;
}

function queryParams(req: Request): Record<string, unknown> {
  return queryStringParams(req.query);
}

/** Query-string parameters plus, for a Parse `_method: 'GET'` POST, the body's. */
function parseParams(req: Request): Record<string, unknown> {
  const params = queryParams(req);
  const body: unknown = req.body;
  if (body !== undefined && !isPlainRecord(body)) {
    throw new BackendError('INVALID_JSON', 'body: expected a JSON object of query parameters', {
      details: { path: 'body', expected: 'a JSON object' },
    });
  }
  if (body !== undefined) Object.assign(params, body);
  return params;
}

/**
 * An express Router serving one store over the native routes (`/health`, `/api/...`,
 * `/functions/:name`) and the Parse-compatible routes (`/classes`, `/batch`, `/schemas`,
 * `/aggregate`, `/config`, `/functions`), with body parsing (10 MB), CORS, master-key/loopback
 * auth, validation and the error envelopes built in. Mount it in an app you own; add realtime
 * with {@link attachRealtime}.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createApiRouter, attachRealtime } from '@localbackend/server';
 * import { LocalSQLAdapter } from '@localbackend/sqlite';
 *
 * const adapter = new LocalSQLAdapter('./data/app.db');
 * await adapter.connect();
 * const app = express();
 * app.use('/backend', createApiRouter({ adapter, masterKey: process.env.MASTER_KEY! }));
 * const server = app.listen(3000, '127.0.0.1');
 * attachRealtime({ server, adapter, masterKey: process.env.MASTER_KEY! });
 * ```
 */
export function createApiRouter(options: ApiRouterOptions): Router {
  const logger = safeLogger(options.logger ?? createConsoleLogger());
  const rawLogger = options.logger ?? logger;
  const adapter = options.adapter;
  const parsePath = normalizeMount(options.parsePath);
  if (typeof options.masterKey !== 'string' || options.masterKey.length === 0) {
    throw new BackendError('INVALID_CONFIG', 'masterKey: expected a non-empty string', {
      details: { path: 'masterKey' },
    });
  }
  const users = options.users ?? new UserStore({ adapter, logger });
  const deps: ApiDeps = {
    adapter,
    schema: new SchemaCache(adapter),
    limits: {
      maxLimit: options.maxLimit ?? DEFAULT_QUERY_LIMITS.maxLimit,
      maxSkip: options.maxSkip ?? DEFAULT_QUERY_LIMITS.maxSkip,
    },
    logger,
    users,
    viewer: NOBODY,
  };
  /** Where the file routes answer for each request (this router's mount + parsePath). */
  const fileBases = new WeakMap<Response, string>();
  const fileSegment = encodeURIComponent(options.appId ?? 'local');
  /**
   * The deps of one request: who is asking decides what of `_User` records is shown, and the
   * request's origin the urls of stored files.
   */
  const reqDeps = (res: Response): ApiDeps => {
    const viewer = viewerOf(res);
    const base = fileBases.get(res);
    const fileUrl =
      base === undefined ? undefined : (name: string) => `${base}/files/${fileSegment}/${name}`;
    return viewer.master || viewer.userId !== undefined
      ? { ...deps, viewer, fileUrl }
      : { ...deps, fileUrl };
  };
  const authOptions = {
    masterKey: options.masterKey,
    appId: options.appId,
    trustLoopback: options.trustLoopback ?? true,
    parsePath,
  };
  const runner = (): FunctionRunner | undefined =>
    typeof options.functionRunner === 'function'
      ? options.functionRunner()
      : options.functionRunner;
  const functionTimeoutMs = options.functionTimeoutMs ?? 60_000;
  const createdAt = Date.now();
  const maxFileBytes = maxFileBytesOption(options.maxFileBytes);
  const master = (res: Response): boolean => getContext(res).master;

  const router = express.Router({ caseSensitive: true, strict: false });
  router.use(
    compose([
      corsMiddleware(options.cors ?? true),
      requestLogger(rawLogger),
      detectStyle(authOptions),
      jsonBodyParser(
        options.bodyLimit ?? DEFAULT_BODY_LIMIT,
        fileUploadRule(parsePath, maxFileBytes),
      ),
      authenticate(authOptions),
      sessionResolver(users),
    ]),
  );
  router.use((req: Request, res: Response, next: NextFunction) => {
    fileBases.set(res, `${requestOrigin(req)}${req.baseUrl}${parsePath}`);
    next();
  });

  // ---- native routes -------------------------------------------------------------------------
  router.get('/health', (_req, res) => {
    const memory = process.memoryUsage();
    const report: HealthReport = {
      status: options.status?.() ?? 'ok',
      backend: options.name ?? '',
      id: options.id ?? '',
      version: VERSION,
      uptime: Math.round((Date.now() - createdAt) / 10) / 100,
      memory: {
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
      },
    };
    sendJson(res, report);
  });
  router.get('/api/_schema', async (_req, res) => {
    sendJson(res, publicSchema(await adapter.getSchema()));
  });
  router.post('/api/_schema', requireMaster('changing the schema'), async (req, res) => {
    sendJson(res, await changeNativeSchema(deps, req.body));
  });
  router.get('/api/_export', requireMaster('exporting'), async (req, res) => {
    const result = await exportBackend(deps, queryParams(req));
    res.setHeader('Content-Type', result.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${result.filename}"`);
    res.send(result.body);
  });
  router.post('/api/_batch', async (req, res) => {
    const { operations, transaction } = parseNativeBatch(req.body, master(res));
    if (transaction) {
      if (!adapter.capabilities.transactions) {
        throw new BackendError('UNSUPPORTED', 'body.transaction: this storage has no transactions');
      }
      const results = await adapter.transaction(async (tx) => {
        const txDeps: ApiDeps = { ...reqDeps(res), adapter: tx };
        const out: unknown[] = [];
        for (let i = 0; i < operations.length; i++) {
          try {
            out.push({ success: await runNativeOperation(txDeps, operations[i]!) });
          } catch (error) {
            throw atIndex(error, i, 'body.requests');
          }
        }
        return out;
      });
      sendJson(res, { results });
      return;
    }
    const results: unknown[] = [];
    for (const op of operations) {
      try {
        results.push({ success: await runNativeOperation(reqDeps(res), op) });
      } catch (error) {
        results.push({ error: publicError(toHttpError(error)).toJSON() });
      }
    }
    sendJson(res, { results });
  });
  router.get('/api/:table', async (req, res) => {
    const table = collectionParam(req.params.table, 'params.table', master(res));
    sendJson(res, await nativeQuery(reqDeps(res), table, queryParams(req)));
  });
  router.post('/api/:table', async (req, res) => {
    const table = collectionParam(req.params.table, 'params.table', master(res));
    sendJson(res, await nativeCreate(reqDeps(res), table, req.body), 201);
  });
  router.get('/api/:table/:id', async (req, res) => {
    const table = collectionParam(req.params.table, 'params.table', master(res));
    const id = objectIdParam(req.params.id, 'params.id');
    sendJson(res, await nativeFetch(reqDeps(res), table, id, queryParams(req)));
  });
  router.put('/api/:table/:id', async (req, res) => {
    const table = collectionParam(req.params.table, 'params.table', master(res));
    const id = objectIdParam(req.params.id, 'params.id');
    sendJson(res, await nativeSave(reqDeps(res), table, id, req.body));
  });
  router.delete('/api/:table/:id', async (req, res) => {
    const table = collectionParam(req.params.table, 'params.table', master(res));
    const id = objectIdParam(req.params.id, 'params.id');
    sendJson(res, await nativeDelete(reqDeps(res), table, id));
  });
  // Noodl cloud-function names contain slashes (`API/test/POST`): every segment is part of it.
  router.post('/functions/*name', async (req, res) => {
    const segments = (req.params as { name?: unknown }).name;
    const name = Array.isArray(segments) ? segments.join('/') : segments;
    await runFunction(runner(), functionName(name), req, res, functionTimeoutMs);
  });
  // Webhook Trigger workflows: any method, the path after /webhooks/ names the webhook.
  router.all('/webhooks/*path', async (req, res) => {
    const segments = (req.params as { path?: unknown }).path;
    const path = Array.isArray(segments) ? segments.join('/') : segments;
    await runWebhook(runner(), functionName(path), req, res, functionTimeoutMs);
  });

  // ---- Parse-compatible routes -----------------------------------------------------------------
  const parse = express.Router({ caseSensitive: true, strict: false });
  mountUserRoutes(parse, users, reqDeps);
  parse.get('/classes/:className', async (req, res) => {
    const className = collectionParam(req.params.className, 'className', master(res));
    sendJson(res, await parseFind(reqDeps(res), className, parseParams(req)));
  });
  parse.post('/classes/:className', async (req, res) => {
    const className = collectionParam(req.params.className, 'className', master(res));
    const created = await parseCreate(reqDeps(res), className, req.body);
    res.location(`${req.baseUrl}/classes/${className}/${String(created.objectId)}`);
    sendJson(res, created, 201);
  });
  parse.get('/classes/:className/:objectId', async (req, res) => {
    const className = collectionParam(req.params.className, 'className', master(res));
    const objectId = objectIdParam(req.params.objectId, 'objectId');
    sendJson(res, await parseGet(reqDeps(res), className, objectId, parseParams(req)));
  });
  parse.put('/classes/:className/:objectId', async (req, res) => {
    const className = collectionParam(req.params.className, 'className', master(res));
    const objectId = objectIdParam(req.params.objectId, 'objectId');
    sendJson(res, await parseUpdate(reqDeps(res), className, objectId, req.body));
  });
  parse.delete('/classes/:className/:objectId', async (req, res) => {
    const className = collectionParam(req.params.className, 'className', master(res));
    const objectId = objectIdParam(req.params.objectId, 'objectId');
    sendJson(res, await parseDelete(reqDeps(res), className, objectId));
  });
  parse.post('/batch', async (req, res) => {
    const { operations, transaction } = parseParseBatch(req.body, master(res));
    if (transaction) {
      if (!adapter.capabilities.transactions) {
        throw new BackendError('UNSUPPORTED', 'transaction: this storage has no transactions');
      }
      const results = await adapter.transaction(async (tx) => {
        const txDeps: ApiDeps = { ...reqDeps(res), adapter: tx };
        const out: unknown[] = [];
        for (let i = 0; i < operations.length; i++) {
          const op = operations[i]!;
          if (BackendError.is(op)) throw op;
          out.push({ success: await runParseOperation(txDeps, op) });
        }
        return out;
      });
      sendJson(res, results);
      return;
    }
    const results: unknown[] = [];
    for (const op of operations) {
      if (BackendError.is(op)) {
        results.push({ error: op.toParseJSON() });
        continue;
      }
      try {
        results.push({ success: await runParseOperation(reqDeps(res), op) });
      } catch (error) {
        results.push({ error: publicError(toHttpError(error)).toParseJSON() });
      }
    }
    sendJson(res, results);
  });
  parse.get('/schemas', async (_req, res) => {
    sendJson(res, await listParseSchemas(deps));
  });
  parse.post('/schemas', requireMaster('changing the schema'), async (req, res) => {
    sendJson(res, await createParseSchema(deps, undefined, req.body), 201);
  });
  parse.get('/schemas/:className', async (req, res) => {
    const className = collectionParam(req.params.className, 'className', master(res));
    sendJson(res, await getParseSchema(deps, className));
  });
  parse.post('/schemas/:className', requireMaster('changing the schema'), async (req, res) => {
    const className = collectionParam(req.params.className, 'className', false);
    sendJson(res, await createParseSchema(deps, className, req.body), 201);
  });
  parse.put('/schemas/:className', requireMaster('changing the schema'), async (req, res) => {
    const className = collectionParam(req.params.className, 'className', false);
    sendJson(res, await updateParseSchema(deps, className, req.body));
  });
  parse.delete('/schemas/:className', requireMaster('changing the schema'), async (req, res) => {
    const className = collectionParam(req.params.className, 'className', false);
    sendJson(res, await deleteParseSchema(deps, className));
  });
  parse.get('/aggregate/:className', async (req, res) => {
    const className = collectionParam(req.params.className, 'className', master(res));
    sendJson(res, await parseAggregate(reqDeps(res), className, parseParams(req)));
  });
  parse.get('/config', async (_req, res) => {
    if (options.configStore === undefined) {
      sendJson(res, { params: {} });
      return;
    }
    const snapshot = await options.configStore.getAll({ includeMasterKeyOnly: master(res) });
    sendJson(res, master(res) ? snapshot : { params: snapshot.params });
  });
  parse.put('/config', requireMaster('changing the config'), async (req, res) => {
    if (options.configStore === undefined) {
      throw new BackendError('UNSUPPORTED', 'this server has no config store');
    }
    const body: unknown = req.body === undefined ? {} : req.body;
    if (!isPlainRecord(body)) {
      throw new BackendError('INVALID_JSON', 'body: expected {"params": {...}}', {
        details: { path: 'body' },
      });
    }
    for (const key of Object.keys(body)) {
      if (key !== 'params' && key !== 'masterKeyOnly') {
        throw new BackendError(
          'INVALID_VALUE',
          `body.${key}: unknown key; expected params, masterKeyOnly`,
          {
            details: { path: `body.${key}` },
          },
        );
      }
    }
    await options.configStore.update(
      (body.params === undefined ? {} : body.params) as Record<string, unknown>,
      (body.masterKeyOnly === undefined ? {} : body.masterKeyOnly) as Record<string, boolean>,
    );
    sendJson(res, { result: true });
  });
  mountFileRoutes(parse, {
    store: options.fileStore ?? new MemoryFileStore(),
    appId: options.appId,
    maxFileBytes,
  });
  router.use(parsePath === '' ? '/' : parsePath, parse);

  router.use((req: Request) => {
    throw new BackendError('ROUTE_NOT_FOUND', `no route ${req.method} ${req.path.slice(0, 200)}`, {
      details: { path: 'url' },
    });
  });
  router.use(errorMiddleware(logger));
  return router;
}

function atIndex(error: unknown, index: number, path: string): BackendError {
  const err = toHttpError(error);
  return new BackendError(err.code, `${path}[${index}]: ${err.message}`, {
    details: { ...(err.details ?? {}), index },
    cause: err,
  });
}

/**
 * The Parse users and sessions routes: `/users[/me|/:id]`, `/login`, `/logout`, `/sessions[/me]`,
 * `/requestPasswordReset`, `/verificationEmailRequest`, and `/classes/_User[/:id]` (the same as
 * `/users`).
 */
function mountUserRoutes(
  parse: Router,
  users: UserStore,
  reqDeps: (res: Response) => ApiDeps,
): void {
  const installation = (res: Response): string | undefined => getContext(res).installationId;
  const signUp = async (req: Request, res: Response, base: string): Promise<void> => {
    const created = await usersCreate(reqDeps(res), req.body, installation(res));
    res.location(`${req.baseUrl}${base}/${created.objectId}`);
    sendJson(res, created, 201);
  };
  const find = async (req: Request, res: Response): Promise<void> => {
    sendJson(res, await usersFind(reqDeps(res), parseParams(req)));
  };
  const get = async (req: Request, res: Response): Promise<void> => {
    const objectId = objectIdParam(req.params.objectId, 'objectId');
    sendJson(res, await usersGet(reqDeps(res), objectId, parseParams(req)));
  };
  const update = async (req: Request, res: Response): Promise<void> => {
    const objectId = objectIdParam(req.params.objectId, 'objectId');
    sendJson(res, await usersUpdate(reqDeps(res), objectId, req.body, installation(res)));
  };
  const remove = async (req: Request, res: Response): Promise<void> => {
    const objectId = objectIdParam(req.params.objectId, 'objectId');
    sendJson(res, await usersDelete(reqDeps(res), objectId));
  };
  const me = async (_req: Request, res: Response): Promise<void> => {
    sendJson(res, await usersMe(reqDeps(res), await requestSession(res, users)));
  };
  const logIn = async (req: Request, res: Response): Promise<void> => {
    const params = parseParams(req);
    for (const key of ['username', 'email', 'password'] as const) {
      const value = params[key];
      if (value !== undefined && typeof value !== 'string') {
        throw new BackendError('INVALID_VALUE', `${key}: expected a string`, {
          details: { path: key, expected: 'a string' },
        });
      }
    }
    const email = params.email as string | undefined;
    const installationId = installation(res);
    const user = await users.logIn(
      (params.username as string | undefined) ?? '',
      (params.password as string | undefined) ?? '',
      {
        ...(email === undefined ? {} : { email }),
        ...(installationId === undefined ? {} : { installationId }),
      },
    );
    const { sessionToken, ...stored } = user;
    sendJson(res, await ownUser(reqDeps(res), stored as never, sessionToken));
  };

  parse.post('/users', (req, res) => signUp(req, res, '/users'));
  parse.get('/users', find);
  parse.get('/users/me', me);
  parse.get('/users/:objectId', get);
  parse.put('/users/:objectId', update);
  parse.delete('/users/:objectId', remove);
  parse.post(`/classes/${USER_CLASS}`, (req, res) => signUp(req, res, `/classes/${USER_CLASS}`));
  parse.get(`/classes/${USER_CLASS}`, find);
  parse.get(`/classes/${USER_CLASS}/:objectId`, get);
  parse.put(`/classes/${USER_CLASS}/:objectId`, update);
  parse.delete(`/classes/${USER_CLASS}/:objectId`, remove);
  parse.get('/login', logIn);
  parse.post('/login', logIn);
  parse.post('/logout', async (_req, res) => {
    const session = await requestSession(res, users);
    if (session === undefined) throw invalidSession();
    await users.logOut(session.token);
    sendJson(res, {});
  });
  parse.get('/sessions/me', async (_req, res) => {
    sendJson(res, await sessionsMe(reqDeps(res), await requestSession(res, users)));
  });
  parse.get('/sessions', async (req, res) => {
    const session = getContext(res).master ? undefined : await requestSession(res, users);
    sendJson(res, await sessionsFind(reqDeps(res), parseParams(req), session));
  });
  parse.post('/requestPasswordReset', (req) => emailRequest(req.body, 'password reset'));
  parse.post('/verificationEmailRequest', (req) => emailRequest(req.body, 'verification'));
}
