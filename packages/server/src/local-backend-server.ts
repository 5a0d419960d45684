import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { BackendError, toBackendError, type CloudStoreAdapter } from '@localbackend/adapter';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { attachRealtime, type RealtimeHandle } from './attach-realtime';
import { ConfigStore } from './config-store';
import { createApiRouter, type CorsSetting } from './create-api-router';
import type { FunctionRunner } from './function-runner';
import type {
  WorkflowRuntime,
  WorkflowRuntimeOptions,
  WorkflowWatcher,
} from '@localbackend/workflows';
import { createConsoleLogger, type LogLevel, type Logger } from './logger';
import { hostCheck, isAllowedHost } from './internal/host-check';
import { compose } from './internal/compose';
import { errorMiddleware } from './internal/http-errors';
import { getContext, isLoopbackAddress } from './internal/request-context';
import { safeLogger } from './internal/safe-logger';
import { DirectoryFileStore } from './directory-file-store';
import type { FileStore } from './file-store';
import { MemoryFileStore } from './memory-file-store';
import { maxFileBytesOption } from './internal/parse-files';
import { UserStore, type UserStoreOptions } from './user-store';

/**
 * Options of {@link LocalBackendServer}. Give `dbPath` (the server opens a `LocalSQLAdapter` on
 * it) or `adapter` (any connected or unconnected `CloudStoreAdapter`).
 *
 * @example
 * ```ts
 * const options: LocalBackendServerOptions = {
 *   id: 'backend-1',
 *   name: 'Todo app',
 *   dbPath: './data/local.db',
 *   port: 8577,
 *   masterKey: 'change-me',
 * };
 * ```
 */
export interface LocalBackendServerOptions {
  /** Backend id, reported by `/health` (default `'local'`). */
  readonly id?: string;
  /** Backend name, reported by `/health` as `backend` (default: the database file name). */
  readonly name?: string;
  /** SQLite file to serve (`':memory:'` for a throw-away store). */
  readonly dbPath?: string;
  /** A store to serve instead of `dbPath`. */
  readonly adapter?: CloudStoreAdapter;
  /** Port (default 8577; 0 picks a free one — see {@link LocalBackendServer.getPort}). */
  readonly port?: number;
  /** Address to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** The master key (default: a random key, readable as {@link LocalBackendServer.masterKey}). */
  readonly masterKey?: string;
  /** When set, Parse requests naming another application id are refused. */
  readonly appId?: string;
  /** CORS (default `true`: every origin, as the original design for local development). */
  readonly cors?: CorsSetting;
  /** Runs `POST /functions/:name` (e.g. `@localbackend/workflows`' WorkflowRuntime); can be set later with {@link LocalBackendServer.setFunctionRunner}. */
  readonly functionRunner?: FunctionRunner;
  /**
   * Folder of `*.workflow.json` files. When set and no `functionRunner` is given, `start()`
   * creates a `WorkflowRuntime` (`@localbackend/workflows`) on the served store, loads and
   * watches the folder (hot reload), and serves its cloud functions on `POST /functions/:name`
   * and its webhooks on `/webhooks/*`; `stop()` closes it before the store.
   */
  readonly workflowsPath?: string;
  /** Options for the workflow runtime created for `workflowsPath` (workers, timeouts...). */
  readonly workflows?: Omit<WorkflowRuntimeOptions, 'adapter'>;
  /** WebSocket clients without subscriptions receive nothing (default `false`: everything). */
  readonly requireSubscription?: boolean;
  /** Structured logs (default: JSON lines on stderr at `logLevel`). */
  readonly logger?: Logger;
  /** Level of the default logger (default `info`; `debug` adds one line per request). */
  readonly logLevel?: LogLevel;
  /** Largest request body in bytes (default 10 MB). */
  readonly bodyLimit?: number;
  /** Largest query `limit` (default 10,000). */
  readonly maxLimit?: number;
  /** Requests from this machine need no master key (default `true`). */
  readonly trustLoopback?: boolean;
  /** Mount point of the Parse-compatible routes (default: the root). */
  readonly parsePath?: string;
  /** WebSocket heartbeat interval (default 30 s). */
  readonly heartbeatIntervalMs?: number;
  /** How long `stop()` lets in-flight requests finish before closing their connections (default 10 s). */
  readonly shutdownTimeoutMs?: number;
  /**
   * Host names (besides the loopback names) that requests from this machine may use in their
   * Host header — a guard against DNS rebinding, since such requests need no master key.
   * Requests from other machines are not checked (they need the master key). `'*'` turns the
   * check off.
   */
  readonly allowedHosts?: readonly string[] | '*';
  /** Where config parameters go when the store refuses the `_Config` collection (default: `<db name>.config.json` next to the database). */
  readonly configPath?: string;
  /** Disconnect the adapter in `stop()` (default `true`). */
  readonly closeAdapterOnStop?: boolean;
  /**
   * Users and sessions (`/users`, `/login`...): session length (default one year), the
   * failed-login throttle (default 10 failures per username per 5 minutes), the session cache.
   */
  readonly users?: Omit<UserStoreOptions, 'adapter' | 'logger'>;
  /**
   * Folder of uploaded files (`POST /files/:filename`). Default: `files/` next to the database
   * file (`dirname(dbPath)/files`); in memory for `':memory:'` or an `adapter` without this option.
   */
  readonly filesPath?: string;
  /** A file store to use instead of `filesPath` (see `DirectoryFileStore`, `MemoryFileStore`). */
  readonly fileStore?: FileStore;
  /** Largest uploaded file in bytes (default 20 MB); larger uploads get 413. */
  readonly maxFileBytes?: number;
  /** Extra options for the `LocalSQLAdapter` opened on `dbPath`. */
  readonly sqlite?: ConstructorParameters<typeof LocalSQLAdapter>[1];
}

