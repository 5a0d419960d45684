import {
  BackendError,
  type CloudStoreAdapter,
  type ErrorCode,
  type RecordInput,
  type StoredRecord,
} from '@localbackend/adapter';
import type { LogLevel } from '../catalog/node-definition';

/**
 * How a run was started.
 *
 * @example
 * ```ts
 * const trigger: RunTrigger = 'dbChange';
 * ```
 */
export type RunTrigger = 'http' | 'webhook' | 'schedule' | 'dbChange';

/**
 * The state of a run: `running`, then `success` (answered 2xx or finished), `failure` (a Response
 * node with status failure) or `error` (the run failed: timeout, resource limit, exception,
 * unauthenticated...).
 *
 * @example
 * ```ts
 * const status: RunStatus = 'error';
 * ```
 */
export type RunStatus = 'running' | 'success' | 'failure' | 'error';

/**
 * The execution record of one run.
 *
 * @example
 * ```ts
 * const record = await runtime.getRun(result.runId);
 * record?.status; // 'success'
 * ```
 */
export interface RunRecord {
  readonly id: string;
  readonly workflow: string;
  readonly trigger: RunTrigger;
  readonly status: RunStatus;
  /** ISO-8601. */
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly durationMs?: number;
  readonly statusCode?: number;
  /** What started the run (request body and headers without credentials, the change...). */
  readonly input: unknown;
  /** The response body (parsed when JSON), for successful and failed answers. */
  readonly output?: unknown;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
}

/**
 * A finished run as it is written to a {@link RunStore}: like {@link RunRecord}, but `input` and
 * `output` are JSON text (so the hot path never parses or re-serialises bodies). `input` is
 * `{"body": <raw body text>, ...}`; the store turns it into a {@link RunRecord} when it is read.
 *
 * @example
 * ```ts
 * const write: RunWrite = { id: 'r1', workflow: 'hello', trigger: 'http', status: 'success', startedAt, input: '{"body":"{}"}', output: '{"result":{}}' };
 * ```
 */
export interface RunWrite extends Omit<RunRecord, 'input' | 'output'> {
  readonly input: string;
  readonly output?: string;
}

function parseText(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/**
 * Turns a stored {@link RunWrite} into a {@link RunRecord}: input and output parsed (a request
 * body that is JSON is parsed too).
 *
 * @example
 * ```ts
 * const record = materializeRun(write);
 * ```
 */
export function materializeRun(write: RunWrite): RunRecord {
  const { input: inputText, output: outputText, ...rest } = write;
  let input = parseText(inputText);
  if (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { body?: unknown }).body === 'string'
  ) {
    const body = (input as { body: string }).body;
    input = { ...(input as Record<string, unknown>), body: body === '' ? '' : parseText(body) };
  }
  const output = parseText(outputText);
  return { ...rest, input, ...(output === undefined ? {} : { output }) };
}

/**
 * One log line of a run, as stored.
 *
 * @example
 * ```ts
 * const { logs } = (await runtime.getRun(id))!;
 * logs.filter((l) => l.level === 'error');
 * ```
 */
export interface RunLogRecord {
  readonly runId: string;
  readonly seq: number;
  readonly at: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly nodeId?: string;
  readonly nodeType?: string;
  readonly data?: unknown;
}

/**
 * Which runs {@link RunStore.list} returns (newest first).
 *
 * @example
 * ```ts
 * const filter: RunFilter = { workflow: 'hello', status: 'error', limit: 20 };
 * ```
 */
export interface RunFilter {
  readonly workflow?: string;
  readonly status?: RunStatus;
  readonly trigger?: RunTrigger;
  readonly limit?: number;
  readonly skip?: number;
}

/**
 * Where execution records go. The default stores them through the adapter in the system
 * collections `_WorkflowRun` and `_WorkflowLog`; {@link MemoryRunStore} keeps them in memory.
 *
 * @example
 * ```ts
 * const runtime = new WorkflowRuntime({ adapter, records: { store: new MemoryRunStore() } });
 * ```
 */
