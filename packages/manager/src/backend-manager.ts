import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import {
  BackendError,
  assertCollectionName,
  describeValue,
  isPlainRecord,
  toBackendError,
} from '@localbackend/adapter';
import {
  DEFAULT_BACKEND_SETTINGS,
  checkBackendName,
  generateMasterKey,
  isValidPort,
  parseBackendConfig,
  type BackendConfig,
  type BackendSettings,
  type MigrationSource,
} from './backend-config';
import { BackendLogger, readLogEntries, type LogEntry } from './backend-logger';
import {
  assertBackendId,
  backendPaths,
  defaultBackendsRoot,
  isValidBackendId,
  type BackendPaths,
} from './backend-paths';
import type { BackendState, BackendStatus, BackendStatusEvent } from './backend-status';
import type { HealthReport } from './health-report';
import { PortAllocator, DEFAULT_BASE_PORT } from './port-allocator';
import { removeStaleTempFiles, writeJsonAtomic } from './internal/atomic-write';
import type { HostLog, HostModule } from './internal/backend-host-types';
import {
  ChildBackendRunner,
  InProcessBackendRunner,
  type BackendRunner,
} from './internal/backend-runner';
import { BackupScheduler } from './internal/backup-scheduler';
import { filesSnapshotPath, restoreFiles, snapshotFiles } from './internal/file-snapshot';
import { writeFileAtomic } from './internal/atomic-write';
import type { DataMethods, HostStartOptions } from './internal/host-protocol';
import { KeyedLock } from './internal/keyed-lock';
import { defaultChildEntry } from './internal/module-paths';
import {
  isProcessAlive,
  readLiveRunState,
  removeRunState,
  writeRunState,
  type RunState,
} from './internal/run-state';

/**
 * Options of `new BackendManager(options)`.
 *
 * @example
 * ```ts
 * const manager = new BackendManager({ root: '/tmp/backends', mode: 'in-process' });
 * ```
 */
export interface BackendManagerOptions {
  /** Where backends live (default {@link defaultBackendsRoot}: `$LOCALBACKEND_ROOT` or `~/.noodl/backends`). */
  readonly root?: string;
  /**
   * `child` (default): each running backend is a supervised child Node process, restarted after a
   * crash. `in-process`: backends run inside this process (tests, scripts; no crash isolation).
   */
  readonly mode?: 'child' | 'in-process';
  /** First port handed out (default 8577). */
  readonly basePort?: number;
  /** Last port handed out (default 65535). */
  readonly maxPort?: number;
  /** The child entry script (default: `dist/backend-child.js` of this package). */
  readonly childEntry?: string;
  /** Node flags for child processes (default none). */
  readonly childExecArgv?: readonly string[];
  /** How long a backend may take to answer after launch (default 30 s). */
  readonly startTimeoutMs?: number;
  /** How long a clean stop may take before the process is killed (default 15 s). */
  readonly stopTimeoutMs?: number;
  /** Delays before restarts after consecutive crashes (default 100 ms, 500 ms, 1 s, 2 s, 5 s, 10 s, 30 s). */
  readonly restartDelaysMs?: readonly number[];
  /** Stop restarting after this many crashes in a row (default 10). */
  readonly maxConsecutiveCrashes?: number;
  /** Run the backups scheduled in config.json while backends run (default true). */
  readonly scheduleBackups?: boolean;
  /** Receives every log entry of every backend this manager runs (the CLI prints them). */
  readonly onLog?: (entry: LogEntry) => void;
}

/**
 * One backend as {@link BackendManager.listBackends} reports it. A backend whose `config.json`
 * is unreadable or invalid is listed too, with `error` saying why (its other fields are then
 * best-effort: `name` is the id, `port` 0).
 *
 * @example
 * ```ts
 * for (const b of await manager.listBackends()) console.log(b.id, b.name, b.error?.message ?? 'ok');
 * ```
 */
export interface BackendSummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly port: number;
  readonly projectIds: readonly string[];
  /** The backend's directory. */
  readonly dir: string;
  /** Present when config.json is missing, unreadable or invalid. */
  readonly error?: { readonly code: 'INVALID_CONFIG'; readonly message: string };
}

/**
 * Options of {@link BackendManager.createBackend}.
 *
 * @example
 * ```ts
 * await manager.createBackend('Shop', { port: 9000, settings: { schemaMode: 'strict' } });
 * ```
 */
export interface CreateBackendOptions {
  /** Use this id instead of a generated `backend-xxxxxxxxxx`. */
  readonly id?: string;
  /** Preferred port (the next free one from 8577 otherwise). */
  readonly port?: number;
  /** Settings other than the defaults. */
  readonly settings?: BackendSettingsPatch;
  readonly projectIds?: readonly string[];
}

/**
 * A partial update of {@link BackendSettings} (nested objects are merged).
 *
 * @example
 * ```ts
 * const patch: BackendSettingsPatch = { backup: { cron: '0 3 * * *' } };
 * ```
 */
export type BackendSettingsPatch = {
  readonly [K in keyof BackendSettings]?: BackendSettings[K] extends object
    ? Partial<BackendSettings[K]>
    : BackendSettings[K];
};

/**
 * What {@link BackendManager.updateBackend} may change.
 *
 * @example
 * ```ts
 * await manager.updateBackend(id, { name: 'Shop (prod copy)', projectIds: ['p1'] });
 * ```
 */
export interface BackendPatch {
  readonly name?: string;
  readonly projectIds?: readonly string[];
  readonly settings?: BackendSettingsPatch;
  /** Set by migrations. */
  readonly migratedFrom?: MigrationSource;
}

/**
 * One backup file of a backend.
 *
 * @example
 * ```ts
 * const [latest]: BackupInfo[] = await manager.listBackups(id);
 * ```
 */
export interface BackupInfo {
  /** File name inside `<id>/backups/`. */
  readonly file: string;
  readonly path: string;
  /** ISO-8601 time the backup was taken. */
  readonly createdAt: string;
  readonly bytes: number;
  /** How many uploaded files the backup holds (in `<file without .db>.files/` beside it). */
  readonly files: number;
}

/**
 * Options of {@link BackendManager.importRecords}.
 *
 * @example
 * ```ts
 * await manager.importRecords(id, 'Todo', records, { onConflict: 'replace' });
 * ```
 */
export interface ImportRecordsManagerOptions {
  /** What to do with a record whose objectId exists (default `error`). */
  readonly onConflict?: 'error' | 'skip' | 'replace';
}