const DEFAULT_PORT = 8577;

/**
 * One backend served over HTTP and WebSocket: the native `/api` routes, the Parse-compatible
 * routes (so Noodl frontends and the Parse JS SDK work unchanged), `POST /functions/:name`
 * through a pluggable {@link FunctionRunner}, `/config` backed by a {@link ConfigStore}, and the
 * realtime channel on the same port. Listens on 127.0.0.1 by default; clients on other machines
 * need the master key. `stop()` is graceful: it stops accepting, lets in-flight requests finish
 * (up to `shutdownTimeoutMs`), closes WebSockets with 1001, then closes the store.
 *
 * @example
 * ```ts
 * import { LocalBackendServer } from '@localbackend/server';
 *
 * const server = new LocalBackendServer({ id: 'todo', name: 'Todo', dbPath: './data/local.db', port: 0 });
 * await server.start();
 * console.log(`listening on http://127.0.0.1:${server.getPort()}`);
 * await fetch(`http://127.0.0.1:${server.getPort()}/api/Todo`, {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ title: 'Buy milk' }),
 * });
 * await server.stop();
 * ```
 */
export class LocalBackendServer {
  readonly #options: LocalBackendServerOptions;
  readonly #logger: Logger;
  readonly #masterKey: string;
  #adapter: CloudStoreAdapter | undefined;
  #configStore: ConfigStore | undefined;
  readonly #fileStore: FileStore;
  #users: UserStore | undefined;
  #functionRunner: FunctionRunner | undefined;
  #workflowRuntime: WorkflowRuntime | undefined;
  #workflowWatcher: WorkflowWatcher | undefined;
  #http: HttpServer | undefined;
  #realtime: RealtimeHandle | undefined;
  #port: number;
  #running = false;
  #stopping = false;
  #starting: Promise<void> | undefined;
  #stoppingPromise: Promise<void> | undefined;
  #inFlight = 0;
  #drained: (() => void) | undefined;

