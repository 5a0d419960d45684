import { readFile, readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import {
  BackendError,
  toBackendError,
  type CloudStoreAdapter,
  type ErrorCode,
} from '@localbackend/adapter';
import { NodeCatalog, type NodeDescriptor } from '../catalog/node-catalog';
import { orderedId } from '../engine/fast-id';
import type { LogLevel, NodeDefinition, RunStart, SessionUser } from '../catalog/node-definition';
import type { RunOutcome, RunSpec } from '../engine/run-types';
import { normalizeWorkflowDocument } from '../model/normalize-workflow';
import type { WorkflowModel } from '../model/workflow-model';
import { builtInNodes } from '../nodes/built-in-nodes';
import { ADAPTER_METHODS, SERVICE_METHODS, type CallMethod } from '../pool/protocol';
import { WorkerPool, type PoolEvent } from '../pool/worker-pool';
import {
  AdapterRunStore,
  MemoryRunStore,
  materializeRun,
  type RunFilter,
  type RunLogRecord,
  type RunRecord,
  type RunStore,
  type RunTrigger,
  type RunWrite,
} from '../records/run-store';
import { RunRecorder } from '../records/run-recorder';
import { TriggerManager } from '../triggers/trigger-manager';
import { extractTriggers, normalizeWebhookPath, type TriggerSpec } from '../triggers/trigger-spec';
import { Engine, type EngineServices } from './engine';
import {
  CachedValue,
  SchemaCache,
  adapterConfigSource,
  adapterUserService,
  type ConfigSource,
  type UserService,
} from './host-services';
import { noAdapter } from './no-adapter';
import { WorkflowRegistry, type Generation, type LoadedDocument } from './workflow-registry';
import { WorkflowWatcher, type WatchOptions } from './workflow-watcher';

/**
 * How runs are isolated from the host process. `worker` (default): runs execute in a pool of
 * worker threads with a memory limit and a starvation watchdog. `none`: runs execute on the
 * calling thread (fastest start, but a runaway workflow can block or crash the host).
 *
 * @example
 * ```ts
 * const isolation: Isolation = 'worker';
 * ```
 */
export type Isolation = 'worker' | 'none';

/**
 * Options of {@link WorkflowRuntime}.
 *
 * @example
 * ```ts
 * const options: WorkflowRuntimeOptions = { adapter, timeoutMs: 30_000, workers: 2 };
 * ```
 */
export interface WorkflowRuntimeOptions {
  /** Where data nodes read and write. Without one, data nodes fail with `UNAVAILABLE`. */
  readonly adapter?: CloudStoreAdapter;
  /** Default `worker`. */
  readonly isolation?: Isolation;
  /** Worker threads (default: 2, or 1 on a single-CPU machine). */
  readonly workers?: number;
  /** A run fails with `TIMEOUT` after this long without a response (default 30 000 ms). */
  readonly timeoutMs?: number;
  /** The synchronous part of one script call may run this long (default 5 000 ms). */
  readonly scriptTimeoutMs?: number;
  /** A worker whose event loop does not turn for this long is terminated (default 10 000 ms). */
  readonly stallTimeoutMs?: number;
  /** Heap limit of each worker, in MB (default 256). */
  readonly maxMemoryMb?: number;
  /** Session and login handling (default: sessions through the adapter, no `logIn`). */
  readonly users?: UserService;
  /** The config parameters for the Config node (default: the server's `_Config` record through the adapter). */
  readonly config?: ConfigSource;
  /** How long config parameters are cached, in ms (default 1 000). */
  readonly configCacheMs?: number;
  /** Execution records; `false` keeps none. */
  readonly records?:
    | false
    | {
        readonly store?: RunStore;
        readonly retention?: number;
        readonly flushIntervalMs?: number;
        /**
         * Longest request / response body kept whole in a record, in characters (default 2 048);
         * a longer one is kept as `{ truncated: true, preview, length }` with a 1 024-character
         * preview. Records are for tracing runs; whole bodies of list answers made every run pay
         * for writing (and later pruning) them.
         */
        readonly maxBodyChars?: number;
      };
  /** Lowest level kept in run logs (default `info`). */
  readonly logLevel?: LogLevel;
  /** Most log lines kept per run (default 500). */
  readonly maxLogLines?: number;
  /** Custom node types (with `module` set when workers are used). */
  readonly nodes?: readonly NodeDefinition[];
  /** Runs started by one trigger that may be in flight at once (default 8; more wait). */
  readonly triggerConcurrency?: number;
  /** Overrides the worker entry file (for bundlers that relocate it). */
  readonly workerEntry?: URL | string;
}

/**
 * The request of {@link WorkflowRuntime.run}: the JSON body as a string (or a value, which is
 * serialised) and the HTTP headers (names are lower-cased).
 *
 * @example
 * ```ts
 * const request: RunRequest = { body: '{"name":"Ada"}', headers: { 'x-parse-session-token': 'r:abc' } };
 * ```
 */
export interface RunRequest {
  readonly body?: string | unknown;
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * The answer of a run, in Noodl's CloudRunner shape (`statusCode`, JSON `body`), plus the run id
 * and, for failed runs, the error code.
 *
 * @example
 * ```ts
 * const result: RunResult = await runtime.run('hello', { body: '{}' });
 * if (result.statusCode === 200) JSON.parse(result.body).result;
 * ```
 */
export interface RunResult {
  readonly statusCode: number;
  /** A JSON string: `{"result":…}` or `{"error":"…"}`. */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The execution record id ({@link WorkflowRuntime.getRun}). */
  readonly runId: string;
  readonly status: 'success' | 'failure' | 'error';
  /** Why the run failed (`TIMEOUT`, `RESOURCE_LIMIT`, `FUNCTION_NOT_FOUND`, `UNAUTHORIZED`...). */
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

/**
 * Per-call options of {@link WorkflowRuntime.run}.
 *
 * @example
 * ```ts
 * await runtime.run('slow', { body: '{}' }, { timeoutMs: 60_000 });
 * ```
 */
export interface RunOptions {
  readonly timeoutMs?: number;
}

/**
 * A webhook call ({@link WorkflowRuntime.webhook}).
 *
 * @example
 * ```ts
 * const call: WebhookRequest = { method: 'POST', body: '{"event":"push"}', headers: {}, query: {} };
 * ```
 */
export interface WebhookRequest extends RunRequest {
  readonly method: string;
  readonly query?: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/**
 * What {@link WorkflowRuntime.load} reports.
 *
 * @example
 * ```ts
 * const { functions, triggers } = runtime.load(doc, { source: 'api' });
 * ```
 */
export interface LoadResult {
  readonly source: string;
  /** The callable workflows of the document. */
  readonly functions: readonly string[];
  readonly triggers: readonly TriggerSpec[];
  /** Unknown node types, dropped connections' reasons... (the document still loaded). */
  readonly warnings: readonly string[];
  /** True when an earlier version of the same source was replaced. */
  readonly replaced: boolean;
}

/**
 * A loaded workflow, as {@link WorkflowRuntime.list} reports it.
 *
 * @example
 * ```ts
 * runtime.list().map((w) => `${w.kind}:${w.name}`);
 * ```
 */
export interface WorkflowInfo {
  readonly name: string;
  readonly kind: 'cloud' | 'local';
  readonly component: string;
  readonly source: string;
  readonly triggers: readonly TriggerSpec[];
  readonly loadedAt: string;
}

/**
 * The events of a runtime ({@link WorkflowRuntime.on}).
 *
 * @example
 * ```ts
 * runtime.on('error', ({ path, reason }) => console.error(path, reason));
 * ```
 */
export interface WorkflowRuntimeEvents {
  /** A document was loaded (or replaced). */
  readonly load: LoadResult;
  /** A document was unloaded. */
  readonly unload: { readonly source: string };
  /** A file could not be loaded, a trigger failed, records could not be written... */
  readonly error: {
    readonly reason: string;
    readonly path?: string;
    readonly source?: string;
    readonly error: BackendError;
  };
  /** A run ended. */
  readonly run: RunRecord;
  /** A worker thread was terminated and replaced, or failed to start. */
  readonly worker: PoolEvent;
}

/**
 * A listener given to {@link WorkflowRuntime.on}: called with the event's payload.
 *
 * @example
 * ```ts
 * const onRun: WorkflowRuntimeListener<RunRecord> = (run) => console.log(run.workflow, run.status);
 * runtime.on('run', onRun);
 * ```
 */
export type WorkflowRuntimeListener<T> = (event: T) => void;

const DEFAULT_TIMEOUT_MS = 30_000;
const REDACTED_HEADERS = new Set([
  'x-parse-session-token',
  'x-parse-master-key',
  'authorization',
  'cookie',
  'x-webhook-secret',
  'x-parse-rest-api-key',
  'x-parse-javascript-key',
]);
const DEFAULT_RECORDED_CHARS = 2_048;
const PREVIEW_CHARS = 1_024;

function normalizeHeaders(headers: RunRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof headers !== 'object' || headers === null) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '{}';
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && (body instanceof Uint8Array || Buffer.isBuffer(body)))
    return Buffer.from(body).toString('utf8');
  try {
    return JSON.stringify(body) ?? '{}';
  } catch {
    return '{}';
  }
}

/** JSON text of a value for an execution record, replaced by a preview when it is too large. */
function recordJson(value: unknown, max: number): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return '{"unserialisable":true}';
  }
  if (text === undefined) return 'null';
  return recordBody(text, max);
}

