import { Worker } from 'node:worker_threads';
import { BackendError, type ErrorCode } from '@localbackend/adapter';
import type { RunOutcome, RunSpec } from '../engine/run-types';
import type { WorkflowModel } from '../model/workflow-model';
import {
  CURRENT_RUN_SLOT,
  HEARTBEAT_SLOT,
  jsonSafe,
  toWireError,
  type CallMethod,
  type FromWorker,
  type ToWorker,
  type WorkerInit,
} from './protocol';
import { Outbox, type Batch, type CloneFallback } from './outbox';
import { resolveWorkerEntry } from './worker-entry-url';

/**
 * Options of {@link WorkerPool}.
 *
 * @example
 * ```ts
 * const options: WorkerPoolOptions = { size: 2, scriptTimeoutMs: 5000, configCacheMs: 1000, stallTimeoutMs: 10000, maxMemoryMb: 256, nodeModules: [], onCall };
 * ```
 */
export interface WorkerPoolOptions {
  readonly size: number;
  readonly scriptTimeoutMs: number;
  readonly configCacheMs: number;
  readonly stallTimeoutMs: number;
  readonly maxMemoryMb: number;
  readonly nodeModules: readonly string[];
  /** Serves a data or service call of a run (on the main thread). */
  readonly onCall: (slot: number, method: CallMethod, args: readonly unknown[]) => Promise<unknown>;
  /** Reports pool events (worker replaced, start failures). */
  readonly onEvent?: (event: PoolEvent) => void;
  /** Overrides the worker entry (bundlers that move files). */
  readonly entry?: URL | string;
}

/**
 * Something the pool reports: a worker was terminated and replaced, or failed to start.
 *
 * @example
 * ```ts
 * const event: PoolEvent = { type: 'workerReplaced', reason: 'stall', culprit: 3, affected: [3, 4] };
 * ```
 */
export interface PoolEvent {
  readonly type: 'workerReplaced' | 'workerStartFailed';
  readonly reason: string;
  readonly culprit?: number;
  readonly affected?: readonly number[];
}

interface Job {
  readonly slot: number;
  readonly resolve: (outcome: RunOutcome) => void;
}

const MAX_START_FAILURES = 3;
const WATCHDOG_INTERVAL_MS = 100;

class PoolWorker {
  readonly worker: Worker;
  readonly beat: Int32Array;
  readonly jobs = new Map<number, Job>();
  ready: Promise<void>;
  alive = true;
  lastBeat = 0;
  lastBeatAt = Date.now();
  readonly outbox: Outbox<ToWorker>;
  #onReady!: () => void;
  #onFail!: (error: Error) => void;

  constructor(entry: URL | string, init: WorkerInit, maxMemoryMb: number) {
    this.beat = new Int32Array(init.heartbeat);
    this.ready = new Promise<void>((resolve, reject) => {
      this.#onReady = resolve;
      this.#onFail = reject;
    });
    this.ready.catch(() => {});
    let worker: Worker | undefined;
    try {
      worker = new Worker(entry, {
        workerData: init,
        execArgv: workerExecArgv(),
        resourceLimits: {
          maxOldGenerationSizeMb: maxMemoryMb,
          maxYoungGenerationSizeMb: Math.max(8, Math.min(64, Math.floor(maxMemoryMb / 8))),
        },
        stdout: false,
        stderr: false,
      });
    } catch (error) {
      this.failedToStart = error instanceof Error ? error : new Error(String(error));
    }
    this.worker = worker!;
    this.outbox = new Outbox((message) => {
      if (this.alive) this.worker.postMessage(message);
    });
  }

  /** Set when `new Worker` itself threw (bad entry, refused flags). */
  failedToStart: Error | undefined;

  /** True once the worker said it is ready. */
  isReady = false;

  markReady(): void {
    this.isReady = true;
    this.#onReady();
  }

  markFailed(error: Error): void {
    this.#onFail(error);
  }

  /** True when the heartbeat has not moved for `ms`. */
  stalledFor(now: number): number {
    const beat = Atomics.load(this.beat, HEARTBEAT_SLOT);
    if (beat !== this.lastBeat) {
      this.lastBeat = beat;
      this.lastBeatAt = now;
    }
    return now - this.lastBeatAt;
  }

  /** Queues a message; messages of one event-loop turn are posted together. */
  post(message: ToWorker, onCloneError?: CloneFallback<ToWorker>): void {
    if (this.alive) this.outbox.push(message, onCloneError);
  }
}