export interface RunStore {
  /** Writes finished runs and their log lines. */
  write(runs: readonly RunWrite[], logs: readonly RunLogRecord[]): Promise<void>;
  /** Lists runs, newest first. */
  list(filter: RunFilter): Promise<RunRecord[]>;
  /** One run, or `undefined`. */
  get(id: string): Promise<RunRecord | undefined>;
  /** The log lines of a run, in order. */
  logs(runId: string): Promise<RunLogRecord[]>;
  /** Deletes all but the newest `keep` runs (and their logs); returns how many were deleted. */
  prune(keep: number): Promise<number>;
}

/**
 * Collection of run records.
 *
 * @example
 * ```ts
 * await adapter.query({ collection: RUN_COLLECTION, where: { status: 'error' } });
 * ```
 */
export const RUN_COLLECTION = '_WorkflowRun';
/**
 * Collection of run log lines.
 *
 * @example
 * ```ts
 * await adapter.query({ collection: LOG_COLLECTION, where: { run: runId } });
 * ```
 */
export const LOG_COLLECTION = '_WorkflowLog';
const PRUNE_BATCH = 500;
/** Most records per `createMany` call. */
const BULK_CHUNK = 1_000;

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toRecord(stored: StoredRecord): RunRecord {
  const error = parseJson(stored['error']) as RunRecord['error'];
  return materializeRun({
    id: stored.objectId,
    workflow: String(stored['workflow'] ?? ''),
    trigger: stored['trigger'] as RunTrigger,
    status: stored['status'] as RunStatus,
    startedAt: String(stored['startedAt'] ?? stored.createdAt),
    ...(typeof stored['endedAt'] === 'string' ? { endedAt: stored['endedAt'] } : {}),
    ...(typeof stored['durationMs'] === 'number' ? { durationMs: stored['durationMs'] } : {}),
    ...(typeof stored['statusCode'] === 'number' ? { statusCode: stored['statusCode'] } : {}),
    input: typeof stored['input'] === 'string' ? stored['input'] : 'null',
    ...(typeof stored['output'] === 'string' ? { output: stored['output'] } : {}),
    ...(error === undefined ? {} : { error }),
  });
}

function toLog(stored: StoredRecord): RunLogRecord {
  const data = parseJson(stored['data']);
  return {
    runId: String(stored['run']),
    seq: Number(stored['seq'] ?? 0),
    at: String(stored['at'] ?? stored.createdAt),
    level: stored['level'] as LogLevel,
    message: String(stored['message'] ?? ''),
    ...(typeof stored['nodeId'] === 'string' ? { nodeId: stored['nodeId'] } : {}),
    ...(typeof stored['nodeType'] === 'string' ? { nodeType: stored['nodeType'] } : {}),
    ...(data === undefined ? {} : { data }),
  };
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined) return 100;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new BackendError(
      'INVALID_VALUE',
      `limit: expected a positive integer, got ${String(limit)}`,
      { details: { path: 'limit' } },
    );
  }
  return Math.min(limit, 1_000);
}

function clampSkip(skip: number | undefined): number {
  if (skip === undefined) return 0;
  if (!Number.isInteger(skip) || skip < 0) {
    throw new BackendError(
      'INVALID_VALUE',
      `skip: expected a non-negative integer, got ${String(skip)}`,
      { details: { path: 'skip' } },
    );
  }
  return skip;
}

/** The stored fields of a run (`objectId` = run id). */
function runData(run: RunWrite): RecordInput {
  return {
    objectId: run.id,
    workflow: run.workflow,
    trigger: run.trigger,
    status: run.status,
    startedAt: run.startedAt,
    endedAt: run.endedAt ?? null,
    durationMs: run.durationMs ?? null,
    statusCode: run.statusCode ?? null,
    input: run.input,
    output: run.output ?? null,
    error: run.error === undefined ? null : JSON.stringify(run.error),
  };
}

/** The stored fields of a log line. */
function logData(log: RunLogRecord): RecordInput {
  return {
    run: log.runId,
    seq: log.seq,
    at: log.at,
    level: log.level,
    message: log.message,
    nodeId: log.nodeId ?? null,
    nodeType: log.nodeType ?? null,
    data: log.data === undefined ? null : JSON.stringify(log.data),
  };
}