  constructor(options: LocalBackendServerOptions) {
    if ((options.dbPath === undefined) === (options.adapter === undefined)) {
      throw new BackendError(
        'INVALID_CONFIG',
        'LocalBackendServer: give exactly one of dbPath or adapter',
        {
          details: { path: 'dbPath' },
        },
      );
    }
    const port = options.port ?? DEFAULT_PORT;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      throw new BackendError(
        'INVALID_CONFIG',
        `port: expected an integer from 0 to 65535, got ${String(port)}`,
        {
          details: { path: 'port' },
        },
      );
    }
    if (
      options.masterKey !== undefined &&
      (typeof options.masterKey !== 'string' || options.masterKey.length < 1)
    ) {
      throw new BackendError('INVALID_CONFIG', 'masterKey: expected a non-empty string', {
        details: { path: 'masterKey' },
      });
    }
    maxFileBytesOption(options.maxFileBytes);
    this.#fileStore = options.fileStore ?? defaultFileStore(options);
    this.#options = options;
    this.#port = port;
    this.#masterKey = options.masterKey ?? randomBytes(24).toString('base64url');
    this.#functionRunner = options.functionRunner;
    this.#logger = safeLogger(
      options.logger ??
        createConsoleLogger({
          level: options.logLevel ?? 'info',
          name: options.name ?? options.id,
        }),
    );
  }

  /**
   * The master key (the one given, or the generated one).
   *
   * @example
   * ```ts
   * await fetch(`${server.url}/api/_export`, { headers: { 'X-Parse-Master-Key': server.masterKey } });
   * ```
   */
  get masterKey(): string {
    return this.#masterKey;
  }

  /**
   * The store being served (undefined before the first `start()` when created from `dbPath`).
   *
   * @example
   * ```ts
   * const { results } = await server.adapter!.query({ collection: 'Todo' });
   * ```
   */
  get adapter(): CloudStoreAdapter | undefined {
    return this.#adapter ?? this.#options.adapter;
  }

  /**
   * The config parameters behind `/config` (after `start()`); share it with the workflow
   * runtime's DbConfig node.
   *
   * @example
   * ```ts
   * await server.configStore?.update({ welcome: 'Hello' });
   * ```
   */
  get configStore(): ConfigStore | undefined {
    return this.#configStore;
  }

  /**
   * Users and sessions (after `start()`): the store behind `/users`, `/login`, `/logout` and
   * `/sessions`, also given to the workflow runtime.
   *
   * @example
   * ```ts
   * const ada = await server.users?.impersonate('ada');
   * ```
   */
  get users(): UserStore | undefined {
    return this.#users;
  }

  /**
   * Where uploaded files are kept (see {@link LocalBackendServerOptions.filesPath}).
   *
   * @example
   * ```ts
   * const file = await server.fileStore.get(name); // { contentType, size, body } | undefined
   * ```
   */
  get fileStore(): FileStore {
    return this.#fileStore;
  }

  /**
   * The realtime channel (after `start()`).
   *
   * @example
   * ```ts
   * console.log(server.realtime?.clientCount);
   * ```
   */
  get realtime(): RealtimeHandle | undefined {
    return this.#realtime;
  }

  /**
   * The workflows folder given in the options (see {@link LocalBackendServerOptions.workflowsPath}).
   *
   * @example
   * ```ts
   * const runtime = new WorkflowRuntime({ adapter: server.adapter!, workflowsPath: server.workflowsPath });
   * ```
   */
  get workflowsPath(): string | undefined {
    return this.#options.workflowsPath;
  }

  /**
   * The base URL, e.g. `http://127.0.0.1:8577`.
   *
   * @example
   * ```ts
   * Parse.serverURL = server.url;
   * ```
   */
  get url(): string {
    const host = this.#options.host ?? '127.0.0.1';
    const shown =
      host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    return `http://${shown}:${this.getPort()}`;
  }

  /**
   * Plugs in (or removes) the runner of `POST /functions/:name`; takes effect immediately.
   *
   * @example
   * ```ts
   * server.setFunctionRunner(workflowRuntime);
   * ```
   */
  setFunctionRunner(runner: FunctionRunner | undefined): void {
    this.#functionRunner = runner;
  }

  /**
   * True between a successful `start()` and `stop()`.
   *
   * @example
   * ```ts
   * if (!server.isRunning()) await server.start();
   * ```
   */
  isRunning(): boolean {
    return this.#running;
  }

  /**
   * The port: the bound one while running (useful with `port: 0`), else the configured one.
   *
   * @example
   * ```ts
   * await server.start();
   * server.getPort(); // e.g. 40213
   * ```
   */
  getPort(): number {
    return this.#port;
  }

  /**
   * Opens the store, then listens. Rejects with `UNAVAILABLE` (`details.reason: 'EADDRINUSE'`)
   * when the port is taken; calling it while running does nothing.
   *
   * @example
   * ```ts
   * await server.start();
   * ```
   */
  start(): Promise<void> {
    if (this.#running) return Promise.resolve();
    if (this.#stoppingPromise !== undefined) {
      return this.#stoppingPromise.then(() => this.start());
    }
    this.#starting ??= this.#start().finally(() => {
      this.#starting = undefined;
    });
    return this.#starting;
  }

  async #start(): Promise<void> {
    const options = this.#options;
    const adapter = options.adapter ?? new LocalSQLAdapter(options.dbPath!, options.sqlite);
    try {
      await adapter.connect();
    } catch (error) {
      throw toBackendError(error, 'Could not open the store');
    }
    this.#adapter = adapter;
    this.#configStore = new ConfigStore({ adapter, filePath: this.#configPath() });
    this.#users?.close();
    this.#users = new UserStore({ ...options.users, adapter, logger: this.#logger });
    try {
      await this.#configStore.load();
    } catch (error) {
      this.#logger.warn('could not read the config parameters', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    if (options.workflowsPath !== undefined && this.#functionRunner === undefined) {
      try {
        await this.#startWorkflows(adapter, options.workflowsPath);
      } catch (error) {
        if (options.adapter === undefined || options.closeAdapterOnStop !== false) {
          await adapter.disconnect().catch(() => undefined);
        }
        throw toBackendError(error, `Could not start the workflows in ${options.workflowsPath}`);
      }
    }
    const host = options.host ?? '127.0.0.1';
    const allowedHosts = options.allowedHosts ?? [];
    const checkHosts = allowedHosts !== '*';

    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.use(
      checkHosts
        ? compose([hostCheck(allowedHosts as readonly string[]), this.#track])
        : this.#track,
    );
    app.use(
      createApiRouter({
        adapter,
        masterKey: this.#masterKey,
        appId: options.appId,
        functionRunner: () => this.#functionRunner,
        configStore: this.#configStore,
        fileStore: this.#fileStore,
        maxFileBytes: options.maxFileBytes,
        users: this.#users,
        cors: options.cors ?? true,
        bodyLimit: options.bodyLimit,
        maxLimit: options.maxLimit,
        trustLoopback: options.trustLoopback,
        parsePath: options.parsePath,
        logger: this.#logger,
        id: options.id ?? 'local',
        name:
          options.name ??
          (options.dbPath !== undefined ? basename(options.dbPath) : 'localbackend'),
        status: () => (this.#stopping ? 'stopping' : 'ok'),
      }),
    );
    app.use(errorMiddleware(this.#logger));

    const server = createServer(
      { requestTimeout: 120_000, headersTimeout: 60_000, keepAliveTimeout: 5_000 },
      app,
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException): void => {
          server.off('listening', onListening);
          reject(error);
        };
        const onListening = (): void => {
          server.off('error', onError);
          resolve();
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(this.#port, host);
      });
    } catch (error) {
      await this.#stopWorkflows();
      if (options.adapter === undefined || options.closeAdapterOnStop !== false) {
        await adapter.disconnect().catch(() => undefined);
      }
      const code = (error as NodeJS.ErrnoException).code;
      throw new BackendError(
        'UNAVAILABLE',
        code === 'EADDRINUSE'
          ? `port ${this.#port} on ${host} is already in use`
          : `could not listen on ${host}:${this.#port} (${code ?? 'error'})`,
        { details: { path: 'port', port: this.#port, host, reason: code }, cause: error },
      );
    }
    server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.#http = server;
    this.#port = (server.address() as AddressInfo).port;
    this.#realtime = attachRealtime({
      server,
      adapter,
      masterKey: this.#masterKey,
      trustLoopback: options.trustLoopback,
      requireSubscription: options.requireSubscription,
      heartbeatIntervalMs: options.heartbeatIntervalMs,
      logger: this.#logger,
      ...(this.#users === undefined ? {} : { users: this.#users }),
      verifyUpgrade: (request: IncomingMessage) =>
        (!checkHosts ||
          !isLoopbackAddress(request.socket.remoteAddress) ||
          isAllowedHost(request.headers.host, allowedHosts as readonly string[])) &&
        originAllowed(request, options.cors ?? true),
    });
    this.#stopping = false;
    this.#running = true;
    this.#logger.info('started', { host, port: this.#port });
  }

  /**
   * The workflow runtime created for `workflowsPath` (after `start()`), e.g. for its
   * `listRuns()` / `getRun()`.
   *
   * @example
   * ```ts
   * const runs = await server.workflowRuntime?.listRuns({ limit: 10 });
   * ```
   */
  get workflowRuntime(): WorkflowRuntime | undefined {
    return this.#workflowRuntime;
  }

  async #startWorkflows(adapter: CloudStoreAdapter, dir: string): Promise<void> {
    const { WorkflowRuntime } = await import('@localbackend/workflows');
    const configStore = this.#configStore;
    const runtime = new WorkflowRuntime({
      ...(configStore === undefined ? {} : { config: () => configStore.getValues() }),
      // The Request node's auth/userId and Noodl.Users.logIn/impersonate/Current.
      ...(this.#users === undefined ? {} : { users: this.#users }),
      ...this.#options.workflows,
      adapter,
    });
    runtime.on('error', ({ reason, path }) =>
      this.#logger.warn('workflow not loaded', { file: path, reason }),
    );
    try {
      await mkdir(dir, { recursive: true });
      this.#workflowWatcher = await runtime.watch(dir);
    } catch (error) {
      await runtime.close().catch(() => undefined);
      throw error;
    }
    this.#workflowRuntime = runtime;
    this.#functionRunner = runtime;
  }

  async #stopWorkflows(): Promise<void> {
    const runtime = this.#workflowRuntime;
    if (runtime === undefined) return;
    if (this.#functionRunner === runtime) this.#functionRunner = undefined;
    this.#workflowRuntime = undefined;
    try {
      await this.#workflowWatcher?.close();
      await runtime.close();
    } catch (error) {
      this.#logger.error('closing the workflow runtime failed', {
        error: error instanceof Error ? error.message : String(error),
      });
    }
    this.#workflowWatcher = undefined;
  }

  #configPath(): string | undefined {
    if (this.#options.configPath !== undefined) return this.#options.configPath;
    const dbPath = this.#options.dbPath;
    if (dbPath === undefined || dbPath === ':memory:' || dbPath === '') return undefined;
    const name = basename(dbPath, extname(dbPath));
    return join(dirname(dbPath), `${name}.config.json`);
  }

  readonly #track = (_req: Request, res: Response, next: NextFunction): void => {
    if (this.#stopping) {
      res.setHeader('Connection', 'close');
      const error = new BackendError('UNAVAILABLE', 'the backend is stopping');
      res
        .status(error.status)
        .json(getContext(res).style === 'parse' ? error.toParseJSON() : { error: error.toJSON() });
      return;
    }
    this.#inFlight++;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.#inFlight--;
      if (this.#inFlight === 0) this.#drained?.();
    };
    // 'close' follows 'finish' and also fires when the client goes away first.
    res.once('close', finish);
    next();
  };

  /**
   * Stops gracefully: refuses new requests (503) and connections, lets in-flight requests finish
   * (up to `shutdownTimeoutMs`), closes WebSockets with code 1001, then disconnects the store.
   * Every write acknowledged before `stop()` resolves is committed. Calling it when stopped does
   * nothing.
   *
   * @example
   * ```ts
   * process.on('SIGTERM', () => void server.stop());
   * ```
   */
  stop(): Promise<void> {
    if (this.#stoppingPromise !== undefined) return this.#stoppingPromise;
    if (!this.#running) {
      return this.#starting === undefined
        ? Promise.resolve()
        : this.#starting.then(
            () => this.stop(),
            () => undefined,
          );
    }
    this.#stoppingPromise = this.#stop().finally(() => {
      this.#stoppingPromise = undefined;
    });
    return this.#stoppingPromise;
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    const server = this.#http!;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (this.#inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => {
          this.#drained = resolve;
        }),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.#options.shutdownTimeoutMs ?? 10_000);
        }),
      ]);
      clearTimeout(timer);
      this.#drained = undefined;
      if (this.#inFlight > 0) {
        this.#logger.warn('requests still running at the shutdown deadline were cut', {
          inFlight: this.#inFlight,
        });
      }
    }
    await this.#realtime?.close({ code: 1001, reason: 'server stopping' });
    server.closeAllConnections();
    await closed;
    this.#realtime = undefined;
    this.#http = undefined;
    await this.#stopWorkflows();
    this.#users?.close();
    this.#users = undefined;
    if (this.#options.closeAdapterOnStop !== false) {
      try {
        await this.#adapter?.disconnect();
      } catch (error) {
        this.#logger.error('closing the store failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    this.#running = false;
    this.#stopping = false;
    this.#logger.info('stopped', { port: this.#port });
  }
}

function defaultFileStore(options: LocalBackendServerOptions): FileStore {
  if (options.filesPath !== undefined) return new DirectoryFileStore(options.filesPath);
  const dbPath = options.dbPath;
  if (
    dbPath === undefined ||
    dbPath === '' ||
    dbPath === ':memory:' ||
    dbPath.startsWith('file:')
  ) {
    return new MemoryFileStore();
  }
  return new DirectoryFileStore(join(dirname(dbPath), 'files'));
}

function originAllowed(request: IncomingMessage, cors: CorsSetting): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || cors === true) return true;
  if (cors === false) {
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }
  const rule = cors.origin;
  if (rule === undefined) return true;
  if (typeof rule === 'string') return rule === '*' || rule === origin;
  if (typeof rule === 'function') {
    try {
      return rule(origin);
    } catch {
      return false;
    }
  }
  return rule.includes(origin);
}