/**
 * A pool of worker threads that run workflow runs. Each worker has a memory limit
 * (`resourceLimits`); a watchdog terminates and replaces a worker whose event loop stops beating
 * (an endless loop that the script time limit cannot interrupt, e.g. after an `await`), and a
 * worker that runs out of memory is replaced too. The runs held by a terminated worker end at
 * once: the run that was executing gets `TIMEOUT` or `RESOURCE_LIMIT`, the others `UNAVAILABLE`.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ size: 2, scriptTimeoutMs: 5000, stallTimeoutMs: 10000, maxMemoryMb: 256, nodeModules: [], onCall });
 * pool.setDocument('a@1', model); pool.setGeneration(1, ['a@1']);
 * const outcome = await pool.dispatch(1, 'a@1', spec);
 * ```
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions;
  readonly #workers: PoolWorker[] = [];
  readonly #docs = new Map<string, WorkflowModel>();
  readonly #generations = new Map<number, readonly string[]>();
  readonly #bySlot = new Map<number, PoolWorker>();
  #nextSlot = 0;
  #startFailures = 0;
  #startError: Error | undefined;
  #closed = false;
  /** True while every worker is up (dispatch skips start()). */
  #ready = false;
  #entry: Promise<URL | string> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts the workers (idempotent); resolves when they are ready. */
  async start(): Promise<void> {
    if (this.#closed) throw new BackendError('UNAVAILABLE', 'the workflow runtime is closed');
    if (this.#startFailures >= MAX_START_FAILURES && this.#startError !== undefined)
      throw this.#startError;
    this.#entry ??=
      this.#options.entry !== undefined
        ? Promise.resolve(this.#options.entry)
        : resolveWorkerEntry();
    const entry = await this.#entry;
    while (this.#workers.length < this.#options.size) this.#spawn(entry);
    this.#watchdog ??= setInterval(() => this.#checkStalls(), WATCHDOG_INTERVAL_MS);
    this.#watchdog.unref();
    await Promise.all(this.#workers.map((w) => w.ready));
  }

  /** Number of live workers. */
  get size(): number {
    return this.#workers.length;
  }

  /** Thread ids of the live workers (for leak checks). */
  get threadIds(): number[] {
    return this.#workers.map((w) => w.worker.threadId);
  }

  /** Makes a document version available to every worker (current and future). */
  setDocument(key: string, model: WorkflowModel): void {
    this.#docs.set(key, model);
    for (const w of this.#workers) w.post({ t: 'doc', key, model });
  }

  /** Removes a document version from every worker. */
  deleteDocument(key: string): void {
    this.#docs.delete(key);
    for (const w of this.#workers) w.post({ t: 'undoc', key });
  }

  /** Declares a generation on every worker. */
  setGeneration(id: number, docKeys: readonly string[]): void {
    this.#generations.set(id, docKeys);
    for (const w of this.#workers) w.post({ t: 'gen', id, docKeys });
  }

  /** Drops a generation on every worker. */
  deleteGeneration(id: number): void {
    this.#generations.delete(id);
    for (const w of this.#workers) w.post({ t: 'ungen', id });
  }

  /** A new slot number (identifies a run across threads). */
  nextSlot(): number {
    this.#nextSlot = this.#nextSlot >= 0x7ffffff0 ? 1 : this.#nextSlot + 1;
    return this.#nextSlot;
  }

  /** Runs one run on the least busy worker. Never rejects: failures are error outcomes. */
  dispatch(
    slot: number,
    gen: number,
    docKey: string,
    spec: RunSpec,
    schemaVersion = 0,
  ): Promise<RunOutcome> {
    return new Promise((resolve) => this.submit(slot, gen, docKey, spec, schemaVersion, resolve));
  }

  /**
   * Like {@link WorkerPool.dispatch}, with a callback instead of a promise (the hot path of
   * runs): `done` is called exactly once with the outcome.
   */
  submit(
    slot: number,
    gen: number,
    docKey: string,
    spec: RunSpec,
    schemaVersion: number,
    done: (outcome: RunOutcome) => void,
  ): void {
    if (!this.#ready) {
      this.start().then(
        () => {
          this.#ready = this.#workers.length >= this.#options.size;
          this.#submitToWorker(slot, gen, docKey, spec, schemaVersion, done);
        },
        (error: unknown) =>
          done(
            errorOutcome(
              'UNAVAILABLE',
              `the workflow workers could not start: ${(error as Error).message}`,
            ),
          ),
      );
      return;
    }
    this.#submitToWorker(slot, gen, docKey, spec, schemaVersion, done);
  }

  #submitToWorker(
    slot: number,
    gen: number,
    docKey: string,
    spec: RunSpec,
    schemaVersion: number,
    done: (outcome: RunOutcome) => void,
  ): void {
    let target: PoolWorker | undefined;
    for (const w of this.#workers) {
      if (w.alive && (target === undefined || w.jobs.size < target.jobs.size)) target = w;
    }
    if (target === undefined) {
      done(
        errorOutcome(
          'UNAVAILABLE',
          `the workflow workers could not start: ${this.#startError?.message ?? 'unknown reason'}`,
        ),
      );
      return;
    }
    if (!target.isReady) {
      const waiting = target;
      void waiting.ready
        .catch(() => {})
        .then(() => {
          if (waiting.alive) this.#send(waiting, slot, gen, docKey, spec, schemaVersion, done);
          else this.submit(slot, gen, docKey, spec, schemaVersion, done);
        });
      return;
    }
    this.#send(target, slot, gen, docKey, spec, schemaVersion, done);
  }

  #send(
    target: PoolWorker,
    slot: number,
    gen: number,
    docKey: string,
    spec: RunSpec,
    schemaVersion: number,
    done: (outcome: RunOutcome) => void,
  ): void {
    if (target.jobs.size === 0) {
      target.lastBeat = Atomics.load(target.beat, HEARTBEAT_SLOT);
      target.lastBeatAt = Date.now();
    }
    target.jobs.set(slot, { slot, resolve: done });
    this.#bySlot.set(slot, target);
    target.post({ t: 'run', slot, gen, docKey, spec, schemaVersion });
  }

  /**
   * Asks the worker of a run to cancel it. When that worker's event loop has not beaten for
   * `staleMs`, it is terminated (and replaced) instead, and this run is the culprit.
   */
  cancel(slot: number, reason: BackendError, staleMs: number): void {
    const w = this.#bySlot.get(slot);
    if (w === undefined || !w.alive) return;
    if (w.stalledFor(Date.now()) >= staleMs) {
      this.#terminate(w, 'stall', slot);
      return;
    }
    w.post({ t: 'cancel', slot, reason: toWireError(reason) });
  }

  /** Stops every worker; runs still held end with `UNAVAILABLE`. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#watchdog !== undefined) clearInterval(this.#watchdog);
    const workers = this.#workers.splice(0);
    await Promise.all(
      workers.map(async (w) => {
        w.alive = false;
        this.#failJobs(w, undefined, 'UNAVAILABLE', 'the workflow runtime was closed');
        await w.worker.terminate();
      }),
    );
  }

  #spawn(entry: URL | string): PoolWorker {
    const init: WorkerInit = {
      scriptTimeoutMs: this.#options.scriptTimeoutMs,
      configCacheMs: this.#options.configCacheMs,
      nodeModules: this.#options.nodeModules,
      heartbeat: new SharedArrayBuffer(8),
    };
    const w = new PoolWorker(entry, init, this.#options.maxMemoryMb);
    this.#workers.push(w);
    if (w.failedToStart !== undefined) {
      this.#startError = w.failedToStart;
      this.#startFailures = MAX_START_FAILURES;
      w.alive = false;
      this.#remove(w);
      w.markFailed(w.failedToStart);
      return w;
    }
    for (const [key, model] of this.#docs) w.post({ t: 'doc', key, model });
    for (const [id, docKeys] of this.#generations) w.post({ t: 'gen', id, docKeys });
    let oom = false;
    let lastError: Error | undefined;
    w.worker.on('message', (message: FromWorker | Batch<FromWorker>) => {
      if (message.t !== 'batch') this.#onMessage(w, message);
      else for (const m of message.messages) this.#onMessage(w, m);
    });
    w.worker.on('error', (error: Error) => {
      lastError = error;
      if ((error as { code?: unknown }).code === 'ERR_WORKER_OUT_OF_MEMORY') oom = true;
    });
    w.worker.on('exit', (code) => {
      if (!w.alive) return;
      w.alive = false;
      this.#remove(w);
      const culprit = Atomics.load(w.beat, CURRENT_RUN_SLOT);
      if (oom) {
        this.#failJobs(
          w,
          culprit,
          'RESOURCE_LIMIT',
          'the workflow ran out of memory (the worker memory limit was reached)',
        );
        this.#replace(w, 'out of memory', culprit);
      } else {
        const message = `the workflow worker stopped unexpectedly (${lastError?.message ?? `exit code ${code}`})`;
        w.markFailed(new Error(message));
        this.#failJobs(w, undefined, 'INTERNAL', message);
        this.#replace(w, message, undefined);
      }
    });
    return w;
  }

  #onMessage(w: PoolWorker, message: FromWorker): void {
    switch (message.t) {
      case 'ready':
        this.#startFailures = 0;
        w.markReady();
        return;
      case 'initError':
        this.#startError = new Error(message.message);
        w.markFailed(this.#startError);
        this.#startFailures++;
        w.alive = false;
        this.#remove(w);
        this.#failJobs(
          w,
          undefined,
          'UNAVAILABLE',
          `the workflow worker could not start: ${message.message}`,
        );
        void w.worker.terminate();
        this.#options.onEvent?.({ type: 'workerStartFailed', reason: message.message });
        if (this.#startFailures < MAX_START_FAILURES && !this.#closed)
          void this.start().catch(() => {});
        return;
      case 'call': {
        const { cid } = message;
        this.#options.onCall(message.slot, message.method, message.args).then(
          (value) =>
            w.post(
              jsonSafe(value)
                ? { t: 'reply', cid, ok: true, json: JSON.stringify(value) }
                : { t: 'reply', cid, ok: true, value },
              (error) => ({
                t: 'reply',
                cid,
                ok: false,
                error: toWireError(
                  new BackendError(
                    'INTERNAL',
                    `the result of ${message.method} cannot be sent to the workflow: ${(error as Error).message}`,
                  ),
                ),
              }),
            ),
          (error: unknown) => w.post({ t: 'reply', cid, ok: false, error: toWireError(error) }),
        );
        return;
      }
      case 'done': {
        const job = w.jobs.get(message.slot);
        if (job === undefined) return;
        w.jobs.delete(message.slot);
        this.#bySlot.delete(message.slot);
        job.resolve(message.outcome);
        return;
      }
    }
  }

  #checkStalls(): void {
    const now = Date.now();
    for (const w of [...this.#workers]) {
      if (!w.alive || w.jobs.size === 0) continue;
      if (w.stalledFor(now) > this.#options.stallTimeoutMs) {
        this.#terminate(w, 'stall', Atomics.load(w.beat, CURRENT_RUN_SLOT));
      }
    }
  }

  #terminate(w: PoolWorker, reason: 'stall', culprit: number): void {
    if (!w.alive) return;
    w.alive = false;
    this.#remove(w);
    this.#failJobs(
      w,
      culprit,
      'TIMEOUT',
      `the workflow kept its worker busy for more than ${this.#options.stallTimeoutMs} ms without yielding (endless loop?); the worker was terminated`,
    );
    void w.worker.terminate();
    this.#replace(w, reason, culprit);
  }

  #failJobs(w: PoolWorker, culprit: number | undefined, code: ErrorCode, message: string): void {
    const affected = [...w.jobs.values()];
    w.jobs.clear();
    const culpritKnown = culprit !== undefined && affected.some((j) => j.slot === culprit);
    for (const job of affected) {
      this.#bySlot.delete(job.slot);
      if (culprit === undefined || job.slot === culprit || !culpritKnown) {
        job.resolve(errorOutcome(code, message));
      } else {
        job.resolve(
          errorOutcome(
            'UNAVAILABLE',
            `this run was aborted because another run on the same worker thread had to be stopped (${message}); it may be retried`,
          ),
        );
      }
    }
  }

  #remove(w: PoolWorker): void {
    this.#ready = false;
    const index = this.#workers.indexOf(w);
    if (index >= 0) this.#workers.splice(index, 1);
  }

  #replace(w: PoolWorker, reason: string, culprit: number | undefined): void {
    this.#options.onEvent?.({
      type: 'workerReplaced',
      reason,
      ...(culprit === undefined ? {} : { culprit }),
      affected: [],
    });
    void w;
    if (!this.#closed) void this.start().catch(() => {});
  }
}

/**
 * The parent's Node flags a worker thread should inherit: module loaders and resolution flags
 * (`--import`, `--require`, `--loader`, `--conditions`, `--experimental-*`) and source maps. The
 * others are dropped (`--input-type` of an `-e` script, `--expose-gc`, `--watch`, `--test`,
 * inspector ports... are refused by workers or must not be inherited).
 *
 * @example
 * ```ts
 * workerExecArgv(['--expose-gc', '--import', 'tsx']); // ['--import', 'tsx']
 * ```
 */
export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const withValue = /^(--import|--require|-r|--loader|--experimental-loader|--conditions|-C)$/;
  const kept =
    /^(--import|--require|--loader|--experimental-loader|--conditions|--experimental-|--enable-source-maps|--no-warnings|--no-deprecation)/;
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (withValue.test(flag) && i + 1 < argv.length) {
      out.push(flag, argv[i + 1]!);
      i++;
    } else if (kept.test(flag)) {
      out.push(flag);
    }
  }
  return out;
}

function errorOutcome(code: ErrorCode, message: string): RunOutcome {
  return {
    status: 'error',
    response: {
      statusCode: code === 'UNAVAILABLE' ? 503 : 500,
      body: JSON.stringify({ error: message }),
    },
    error: { code, message },
    logs: [{ at: new Date().toISOString(), level: 'error', message }],
  };
}
