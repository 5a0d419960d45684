import {
  BackendError,
  toBackendError,
  type CloudStoreAdapter,
  type SchemaDefinition,
} from '@localbackend/adapter';
import type {
  ComponentHandle,
  ComponentInstanceOptions,
  GraphServices,
  LogLevel,
  RunServices,
  RunStart,
  SandboxFunction,
  SandboxServices,
  SessionUser,
} from '../catalog/node-definition';
import type { GraphNode, NodeHost } from './graph-node';
import { instantiateComponent } from './instantiate';
import { ObjectScope } from './object-scope';
import type { NodeCatalog } from '../catalog/node-catalog';
import type { ComponentModel } from '../model/workflow-model';
import type { LogEntry, RunHost, RunOutcome, RunResponse, RunSpec } from './run-types';
import { Scheduler } from './scheduler';

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const MAX_LOG_DATA_CHARS = 4_000;

function safeLogData(data: unknown): unknown {
  if (data === undefined) return undefined;
  try {
    const text = JSON.stringify(data, (_key, value: unknown) =>
      typeof value === 'bigint' ? value.toString() : value,
    );
    if (text === undefined) return String(data);
    if (text.length > MAX_LOG_DATA_CHARS)
      return `${text.slice(0, MAX_LOG_DATA_CHARS)}… (${text.length} chars)`;
    return JSON.parse(text) as unknown;
  } catch {
    return String(data);
  }
}

/**
 * One run of a workflow: its scheduler, its node tree, its object scope, its pending asynchronous
 * work and its outcome. Implements the services nodes see ({@link RunServices}).
 *
 * @example
 * ```ts
 * const run = new RunContext(host, spec);
 * const outcome = await run.execute();
 * ```
 */
export class RunContext implements RunServices, NodeHost {
  readonly scheduler: Scheduler;
  readonly objects: ObjectScope;
  readonly runId: string;
  readonly workflow: string;
  readonly start: RunStart;
  currentUser: SessionUser | undefined = undefined;

  readonly #host: RunHost;
  readonly #spec: RunSpec;
  #abort: AbortController | undefined;
  readonly #logs: LogEntry[] = [];
  readonly #minLevel: number;
  readonly #maxLogLines: number;
  readonly #nodes = new Set<GraphNode>();
  #pending = 0;
  #started = false;
  #ended = false;
  #idleCheck = false;
  #logsDropped = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #resolve!: (outcome: RunOutcome) => void;
  readonly #outcome: Promise<RunOutcome>;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #immediates = new Set<ReturnType<typeof setImmediate>>();
  #sandbox: SandboxServices | undefined;