/** A body (JSON text) for an execution record, replaced by a preview when it is too large. */
function recordBody(text: string, max: number): string {
  return text.length <= max
    ? text
    : JSON.stringify({
        truncated: true,
        preview: text.slice(0, Math.min(max, PREVIEW_CHARS)),
        length: text.length,
      });
}

function redact(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    out[name] = REDACTED_HEADERS.has(name) ? '[redacted]' : value;
  return out;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new BackendError(
      'INVALID_CONFIG',
      `${name}: expected a positive number, got ${String(value)}`,
      { details: { path: name } },
    );
  }
  return value;
}

function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json; charset=utf-8',
});

/**
 * Runs Noodl visual workflows as backend logic: cloud functions (`run`), webhooks, schedules and
 * database-change triggers, with Noodl's execution model and node types, execution records, hot
 * reload and isolation of runaway workflows.
 *
 * @example
 * ```ts
 * import { LocalSQLAdapter } from '@localbackend/sqlite';
 * import { WorkflowRuntime } from '@localbackend/workflows';
 *
 * const runtime = new WorkflowRuntime({ adapter: new LocalSQLAdapter('./data/local.db') });
 * await runtime.watch('./workflows');
 * const { statusCode, body } = await runtime.run('API/test/POST', { body: '{"param1":"x"}', headers: {} });
 * // 200 '{"result":{"test":"x post ok"}}'
 * await runtime.close();
 * ```
 */
