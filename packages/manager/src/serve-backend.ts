import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BackendError, describeValue, type SchemaMode } from '@localbackend/adapter';
import {
  DEFAULT_BACKEND_SETTINGS,
  generateMasterKey,
  isValidPort,
  parseBackendConfig,
} from './backend-config';
import type { HealthReport } from './health-report';
import type { HostLog } from './internal/backend-host-types';

/**
 * Options of {@link serveBackend}. Everything but `dir` defaults to the directory's
 * `config.json` (when present) and then to the manager's defaults.
 *
 * @example
 * ```ts
 * const options: ServeBackendOptions = { dir: '.', port: Number(process.env.PORT ?? 8577), dbPath: process.env.DB_PATH };
 * ```
 */
export interface ServeBackendOptions {
  /** A backend directory (`config.json`, `schema.json`, `workflows/`, `data/local.db`) or a bundle. */
  readonly dir: string;
  readonly port?: number;
  readonly host?: string;
  /** Database file (default `<dir>/data/local.db`). */
  readonly dbPath?: string;
  /** Workflow folder (default `<dir>/workflows`). */
  readonly workflowsPath?: string;
  /** schema.json kept in step with the database (default `<dir>/schema.json`). */
  readonly schemaPath?: string;
  /** Uploaded files (default `<dir>/files`). */
  readonly filesPath?: string;
  readonly appId?: string;
  readonly masterKey?: string;
  readonly schemaMode?: SchemaMode;
  /** Receives the log lines (default: one JSON object per line on stdout). */
  readonly log?: (
    level: 'debug' | 'info' | 'warn' | 'error',
    message: string,
    fields?: Readonly<Record<string, unknown>>,
  ) => void;
}

/**
 * A backend served by {@link serveBackend}.
 *
 * @example
 * ```ts
 * const served: ServedBackend = await serveBackend({ dir: '.' });
 * console.log(served.url);
 * await served.stop();
 * ```
 */
export interface ServedBackend {
  readonly id: string;
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly url: string;
  /** Uptime, version, CPU and memory of this process. */
  health(): Promise<HealthReport>;
  /** Stops cleanly (in-flight requests finish, then the database closes). */
  stop(): Promise<void>;
}

/**
 * Serves one backend directory in this process, without a manager: the database, the
 * workflows and the HTTP + realtime server. A bundle's `server.js` is a call to this.
 *
 * @example
 * ```ts
 * import { serveBackend } from '@localbackend/manager';
 *
 * const backend = await serveBackend({ dir: process.cwd(), port: Number(process.env.PORT ?? 8577) });
 * process.on('SIGTERM', () => void backend.stop());
 * ```
 */
export async function serveBackend(options: ServeBackendOptions): Promise<ServedBackend> {
  if (
    options === null ||
    typeof options !== 'object' ||
    typeof options.dir !== 'string' ||
    options.dir === ''
  ) {
    throw new BackendError(
      'INVALID_CONFIG',
      `dir: expected a directory, got ${describeValue(options?.dir)}`,
    );
  }
  if (options.port !== undefined && options.port !== 0 && !isValidPort(options.port)) {
    throw new BackendError(
      'INVALID_CONFIG',
      `port: expected a port number 0..65535, got ${describeValue(options.port)}`,
    );
  }
  const dir = path.resolve(options.dir);
  let config: ReturnType<typeof parseBackendConfig>['config'] | undefined;
  try {
    const text = await fs.readFile(path.join(dir, 'config.json'), 'utf8');
    config = parseBackendConfig(JSON.parse(text) as unknown).config;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new BackendError(
        'INVALID_CONFIG',
        `${path.join(dir, 'config.json')}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }
  const emit =
    options.log ??
    ((level, message, fields) => {
      process.stdout.write(
        `${JSON.stringify({ ...fields, time: new Date().toISOString(), level, msg: message })}\n`,
      );
    });
  const log: HostLog = {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
  const host = options.host ?? config?.settings.host ?? DEFAULT_BACKEND_SETTINGS.host;
  const { startServingHost } = await import('./internal/backend-host');
  const served = await startServingHost(
    {
      id: config?.id ?? path.basename(dir),
      name: config?.name ?? path.basename(dir),
      dir,
      port: options.port ?? config?.port ?? 8577,
      host,
      appId: options.appId ?? config?.settings.appId ?? DEFAULT_BACKEND_SETTINGS.appId,
      masterKey: options.masterKey ?? config?.settings.masterKey ?? generateMasterKey(),
      schemaMode:
        options.schemaMode ?? config?.settings.schemaMode ?? DEFAULT_BACKEND_SETTINGS.schemaMode,
      ...(options.dbPath === undefined ? {} : { dbPath: path.resolve(options.dbPath) }),
      ...(options.workflowsPath === undefined
        ? {}
        : { workflowsPath: path.resolve(options.workflowsPath) }),
      ...(options.schemaPath === undefined ? {} : { schemaPath: path.resolve(options.schemaPath) }),
      ...(options.filesPath === undefined ? {} : { filesPath: path.resolve(options.filesPath) }),
    },
    log,
  );
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    id: config?.id ?? path.basename(dir),
    port: served.port,
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${served.port}`,
    health: () => served.health(),
    stop: () => served.stop(),
  };
}