/**
 * What {@link BackendManager.importParseSchema} did: the collections created or extended, and
 * the classes or fields left out with the reason (Parse internals, unsupported types).
 *
 * @example
 * ```ts
 * const { tables, skipped } = await manager.importParseSchema(id, parseSchemas);
 * ```
 */
export interface ImportParseSchemaResult {
  readonly tables: readonly string[];
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/**
 * Formats of {@link BackendManager.exportSchema}.
 *
 * @example
 * ```ts
 * const format: SchemaExportFormat = 'supabase';
 * ```
 */
export type SchemaExportFormat = 'json' | 'postgres' | 'supabase';

/**
 * Formats of {@link BackendManager.exportData}.
 *
 * @example
 * ```ts
 * const format: DataExportFormat = 'sql';
 * ```
 */
export type DataExportFormat = 'json' | 'sql';

const WORKFLOW_NAME = /^[A-Za-z0-9_][A-Za-z0-9 _.-]{0,127}$/;
const BACKUP_FILE = /^backup-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z)(?:-\d+)?\.db$/;
const MAX_WORKFLOW_BYTES = 10 * 1024 * 1024;

function notFound(id: string): BackendError {
  return new BackendError('NOT_FOUND', `backend "${id}" does not exist`, { details: { id } });
}

function invalidValue(where: string, expected: string, value: unknown): BackendError {
  return new BackendError(
    'INVALID_VALUE',
    `${where}: expected ${expected}, got ${describeValue(value)}`,
    { details: { path: where, expected, received: describeValue(value) } },
  );
}

function backupTimestamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-');
}

function timestampToIso(stamp: string): string {
  // 2026-01-02T03-04-05-678Z -> 2026-01-02T03:04:05.678Z
  return stamp.replace(/T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z$/, 'T$1:$2:$3.$4Z');
}

let instance: BackendManager | undefined;

/**
 * Creates, runs and supervises local backends on disk (section 9 of the architecture). Each
 * running backend is a child Node process serving its directory with `LocalBackendServer`
 * (restarted with backoff after a crash), or runs in this process with `mode: 'in-process'`.
 * Emits `status` events ({@link BackendStatusEvent}) on every state change.
 *
 * @example
 * ```ts
 * import { BackendManager } from '@localbackend/manager';
 *
 * const manager = BackendManager.getInstance();
 * await manager.initialize();
 * const backend = await manager.createBackend('Todo app');
 * const { port } = await manager.startBackend(backend.id);
 * await fetch(`http://127.0.0.1:${port}/api/Todo`, { method: 'POST', body: '{"title":"Milk"}', headers: { 'content-type': 'application/json' } });
 * await manager.stopAll();
 * ```
 */
export class BackendManager extends EventEmitter {
  /** The directory holding the backends. */
  readonly root: string;
  /** Where backends run. */
  readonly mode: 'child' | 'in-process';
  readonly #options: BackendManagerOptions;
  readonly #ports: PortAllocator;
  readonly #runners = new Map<string, BackendRunner>();
  readonly #loggers = new Map<string, BackendLogger>();
  readonly #lock = new KeyedLock();
  readonly #backups: BackupScheduler;
  #hostModule: Promise<HostModule> | undefined;
  readonly #runStateQueue = new Map<string, Promise<void>>();
  readonly #owner = randomBytes(8).toString('hex');
  #initialized = false;