  constructor(host: RunHost, spec: RunSpec) {
    this.#host = host;
    this.#spec = spec;
    this.runId = spec.runId;
    this.workflow = spec.workflow;
    this.start = spec.start;
    this.#minLevel = LEVELS[spec.logLevel ?? 'info'];
    this.#maxLogLines = spec.maxLogLines ?? 500;
    this.objects = new ObjectScope((message) => this.log('warn', message));
    this.scheduler = new Scheduler({
      onError: (error) =>
        this.log('error', `update failed: ${(error as Error)?.message ?? String(error)}`),
      onEnter: host.enter,
      onIdle: () => this.#scheduleIdleCheck(),
    });
    this.#outcome = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** Script compilation and globals for this run (made on first use: most runs have no scripts). */
  get sandbox(): SandboxServices {
    return (this.#sandbox ??= this.#makeSandboxServices());
  }

  /** The services nodes see (this run). */
  get services(): RunServices {
    return this;
  }

  get adapter(): CloudStoreAdapter {
    return this.#host.adapter;
  }

  get signal(): AbortSignal {
    // Created on first use: most runs never need one, and aborting one builds a DOMException.
    this.#abort ??= new AbortController();
    if (this.#ended && !this.#abort.signal.aborted) this.#abort.abort();
    return this.#abort.signal;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The run's metadata (`Noodl.getMetaData`). */
  get metadata(): Readonly<Record<string, unknown>> {
    return this.#host.metadata;
  }

  /** The run's project settings. */
  get settings(): Readonly<Record<string, unknown>> {
    return this.#host.settings;
  }

  schema(): Promise<SchemaDefinition> {
    return this.track(this.#host.schema());
  }

  config(): Promise<Readonly<Record<string, unknown>>> {
    return this.track(this.#host.config());
  }

  resolveSession(token: string): Promise<SessionUser | undefined> {
    return this.track(this.#host.resolveSession(token));
  }

  logIn(username: string, password: string): Promise<SessionUser> {
    return this.track(this.#host.logIn(username, password));
  }

  impersonate(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser> {
    return this.track(this.#host.impersonate(username, options));
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.#pending++;
    const done = (): void => {
      this.#pending--;
      this.#host.enter?.();
      this.#scheduleIdleCheck();
    };
    work.then(done, done);
    return work;
  }

  log(level: LogLevel, message: string, data?: unknown, nodeId?: string, nodeType?: string): void {
    if (LEVELS[level] < this.#minLevel) return;
    if (this.#logs.length >= this.#maxLogLines) {
      this.#logsDropped++;
      return;
    }
    const entry: LogEntry = {
      at: new Date().toISOString(),
      level,
      message: message.length > 2_000 ? `${message.slice(0, 2_000)}…` : message,
      ...(nodeId === undefined ? {} : { nodeId }),
      ...(nodeType === undefined ? {} : { nodeType }),
      ...(data === undefined ? {} : { data: safeLogData(data) }),
    };
    this.#logs.push(entry);
  }

  graphServicesFor(node: GraphNode): GraphServices {
    let services = node.graphServices;
    if (services === undefined) {
      services = {
        forEachItem: () => {
          for (let owner = node.owner; owner !== undefined; owner = owner.owner) {
            if (owner.forEachItem !== undefined) return owner.forEachItem;
          }
          return undefined;
        },
        createComponent: (name, options) => this.#createComponent(node, name, options),
      };
      node.graphServices = services;
    }
    return services;
  }

  /** Called by nodes as they are created, so the run can dispose them. */
  registerNode(node: GraphNode): void {
    this.#nodes.add(node);
  }

  /** Every node inside `instance` (transitively). */
  nodesOwnedBy(instance: GraphNode): GraphNode[] {
    const result: GraphNode[] = [];
    for (const node of this.#nodes) {
      for (let owner = node.owner; owner !== undefined; owner = owner.owner) {
        if (owner === instance) {
          result.push(node);
          break;
        }
      }
    }
    return result;
  }

  /** Called when a node is deleted before the run ends. */
  unregisterNode(node: GraphNode): void {
    this.#nodes.delete(node);
  }

  /** The node catalog of this run. */
  get catalog(): NodeCatalog {
    return this.#host.catalog;
  }

  /** Looks a component up by its full name. */
  component(name: string): ComponentModel | undefined {
    return this.#host.component(name);
  }

  respond(response: {
    statusCode: number;
    body: string;
    headers?: Record<string, string>;
  }): boolean {
    if (this.#ended) return false;
    const status = response.statusCode >= 200 && response.statusCode < 300 ? 'success' : 'failure';
    this.#finish({ status, response: { ...response } });
    return true;
  }

  /** Ends the run with an error (a rejection of the run). */
  fail(error: unknown, statusCode?: number): void {
    if (this.#ended) return;
    const backendError = BackendError.is(error)
      ? error
      : toBackendError(
          error,
          `The workflow failed: ${error instanceof Error ? error.message : String(error)}`,
        );
    this.log('error', backendError.message, { code: backendError.code });
    const status =
      statusCode ??
      (backendError.code === 'UNAUTHORIZED' || backendError.code === 'SCRIPT_FAILED' ? 400 : 500);
    this.#finish({
      status: 'error',
      response: { statusCode: status, body: JSON.stringify({ error: backendError.message }) },
      error: { code: backendError.code, message: backendError.message },
    });
  }

  /**
   * Instantiates the component, starts the run and resolves with its outcome. Cancelling `cancel`
   * ends the run with its reason (a `BackendError`), or `TIMEOUT`.
   */
  execute(cancel?: RunCancellation): Promise<RunOutcome> {
    const spec = this.#spec;
    cancel?.listen((reason) => {
      this.fail(
        BackendError.is(reason)
          ? reason
          : new BackendError('TIMEOUT', `workflow "${spec.workflow}" was cancelled`),
      );
    });
    const timeoutMs = spec.timeoutMs ?? 30_000;
    this.#timer = setTimeout(() => {
      this.fail(
        new BackendError('TIMEOUT', `workflow "${spec.workflow}" timed out after ${timeoutMs} ms`),
      );
    }, timeoutMs);
    try {
      const component = this.#host.component(spec.component);
      if (component === undefined) {
        throw new BackendError(
          'FUNCTION_NOT_FOUND',
          `Can't find component model for ${spec.component}`,
        );
      }
      this.#host.enter?.();
      const root = instantiateComponent(this, component, undefined, {}, 0);
      root.enableDirtyReporting();
      const entry = this.#findEntry(root);
      if (entry === undefined) {
        throw new BackendError(
          'SCRIPT_FAILED',
          spec.entryNodeId === undefined
            ? 'Could not find request node for function'
            : `Could not find the trigger node ${spec.entryNodeId}`,
        );
      }
      this.#wireResponses(root);
      // The start-up frame was requested while instantiating; the entry starts on the next tick.
      this.scheduler.requestFrame();
      const immediate = setImmediate(() => {
        this.#immediates.delete(immediate);
        if (this.#ended) return;
        this.#started = true;
        this.#host.enter?.();
        try {
          const started = entry.behavior.start?.(spec.start);
          if (started instanceof Promise) {
            this.track(started).catch((error: unknown) => this.fail(error, 400));
          }
        } catch (error) {
          this.fail(error, 400);
        }
        this.#scheduleIdleCheck();
      });
      this.#immediates.add(immediate);
    } catch (error) {
      const e = toBackendError(error);
      this.fail(e, e.code === 'FUNCTION_NOT_FOUND' ? 404 : e.code === 'SCRIPT_FAILED' ? 400 : 500);
    }
    return this.#outcome;
  }

  #findEntry(root: GraphNode): GraphNode | undefined {
    const spec = this.#spec;
    const direct = [...this.#nodes].filter((n) => n.owner === root);
    if (spec.entryNodeId !== undefined) return direct.find((n) => n.id === spec.entryNodeId);
    if (spec.start.kind === 'request') return direct.find((n) => n.type === 'noodl.cloud.request');
    return undefined;
  }

  #wireResponses(_root: GraphNode): void {
    for (const node of this.#nodes)
      if (node.type === 'noodl.cloud.response') node.responseWired = true;
  }

  #createComponent(
    parent: GraphNode,
    name: string,
    options: ComponentInstanceOptions,
  ): ComponentHandle {
    const component = this.#host.component(name);
    if (component === undefined) {
      throw new BackendError('NOT_FOUND', `component ${JSON.stringify(name)} does not exist`);
    }
    const instance = instantiateComponent(this, component, parent, options, depthOf(parent) + 1);
    instance.enableDirtyReporting();
    return {
      inputNames: component.inputPorts.map((p) => p.name),
      outputNames: component.outputPorts.map((p) => p.name),
      setInput: (input, value) => {
        if (instance.ensureInput(input) !== undefined) instance.queueInput(input, value);
      },
      dispose: () => disposeTree(this, instance),
    };
  }

  #makeSandboxServices(): SandboxServices {
    return {
      compile: (body, params, label, options = {}) => {
        const fn = this.#host.sandbox.compile(body, params, { ...options, label });
        const wrapped: SandboxFunction = {
          call: (thisArg, args) => {
            if (this.#ended) return undefined;
            try {
              return this.#host.sandbox.invoke(fn, thisArg, args);
            } catch (error) {
              if (BackendError.is(error) && error.code === 'TIMEOUT') {
                this.fail(
                  new BackendError('TIMEOUT', `${label}: ${error.message}`, { cause: error }),
                );
              }
              throw error;
            }
          },
        };
        return wrapped;
      },
      globals: (nodeId, nodeType) => this.#sandboxGlobals(nodeId, nodeType),
    };
  }

  #sandboxGlobals(nodeId: string, nodeType: string): Readonly<Record<string, unknown>> {
    const log =
      (level: LogLevel) =>
      (...args: unknown[]) => {
        this.log(
          level,
          args.map((a) => (typeof a === 'string' ? a : formatValue(a))).join(' '),
          undefined,
          nodeId,
          nodeType,
        );
      };
    return {
      console: {
        log: log('info'),
        info: log('info'),
        warn: log('warn'),
        error: log('error'),
        debug: log('debug'),
      },
      setTimeout: (callback: unknown, ms?: unknown, ...args: unknown[]) => {
        if (typeof callback !== 'function' || this.#ended) return undefined;
        this.#pending++;
        const timer = setTimeout(
          () => {
            this.#timers.delete(timer);
            this.#pending--;
            if (this.#ended) return;
            this.#host.enter?.();
            this.#callUserCallback(
              callback as (...a: unknown[]) => unknown,
              args,
              'timer callback',
              nodeId,
              nodeType,
            );
            this.#scheduleIdleCheck();
          },
          typeof ms === 'number' && ms > 0 ? Math.min(ms, 2_147_483_647) : 0,
        );
        this.#timers.add(timer);
        return timer;
      },
      clearTimeout: (timer: unknown) => {
        if (this.#timers.delete(timer as ReturnType<typeof setTimeout>)) {
          clearTimeout(timer as ReturnType<typeof setTimeout>);
          this.#pending--;
          this.#scheduleIdleCheck();
        }
      },
      setImmediate: (callback: unknown, ...args: unknown[]) => {
        if (typeof callback !== 'function' || this.#ended) return undefined;
        this.#pending++;
        const immediate = setImmediate(() => {
          this.#immediates.delete(immediate);
          this.#pending--;
          if (this.#ended) return;
          this.#host.enter?.();
          this.#callUserCallback(
            callback as (...a: unknown[]) => unknown,
            args,
            'setImmediate callback',
            nodeId,
            nodeType,
          );
          this.#scheduleIdleCheck();
        });
        this.#immediates.add(immediate);
        return undefined;
      },
      fetch: (url: unknown, init?: unknown) => this.fetch(url, init),
      require: (name: unknown) => {
        this.log(
          'error',
          `require(${JSON.stringify(name)}) is not available in workflow scripts`,
          undefined,
          nodeId,
          nodeType,
        );
        return undefined;
      },
    };
  }

  /** Calls a script's timer callback under the script time limit; a runaway one fails the run. */
  #callUserCallback(
    callback: (...a: unknown[]) => unknown,
    args: readonly unknown[],
    what: string,
    nodeId: string,
    nodeType: string,
  ): void {
    try {
      this.#host.sandbox.invoke(callback, undefined, args);
    } catch (error) {
      if (BackendError.is(error) && error.code === 'TIMEOUT') {
        this.fail(
          new BackendError('TIMEOUT', `${nodeType} ${nodeId}: a ${what}: ${error.message}`, {
            cause: error,
          }),
        );
        return;
      }
      this.log(
        'error',
        `Error in ${what}: ${(error as Error)?.message ?? String(error)}`,
        undefined,
        nodeId,
        nodeType,
      );
    }
  }

  /** `fetch` bound to the run: aborted when the run ends, and keeps the run alive meanwhile. */
  fetch(url: unknown, init?: unknown): Promise<Response> {
    if (this.#ended) return Promise.reject(new Error('the run has ended'));
    const options = (typeof init === 'object' && init !== null ? init : {}) as RequestInit;
    return this.track(fetch(String(url), { ...options, signal: this.signal }));
  }

  #scheduleIdleCheck(): void {
    if (this.#idleCheck || this.#ended || !this.#started) return;
    this.#idleCheck = true;
    const immediate = setImmediate(() => {
      this.#immediates.delete(immediate);
      this.#idleCheck = false;
      if (this.#ended || this.scheduler.busy || this.#pending > 0) return;
      this.#onIdle();
    });
    this.#immediates.add(immediate);
  }

  #onIdle(): void {
    const kind = this.#spec.start.kind;
    if (
      kind === 'request' ||
      (kind === 'webhook' && [...this.#nodes].some((n) => n.responseWired))
    ) {
      this.fail(
        new BackendError(
          'SCRIPT_FAILED',
          `workflow "${this.workflow}" finished without sending a response (no Response node was signalled)`,
        ),
        500,
      );
      return;
    }
    this.#finish({ status: 'success' });
  }

  #finish(result: Omit<RunOutcome, 'logs'>): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    for (const timer of this.#timers) clearTimeout(timer);
    for (const immediate of this.#immediates) clearImmediate(immediate);
    this.#timers.clear();
    this.#immediates.clear();
    this.scheduler.stop();
    this.#abort?.abort();
    for (const node of this.#nodes) {
      try {
        node.dispose();
      } catch {
        // disposal of a node must not prevent the outcome
      }
    }
    this.#nodes.clear();
    this.objects.clear();
    const logs =
      this.#logsDropped > 0
        ? [
            ...this.#logs,
            {
              at: new Date().toISOString(),
              level: 'warn' as const,
              message: `${this.#logsDropped} more log lines were dropped (limit ${this.#maxLogLines})`,
            },
          ]
        : this.#logs;
    this.#resolve({ ...result, logs });
  }
}

/**
 * Lets the host of a run cancel it (a lighter stand-in for an `AbortSignal`): `cancel(reason)`
 * ends the run with `reason` when it is a `BackendError`, else with `TIMEOUT`.
 *
 * @example
 * ```ts
 * const cancellation = new RunCancellation();
 * const outcome = executeRun(host, spec, cancellation);
 * cancellation.cancel(new BackendError('TIMEOUT', 'too slow'));
 * ```
 */
export class RunCancellation {
  #listener: ((reason: unknown) => void) | undefined;
  #cancelled = false;
  #reason: unknown;

  /** Cancels the run (once). */
  cancel(reason: unknown): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    this.#reason = reason;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.(reason);
  }

  /** Registers the run's handler (called at once when already cancelled). */
  listen(listener: (reason: unknown) => void): void {
    if (this.#cancelled) listener(this.#reason);
    else this.#listener = listener;
  }
}

function depthOf(node: GraphNode): number {
  let depth = 0;
  for (let owner = node.owner; owner !== undefined; owner = owner.owner) depth++;
  return depth;
}

function disposeTree(run: RunContext, instance: GraphNode): void {
  const visit = (node: GraphNode): void => {
    run.unregisterNode(node);
  };
  visit(instance);
  for (const node of run.nodesOwnedBy(instance)) visit(node);
  instance.dispose();
}

/**
 * A short text for a value in a console line.
 *
 * @example
 * ```ts
 * formatValue({ a: 1 }); // '{"a":1}'
 * ```
 */
export function formatValue(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text;
  } catch {
    return String(value);
  }
}

/**
 * Runs one workflow run to its outcome.
 *
 * @example
 * ```ts
 * const outcome = await executeRun(host, { runId: 'r1', workflow: 'hello', component: '/#__cloud__/hello', start: { kind: 'request', body: '{}', headers: {} } });
 * ```
 */
export function executeRun(
  host: RunHost,
  spec: RunSpec,
  cancel?: RunCancellation,
): Promise<RunOutcome> {
  return new RunContext(host, spec).execute(cancel);
}

export type { RunResponse };
