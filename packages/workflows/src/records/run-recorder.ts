import type { LogEntry } from '../engine/run-types';
import {
  materializeRun,
  type RunFilter,
  type RunLogRecord,
  type RunRecord,
  type RunStore,
  type RunWrite,
} from './run-store';

/**
 * Options of {@link RunRecorder}.
 *
 * @example
 * ```ts
 * const options: RunRecorderOptions = { retention: 1000, flushIntervalMs: 200 };
 * ```
 */
export interface RunRecorderOptions {
  /** How many runs to keep (older ones are pruned with their logs). Default 1000. */
  readonly retention?: number;
  /** Finished runs are written in batches at most this often, in ms. Default 250. */
  readonly flushIntervalMs?: number;
  /** Most runs per batch. Default 500. */
  readonly maxBatch?: number;
  /** Called when writing or pruning fails (records of that batch are lost). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Keeps runs in flight in memory and writes finished runs and their log lines to a
 * {@link RunStore} in batches (one transaction per batch), pruning beyond the retention limit.
 *
 * @example
 * ```ts
 * const recorder = new RunRecorder(new MemoryRunStore());
 * recorder.begin(record);
 * recorder.end({ ...record, status: 'success' }, logs);
 * await recorder.flush();
 * ```
 */
export class RunRecorder {
  readonly #store: RunStore;
  readonly #retention: number;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #onError: (error: unknown) => void;
  readonly #running = new Map<string, RunWrite>();
  #runs: RunWrite[] = [];
  #logs: RunLogRecord[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #written = 0;

  constructor(store: RunStore, options: RunRecorderOptions = {}) {
    this.#store = store;
    this.#retention = options.retention ?? 1_000;
    this.#flushIntervalMs = options.flushIntervalMs ?? 250;
    this.#maxBatch = options.maxBatch ?? 500;
    this.#onError = options.onError ?? (() => {});
  }

  /** The store records go to. */
  get store(): RunStore {
    return this.#store;
  }

  /** Runs in flight. */
  get running(): number {
    return this.#running.size;
  }

  /** A run started. */
  begin(record: RunWrite): void {
    this.#running.set(record.id, record);
  }

  /** A run ended: queue its record and log lines for writing. */
  end(record: RunWrite, logs: readonly LogEntry[]): void {
    this.#running.delete(record.id);
    this.#runs.push(record);
    logs.forEach((entry, seq) => {
      this.#logs.push({
        runId: record.id,
        seq,
        at: entry.at,
        level: entry.level,
        message: entry.message,
        ...(entry.nodeId === undefined ? {} : { nodeId: entry.nodeId }),
        ...(entry.nodeType === undefined ? {} : { nodeType: entry.nodeType }),
        ...(entry.data === undefined ? {} : { data: entry.data }),
      });
    });
    if (this.#runs.length >= this.#maxBatch) {
      void this.flush();
      return;
    }
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        void this.flush();
      }, this.#flushIntervalMs);
      this.#timer.unref();
    }
  }

  /** Writes everything queued; resolves when it is stored. */
  flush(): Promise<void> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushing = this.#flushing.then(() => this.#writeQueued());
    return this.#flushing;
  }

  async #writeQueued(): Promise<void> {
    while (this.#runs.length > 0 || this.#logs.length > 0) {
      const runs = this.#runs.splice(0, this.#maxBatch);
      const ids = new Set(runs.map((r) => r.id));
      const logs = this.#logs.filter((l) => ids.has(l.runId));
      this.#logs = this.#logs.filter((l) => !ids.has(l.runId));
      try {
        await this.#store.write(runs, logs);
        this.#written += runs.length;
      } catch (error) {
        this.#onError(error);
      }
    }
    // Prune once a quarter of the retention was written since the last prune (amortised deletes).
    if (this.#written >= Math.min(250, Math.max(1, Math.ceil(this.#retention / 4)))) {
      this.#written = 0;
      try {
        await this.#store.prune(this.#retention);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Runs, newest first; runs in flight come first. */
  async list(filter: RunFilter = {}): Promise<RunRecord[]> {
    await this.flush();
    const stored = await this.#store.list(filter);
    if ((filter.skip ?? 0) > 0) return stored;
    const running = [...this.#running.values()]
      .filter(
        (r) =>
          (filter.workflow === undefined || r.workflow === filter.workflow) &&
          (filter.status === undefined || filter.status === 'running') &&
          (filter.trigger === undefined || r.trigger === filter.trigger),
      )
      .sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
      .map(materializeRun);
    return [...running, ...stored].slice(0, filter.limit ?? 100);
  }

  /** One run with its log lines, or `undefined`. */
  async get(
    id: string,
  ): Promise<(RunRecord & { readonly logs: readonly RunLogRecord[] }) | undefined> {
    const running = this.#running.get(id);
    if (running !== undefined) return { ...materializeRun(running), logs: [] };
    await this.flush();
    const record = await this.#store.get(id);
    if (record === undefined) return undefined;
    return { ...record, logs: await this.#store.logs(id) };
  }

  /** Writes what is queued. */
  close(): Promise<void> {
    return this.flush();
  }
}
