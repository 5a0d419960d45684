import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackendError } from '@localbackend/adapter';
import { BackendManager, type BackendConfig, type LogEntry } from '@localbackend/manager';
import { TODO_APP_SCHEMA } from './app-schema';
import { loadAppWorkflows } from './app-workflows';
import { startStaticServer, type StaticServer } from './static-server';

/** The package folder (`dist/..` or `src/..`). */
const APP_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The id of the app's backend inside the data dir (`<dataDir>/todo-app/`).
 *
 * @example
 * ```ts
 * const status = await app.manager.getStatus(BACKEND_ID);
 * ```
 */
export const BACKEND_ID = 'todo-app';

/**
 * Options of {@link startReferenceApp}.
 *
 * @example
 * ```ts
 * const options: ReferenceAppOptions = { dataDir: '/tmp/todo-data', port: 0 };
 * ```
 */
export interface ReferenceAppOptions {
  /** The manager's root: backends live in `<dataDir>/<id>/`. */
  readonly dataDir: string;
  /** Port of the page (default 3000; a taken default falls back to a free port; `0` = any free port). */
  readonly port?: number;
  /** Interface of the page's server (default `127.0.0.1`). */
  readonly host?: string;
  /** Port the backend is created with (default: the first free one from 8577). */
  readonly backendPort?: number;
  /** Overrides the `cleanup` workflow's schedule (default every 10 minutes). */
  readonly cleanupCron?: string;
  /** Receives every backend log entry (default: dropped). */
  readonly onLog?: (entry: LogEntry) => void;
}

/**
 * The running app.
 *
 * @example
 * ```ts
 * const app = await startReferenceApp({ dataDir });
 * console.log(app.url, app.backendUrl);
 * await app.stop();
 * ```
 */
export interface ReferenceApp {
  /** The page, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The backend's REST, Parse and WebSocket endpoint, e.g. `http://127.0.0.1:8577`. */
  readonly backendUrl: string;
  readonly backendId: string;
  readonly dataDir: string;
  /** True when this start created the backend (and seeded it). */
  readonly created: boolean;
  readonly manager: BackendManager;
  /** Stops the page server and the backend (in-flight requests finish, the database closes). */
  stop(): Promise<void>;
}

const DEFAULT_PORT = 3000;

/**
 * Starts the reference app: creates the backend once (config, SQLite database, workflows folder
 * under `dataDir`), installs the app's three workflows, starts the backend as a supervised child
 * process, ensures the schema, seeds a fresh backend, and serves the page.
 *
 * @example
 * ```ts
 * const app = await startReferenceApp({ dataDir: './.data' });
 * process.once('SIGINT', () => void app.stop());
 * ```
 */
export async function startReferenceApp(options: ReferenceAppOptions): Promise<ReferenceApp> {
  const dataDir = path.resolve(options.dataDir);
  const manager = new BackendManager({
    root: dataDir,
    ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
  });
  await manager.initialize();

  let config: BackendConfig;
  let created = false;
  try {
    config = await manager.getBackend(BACKEND_ID);
  } catch (error) {
    if (!BackendError.is(error) || error.code !== 'NOT_FOUND') throw error;
    config = await manager.createBackend('Todo app', {
      id: BACKEND_ID,
      ...(options.backendPort === undefined ? {} : { port: options.backendPort }),
    });
    created = true;
  }

  // The workflow files are the source of truth: (re)install them on every start.
  const workflows = await loadAppWorkflows(path.join(APP_ROOT, 'workflows'), {
    ...(options.cleanupCron === undefined ? {} : { cleanupCron: options.cleanupCron }),
  });
  for (const { name, document } of workflows) {
    await manager.updateWorkflow(BACKEND_ID, name, document);
  }

  const status = await manager.startBackend(BACKEND_ID);
  let page: StaticServer | undefined;
  try {
    const backendUrl = `http://127.0.0.1:${status.port}`;
    const api = backendClient(backendUrl, config.settings.masterKey);
    await api('POST', '/api/_schema', { tables: TODO_APP_SCHEMA.tables });
    if (created) await seed(api);

    const host = options.host ?? '127.0.0.1';
    const serverOptions = {
      dir: path.join(APP_ROOT, 'public'),
      host,
      config: { backendUrl, backendId: BACKEND_ID },
    };
    try {
      page = await startStaticServer({ ...serverOptions, port: options.port ?? DEFAULT_PORT });
    } catch (error) {
      if (options.port !== undefined || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') {
        throw error;
      }
      page = await startStaticServer({ ...serverOptions, port: 0 });
    }
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    const served = page;
    let stopping: Promise<void> | undefined;
    return {
      url: `http://${shownHost}:${served.port}`,
      backendUrl,
      backendId: BACKEND_ID,
      dataDir,
      created,
      manager,
      stop() {
        stopping ??= (async () => {
          await served.close();
          await manager.stopAll();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await page?.close().catch(() => undefined);
    await manager.stopAll().catch(() => undefined);
    throw error;
  }
}

type BackendClient = (method: string, route: string, body?: unknown) => Promise<unknown>;

/** A tiny client for the backend's native REST API, with the master key. */
function backendClient(baseUrl: string, masterKey: string): BackendClient {
  return async (method, route, body) => {
    const response = await fetch(`${baseUrl}${route}`, {
      method,
      headers: {
        'x-parse-master-key': masterKey,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const json = (await response.json()) as { error?: { code?: string; message?: string } };
    if (!response.ok) {
      throw new Error(
        `${method} ${route}: ${response.status} ${json.error?.code ?? ''} ${json.error?.message ?? ''}`.trim(),
      );
    }
    return json;
  };
}

/** Lists, tags and a first todo for a new backend (runs once, when the backend is created). */
async function seed(api: BackendClient): Promise<void> {
  const create = async (collection: string, data: Record<string, unknown>) =>
    ((await api('POST', `/api/${collection}`, data)) as { objectId: string }).objectId;
  const inbox = await create('List', { name: 'Inbox' });
  await create('List', { name: 'Work' });
  const tag = await create('Tag', { name: 'getting started' });
  await create('Tag', { name: 'urgent' });
  const todo = await create('Todo', {
    title: 'Open this page in a second window and add a todo',
    done: false,
    list: { __type: 'Pointer', className: 'List', objectId: inbox },
  });
  await api('PUT', `/api/Todo/${todo}`, {
    tags: {
      __op: 'AddRelation',
      objects: [{ __type: 'Pointer', className: 'Tag', objectId: tag }],
    },
  });
}
