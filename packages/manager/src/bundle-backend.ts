import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';
import { BackendError, describeValue } from '@localbackend/adapter';
import { BackendManager } from './backend-manager';
import { writeJsonAtomic } from './internal/atomic-write';
import { managerVersion } from './internal/module-paths';

/**
 * Options of {@link bundleBackend}.
 *
 * @example
 * ```ts
 * const options: BundleOptions = { includeData: true, overwrite: true };
 * ```
 */
export interface BundleOptions {
  /**
   * Copy the data (a consistent online backup of `local.db`) into `data/local.db`, and the
   * uploaded files into `files/` (default false).
   */
  readonly includeData?: boolean;
  /** Allow writing into a non-empty directory, replacing the bundle files (default false). */
  readonly overwrite?: boolean;
  /** The manager owning the backend (default `BackendManager.getInstance()`). */
  readonly manager?: BackendManager;
  /** Called after each step. */
  readonly onProgress?: (step: string, done: number, total: number) => void;
}

/**
 * What {@link bundleBackend} wrote.
 *
 * @example
 * ```ts
 * const { dir, files } = await bundleBackend(id, './deploy');
 * ```
 */
export interface BundleResult {
  readonly dir: string;
  /** Paths relative to `dir`. */
  readonly files: readonly string[];
  readonly includesData: boolean;
}

const SERVER_JS = `#!/usr/bin/env node
// A localbackend backend, bundled by \`localbackend bundle\`. Run: npm install && node server.js
// Environment: PORT (default: the port in config.json), HOST (default 127.0.0.1; behind a reverse
// proxy keep it), DB_PATH (default ./data/local.db), MASTER_KEY, APP_ID, WORKFLOWS_PATH,
// FILES_PATH (default ./files: uploaded files).
import { fileURLToPath } from 'node:url';
import { serveBackend } from '@localbackend/manager';

const dir = fileURLToPath(new URL('.', import.meta.url));
const env = process.env;
const backend = await serveBackend({
  dir,
  ...(env.PORT ? { port: Number(env.PORT) } : {}),
  ...(env.HOST ? { host: env.HOST } : {}),
  ...(env.DB_PATH ? { dbPath: env.DB_PATH } : {}),
  ...(env.WORKFLOWS_PATH ? { workflowsPath: env.WORKFLOWS_PATH } : {}),
  ...(env.FILES_PATH ? { filesPath: env.FILES_PATH } : {}),
  ...(env.MASTER_KEY ? { masterKey: env.MASTER_KEY } : {}),
  ...(env.APP_ID ? { appId: env.APP_ID } : {}),
});
console.log(JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'listening', url: backend.url }));

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    backend.stop().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
`;

function readme(name: string): string {
  return `# ${name} (localbackend bundle)

A standalone copy of the local backend "${name}": its schema, workflows${''} and (when bundled
with data) its database and uploaded files.

\`\`\`sh
npm install
node server.js            # or: PORT=8080 DB_PATH=/var/lib/app/local.db node server.js
\`\`\`

| variable | default | meaning |
|---|---|---|
| \`PORT\` | the port in \`config.json\` | port to listen on |
| \`HOST\` | \`127.0.0.1\` | address to bind (the server requires the master key for requests from other addresses; put a reverse proxy in front) |
| \`DB_PATH\` | \`./data/local.db\` | the SQLite database (created when missing; \`schema.json\` is applied to it) |
| \`MASTER_KEY\` | the key in \`config.json\` | master key for schema changes and export — set your own in production |
| \`APP_ID\` | the id in \`config.json\` | Parse application id |
| \`WORKFLOWS_PATH\` | \`./workflows\` | \`*.workflow.json\` files |
| \`FILES_PATH\` | \`./files\` | uploaded files (\`POST /files/:filename\`) |
`;
}

/**
 * Copies a backend's uploaded files (plain files and their `.meta/` content types; never the
 * `.tmp/` folder of writes in progress). Stored files are never rewritten in place, only added
 * by rename or deleted, so a copy taken while the backend runs holds whole files. Returns the
 * copied paths relative to the bundle.
 */