/** Writes run records and log lines through `tx`, one `create` each (adapters without bulk). */
async function writeRecords(
  tx: CloudStoreAdapter,
  runs: readonly RunWrite[],
  logs: readonly RunLogRecord[],
): Promise<void> {
  for (const run of runs) await tx.create({ collection: RUN_COLLECTION, data: runData(run) });
  for (const log of logs) await tx.create({ collection: LOG_COLLECTION, data: logData(log) });
}

/** Writes run records and log lines through `tx` with `createMany`, in chunks. */
async function writeRecordsBulk(
  tx: BulkAdapter,
  runs: readonly RunWrite[],
  logs: readonly RunLogRecord[],
): Promise<void> {
  for (let i = 0; i < runs.length; i += BULK_CHUNK) {
    await tx.createMany({
      collection: RUN_COLLECTION,
      records: runs.slice(i, i + BULK_CHUNK).map(runData),
    });
  }
  for (let i = 0; i < logs.length; i += BULK_CHUNK) {
    await tx.createMany({
      collection: LOG_COLLECTION,
      records: logs.slice(i, i + BULK_CHUNK).map(logData),
    });
  }
}

/** An adapter with the optional bulk methods (see {@link bulkOf}). */
type BulkAdapter = CloudStoreAdapter & {
  createMany: NonNullable<CloudStoreAdapter['createMany']>;
  deleteMany: NonNullable<CloudStoreAdapter['deleteMany']>;
};

/** `adapter` when it declares and has `createMany` / `deleteMany`, else `undefined`. */
function bulkOf(adapter: CloudStoreAdapter): BulkAdapter | undefined {
  return adapter.capabilities.bulk === true &&
    typeof adapter.createMany === 'function' &&
    typeof adapter.deleteMany === 'function'
    ? (adapter as BulkAdapter)
    : undefined;
}

/** Deletes the runs `ids` and their log lines through `tx` with two `deleteMany`. */
async function deleteRecordsBulk(tx: BulkAdapter, ids: readonly string[]): Promise<void> {
  await tx.deleteMany({ collection: LOG_COLLECTION, where: { run: { $in: ids } } });
  await tx.deleteMany({ collection: RUN_COLLECTION, where: { objectId: { $in: ids } } });
}

/** Deletes log lines and runs through `tx` (a stable function, so V8 optimises it once). */
async function deleteRecords(
  tx: CloudStoreAdapter,
  logs: readonly StoredRecord[],
  ids: readonly string[],
): Promise<void> {
  for (const log of logs) await tx.delete({ collection: LOG_COLLECTION, objectId: log.objectId });
  for (const id of ids) await tx.delete({ collection: RUN_COLLECTION, objectId: id });
}

/** The log lines of runs `ids` (only their objectIds matter), for per-row deletes. */
async function logsOf(adapter: CloudStoreAdapter, ids: readonly string[]): Promise<StoredRecord[]> {
  try {
    // Most runs log nothing: look the lines up only when there are any at all.
    const { results: any } = await adapter.query({
      collection: LOG_COLLECTION,
      limit: 1,
      select: ['run'],
    });
    if (any.length === 0) return [];
    const { results } = await adapter.query({
      collection: LOG_COLLECTION,
      where: { run: { $in: ids } },
      limit: 1_000_000,
      select: ['run'],
    });
    return results;
  } catch (error) {
    if (BackendError.is(error) && error.code === 'TABLE_NOT_FOUND') return [];
    throw error;
  }
}

/**
 * Execution records through the adapter, in the system collections `_WorkflowRun` (one record per
 * run, `objectId` = run id; `input`, `output`, `error` as JSON text) and `_WorkflowLog` (one
 * record per log line, `run` = run id). Batches are written in one transaction.
 *
 * @example
 * ```ts
 * const store = new AdapterRunStore(adapter);
 * await store.list({ workflow: 'hello', limit: 10 });
 * ```
 */