  constructor(options: BackendManagerOptions = {}) {
    super();
    this.#options = options;
    this.root = path.resolve(options.root ?? defaultBackendsRoot());
    this.mode = options.mode ?? 'child';
    if (this.mode !== 'child' && this.mode !== 'in-process') {
      throw invalidValue('mode', '"child" or "in-process"', this.mode);
    }
    this.#ports = new PortAllocator({
      start: options.basePort ?? DEFAULT_BASE_PORT,
      end: options.maxPort ?? 65535,
    });
    this.#backups = new BackupScheduler((id) => this.backup(id, { scheduled: true }));
  }

  /**
   * The shared manager of this process (created on first use with `options`, which later calls
   * ignore). The original design's entry point for editors.
   *
   * @example
   * ```ts
   * const manager = BackendManager.getInstance();
   * ```
   */
  static getInstance(options?: BackendManagerOptions): BackendManager {
    instance ??= new BackendManager(options);
    return instance;
  }

  /**
   * Creates the root directory and removes temporary files a crash may have left. Calling it is
   * optional (every method creates what it needs) and idempotent.
   *
   * @example
   * ```ts
   * await manager.initialize();
   * ```
   */
  async initialize(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
    if (this.#initialized) return;
    this.#initialized = true;
    for (const entry of await fs.readdir(this.root, { withFileTypes: true })) {
      if (entry.isDirectory() && isValidBackendId(entry.name)) {
        await removeStaleTempFiles(path.join(this.root, entry.name));
      }
    }
  }

  /**
   * The on-disk paths of a backend.
   *
   * @example
   * ```ts
   * const { database } = manager.paths(id);
   * ```
   */
  paths(id: string): BackendPaths {
    return backendPaths(this.root, id);
  }

  // ---------------------------------------------------------------- configs

  /**
   * Every backend under the root, newest first. Backends whose config.json is broken are listed
   * with an `error` instead of being skipped.
   *
   * @example
   * ```ts
   * const backends = await manager.listBackends();
   * ```
   */
  async listBackends(): Promise<BackendSummary[]> {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(this.root, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw toBackendError(error, `cannot read ${this.root}`);
    }
    const valid: BackendSummary[] = [];
    const broken: BackendSummary[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dir = path.join(this.root, entry.name);
      const fallback = { id: entry.name, name: entry.name, port: 0, projectIds: [], dir };
      if (!isValidBackendId(entry.name)) {
        broken.push({
          ...fallback,
          createdAt: '',
          error: { code: 'INVALID_CONFIG', message: `"${entry.name}" is not a valid backend id` },
        });
        continue;
      }
      try {
        const config = await this.#readConfig(entry.name);
        valid.push({
          id: config.id,
          name: config.name,
          createdAt: config.createdAt,
          port: config.port,
          projectIds: config.projectIds,
          dir,
        });
      } catch (error) {
        const stat = await fs.stat(dir).catch(() => undefined);
        broken.push({
          ...fallback,
          createdAt: stat?.birthtime.toISOString() ?? '',
          error: { code: 'INVALID_CONFIG', message: toBackendError(error).message },
        });
      }
    }
    valid.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return [...valid, ...broken];
  }

  /**
   * The config of one backend. Rejects with `NOT_FOUND` or `INVALID_CONFIG` (naming the bad field).
   *
   * @example
   * ```ts
   * const { name, port, settings } = await manager.getBackend(id);
   * ```
   */
  async getBackend(id: string): Promise<BackendConfig> {
    assertBackendId(id);
    return this.#readConfig(id);
  }

  /**
   * Finds a backend by id, or else by exact name (the CLI accepts both). `NOT_FOUND` when neither
   * matches, `INVALID_VALUE` when several backends have that name.
   *
   * @example
   * ```ts
   * const config = await manager.findBackend('Todo app');
   * ```
   */
  async findBackend(idOrName: string): Promise<BackendConfig> {
    if (isValidBackendId(idOrName)) {
      try {
        return await this.#readConfig(idOrName);
      } catch (error) {
        if (!BackendError.is(error) || error.code !== 'NOT_FOUND') throw error;
      }
    }
    const matches = (await this.listBackends()).filter(
      (b) => b.error === undefined && b.name === idOrName,
    );
    if (matches.length === 1) return this.#readConfig(matches[0]!.id);
    if (matches.length > 1) {
      throw new BackendError(
        'INVALID_VALUE',
        `several backends are named "${idOrName}" (${matches.map((m) => m.id).join(', ')}); use the id`,
      );
    }
    throw notFound(idOrName);
  }

  /**
   * Creates a backend directory (`config.json`, `schema.json`, `workflows/`, `data/`, `logs/`,
   * `backups/`) with a free port from 8577 upwards and a generated master key.
   *
   * @example
   * ```ts
   * const backend = await manager.createBackend('Todo app');
   * console.log(backend.id, backend.port);
   * ```
   */
  async createBackend(name: string, options: CreateBackendOptions = {}): Promise<BackendConfig> {
    const cleanName = checkBackendName(name);
    if (options.id !== undefined) assertBackendId(options.id, 'options.id');
    if (options.port !== undefined && !isValidPort(options.port)) {
      throw invalidValue('options.port', 'a port number 1..65535', options.port);
    }
    if (
      options.projectIds !== undefined &&
      !options.projectIds.every((p) => typeof p === 'string')
    ) {
      throw invalidValue('options.projectIds', 'an array of strings', options.projectIds);
    }
    return this.#lock.run('#create', async () => {
      await this.initialize();
      const id = options.id ?? `backend-${randomBytes(8).toString('hex').slice(0, 10)}`;
      const paths = this.paths(id);
      try {
        await fs.mkdir(paths.dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new BackendError('DUPLICATE_VALUE', `a backend with id "${id}" already exists`, {
            details: { id },
          });
        }
        throw toBackendError(error, `cannot create ${paths.dir}`);
      }
      try {
        const settings = mergeSettings(
          { ...DEFAULT_BACKEND_SETTINGS, masterKey: generateMasterKey() },
          options.settings ?? {},
        );
        const taken = await this.#configuredPorts(id);
        let port: number;
        if (options.port !== undefined) {
          port = options.port;
        } else {
          port = await this.#ports.allocate({ exclude: taken, host: settings.host });
          this.#ports.release(port);
        }
        const raw = {
          id,
          name: cleanName,
          createdAt: new Date().toISOString(),
          port,
          projectIds: [...(options.projectIds ?? [])],
          settings,
        };
        const { config } = parseBackendConfig(raw, id);
        await Promise.all([
          fs.mkdir(paths.data, { recursive: true }),
          fs.mkdir(paths.workflows, { recursive: true }),
          fs.mkdir(paths.logs, { recursive: true }),
          fs.mkdir(paths.backups, { recursive: true }),
          fs.mkdir(paths.files, { recursive: true }),
        ]);
        await writeJsonAtomic(paths.schema, { version: 1, tables: [] });
        await writeJsonAtomic(paths.config, raw);
        this.#logger(id, config).info('backend created', { name: cleanName, port });
        return config;
      } catch (error) {
        await fs.rm(paths.dir, { recursive: true, force: true }).catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Changes a backend's name, project list or settings (crash-safe write). A running backend picks
   * up new settings on its next start; backup schedules apply at once.
   *
   * @example
   * ```ts
   * await manager.updateBackend(id, { settings: { backup: { cron: '0 3 * * *', keep: 7 } } });
   * ```
   */
  async updateBackend(id: string, patch: BackendPatch): Promise<BackendConfig> {
    assertBackendId(id);
    if (!isPlainRecord(patch as unknown)) throw invalidValue('patch', 'an object', patch);
    const config = await this.#updateConfig(id, (raw) => {
      if (patch.name !== undefined) raw['name'] = checkBackendName(patch.name, 'patch.name');
      if (patch.projectIds !== undefined) {
        if (
          !Array.isArray(patch.projectIds) ||
          !patch.projectIds.every((p) => typeof p === 'string')
        ) {
          throw invalidValue('patch.projectIds', 'an array of strings', patch.projectIds);
        }
        raw['projectIds'] = [...patch.projectIds];
      }
      if (patch.settings !== undefined) {
        if (!isPlainRecord(patch.settings))
          throw invalidValue('patch.settings', 'an object', patch.settings);
        const current = isPlainRecord(raw['settings']) ? raw['settings'] : {};
        raw['settings'] = mergeRaw(current, patch.settings as Record<string, unknown>);
      }
      if (patch.migratedFrom !== undefined) raw['migratedFrom'] = { ...patch.migratedFrom };
    });
    if (patch.settings?.backup !== undefined) {
      const runner = this.#runners.get(id);
      if (runner !== undefined && runner.state === 'running') this.#scheduleBackups(config);
    }
    return config;
  }

  /**
   * Stops the backend if it runs and deletes its directory with all its data. Works on backends
   * with a broken config.json too.
   *
   * @example
   * ```ts
   * await manager.deleteBackend(id);
   * ```
   */
  async deleteBackend(id: string): Promise<void> {
    assertBackendId(id);
    await this.#lock.run(id, async () => {
      const paths = this.paths(id);
      if (!(await exists(paths.dir))) throw notFound(id);
      await this.#stopLocked(id);
      const external = await readLiveRunState(paths.runState, this.#owner);
      if (external !== undefined) {
        throw new BackendError(
          'UNAVAILABLE',
          `backend "${id}" is running in process ${external.pid}; stop it before deleting it`,
          { details: { id, pid: external.pid } },
        );
      }
      this.#loggers.get(id)?.close();
      this.#loggers.delete(id);
      await fs.rm(paths.dir, { recursive: true, force: true });
    });
  }

  // -------------------------------------------------------------- lifecycle

  /**
   * Starts serving a backend and resolves when it answers requests. Its saved port is used when
   * free; a port taken by anything is replaced by the next free one, which is saved. Rejects with
   * `UNAVAILABLE` when another process already serves it. Idempotent while it runs.
   *
   * @example
   * ```ts
   * const { port, pid } = await manager.startBackend(id);
   * ```
   */
  async startBackend(id: string): Promise<BackendStatus> {
    assertBackendId(id);
    await this.#lock.run(id, () => this.#startLocked(id));
    return this.getStatus(id);
  }

  /**
   * Stops a backend cleanly (in-flight requests finish, the database is closed; nothing
   * acknowledged is lost). A backend served by another local process (the CLI's `start`) is asked
   * to stop with SIGTERM. Resolves when it no longer runs; a no-op when it does not run.
   *
   * @example
   * ```ts
   * await manager.stopBackend(id);
   * ```
   */
  async stopBackend(id: string): Promise<void> {
    assertBackendId(id);
    await this.#lock.run(id, async () => {
      const wasManaged = this.#runners.has(id);
      await this.#stopLocked(id);
      if (!wasManaged) await this.#stopExternal(id);
    });
  }

  /**
   * Stops and starts a backend.
   *
   * @example
   * ```ts
   * await manager.restartBackend(id);
   * ```
   */
  async restartBackend(id: string): Promise<BackendStatus> {
    assertBackendId(id);
    await this.#lock.run(id, async () => {
      await this.#stopLocked(id);
      await this.#startLocked(id);
    });
    return this.getStatus(id);
  }

  /**
   * Stops every backend this manager runs, in parallel, and the backup schedules. Call it before
   * the host application quits.
   *
   * @example
   * ```ts
   * app.on('before-quit', () => void manager.stopAll());
   * ```
   */
  async stopAll(): Promise<void> {
    const ids = [...this.#runners.keys()];
    await Promise.all(ids.map((id) => this.#lock.run(id, () => this.#stopLocked(id))));
    this.#backups.stopAll();
  }

  /**
   * The state of a backend: `running`, `port`, `pid`, `uptime` (seconds), `error`, restarts, and
   * `mode` (`external` when another process serves it).
   *
   * @example
   * ```ts
   * const status = await manager.getStatus(id);
   * if (status.running) console.log(`http://127.0.0.1:${status.port}`);
   * ```
   */
  async getStatus(id: string): Promise<BackendStatus> {
    assertBackendId(id);
    const runner = this.#runners.get(id);
    if (runner !== undefined) return statusOf(id, runner);
    const paths = this.paths(id);
    const external = await readLiveRunState(paths.runState, this.#owner);
    if (external !== undefined) {
      return {
        id,
        state: isProcessAlive(external.pid) ? 'running' : 'starting',
        running: isProcessAlive(external.pid),
        port: external.port,
        pid: external.pid,
        uptime: Math.max(0, Math.round((Date.now() - Date.parse(external.startedAt)) / 1000)),
        restarts: 0,
        mode: 'external',
      };
    }
    if (!(await exists(paths.dir))) throw notFound(id);
    let port: number | undefined;
    try {
      port = (await this.#readConfig(id)).port;
    } catch (error) {
      return {
        id,
        state: 'stopped',
        running: false,
        restarts: 0,
        error: toBackendError(error).message,
      };
    }
    return { id, state: 'stopped', running: false, port, restarts: 0 };
  }

  /**
   * Uptime, version, CPU and memory of the process serving a running backend. `UNAVAILABLE` when
   * it does not run. For a backend served by another process, CPU figures are absent.
   *
   * @example
   * ```ts
   * const { uptime, memory, cpu } = await manager.getHealth(id);
   * ```
   */
  async getHealth(id: string): Promise<HealthReport> {
    assertBackendId(id);
    const runner = this.#runners.get(id);
    if (runner !== undefined) return runner.call('health', [], 10_000);
    const external = await readLiveRunState(this.paths(id).runState, this.#owner);
    if (external === undefined) {
      throw new BackendError('UNAVAILABLE', `backend "${id}" is not running`, { details: { id } });
    }
    return this.#externalHealth(id, external);
  }

  // ------------------------------------------------------------ data and schema

  /**
   * The schema as JSON (the `schema.json` shape), or as PostgreSQL / Supabase DDL. Works whether
   * or not the backend runs.
   *
   * @example
   * ```ts
   * const sql = await manager.exportSchema(id, 'supabase');
   * ```
   */
  async exportSchema(id: string, format: SchemaExportFormat = 'json'): Promise<string> {
    if (format !== 'json' && format !== 'postgres' && format !== 'supabase') {
      throw invalidValue('format', '"json", "postgres" or "supabase"', format);
    }
    return this.#withHost(id, 'read', (host) => host.exportSchema(format));
  }

  /**
   * All data as JSON or as PostgreSQL INSERTs. Works whether or not the backend runs.
   *
   * @example
   * ```ts
   * const json = JSON.parse(await manager.exportData(id, 'json'));
   * ```
   */
  async exportData(id: string, format: DataExportFormat = 'json'): Promise<string> {
    if (format !== 'json' && format !== 'sql')
      throw invalidValue('format', '"json" or "sql"', format);
    return this.#withHost(id, 'read', (host) => host.exportData(format));
  }

  /**
   * Creates the collections of a Parse `/schemas` response (or its `results` array) in a backend.
   *
   * @example
   * ```ts
   * const schemas = await (await fetch(`${parseURL}/schemas`, { headers })).json();
   * await manager.importParseSchema(id, schemas);
   * ```
   */
  async importParseSchema(id: string, schema: unknown): Promise<ImportParseSchemaResult> {
    const results = Array.isArray(schema)
      ? schema
      : isPlainRecord(schema) && Array.isArray(schema['results'])
        ? schema['results']
        : undefined;
    if (
      results === undefined ||
      !results.every((c) => isPlainRecord(c) && typeof c['className'] === 'string')
    ) {
      throw invalidValue(
        'schema',
        'a Parse /schemas response or an array of { className, fields }',
        schema,
      );
    }
    return this.#withHost(id, 'write', (host) => host.importParseSchema({ results }));
  }

  /**
   * Imports records in Parse's export format (pointers, dates, files, relations; objectId,
   * createdAt and updatedAt kept) into a collection, in batches inside transactions.
   *
   * @example
   * ```ts
   * await manager.importRecords(id, 'Todo', [{ objectId: 'a1', title: 'Milk', createdAt: '2026-01-01T00:00:00.000Z' }]);
   * ```
   */
  async importRecords(
    id: string,
    collection: string,
    records: readonly unknown[],
    options: ImportRecordsManagerOptions = {},
  ): Promise<{ imported: number; skipped: number; relations: number }> {
    assertCollectionName(collection, 'collection', { allowSystem: true });
    if (!Array.isArray(records)) throw invalidValue('records', 'an array of records', records);
    if (!records.every((r) => isPlainRecord(r))) {
      const bad = records.findIndex((r) => !isPlainRecord(r));
      throw invalidValue(`records[${bad}]`, 'an object', records[bad]);
    }
    const onConflict = options.onConflict ?? 'error';
    if (onConflict !== 'error' && onConflict !== 'skip' && onConflict !== 'replace') {
      throw invalidValue('options.onConflict', '"error", "skip" or "replace"', onConflict);
    }
    return this.#withHost(id, 'write', (host) =>
      host.importRecords(collection, records, { onConflict }),
    );
  }

  // --------------------------------------------------------------- workflows

  /**
   * Writes `workflows/<name>.workflow.json` (crash-safe). A running backend reloads changed files
   * on its own; {@link BackendManager.reloadWorkflows} forces it.
   *
   * @example
   * ```ts
   * await manager.updateWorkflow(id, 'hello', exportedComponentJson);
   * ```
   */
  async updateWorkflow(id: string, name: string, workflow: unknown): Promise<void> {
    assertBackendId(id);
    checkWorkflowName(name);
    if (!isPlainRecord(workflow)) throw invalidValue('workflow', 'a workflow object', workflow);
    let text: string;
    try {
      text = `${JSON.stringify(workflow, null, 2)}\n`;
    } catch (error) {
      throw new BackendError('INVALID_VALUE', 'workflow: not JSON-serialisable', { cause: error });
    }
    if (Buffer.byteLength(text) > MAX_WORKFLOW_BYTES) {
      throw new BackendError(
        'PAYLOAD_TOO_LARGE',
        `workflow: larger than ${MAX_WORKFLOW_BYTES} bytes`,
      );
    }
    const paths = this.paths(id);
    if (!(await exists(paths.dir))) throw notFound(id);
    await fs.mkdir(paths.workflows, { recursive: true });
    await writeFileAtomic(path.join(paths.workflows, `${name}.workflow.json`), text);
  }

  /**
   * Deletes `workflows/<name>.workflow.json`.
   *
   * @example
   * ```ts
   * await manager.deleteWorkflow(id, 'hello');
   * ```
   */
  async deleteWorkflow(id: string, name: string): Promise<void> {
    assertBackendId(id);
    checkWorkflowName(name);
    await fs.rm(path.join(this.paths(id).workflows, `${name}.workflow.json`), { force: true });
  }

  /**
   * The workflow names of a backend (files `workflows/*.workflow.json`).
   *
   * @example
   * ```ts
   * const names = await manager.listWorkflows(id);
   * ```
   */
  async listWorkflows(id: string): Promise<string[]> {
    assertBackendId(id);
    const names = await fs.readdir(this.paths(id).workflows).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith('.workflow.json') && !n.startsWith('.'))
      .map((n) => n.slice(0, -'.workflow.json'.length))
      .sort();
  }

  /**
   * Makes a running backend reload its workflow files now. A no-op when it does not run.
   *
   * @example
   * ```ts
   * await manager.reloadWorkflows(id);
   * ```
   */
  async reloadWorkflows(id: string): Promise<void> {
    assertBackendId(id);
    const runner = this.#runners.get(id);
    if (runner === undefined || runner.state !== 'running') return;
    await runner.call('reloadWorkflows', []);
  }

  // ----------------------------------------------------------------- backups

  /**
   * Takes an online backup into `<id>/backups/backup-<time>.db` (writes may continue meanwhile)
   * and a snapshot of the uploaded files into `backup-<time>.files/` (hard links), then deletes
   * the oldest backups beyond the `settings.backup.keep` count.
   *
   * @example
   * ```ts
   * const { path } = await manager.backup(id);
   * ```
   */
  async backup(id: string, _options: { readonly scheduled?: boolean } = {}): Promise<BackupInfo> {
    const config = await this.getBackend(id);
    const paths = this.paths(id);
    await fs.mkdir(paths.backups, { recursive: true });
    const now = new Date();
    let file = `backup-${backupTimestamp(now)}.db`;
    for (let n = 1; await exists(path.join(paths.backups, file)); n++) {
      file = `backup-${backupTimestamp(now)}-${n}.db`;
    }
    const dest = path.join(paths.backups, file);
    await this.#withHost(id, 'read', (host) => host.backup(dest));
    // The files after the database: a file uploaded in between is kept without a record pointing
    // at it, rather than a record pointing at a file the backup lacks.
    const files = await snapshotFiles(paths.files, filesSnapshotPath(dest));
    const stat = await fs.stat(dest);
    this.#logger(id, config).info('backup taken', {
      file,
      bytes: stat.size,
      files,
      scheduled: _options.scheduled === true,
    });
    await this.#pruneBackups(id, config.settings.backup.keep);
    return { file, path: dest, createdAt: now.toISOString(), bytes: stat.size, files };
  }

  /**
   * The backups of a backend, newest first.
   *
   * @example
   * ```ts
   * const backups = await manager.listBackups(id);
   * ```
   */
  async listBackups(id: string): Promise<BackupInfo[]> {
    assertBackendId(id);
    const dir = this.paths(id).backups;
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const out: BackupInfo[] = [];
    for (const file of names) {
      const match = BACKUP_FILE.exec(file);
      if (match === null) continue;
      const stat = await fs.stat(path.join(dir, file)).catch(() => undefined);
      if (stat === undefined) continue;
      const stored = await fs
        .readdir(filesSnapshotPath(path.join(dir, file)), { withFileTypes: true })
        .catch(() => []);
      out.push({
        file,
        path: path.join(dir, file),
        createdAt: timestampToIso(match[1]!),
        bytes: stat.size,
        files: stored.filter((entry) => entry.isFile()).length,
      });
    }
    return out.sort((a, b) => (a.file < b.file ? 1 : a.file > b.file ? -1 : 0));
  }

  /**
   * Replaces a backend's database with a backup (a file name from {@link BackendManager.listBackups},
   * `latest`, or a path). The backup's integrity is checked first; a running backend is stopped and
   * started again around the restore. The uploaded files are replaced by the backup's
   * (`backup-<time>.files/`) when it has them, and left alone when it has none.
   *
   * @example
   * ```ts
   * await manager.restore(id, 'latest');
   * ```
   */
  async restore(id: string, backup: string): Promise<BackupInfo> {
    assertBackendId(id);
    if (typeof backup !== 'string' || backup === '')
      throw invalidValue('backup', 'a backup file name or path', backup);
    const config = await this.getBackend(id);
    let file: string;
    if (backup === 'latest') {
      const [latest] = await this.listBackups(id);
      if (latest === undefined)
        throw new BackendError('NOT_FOUND', `backend "${id}" has no backups`);
      file = latest.path;
    } else if (path.basename(backup) === backup) {
      file = path.join(this.paths(id).backups, backup);
    } else {
      file = path.resolve(backup);
    }
    const stat = await fs.stat(file).catch(() => undefined);
    if (stat === undefined || !stat.isFile()) {
      throw new BackendError('NOT_FOUND', `backup "${backup}" does not exist`, {
        details: { path: file },
      });
    }
    let restoredFiles = 0;
    await this.#lock.run(id, async () => {
      const external = this.#runners.has(id)
        ? undefined
        : await readLiveRunState(this.paths(id).runState, this.#owner);
      if (external !== undefined) {
        throw new BackendError(
          'UNAVAILABLE',
          `backend "${id}" is running in process ${external.pid}; stop it first`,
        );
      }
      const wasRunning = this.#runners.get(id)?.state === 'running';
      await this.#stopLocked(id);
      const module = await this.#host();
      const host = await module.openColdHost(
        { id, dir: this.paths(id).dir, schemaMode: config.settings.schemaMode },
        this.#logger(id, config),
      );
      try {
        await host.restoreFrom(file);
      } finally {
        await host.close();
      }
      // A backup with files brings them back too; one without (no files then, or a database file
      // from elsewhere) leaves the current files alone.
      const snapshot = filesSnapshotPath(file);
      const files = (await isDirectory(snapshot))
        ? await restoreFiles(snapshot, this.paths(id).files)
        : undefined;
      restoredFiles = files ?? 0;
      this.#logger(id, config).info('restored from backup', { file, files });
      if (wasRunning) await this.#startLocked(id);
    });
    return {
      file: path.basename(file),
      path: file,
      createdAt:
        BACKUP_FILE.exec(path.basename(file))?.[1] !== undefined
          ? timestampToIso(BACKUP_FILE.exec(path.basename(file))![1]!)
          : stat.mtime.toISOString(),
      bytes: stat.size,
      files: restoredFiles,
    };
  }

  // -------------------------------------------------------------------- logs

  /**
   * The last `lines` entries of a backend's structured log (oldest first).
   *
   * @example
   * ```ts
   * for (const entry of await manager.readLogs(id, { lines: 20 })) console.log(entry.time, entry.msg);
   * ```
   */
  async readLogs(id: string, options: { readonly lines?: number } = {}): Promise<LogEntry[]> {
    assertBackendId(id);
    const lines = options.lines ?? 100;
    if (!Number.isInteger(lines) || lines < 1)
      throw invalidValue('lines', 'a positive integer', lines);
    if (!(await exists(this.paths(id).dir))) throw notFound(id);
    return readLogEntries(this.paths(id).logFile, lines);
  }

  // ---------------------------------------------------------------- internal

  /**
   * Runs a data method on a backend, wherever it runs: in its process when this manager runs it,
   * else on the database opened directly (refused for writes while another process serves it).
   * @internal
   */
  callData<M extends keyof DataMethods>(
    id: string,
    access: 'read' | 'write',
    method: M,
    args: Parameters<DataMethods[M]>,
  ): Promise<Awaited<ReturnType<DataMethods[M]>>> {
    return this.#withHost(id, access, (host) =>
      (host[method] as (...a: unknown[]) => Promise<Awaited<ReturnType<DataMethods[M]>>>).apply(
        host,
        args,
      ),
    );
  }

  async #withHost<T>(
    id: string,
    access: 'read' | 'write',
    work: (host: DataMethods) => Promise<T>,
  ): Promise<T> {
    assertBackendId(id);
    const runner = this.#runners.get(id);
    if (runner !== undefined && runner.state === 'running') return work(proxyHost(runner));
    return this.#lock.run(id, async () => {
      const live = this.#runners.get(id);
      if (live !== undefined && live.state === 'running') return work(proxyHost(live));
      if (live !== undefined) {
        throw new BackendError(
          'UNAVAILABLE',
          `backend "${id}" is ${live.state}; try again when it runs`,
          {
            details: { id, state: live.state },
          },
        );
      }
      const config = await this.#readConfig(id);
      const paths = this.paths(id);
      if (access === 'write') {
        const external = await readLiveRunState(paths.runState, this.#owner);
        if (external !== undefined) {
          throw new BackendError(
            'UNAVAILABLE',
            `backend "${id}" is served by process ${external.pid}; changes must go through it (stop it, or use its HTTP API)`,
            { details: { id, pid: external.pid } },
          );
        }
      }
      const module = await this.#host();
      const host = await module.openColdHost(
        { id, dir: paths.dir, schemaMode: config.settings.schemaMode },
        this.#logger(id, config),
      );
      try {
        return await work(host);
      } finally {
        await host.close();
      }
    });
  }

  #host(): Promise<HostModule> {
    this.#hostModule ??= import('./internal/backend-host').then((m) => m as HostModule);
    return this.#hostModule;
  }

  #logger(id: string, config: BackendConfig): BackendLogger {
    let logger = this.#loggers.get(id);
    if (logger === undefined) {
      logger = new BackendLogger(id, this.paths(id).logFile, config.settings.logs);
      if (this.#options.onLog !== undefined) logger.onEntry = this.#options.onLog;
      this.#loggers.set(id, logger);
    }
    return logger;
  }

  async #readConfig(id: string): Promise<BackendConfig> {
    const paths = this.paths(id);
    let text: string;
    try {
      text = await fs.readFile(paths.config, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        if (await exists(paths.dir)) {
          throw new BackendError('INVALID_CONFIG', `${paths.config} is missing`, {
            details: { path: paths.config },
          });
        }
        throw notFound(id);
      }
      throw new BackendError(
        'INVALID_CONFIG',
        `${paths.config} cannot be read: ${(error as Error).message}`,
        { cause: error },
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new BackendError(
        'INVALID_CONFIG',
        `${paths.config} is not valid JSON (${(error as Error).message}); it may have been edited by hand or truncated`,
        { details: { path: paths.config }, cause: error },
      );
    }
    const { config, upgraded } = parseBackendConfig(raw, id);
    if (upgraded) {
      const current = raw as Record<string, unknown>;
      await writeJsonAtomic(paths.config, {
        ...current,
        projectIds: config.projectIds,
        settings: config.settings,
      });
    }
    return config;
  }

  async #updateConfig(
    id: string,
    mutate: (raw: Record<string, unknown>) => void,
  ): Promise<BackendConfig> {
    return this.#lock.run(`#config:${id}`, async () => {
      await this.#readConfig(id); // validates, upgrades
      const paths = this.paths(id);
      const raw = JSON.parse(await fs.readFile(paths.config, 'utf8')) as Record<string, unknown>;
      mutate(raw);
      const { config } = parseBackendConfig(raw, id);
      const cron = config.settings.backup.cron;
      if (cron !== null && !BackupScheduler.isValid(cron)) {
        throw new BackendError(
          'INVALID_CONFIG',
          `settings.backup.cron: "${cron}" is not a valid cron expression`,
          {
            details: { path: 'settings.backup.cron', received: cron },
          },
        );
      }
      await writeJsonAtomic(paths.config, raw);
      return config;
    });
  }

  async #configuredPorts(exceptId: string): Promise<Set<number>> {
    const ports = new Set<number>();
    for (const b of await this.listBackends()) {
      if (b.id !== exceptId && b.error === undefined) ports.add(b.port);
    }
    return ports;
  }

  async #startLocked(id: string): Promise<void> {
    const existing = this.#runners.get(id);
    if (existing !== undefined) {
      if (existing.state === 'running' || existing.state === 'starting') return;
      await this.#stopLocked(id);
    }
    const config = await this.#readConfig(id);
    const paths = this.paths(id);
    const external = await readLiveRunState(paths.runState, this.#owner);
    if (external !== undefined) {
      throw new BackendError(
        'UNAVAILABLE',
        `backend "${id}" is already running in process ${external.pid} on port ${external.port}`,
        { details: { id, pid: external.pid, port: external.port } },
      );
    }
    if (
      config.settings.backup.cron !== null &&
      !BackupScheduler.isValid(config.settings.backup.cron)
    ) {
      throw new BackendError(
        'INVALID_CONFIG',
        `settings.backup.cron: "${config.settings.backup.cron}" is not a valid cron expression`,
        { details: { path: 'settings.backup.cron' } },
      );
    }
    await Promise.all([
      fs.mkdir(paths.data, { recursive: true }),
      fs.mkdir(paths.workflows, { recursive: true }),
      fs.mkdir(paths.logs, { recursive: true }),
      fs.mkdir(paths.backups, { recursive: true }),
    ]);
    const logger = this.#logger(id, config);
    let port = config.port;
    if (!(await this.#ports.tryReserve(port, config.settings.host))) {
      port = await this.#movePort(id, port, config.settings.host);
      logger.warn('saved port is taken; moved to another port', { taken: config.port, port });
    }
    const options: HostStartOptions = {
      id,
      name: config.name,
      dir: paths.dir,
      port,
      host: config.settings.host,
      appId: config.settings.appId,
      masterKey: config.settings.masterKey,
      schemaMode: config.settings.schemaMode,
    };
    let reservedPort = port;
    const shared = {
      options,
      logger,
      onState: (state: BackendState, runner: BackendRunner) => {
        this.#onState(id, config, state, runner);
      },
      resolvePortConflict: async (taken: number) => {
        const next = await this.#movePort(id, taken, config.settings.host);
        reservedPort = next;
        return next;
      },
    };
    const runner: BackendRunner =
      this.mode === 'in-process'
        ? new InProcessBackendRunner({
            ...shared,
            startHost: async (o, log) => (await this.#host()).startServingHost(o, log as HostLog),
          })
        : new ChildBackendRunner({
            ...shared,
            entry: this.#options.childEntry ?? defaultChildEntry(),
            execArgv: this.#options.childExecArgv ?? [],
            autoRestart: config.settings.autoRestart,
            ...(this.#options.startTimeoutMs === undefined
              ? {}
              : { startTimeoutMs: this.#options.startTimeoutMs }),
            ...(this.#options.stopTimeoutMs === undefined
              ? {}
              : { stopTimeoutMs: this.#options.stopTimeoutMs }),
            ...(this.#options.restartDelaysMs === undefined
              ? {}
              : { restartDelaysMs: this.#options.restartDelaysMs }),
            ...(this.#options.maxConsecutiveCrashes === undefined
              ? {}
              : { maxConsecutiveCrashes: this.#options.maxConsecutiveCrashes }),
          });
    if (this.mode === 'child' && !(await exists(this.#options.childEntry ?? defaultChildEntry()))) {
      this.#ports.release(reservedPort);
      throw new BackendError(
        'UNAVAILABLE',
        `the backend child entry ${this.#options.childEntry ?? defaultChildEntry()} does not exist; build @localbackend/manager first (pnpm build)`,
      );
    }
    this.#runners.set(id, runner);
    try {
      await runner.start();
    } catch (error) {
      this.#runners.delete(id);
      this.#ports.release(reservedPort);
      logger.error('backend failed to start', { error: toBackendError(error).message });
      await this.#runStateIO(id, () => removeRunState(paths.runState));
      throw toBackendError(error);
    }
    await this.#runStateIO(id, async () => undefined);
    if (config.settings.backup.cron !== null) this.#scheduleBackups(config);
  }

  async #stopLocked(id: string): Promise<void> {
    const runner = this.#runners.get(id);
    if (runner === undefined) return;
    this.#backups.unschedule(id);
    try {
      await runner.stop();
    } finally {
      this.#runners.delete(id);
      this.#ports.release(runner.port);
      await this.#runStateIO(id, () => removeRunState(this.paths(id).runState));
    }
  }

  async #stopExternal(id: string): Promise<void> {
    const paths = this.paths(id);
    const external = await readLiveRunState(paths.runState, this.#owner);
    if (external === undefined) return;
    if (external.mode === 'in-process') {
      throw new BackendError(
        'UNAVAILABLE',
        `backend "${id}" runs inside process ${external.pid}; stop it from there`,
        { details: { id, pid: external.pid } },
      );
    }
    try {
      process.kill(external.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    const deadline = Date.now() + (this.#options.stopTimeoutMs ?? 15_000);
    while (isProcessAlive(external.pid) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    if (isProcessAlive(external.pid)) {
      throw new BackendError(
        'TIMEOUT',
        `backend "${id}" (process ${external.pid}) did not stop in time`,
      );
    }
    // The supervisor removes run.json when it sees the exit; wait briefly for it.
    const until = Date.now() + 2000;
    while (
      Date.now() < until &&
      (await readLiveRunState(paths.runState, this.#owner)) !== undefined
    ) {
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async #movePort(id: string, taken: number, host: string): Promise<number> {
    this.#ports.release(taken);
    const exclude = await this.#configuredPorts(id);
    exclude.add(taken);
    const port = await this.#ports.allocate({ exclude, host });
    await this.#updateConfig(id, (raw) => {
      raw['port'] = port;
    });
    return port;
  }

  #onState(id: string, config: BackendConfig, state: BackendState, runner: BackendRunner): void {
    const paths = this.paths(id);
    if (state === 'running' && runner.pid !== undefined) {
      const runState: RunState = {
        pid: runner.pid,
        supervisorPid: process.pid,
        owner: this.#owner,
        mode: runner.mode,
        port: runner.port,
        host: config.settings.host,
        startedAt: (runner.startedAt ?? new Date()).toISOString(),
      };
      this.#runStateIO(id, () => writeRunState(paths.runState, runState));
    } else if (state === 'stopped' || (state === 'crashed' && !runner.restartPending)) {
      this.#runStateIO(id, () => removeRunState(paths.runState));
    }
    if (state === 'stopped') {
      // Stopped from outside (SIGTERM to the child): forget the runner and free its port.
      void this.#lock.run(id, async () => {
        if (this.#runners.get(id) === runner && runner.state === 'stopped') {
          this.#runners.delete(id);
          this.#ports.release(runner.port);
          this.#backups.unschedule(id);
        }
      });
    }
    const event: BackendStatusEvent = {
      id,
      state,
      restarts: runner.restarts,
      time: new Date().toISOString(),
      ...(runner.port === undefined ? {} : { port: runner.port }),
      ...(runner.pid === undefined ? {} : { pid: runner.pid }),
      ...(runner.lastError === undefined || state === 'running' ? {} : { error: runner.lastError }),
    };
    this.emit('status', event);
  }

  /** Queues a run.json write/removal for a backend (in order). */
  #runStateIO(id: string, work: () => Promise<void>): Promise<void> {
    const next = (this.#runStateQueue.get(id) ?? Promise.resolve())
      .then(work)
      .catch(() => undefined);
    this.#runStateQueue.set(id, next);
    void next.then(() => {
      if (this.#runStateQueue.get(id) === next) this.#runStateQueue.delete(id);
    });
    return next;
  }

  #scheduleBackups(config: BackendConfig): void {
    const cron = config.settings.backup.cron;
    if (cron === null || this.#options.scheduleBackups === false) {
      this.#backups.unschedule(config.id);
      return;
    }
    this.#backups.schedule(config.id, cron, (error) => {
      this.#logger(config.id, config).error('scheduled backup failed', { error: error.message });
    });
  }

  async #pruneBackups(id: string, keep: number): Promise<void> {
    const backups = await this.listBackups(id);
    for (const old of backups.slice(keep)) {
      await fs.rm(old.path, { force: true }).catch(() => undefined);
      await fs
        .rm(filesSnapshotPath(old.path), { recursive: true, force: true })
        .catch(() => undefined);
    }
  }

  async #externalHealth(id: string, state: RunState): Promise<HealthReport> {
    const host = state.host === '0.0.0.0' || state.host === '::' ? '127.0.0.1' : state.host;
    let body: Record<string, unknown> = {};
    try {
      const response = await fetch(
        `http://${host.includes(':') ? `[${host}]` : host}:${state.port}/health`,
        {
          signal: AbortSignal.timeout(5000),
        },
      );
      body = (await response.json()) as Record<string, unknown>;
    } catch (error) {
      throw new BackendError(
        'UNAVAILABLE',
        `backend "${id}" does not answer /health on port ${state.port}`,
        { cause: error },
      );
    }
    const memory = isPlainRecord(body['memory']) ? body['memory'] : {};
    const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
    return {
      id,
      name: typeof body['backend'] === 'string' ? body['backend'] : id,
      status: 'ok',
      pid: state.pid,
      port: state.port,
      uptime: num(body['uptime']),
      startedAt: state.startedAt,
      version: typeof body['version'] === 'string' ? body['version'] : 'unknown',
      node: 'unknown',
      memory: {
        rss: num(memory['rss']),
        heapTotal: num(memory['heapTotal']),
        heapUsed: num(memory['heapUsed']),
        external: num(memory['external']),
      },
    };
  }

  /**
   * Listens for status changes.
   *
   * @example
   * ```ts
   * manager.on('status', (e) => console.log(e.id, e.state));
   * ```
   */
  override on(event: 'status', listener: (event: BackendStatusEvent) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  /**
   * Stops listening for status changes.
   *
   * @example
   * ```ts
   * manager.off('status', listener);
   * ```
   */
  override off(event: 'status', listener: (event: BackendStatusEvent) => void): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }
}

function statusOf(id: string, runner: BackendRunner): BackendStatus {
  const startedAt = runner.startedAt;
  return {
    id,
    state: runner.state,
    running: runner.state === 'running',
    port: runner.port,
    restarts: runner.restarts,
    mode: runner.mode,
    ...(runner.pid === undefined ? {} : { pid: runner.pid }),
    ...(startedAt === undefined
      ? {}
      : { uptime: Math.round((Date.now() - startedAt.getTime()) / 100) / 10 }),
    ...(runner.lastError === undefined ? {} : { error: runner.lastError }),
  };
}

const DATA_METHODS: readonly (keyof DataMethods)[] = [
  'exportSchema',
  'exportData',
  'importParseSchema',
  'importRecords',
  'count',
  'backup',
  'integrityCheck',
  'writeSchemaFile',
];

/** The data methods of a running backend, forwarded to wherever it runs. */
function proxyHost(runner: BackendRunner): DataMethods {
  const host: Record<string, unknown> = {};
  for (const method of DATA_METHODS) {
    host[method] = (...args: unknown[]) => runner.call(method, args as never);
  }
  return host as unknown as DataMethods;
}

async function isDirectory(dir: string): Promise<boolean> {
  return fs
    .stat(dir)
    .then((stat) => stat.isDirectory())
    .catch(() => false);
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

function checkWorkflowName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !WORKFLOW_NAME.test(name) || name.includes('..')) {
    throw invalidValue(
      'name',
      'a workflow name (letters, digits, space, "_", "-", "."; no path separators)',
      name,
    );
  }
}

function mergeRaw(
  base: Record<string, unknown>,
  patch: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    out[key] =
      isPlainRecord(value) && isPlainRecord(out[key])
        ? mergeRaw(out[key] as Record<string, unknown>, value)
        : value;
  }
  return out;
}

function mergeSettings(base: BackendSettings, patch: BackendSettingsPatch): BackendSettings {
  if (!isPlainRecord(patch)) throw invalidValue('settings', 'an object', patch);
  return mergeRaw(
    base as unknown as Record<string, unknown>,
    patch as Record<string, unknown>,
  ) as unknown as BackendSettings;
}