async function copyUploadedFiles(from: string, to: string): Promise<string[]> {
  const copied: string[] = [];
  const copyDir = async (src: string, dest: string, rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(src, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    await fs.mkdir(dest, { recursive: true });
    for (const entry of entries) {
      if (entry.isFile()) {
        try {
          await fs.copyFile(path.join(src, entry.name), path.join(dest, entry.name));
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
          throw error;
        }
        copied.push(`${rel}${entry.name}`);
      } else if (entry.isDirectory() && entry.name === '.meta' && rel === 'files/') {
        await copyDir(path.join(src, entry.name), path.join(dest, entry.name), `${rel}.meta/`);
      }
    }
  };
  await copyDir(from, to, 'files/');
  return copied;
}

function packageName(name: string, id: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return `${slug === '' ? id.toLowerCase() : slug}-backend`;
}

/**
 * Writes a standalone, deployable copy of a backend into `outDir`: `server.js`, `package.json`,
 * `config.json`, `schema.json`, `workflows/`, a README, and with `includeData` the database
 * (`data/local.db`, taken as an online backup so a running backend is copied consistently) and
 * the uploaded files (`files/`).
 * `npm install && node server.js` in that folder serves the backend; `PORT`, `HOST`, `DB_PATH`,
 * `MASTER_KEY`, `APP_ID` and `WORKFLOWS_PATH` override the defaults.
 *
 * @example
 * ```ts
 * import { bundleBackend } from '@localbackend/manager';
 *
 * await bundleBackend('backend-k3j9x2m1q0', './deploy/todo-backend', { includeData: true });
 * // cd deploy/todo-backend && npm install && PORT=8080 node server.js
 * ```
 */
export async function bundleBackend(
  id: string,
  outDir: string,
  options: BundleOptions = {},
): Promise<BundleResult> {
  if (typeof outDir !== 'string' || outDir.trim() === '') {
    throw new BackendError(
      'INVALID_VALUE',
      `outDir: expected a directory path, got ${describeValue(outDir)}`,
    );
  }
  const manager = options.manager ?? BackendManager.getInstance();
  const config = await manager.getBackend(id);
  const paths = manager.paths(id);
  const dir = path.resolve(outDir);
  if (dir === paths.dir || dir.startsWith(`${paths.dir}${path.sep}`)) {
    throw new BackendError(
      'INVALID_VALUE',
      'outDir: cannot bundle a backend into its own directory',
    );
  }
  const existing = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw new BackendError('INVALID_VALUE', `outDir: ${error.message}`, { cause: error });
  });
  if (existing.length > 0 && options.overwrite !== true) {
    throw new BackendError(
      'DUPLICATE_VALUE',
      `outDir: ${dir} is not empty (pass overwrite: true / --force to replace the bundle files)`,
      {
        details: { path: dir },
      },
    );
  }
  const total = options.includeData === true ? 7 : 5;
  let done = 0;
  const step = (name: string): void => {
    done++;
    options.onProgress?.(name, done, total);
  };
  await fs.mkdir(path.join(dir, 'workflows'), { recursive: true });
  const files: string[] = [];

  const schema = await manager.exportSchema(id, 'json');
  await fs.writeFile(path.join(dir, 'schema.json'), schema);
  files.push('schema.json');
  step('schema');

  const workflows = await manager.listWorkflows(id);
  if (options.overwrite === true) {
    for (const name of await fs.readdir(path.join(dir, 'workflows'))) {
      if (name.endsWith('.workflow.json'))
        await fs.rm(path.join(dir, 'workflows', name), { force: true });
    }
  }
  for (const name of workflows) {
    const file = `${name}.workflow.json`;
    await fs.copyFile(path.join(paths.workflows, file), path.join(dir, 'workflows', file));
    files.push(`workflows/${file}`);
  }
  step('workflows');

  const bundleConfig = {
    id: config.id,
    name: config.name,
    createdAt: config.createdAt,
    port: config.port,
    projectIds: [...config.projectIds],
    settings: { ...config.settings, backup: { ...config.settings.backup, cron: null } },
  };
  await writeJsonAtomic(path.join(dir, 'config.json'), bundleConfig);
  files.push('config.json');
  step('config');

  const version = managerVersion();
  await writeJsonAtomic(path.join(dir, 'package.json'), {
    name: packageName(config.name, config.id),
    version: '1.0.0',
    private: true,
    description: `The localbackend backend "${config.name}", bundled for deployment.`,
    type: 'module',
    main: 'server.js',
    scripts: { start: 'node server.js' },
    engines: { node: '>=20.19.0' },
    dependencies: { '@localbackend/manager': `^${version}` },
  });
  files.push('package.json');
  step('package.json');

  await fs.writeFile(path.join(dir, 'server.js'), SERVER_JS, { mode: 0o755 });
  await fs.writeFile(path.join(dir, 'README.md'), readme(config.name));
  await fs.writeFile(
    path.join(dir, '.gitignore'),
    'node_modules/\ndata/*.db-wal\ndata/*.db-shm\nfiles/.tmp/\n',
  );
  files.push('server.js', 'README.md', '.gitignore');
  step('server.js');

  if (options.includeData === true) {
    await fs.mkdir(path.join(dir, 'data'), { recursive: true });
    const dest = path.join(dir, 'data', 'local.db');
    for (const suffix of ['', '-wal', '-shm']) await fs.rm(`${dest}${suffix}`, { force: true });
    await manager.callData(id, 'read', 'backup', [dest]);
    files.push('data/local.db');
    step('data');
    files.push(...(await copyUploadedFiles(paths.files, path.join(dir, 'files'))));
    step('files');
  }
  return { dir, files, includesData: options.includeData === true };
}