export class AdapterRunStore implements RunStore {
  #prepared: Promise<void> | undefined;
  readonly #bulk: BulkAdapter | undefined;

  constructor(private readonly adapter: CloudStoreAdapter) {
    this.#bulk = bulkOf(adapter);
  }

  /**
   * Creates the two collections with their columns and indexes (`startedAt` and `workflow` of
   * runs, `run` of log lines) so listing, reading a run's logs and pruning stay fast. Best
   * effort: an adapter without schema operations simply stores the records.
   */
  #prepare(): Promise<void> {
    this.#prepared ??= (async () => {
      if (!this.adapter.capabilities.schema) return;
      const tables = [
        {
          name: RUN_COLLECTION,
          columns: [
            { name: 'workflow', type: 'String', indexed: true },
            { name: 'trigger', type: 'String' },
            { name: 'status', type: 'String' },
            { name: 'startedAt', type: 'String', indexed: true },
            { name: 'endedAt', type: 'String' },
            { name: 'durationMs', type: 'Number' },
            { name: 'statusCode', type: 'Number' },
            { name: 'input', type: 'String' },
            { name: 'output', type: 'String' },
            { name: 'error', type: 'String' },
          ],
        },
        {
          name: LOG_COLLECTION,
          columns: [
            { name: 'run', type: 'String', indexed: true },
            { name: 'seq', type: 'Number' },
            { name: 'at', type: 'String' },
            { name: 'level', type: 'String' },
            { name: 'message', type: 'String' },
            { name: 'nodeId', type: 'String' },
            { name: 'nodeType', type: 'String' },
            { name: 'data', type: 'String' },
          ],
        },
      ] as const;
      for (const table of tables) {
        try {
          await this.adapter.createTable({
            name: table.name,
            columns: table.columns.map((c) => ({ ...c })),
          });
        } catch {
          // The table exists (perhaps with other columns): make sure the indexed columns are indexed.
          for (const column of table.columns) {
            if (!('indexed' in column)) continue;
            try {
              await this.adapter.addColumn(table.name, { ...column });
            } catch {
              // best effort
            }
          }
        }
      }
    })();
    return this.#prepared;
  }

  async write(runs: readonly RunWrite[], logs: readonly RunLogRecord[]): Promise<void> {
    if (runs.length === 0 && logs.length === 0) return;
    await this.#prepare();
    const bulk = this.#bulk;
    if (bulk !== undefined && logs.length === 0 && runs.length <= BULK_CHUNK) {
      // one createMany is atomic by itself: no transaction around it
      await bulk.createMany({ collection: RUN_COLLECTION, records: runs.map(runData) });
    } else if (this.adapter.capabilities.transactions) {
      await this.adapter.transaction((tx) => {
        const txBulk = bulk === undefined ? undefined : bulkOf(tx);
        return txBulk === undefined
          ? writeRecords(tx, runs, logs)
          : writeRecordsBulk(txBulk, runs, logs);
      });
    } else if (bulk !== undefined) await writeRecordsBulk(bulk, runs, logs);
    else await writeRecords(this.adapter, runs, logs);
  }

  async list(filter: RunFilter): Promise<RunRecord[]> {
    const where: Record<string, unknown> = {};
    if (filter.workflow !== undefined) where['workflow'] = filter.workflow;
    if (filter.status !== undefined) where['status'] = filter.status;
    if (filter.trigger !== undefined) where['trigger'] = filter.trigger;
    try {
      const { results } = await this.adapter.query({
        collection: RUN_COLLECTION,
        where,
        sort: ['-startedAt', '-objectId'],
        limit: clampLimit(filter.limit),
        skip: clampSkip(filter.skip),
      });
      return results.map(toRecord);
    } catch (error) {
      if (BackendError.is(error) && error.code === 'TABLE_NOT_FOUND') return [];
      throw error;
    }
  }

  async get(id: string): Promise<RunRecord | undefined> {
    try {
      return toRecord(await this.adapter.fetch({ collection: RUN_COLLECTION, objectId: id }));
    } catch (error) {
      if (
        BackendError.is(error) &&
        (error.code === 'NOT_FOUND' ||
          error.code === 'TABLE_NOT_FOUND' ||
          error.code === 'INVALID_OBJECT_ID')
      )
        return undefined;
      throw error;
    }
  }

  async logs(runId: string): Promise<RunLogRecord[]> {
    try {
      const { results } = await this.adapter.query({
        collection: LOG_COLLECTION,
        where: { run: runId },
        sort: 'seq',
        limit: 1_000,
      });
      return results.map(toLog);
    } catch (error) {
      if (BackendError.is(error) && error.code === 'TABLE_NOT_FOUND') return [];
      throw error;
    }
  }

  async prune(keep: number): Promise<number> {
    let deleted = 0;
    for (;;) {
      let old: StoredRecord[];
      try {
        ({ results: old } = await this.adapter.query({
          collection: RUN_COLLECTION,
          sort: ['-startedAt', '-objectId'],
          skip: keep,
          limit: PRUNE_BATCH,
          select: ['startedAt'],
        }));
      } catch (error) {
        if (BackendError.is(error) && error.code === 'TABLE_NOT_FOUND') return deleted;
        throw error;
      }
      if (old.length === 0) return deleted;
      const ids = old.map((r) => r.objectId);
      const bulk = this.#bulk;
      if (bulk !== undefined) {
        if (this.adapter.capabilities.transactions) {
          await this.adapter.transaction(async (tx) => {
            const txBulk = bulkOf(tx);
            if (txBulk !== undefined) await deleteRecordsBulk(txBulk, ids);
            else await deleteRecords(tx, await logsOf(tx, ids), ids);
          });
        } else await deleteRecordsBulk(bulk, ids);
      } else {
        const logs = await logsOf(this.adapter, ids);
        if (this.adapter.capabilities.transactions)
          await this.adapter.transaction((tx) => deleteRecords(tx, logs, ids));
        else await deleteRecords(this.adapter, logs, ids);
      }
      deleted += ids.length;
      if (old.length < PRUNE_BATCH) return deleted;
    }
  }
}