export class WorkflowRuntime {
  readonly #adapter: CloudStoreAdapter;
  readonly #catalog: NodeCatalog;
  readonly #isolation: Isolation;
  readonly #timeoutMs: number;
  readonly #scriptTimeoutMs: number;
  readonly #stallTimeoutMs: number;
  readonly #logLevel: LogLevel;
  readonly #maxLogLines: number;
  readonly #users: UserService;
  readonly #config: CachedValue<Readonly<Record<string, unknown>>>;
  readonly #schema: SchemaCache;
  readonly #registry: WorkflowRegistry;
  readonly #engine: Engine | undefined;
  readonly #pool: WorkerPool | undefined;
  readonly #triggers: TriggerManager;
  readonly #recorder: RunRecorder | undefined;
  #recordedChars = DEFAULT_RECORDED_CHARS;
  readonly #nodeModules: string[] = [];
  readonly #listeners = new Map<keyof WorkflowRuntimeEvents, Set<WorkflowRuntimeListener<never>>>();
  readonly #watchers = new Set<WorkflowWatcher>();
  readonly #inflight = new Set<Promise<unknown>>();
  #closed = false;

  constructor(options: WorkflowRuntimeOptions = {}) {
    this.#adapter = options.adapter ?? noAdapter;
    this.#isolation = options.isolation ?? 'worker';
    if (this.#isolation !== 'worker' && this.#isolation !== 'none') {
      throw new BackendError(
        'INVALID_CONFIG',
        `isolation: expected "worker" or "none", got ${JSON.stringify(this.#isolation)}`,
      );
    }
    this.#timeoutMs = positive('timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
    this.#scriptTimeoutMs = positive('scriptTimeoutMs', options.scriptTimeoutMs, 5_000);
    this.#stallTimeoutMs = positive('stallTimeoutMs', options.stallTimeoutMs, 10_000);
    const maxMemoryMb = positive('maxMemoryMb', options.maxMemoryMb, 256);
    const workers = Math.floor(
      positive('workers', options.workers, availableParallelism() > 1 ? 2 : 1),
    );
    this.#logLevel = options.logLevel ?? 'info';
    this.#maxLogLines = Math.floor(positive('maxLogLines', options.maxLogLines, 500));
    this.#users = options.users ?? adapterUserService(this.#adapter);
    const configSource = options.config ?? adapterConfigSource(this.#adapter);
    this.#config = new CachedValue(configSource, options.configCacheMs ?? 1_000);
    this.#schema = new SchemaCache(this.#adapter);
    this.#catalog = new NodeCatalog(builtInNodes);
    for (const definition of options.nodes ?? []) this.registerNode(definition);

    if (this.#isolation === 'none') {
      this.#engine = new Engine(this.#catalog, { scriptTimeoutMs: this.#scriptTimeoutMs });
      this.#registry = new WorkflowRegistry({
        setDocument: (key, model) => this.#engine!.addDocument(key, model),
        deleteDocument: (key) => this.#engine!.removeDocument(key),
        setGeneration: (id, keys) => this.#engine!.setGeneration(id, keys),
        deleteGeneration: (id) => this.#engine!.dropGeneration(id),
      });
    } else {
      this.#pool = new WorkerPool({
        size: workers,
        scriptTimeoutMs: this.#scriptTimeoutMs,
        configCacheMs: options.configCacheMs ?? 1_000,
        stallTimeoutMs: this.#stallTimeoutMs,
        maxMemoryMb,
        nodeModules: this.#nodeModules,
        onCall: (_slot, method, args) => this.#serve(method, args),
        onEvent: (event) => this.#emit('worker', event),
        ...(options.workerEntry === undefined ? {} : { entry: options.workerEntry }),
      });
      this.#registry = new WorkflowRegistry(this.#pool);
    }
    this.#triggers = new TriggerManager(
      this.#adapter,
      (spec, start) => this.#fire(spec, start),
      (reason, spec) =>
        this.#emit('error', {
          reason,
          source: spec.workflow,
          error: new BackendError('INTERNAL', reason),
        }),
      { concurrency: options.triggerConcurrency ?? 8 },
    );
    if (options.records !== false) {
      const store =
        options.records?.store ??
        (options.adapter === undefined ? new MemoryRunStore() : new AdapterRunStore(this.#adapter));
      this.#recordedChars = positive(
        'records.maxBodyChars',
        options.records?.maxBodyChars,
        DEFAULT_RECORDED_CHARS,
      );
      this.#recorder = new RunRecorder(store, {
        ...(options.records?.retention === undefined
          ? {}
          : { retention: options.records.retention }),
        ...(options.records?.flushIntervalMs === undefined
          ? {}
          : { flushIntervalMs: options.records.flushIntervalMs }),
        onError: (error) => {
          const e = toBackendError(error, 'execution records could not be written');
          this.#emit('error', {
            reason: `execution records could not be written: ${e.message}`,
            error: e,
          });
        },
      });
    }
  }

  /** The isolation mode in use. */
  get isolation(): Isolation {
    return this.#isolation;
  }

  /**
   * Starts the worker threads now instead of on the first run.
   *
   * @example
   * ```ts
   * await runtime.start();
   * ```
   */
  async start(): Promise<void> {
    this.#assertOpen();
    await this.#pool?.start();
  }

  /**
   * Adds a custom node type. With worker isolation the definition needs `module` (a URL or path
   * of an ES module exporting it), because workers load node implementations themselves; register
   * before the first run.
   *
   * @example
   * ```ts
   * runtime.registerNode(myUpperCaseNode); // defined with module: import.meta.url
   * ```
   */
  registerNode(definition: NodeDefinition): void {
    this.#catalog.register(definition, { replace: true });
    if (this.#isolation === 'worker') {
      if (definition.module === undefined) {
        throw new BackendError(
          'INVALID_CONFIG',
          `node ${JSON.stringify(definition.type)}: with worker isolation a custom node needs \`module\` (the URL of an ES module that exports it, e.g. import.meta.url), or use isolation: 'none'`,
          { details: { path: 'module' } },
        );
      }
      if (this.#pool !== undefined && this.#pool.size > 0) {
        throw new BackendError(
          'INVALID_CONFIG',
          `node ${JSON.stringify(definition.type)}: register custom nodes before the workers start (before the first run or start())`,
        );
      }
      if (!this.#nodeModules.includes(definition.module)) this.#nodeModules.push(definition.module);
    }
  }

  /**
   * The node catalog, for an editor's palette.
   *
   * @example
   * ```ts
   * runtime.listNodes().filter((n) => n.category === 'Triggers');
   * ```
   */
  listNodes(): NodeDescriptor[] {
    return this.#catalog.list();
  }

  /**
   * Loads a workflow document (either editor format) from an object. A document with the same
   * `source` is replaced atomically: new runs use the new version, runs in flight finish on
   * theirs, and the old version's triggers stop. Throws `INVALID_VALUE` for a broken document
   * (the previous version stays loaded).
   *
   * @example
   * ```ts
   * runtime.load(JSON.parse(text), { source: 'api.workflow.json' });
   * ```
   */
  load(document: unknown, options: { readonly source?: string } = {}): LoadResult {
    this.#assertOpen();
    const provisional = options.source ?? 'workflow';
    const model = normalizeWorkflowDocument(document, provisional);
    const source = options.source ?? `object:${model.components[0]?.name ?? 'empty'}`;
    return this.#install(source, model);
  }

  /**
   * Loads a `*.workflow.json` file (its absolute path is its source).
   *
   * @example
   * ```ts
   * await runtime.loadFile('./workflows/api.workflow.json');
   * ```
   */
  async loadFile(path: string): Promise<LoadResult> {
    this.#assertOpen();
    const source = resolvePath(path);
    let text: string;
    try {
      text = await readFile(source, 'utf8');
    } catch (error) {
      throw new BackendError(
        'NOT_FOUND',
        `${source}: cannot read the file (${(error as Error).message})`,
        { cause: error, details: { file: source } },
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch (error) {
      throw new BackendError(
        'INVALID_JSON',
        `${source}: not valid JSON (${(error as Error).message})`,
        { cause: error, details: { file: source } },
      );
    }
    return this.#install(source, normalizeWorkflowDocument(json, source));
  }

  /**
   * Loads every `*.workflow.json` file of a directory; broken files are reported (event `error`
   * and in the result) and skipped.
   *
   * @example
   * ```ts
   * const { loaded, errors } = await runtime.loadDirectory('./workflows');
   * ```
   */
  async loadDirectory(
    dir: string,
  ): Promise<{ loaded: LoadResult[]; errors: { path: string; reason: string }[] }> {
    this.#assertOpen();
    const root = resolvePath(dir);
    const names = (await readdir(root)).filter((n) => n.endsWith('.workflow.json')).sort();
    const loaded: LoadResult[] = [];
    const errors: { path: string; reason: string }[] = [];
    for (const name of names) {
      const path = resolvePath(root, name);
      try {
        loaded.push(await this.loadFile(path));
      } catch (error) {
        const e = toBackendError(error);
        errors.push({ path, reason: e.message });
        this.#emit('error', { path, reason: e.message, source: path, error: e });
      }
    }
    return { loaded, errors };
  }

  /**
   * Loads a directory and keeps following it: added and changed `*.workflow.json` files are
   * (re)loaded, deleted ones unloaded. A broken file is reported (event `error` with its path and
   * reason) and its previous version keeps running.
   *
   * @example
   * ```ts
   * const watcher = await runtime.watch('./workflows');
   * // ... later
   * await watcher.close();
   * ```
   */
  async watch(dir: string, options: WatchOptions = {}): Promise<WorkflowWatcher> {
    this.#assertOpen();
    const watcher = new WorkflowWatcher(resolvePath(dir), this, options);
    this.#watchers.add(watcher);
    watcher.onClose(() => this.#watchers.delete(watcher));
    await watcher.ready;
    return watcher;
  }

  /**
   * Unloads a document by source; its triggers stop. Runs in flight finish.
   *
   * @example
   * ```ts
   * runtime.unload('/abs/path/api.workflow.json');
   * ```
   */
  unload(source: string): boolean {
    const removed = this.#registry.remove(source);
    if (removed === undefined) return false;
    this.#triggers.stop(removed.key);
    this.#emit('unload', { source });
    return true;
  }

  /**
   * The loaded workflows.
   *
   * @example
   * ```ts
   * runtime.list().map((w) => w.name);
   * ```
   */
  list(): WorkflowInfo[] {
    const out: WorkflowInfo[] = [];
    for (const [name, { doc, entry }] of this.#registry.current.functions) {
      out.push({
        name,
        kind: entry.kind,
        component: entry.component,
        source: doc.source,
        triggers: doc.triggers.filter((t) => t.component === entry.component),
        loadedAt: doc.loadedAt,
      });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Runs a cloud function like Noodl's CloudRunner: `body` is the JSON request body, `headers` the
   * HTTP headers (`x-parse-session-token` authenticates). A Response node answers 200
   * `{"result":{…}}` or 400 `{"error":msg}`; an unknown function answers 404. Never rejects.
   *
   * @example
   * ```ts
   * const { statusCode, body } = await runtime.run('API/test/POST', { body: '{"param1":"x"}' });
   * ```
   */
  run(name: string, request: RunRequest = {}, options: RunOptions = {}): Promise<RunResult> {
    try {
      return this.#run(name, request, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #run(name: string, request: RunRequest, options: RunOptions): Promise<RunResult> {
    const headers = normalizeHeaders(request.headers);
    const body = bodyText(request.body);
    const runId = orderedId();
    if (this.#closed)
      return Promise.resolve(
        this.#rejected(runId, 'UNAVAILABLE', 'the workflow runtime is closed', 503),
      );
    if (typeof name !== 'string' || name === '') {
      return Promise.resolve(
        this.#rejected(
          runId,
          'FUNCTION_NOT_FOUND',
          `expected a function name, got ${JSON.stringify(name)}`,
          404,
        ),
      );
    }
    const generation = this.#registry.current;
    const found = generation.functions.get(
      name.startsWith('/#__') ? name.replace(/^\/#__(cloud|local)__\//, '') : name,
    );
    if (found === undefined) {
      return Promise.resolve(
        this.#rejected(
          runId,
          'FUNCTION_NOT_FOUND',
          `Cloud function ${JSON.stringify(name)} not found`,
          404,
        ),
      );
    }
    return this.#execute({
      runId,
      generation,
      doc: found.doc,
      workflow: found.entry.name,
      component: found.entry.component,
      start: { kind: 'request', body, headers },
      trigger: 'http',
      input: { body, headers: redact(headers) },
      ...(options.timeoutMs === undefined
        ? {}
        : { timeoutMs: positive('timeoutMs', options.timeoutMs, this.#timeoutMs) }),
    });
  }

  /**
   * Calls the workflow whose Webhook Trigger has this path. With a Response node in the workflow,
   * its answer is returned; otherwise `202 {"result":{"accepted":true,"runId":…}}` at once. A
   * wrong or missing secret answers 401; an unknown path 404; a wrong method 405.
   *
   * @example
   * ```ts
   * await runtime.webhook('github/push', { method: 'POST', body: rawBody, headers });
   * ```
   */
  async webhook(path: string, request: WebhookRequest): Promise<RunResult> {
    const runId = orderedId();
    if (this.#closed)
      return this.#rejected(runId, 'UNAVAILABLE', 'the workflow runtime is closed', 503);
    const normalized = typeof path === 'string' ? normalizeWebhookPath(path) : undefined;
    const generation = this.#registry.current;
    let match: { doc: LoadedDocument; spec: Extract<TriggerSpec, { kind: 'webhook' }> } | undefined;
    for (const doc of generation.docs) {
      for (const spec of doc.triggers)
        if (spec.kind === 'webhook' && spec.path === normalized) match ??= { doc, spec };
    }
    if (match === undefined)
      return this.#rejected(runId, 'ROUTE_NOT_FOUND', `no webhook at ${JSON.stringify(path)}`, 404);
    const method = String(request.method ?? 'POST').toUpperCase();
    if (match.spec.method !== 'ANY' && match.spec.method !== method) {
      return this.#rejected(
        runId,
        'METHOD_NOT_ALLOWED',
        `webhook ${JSON.stringify(normalized)} accepts ${match.spec.method}, not ${method}`,
        405,
      );
    }
    const headers = normalizeHeaders(request.headers);
    const query = normalizeHeaders(request.query);
    const given = headers['x-webhook-secret'] ?? query['secret'];
    if (match.spec.secret !== undefined && !sameSecret(given, match.spec.secret)) {
      return this.#rejected(runId, 'UNAUTHORIZED', 'missing or wrong webhook secret', 401);
    }
    const body = bodyText(request.body);
    const component = match.doc.model.components.find((c) => c.name === match.spec.component);
    const hasResponse =
      component !== undefined && hasNodeOfType(component.nodes, 'noodl.cloud.response');
    const execution = this.#execute({
      runId,
      generation,
      doc: match.doc,
      workflow: match.spec.workflow,
      component: match.spec.component,
      start: { kind: 'webhook', body, headers, method, query },
      entryNodeId: match.spec.nodeId,
      trigger: 'webhook',
      input: { method, query, body, headers: redact(headers) },
    });
    if (hasResponse) return execution;
    return {
      statusCode: 202,
      body: JSON.stringify({ result: { accepted: true, runId } }),
      headers: JSON_HEADERS,
      runId,
      status: 'success',
    };
  }

  /**
   * Execution records, newest first (runs in flight first, with status `running`).
   *
   * @example
   * ```ts
   * const failures = await runtime.listRuns({ status: 'error', limit: 20 });
   * ```
   */
  async listRuns(filter: RunFilter = {}): Promise<RunRecord[]> {
    if (this.#recorder === undefined) return [];
    return this.#recorder.list(filter);
  }

  /**
   * One execution record with its log lines.
   *
   * @example
   * ```ts
   * const run = await runtime.getRun(result.runId);
   * run?.logs.forEach((l) => console.log(l.level, l.message));
   * ```
   */
  async getRun(
    id: string,
  ): Promise<(RunRecord & { readonly logs: readonly RunLogRecord[] }) | undefined> {
    if (this.#recorder === undefined || typeof id !== 'string' || id === '') return undefined;
    return this.#recorder.get(id);
  }

  /**
   * Subscribes to an event; returns the unsubscribe function.
   *
   * @example
   * ```ts
   * const off = runtime.on('run', (record) => console.log(record.workflow, record.status));
   * ```
   */
  on<K extends keyof WorkflowRuntimeEvents>(
    event: K,
    listener: WorkflowRuntimeListener<WorkflowRuntimeEvents[K]>,
  ): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) this.#listeners.set(event, (set = new Set()));
    set.add(listener as WorkflowRuntimeListener<never>);
    return () => set.delete(listener as WorkflowRuntimeListener<never>);
  }

  /**
   * Forgets the cached schema (call after changing the schema outside of data writes).
   *
   * @example
   * ```ts
   * runtime.invalidateSchema();
   * ```
   */
  invalidateSchema(): void {
    this.#schema.invalidate();
  }

  /**
   * Internal counters for tests and diagnostics: active triggers, live generations and documents,
   * worker threads, runs in flight.
   *
   * @example
   * ```ts
   * runtime.stats().triggers.schedules; // 0 after close()
   * ```
   */
  stats(): {
    triggers: { schedules: number; listeners: number; webhooks: number };
    generations: number;
    documents: number;
    workers: number;
    inflight: number;
  } {
    const live = this.#registry.liveCounts;
    return {
      triggers: this.#triggers.counts,
      generations: live.generations,
      documents: live.documents,
      workers: this.#pool?.size ?? 0,
      inflight: this.#inflight.size,
    };
  }

  /**
   * Stops watchers and triggers, waits for runs in flight (up to `graceMs`, default 5 s), writes
   * the execution records and stops the workers.
   *
   * @example
   * ```ts
   * await runtime.close();
   * ```
   */
  async close(options: { readonly graceMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#watchers].map((w) => w.close()));
    this.#triggers.stopAll();
    const grace = options.graceMs ?? 5_000;
    if (this.#inflight.size > 0) {
      await Promise.race([
        Promise.allSettled([...this.#inflight]),
        new Promise((r) => setTimeout(r, grace).unref()),
      ]);
    }
    await this.#pool?.close();
    await this.#recorder?.close();
    this.#schema.close();
  }

  // ---- internals -----------------------------------------------------------------------------

  /** @internal Used by the watcher. */
  reportError(path: string, error: unknown): void {
    const e = toBackendError(error);
    this.#emit('error', { path, source: path, reason: e.message, error: e });
  }

  #assertOpen(): void {
    if (this.#closed) throw new BackendError('UNAVAILABLE', 'the workflow runtime is closed');
  }

  #emit<K extends keyof WorkflowRuntimeEvents>(event: K, payload: WorkflowRuntimeEvents[K]): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        (listener as WorkflowRuntimeListener<WorkflowRuntimeEvents[K]>)(payload);
      } catch {
        // a listener must not break the runtime
      }
    }
  }

  #install(source: string, model: WorkflowModel): LoadResult {
    const triggers = extractTriggers(model, source);
    const warnings: string[] = [];
    for (const component of model.components) {
      walkModel(component.nodes, (node) => {
        if (
          !this.#catalog.has(node.type) &&
          !model.components.some((c) => c.name === node.type) &&
          !this.#registry.current.docs.some((d) =>
            d.model.components.some((c) => c.name === node.type),
          )
        ) {
          warnings.push(
            `${component.name}: node ${node.id} has unknown type ${JSON.stringify(node.type)} and will be skipped`,
          );
        }
      });
    }
    const doc: LoadedDocument = {
      source,
      key: this.#registry.nextKey(source),
      model,
      loadedAt: new Date().toISOString(),
      triggers,
      warnings,
    };
    for (const other of this.#registry.documents()) {
      if (other.source === source) continue;
      for (const entry of model.functions) {
        if (other.model.functions.some((f) => f.name === entry.name)) {
          warnings.push(
            `${entry.name} is also defined in ${other.source}; this document's version is used`,
          );
        }
      }
    }
    const previous = this.#registry.put(doc);
    if (previous !== undefined) this.#triggers.stop(previous.key);
    this.#triggers.start(doc.key, triggers);
    const result: LoadResult = {
      source,
      functions: model.functions.map((f) => f.name),
      triggers,
      warnings,
      replaced: previous !== undefined,
    };
    this.#emit('load', result);
    return result;
  }

  #fire(spec: TriggerSpec, start: RunStart): Promise<RunResult> {
    const generation = this.#registry.current;
    const doc = generation.docs.find((d) => d.triggers.some((t) => t === spec));
    if (doc === undefined || this.#closed)
      return Promise.resolve(
        this.#rejected(orderedId(), 'UNAVAILABLE', 'the trigger is no longer loaded', 503),
      );
    const input =
      start.kind === 'dbChange'
        ? {
            type: start.type,
            collection: start.collection,
            objectId: start.objectId,
            object: start.object,
          }
        : start.kind === 'schedule'
          ? { firedAt: start.firedAt, cron: spec.kind === 'schedule' ? spec.cron : undefined }
          : {};
    return this.#execute({
      runId: orderedId(),
      generation,
      doc,
      workflow: spec.workflow,
      component: spec.component,
      start,
      entryNodeId: spec.nodeId,
      trigger: spec.kind,
      input,
    });
  }

  #rejected(runId: string, code: ErrorCode, message: string, statusCode: number): RunResult {
    return {
      statusCode,
      body: JSON.stringify({ error: message }),
      headers: JSON_HEADERS,
      runId,
      status: 'error',
      error: { code, message },
    };
  }

  #execute(job: {
    runId: string;
    generation: Generation;
    doc: LoadedDocument;
    workflow: string;
    component: string;
    start: RunStart;
    entryNodeId?: string;
    trigger: RunTrigger;
    input: unknown;
    timeoutMs?: number;
  }): Promise<RunResult> {
    const startedAt = new Date();
    const timeoutMs = job.timeoutMs ?? this.#timeoutMs;
    const spec: RunSpec = {
      runId: job.runId,
      workflow: job.workflow,
      component: job.component,
      start: job.start,
      ...(job.entryNodeId === undefined ? {} : { entryNodeId: job.entryNodeId }),
      timeoutMs,
      logLevel: this.#logLevel,
      maxLogLines: this.#maxLogLines,
    };
    const input = job.input as { body?: unknown };
    const record: RunWrite = {
      id: job.runId,
      workflow: job.workflow,
      trigger: job.trigger,
      status: 'running',
      startedAt: startedAt.toISOString(),
      input: recordJson(
        typeof input.body === 'string'
          ? { ...input, body: recordBody(input.body, this.#recordedChars) }
          : job.input,
        this.#recordedChars,
      ),
    };
    this.#registry.acquire(job.generation);
    this.#recorder?.begin(record);
    // One promise per run: the outcome callback settles it (it may run synchronously).
    // Tracked while in flight; a synchronous outcome finishes before it could be tracked.
    let finished = false;
    let tracked = false;
    const execution: Promise<RunResult> = new Promise<RunResult>((resolve, reject) => {
      const done = (): void => {
        finished = true;
        if (tracked) this.#inflight.delete(execution);
      };
      this.#dispatch(
        job.generation,
        job.doc,
        spec,
        timeoutMs,
        (outcome) => {
          done();
          try {
            resolve(this.#finishRun(job.runId, job.generation, startedAt, record, outcome));
          } catch (error) {
            reject(error);
          }
        },
        (error) => {
          done();
          reject(error);
        },
      );
    });
    if (!finished) {
      this.#inflight.add(execution);
      tracked = true;
    }
    return execution;
  }

  /** Records a finished run and turns its outcome into the caller's result. */
  #finishRun(
    runId: string,
    generation: Generation,
    startedAt: Date,
    record: RunWrite,
    outcome: RunOutcome,
  ): RunResult {
    this.#registry.release(generation);
    const response = outcome.response ?? {
      statusCode: 200,
      body: JSON.stringify({ result: {} }),
    };
    if (this.#recorder !== undefined || (this.#listeners.get('run')?.size ?? 0) > 0) {
      const endedAt = new Date();
      const finished: RunWrite = {
        id: record.id,
        workflow: record.workflow,
        trigger: record.trigger,
        status: outcome.status,
        startedAt: record.startedAt,
        endedAt: endedAt.toISOString(),
        durationMs: endedAt.getTime() - startedAt.getTime(),
        input: record.input,
        ...(outcome.response === undefined
          ? {}
          : {
              statusCode: outcome.response.statusCode,
              output: recordBody(outcome.response.body, this.#recordedChars),
            }),
        ...(outcome.error === undefined ? {} : { error: outcome.error }),
      };
      this.#recorder?.end(finished, outcome.logs);
      if ((this.#listeners.get('run')?.size ?? 0) > 0) this.#emit('run', materializeRun(finished));
    }
    return outcome.error === undefined
      ? {
          statusCode: response.statusCode,
          body: response.body,
          headers:
            response.headers === undefined
              ? JSON_HEADERS
              : { ...JSON_HEADERS, ...response.headers },
          runId,
          status: outcome.status,
        }
      : {
          statusCode: response.statusCode,
          body: response.body,
          headers:
            response.headers === undefined
              ? JSON_HEADERS
              : { ...JSON_HEADERS, ...response.headers },
          runId,
          status: outcome.status,
          error: outcome.error,
        };
  }

  #dispatch(
    generation: Generation,
    doc: LoadedDocument,
    spec: RunSpec,
    timeoutMs: number,
    resolve: (outcome: RunOutcome) => void,
    reject: (error: unknown) => void,
  ): void {
    if (this.#engine !== undefined) {
      this.#engine
        .execute(generation.id, doc.key, spec, this.#inlineServices())
        .then(resolve, reject);
      return;
    }
    const pool = this.#pool!;
    const slot = pool.nextSlot();
    {
      // The worker enforces the timeout itself; the main thread steps in when the worker cannot.
      let settled = false;
      let hard: ReturnType<typeof setTimeout> | undefined;
      const soft = setTimeout(() => {
        pool.cancel(
          slot,
          new BackendError(
            'TIMEOUT',
            `workflow "${spec.workflow}" timed out after ${timeoutMs} ms`,
          ),
          500,
        );
        hard = setTimeout(() => {
          if (settled) return;
          settled = true;
          const message = `workflow "${spec.workflow}" timed out after ${timeoutMs} ms (its worker did not answer)`;
          resolve({
            status: 'error',
            response: { statusCode: 500, body: JSON.stringify({ error: message }) },
            error: { code: 'TIMEOUT', message },
            logs: [],
          });
        }, 2_000);
      }, timeoutMs + 250);
      pool.submit(slot, generation.id, doc.key, spec, this.#schema.version, (outcome) => {
        clearTimeout(soft);
        if (hard !== undefined) clearTimeout(hard);
        if (settled) return;
        settled = true;
        resolve(outcome);
      });
    }
  }

  #inlineServices(): EngineServices {
    return {
      adapter: this.#adapter,
      schema: () => this.#schema.get(),
      config: () => this.#config.get(),
      resolveSession: (token) => this.#users.resolveSession(token),
      logIn: (username, password) => this.#logIn(username, password),
      impersonate: (username, options) => this.#impersonate(username, options),
    };
  }

  #logIn(username: string, password: string): Promise<SessionUser> {
    if (this.#users.logIn === undefined) {
      return Promise.reject(
        new BackendError(
          'UNSUPPORTED',
          'Noodl.Users.logIn is not available: the runtime has no user service with logIn (the server provides one)',
        ),
      );
    }
    return this.#users.logIn(username, password);
  }

  #impersonate(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser> {
    if (this.#users.impersonate === undefined) {
      return Promise.reject(
        new BackendError(
          'UNSUPPORTED',
          'Noodl.Users.impersonate is not available: the runtime has no user service with impersonate (the server provides one)',
        ),
      );
    }
    return this.#users.impersonate(username, options);
  }

  /** Serves a worker's data or service call on the main thread. */
  #serve(method: CallMethod, args: readonly unknown[]): Promise<unknown> {
    if ((SERVICE_METHODS as readonly string[]).includes(method)) {
      switch (method) {
        case 'schema':
          return this.#schema.get();
        case 'config':
          return this.#config.get();
        case 'resolveSession':
          return this.#users.resolveSession(String(args[0] ?? ''));
        case 'logIn':
          return this.#logIn(String(args[0] ?? ''), String(args[1] ?? ''));
        case 'impersonate':
          return this.#impersonate(
            String(args[0] ?? ''),
            (args[1] ?? {}) as { installationId?: string; duration?: number },
          );
        default:
          break;
      }
    }
    if (method === 'getSchema') return this.#schema.get();
    if ((ADAPTER_METHODS as readonly string[]).includes(method)) {
      const fn = (
        this.#adapter as unknown as Record<string, (options: unknown) => Promise<unknown>>
      )[method]!;
      try {
        return fn.call(this.#adapter, args[0]);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return Promise.reject(
      new BackendError('FORBIDDEN', `workers may not call ${JSON.stringify(method)}`),
    );
  }
}

function walkModel(
  nodes: readonly { type: string; id: string; children: readonly unknown[] }[],
  visit: (node: { type: string; id: string }) => void,
): void {
  for (const node of nodes) {
    visit(node);
    walkModel(node.children as typeof nodes, visit);
  }
}

function hasNodeOfType(
  nodes: readonly { type: string; children: readonly unknown[] }[],
  type: string,
): boolean {
  for (const node of nodes) {
    if (node.type === type) return true;
    if (hasNodeOfType(node.children as typeof nodes, type)) return true;
  }
  return false;
}
