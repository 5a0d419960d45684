import os from 'node:os';
import path from 'node:path';
import { BackendError, describeValue } from '@localbackend/adapter';

/**
 * Backend ids: 1 to 64 characters of `a-z A-Z 0-9 _ -`, starting with a letter or digit. Ids are
 * directory names, so anything else (`..`, slashes, dots) is refused.
 *
 * @example
 * ```ts
 * BACKEND_ID_PATTERN.test('backend-k3j9x2m1q0'); // true
 * BACKEND_ID_PATTERN.test('../etc'); // false
 * ```
 */
export const BACKEND_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * True when `id` is a well-formed backend id (see {@link BACKEND_ID_PATTERN}).
 *
 * @example
 * ```ts
 * isValidBackendId('backend-1'); // true
 * isValidBackendId('a/b'); // false
 * ```
 */
export function isValidBackendId(id: unknown): id is string {
  return typeof id === 'string' && BACKEND_ID_PATTERN.test(id);
}

/**
 * Throws `INVALID_VALUE` unless `id` is a well-formed backend id.
 *
 * @example
 * ```ts
 * assertBackendId(request.id, 'id');
 * ```
 */
export function assertBackendId(id: unknown, where = 'id'): asserts id is string {
  if (!isValidBackendId(id)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${where}: expected a backend id (letters, digits, "-" and "_", at most 64), got ${describeValue(id)}`,
      { details: { path: where, expected: 'a backend id', received: describeValue(id) } },
    );
  }
}

/**
 * The default root directory of backends: `$LOCALBACKEND_ROOT` when set, else
 * `~/.noodl/backends` (the original design's location).
 *
 * @example
 * ```ts
 * const root = defaultBackendsRoot(); // '/home/me/.noodl/backends'
 * ```
 */
export function defaultBackendsRoot(): string {
  const fromEnv = process.env['LOCALBACKEND_ROOT'];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return path.resolve(fromEnv);
  return path.join(os.homedir(), '.noodl', 'backends');
}

/**
 * Where everything of one backend lives on disk.
 *
 * @example
 * ```ts
 * const paths: BackendPaths = backendPaths('/tmp/backends', 'backend-1');
 * paths.database; // '/tmp/backends/backend-1/data/local.db'
 * ```
 */
export interface BackendPaths {
  /** `<root>/<id>` */
  readonly dir: string;
  /** `<root>/<id>/config.json`: id, name, createdAt, port, projectIds, settings. */
  readonly config: string;
  /** `<root>/<id>/schema.json`: the git-trackable mirror of the live schema. */
  readonly schema: string;
  /** `<root>/<id>/workflows`: `*.workflow.json` files. */
  readonly workflows: string;
  /** `<root>/<id>/data` */
  readonly data: string;
  /** `<root>/<id>/data/local.db`: the SQLite database. */
  readonly database: string;
  /** `<root>/<id>/logs`: structured JSON logs (`backend.log`, rotated to `backend.log.1`...). */
  readonly logs: string;
  /** `<root>/<id>/logs/backend.log` */
  readonly logFile: string;
  /** `<root>/<id>/backups`: `backup-<timestamp>.db` files. */
  readonly backups: string;
  /** `<root>/<id>/files`: uploaded files (`POST /files/:filename`), stored by the server. */
  readonly files: string;
  /** `<root>/<id>/run.json`: present while a process serves the backend (pid, port). */
  readonly runState: string;
}

/**
 * The paths of backend `id` under `root` (the id is validated first, so the result is always
 * inside `root`).
 *
 * @example
 * ```ts
 * const { database, workflows } = backendPaths(manager.root, 'backend-1');
 * ```
 */
export function backendPaths(root: string, id: string): BackendPaths {
  assertBackendId(id);
  const dir = path.join(path.resolve(root), id);
  const data = path.join(dir, 'data');
  const logs = path.join(dir, 'logs');
  return {
    dir,
    config: path.join(dir, 'config.json'),
    schema: path.join(dir, 'schema.json'),
    workflows: path.join(dir, 'workflows'),
    data,
    database: path.join(data, 'local.db'),
    logs,
    logFile: path.join(logs, 'backend.log'),
    backups: path.join(dir, 'backups'),
    files: path.join(dir, 'files'),
    runState: path.join(dir, 'run.json'),
  };
}