/**
 * Execution records in memory (lost on restart). Used when there is no adapter.
 *
 * @example
 * ```ts
 * const store = new MemoryRunStore();
 * ```
 */
export class MemoryRunStore implements RunStore {
  readonly #runs = new Map<string, RunWrite>();
  readonly #logs = new Map<string, RunLogRecord[]>();

  write(runs: readonly RunWrite[], logs: readonly RunLogRecord[]): Promise<void> {
    for (const run of runs) this.#runs.set(run.id, run);
    for (const log of logs) {
      let list = this.#logs.get(log.runId);
      if (list === undefined) this.#logs.set(log.runId, (list = []));
      list.push(log);
    }
    return Promise.resolve();
  }

  list(filter: RunFilter): Promise<RunRecord[]> {
    const limit = clampLimit(filter.limit);
    const skip = clampSkip(filter.skip);
    const all = [...this.#runs.values()]
      .filter(
        (r) =>
          (filter.workflow === undefined || r.workflow === filter.workflow) &&
          (filter.status === undefined || r.status === filter.status) &&
          (filter.trigger === undefined || r.trigger === filter.trigger),
      )
      .sort((a, b) =>
        a.startedAt === b.startedAt ? (a.id < b.id ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1,
      );
    return Promise.resolve(all.slice(skip, skip + limit).map(materializeRun));
  }

  get(id: string): Promise<RunRecord | undefined> {
    const run = this.#runs.get(id);
    return Promise.resolve(run === undefined ? undefined : materializeRun(run));
  }

  logs(runId: string): Promise<RunLogRecord[]> {
    return Promise.resolve([...(this.#logs.get(runId) ?? [])].sort((a, b) => a.seq - b.seq));
  }

  prune(keep: number): Promise<number> {
    const sorted = [...this.#runs.values()].sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1));
    const old = sorted.slice(keep);
    for (const run of old) {
      this.#runs.delete(run.id);
      this.#logs.delete(run.id);
    }
    return Promise.resolve(old.length);
  }
}
