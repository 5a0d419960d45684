import { promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BackendError, isPlainRecord, toBackendError, type ErrorCode } from '@localbackend/adapter';
import { BackendManager, type BackendSummary } from '../backend-manager';
import { parseLogLine, type LogEntry } from '../backend-logger';
import type { BackendStatus, BackendStatusEvent } from '../backend-status';
import { bundleBackend } from '../bundle-backend';
import { migrateFromParse } from '../migrate-from-parse';
import { writeFileAtomic } from '../internal/atomic-write';
import { managerVersion } from '../internal/module-paths';
import { ProgressBar, type CliStream } from './progress-bar';

/** Exit codes of `localbackend` (documented in the README and in `--help`). */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  INVALID: 4,
  UNAVAILABLE: 5,
  TIMEOUT: 6,
  UNAUTHORIZED: 7,
  INTERRUPTED: 130,
} as const;

/** The exit code for an error code. */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'NOT_FOUND':
    case 'TABLE_NOT_FOUND':
    case 'FUNCTION_NOT_FOUND':
    case 'ROUTE_NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'UNAVAILABLE':
    case 'DUPLICATE_VALUE':
    case 'SCHEMA_CONFLICT':
    case 'RATE_LIMITED':
      return EXIT.UNAVAILABLE;
    case 'TIMEOUT':
      return EXIT.TIMEOUT;
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return EXIT.UNAUTHORIZED;
    case 'INTERNAL':
      return EXIT.FAILURE;
    default:
      return EXIT.INVALID;
  }
}

/** The process around the CLI (real in `cli.ts`, fakes in tests). */
export interface CliIO {
  readonly stdout: CliStream;
  readonly stderr: CliStream;
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Registers a handler for SIGINT/SIGTERM; returns a function removing it. */
  readonly onSignal?: (handler: (signal: string) => void) => () => void;
}

class UsageError extends Error {}

type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & {
  readonly description: string;
  readonly arg?: string;
};

interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly details?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly minArgs: number;
  readonly maxArgs: number;
  run(ctx: Context, args: string[], flags: Flags): Promise<number>;
}

type Flags = Record<string, string | boolean | string[] | undefined>;

const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  root: {
    type: 'string',
    arg: 'dir',
    description: 'backends directory (default $LOCALBACKEND_ROOT or ~/.noodl/backends)',
  },
  json: { type: 'boolean', description: 'print machine-readable JSON on stdout' },
  progress: {
    type: 'boolean',
    description: 'draw progress bars even when stderr is not a terminal',
  },
  'no-progress': { type: 'boolean', description: 'never draw progress bars' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
};

class Context {
  readonly io: CliIO;
  readonly json: boolean;
  readonly progress: ProgressBar;
  readonly root: string | undefined;
  #manager: BackendManager | undefined;
  readonly inProcess: boolean;

  constructor(io: CliIO, flags: Flags) {
    this.io = io;
    this.json = flags['json'] === true;
    this.root = typeof flags['root'] === 'string' ? path.resolve(flags['root']) : undefined;
    this.inProcess = flags['in-process'] === true;
    const showProgress =
      flags['no-progress'] !== true &&
      !this.json &&
      (flags['progress'] === true || io.stderr.isTTY === true);
    this.progress = new ProgressBar(io.stderr, showProgress);
  }

  manager(options: { onLog?: (entry: LogEntry) => void } = {}): BackendManager {
    this.#manager ??= new BackendManager({
      ...(this.root === undefined ? {} : { root: this.root }),
      mode: this.inProcess ? 'in-process' : 'child',
      ...(options.onLog === undefined ? {} : { onLog: options.onLog }),
    });
    return this.#manager;
  }

  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  outJson(value: unknown): void {
    this.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  info(text: string): void {
    if (!this.json) this.io.stderr.write(`${text}\n`);
  }

  /** Prints `value` as JSON with --json, else the human text. */
  result(value: unknown, human: string): void {
    if (this.json) this.outJson(value);
    else this.out(human);
  }
}

function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
    )
    .join('\n');
}

function urlOf(status: BackendStatus): string {
  return status.port === undefined ? '-' : `http://127.0.0.1:${status.port}`;
}

async function confirm(ctx: Context, question: string): Promise<boolean> {
  const stdin = ctx.io.stdin;
  if (stdin === undefined || stdin.isTTY !== true) return false;
  const rl = readline.createInterface({
    input: stdin,
    output: ctx.io.stderr as NodeJS.WritableStream,
  });
  try {
    const answer = await new Promise<string>((resolve) =>
      rl.question(`${question} [y/N] `, resolve),
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new BackendError(
      'NOT_FOUND',
      `${what}: cannot read ${file}: ${(error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BackendError(
      'INVALID_JSON',
      `${what}: ${file} is not valid JSON (${(error as Error).message})`,
    );
  }
}

function positiveInt(value: unknown, flag: string): number {
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`--${flag}: expected a positive integer, got ${JSON.stringify(value)}`);
  }
  return n;
}

// ----------------------------------------------------------------------------------- commands

const commands: Command[] = [
  {
    name: 'create',
    usage: 'create <name> [--port <n>] [--id <id>] [--schema-mode auto|strict]',
    summary: 'create a backend',
    options: {
      port: {
        type: 'string',
        arg: 'n',
        description: 'preferred port (default: the next free one from 8577)',
      },
      id: { type: 'string', description: 'use this id instead of a generated one' },
      'schema-mode': { type: 'string', arg: 'mode', description: '"auto" (default) or "strict"' },
    },
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, [name], flags) {
      const mode = flags['schema-mode'];
      if (mode !== undefined && mode !== 'auto' && mode !== 'strict') {
        throw new UsageError(
          `--schema-mode: expected "auto" or "strict", got ${JSON.stringify(mode)}`,
        );
      }
      const config = await ctx.manager().createBackend(name!, {
        ...(flags['port'] === undefined ? {} : { port: positiveInt(flags['port'], 'port') }),
        ...(typeof flags['id'] === 'string' ? { id: flags['id'] } : {}),
        ...(mode === undefined ? {} : { settings: { schemaMode: mode as 'auto' | 'strict' } }),
      });
      ctx.result(
        config,
        `created ${config.name} (${config.id}) on port ${config.port}\n${ctx.manager().paths(config.id).dir}`,
      );
      return EXIT.OK;
    },
  },
  {
    name: 'list',
    usage: 'list',
    summary: 'list backends with their state',
    options: {},
    minArgs: 0,
    maxArgs: 0,
    async run(ctx) {
      const manager = ctx.manager();
      const backends = await manager.listBackends();
      const rows: (BackendSummary & { state: string; running: boolean })[] = [];
      for (const b of backends) {
        if (b.error !== undefined) {
          rows.push({ ...b, state: 'broken', running: false });
          continue;
        }
        const status = await manager.getStatus(b.id).catch(() => undefined);
        rows.push({
          ...b,
          state: status?.state ?? 'unknown',
          running: status?.running ?? false,
          port: status?.port ?? b.port,
        });
      }
      if (ctx.json) {
        ctx.outJson(rows);
      } else if (rows.length === 0) {
        ctx.out(`no backends in ${manager.root} (create one with: localbackend create <name>)`);
      } else {
        ctx.out(
          table([
            ['ID', 'NAME', 'PORT', 'STATE', 'PROJECTS'],
            ...rows.map((r) => [
              r.id,
              r.name,
              r.port === 0 ? '-' : String(r.port),
              r.error === undefined ? r.state : `broken: ${r.error.message}`,
              String(r.projectIds.length),
            ]),
          ]),
        );
      }
      return EXIT.OK;
    },
  },
  {
    name: 'start',
    usage: 'start <backend>... [--in-process] [--verbose]',
    summary: 'serve backends in the foreground until Ctrl-C',
    details:
      'Each backend runs in a supervised child process (restarted after a crash) unless --in-process.\n' +
      'Ctrl-C (or `localbackend stop` from another terminal) stops cleanly; the command ends when no\n' +
      'backend it started runs any more. With --json, status changes are printed as JSON lines.',
    options: {
      'in-process': {
        type: 'boolean',
        description: 'serve inside this process (no crash isolation)',
      },
      verbose: { type: 'boolean', short: 'v', description: 'print every log line of the backends' },
    },
    minArgs: 1,
    maxArgs: 100,
    async run(ctx, ids, flags) {
      const verbose = flags['verbose'] === true;
      const manager = ctx.manager({
        onLog: (entry) => {
          if (verbose || entry.level === 'error' || entry.level === 'warn') {
            if (ctx.json) return;
            ctx.io.stderr.write(
              `${entry.time} ${entry.level.padEnd(5)} [${entry.backend}] ${entry.msg}\n`,
            );
          }
        },
      });
      const configs = [];
      for (const id of ids) configs.push(await manager.findBackend(id));
      const mine = new Set(configs.map((c) => c.id));
      let finish: (code: number) => void = () => undefined;
      const finished = new Promise<number>((resolve) => (finish = resolve));
      let stopping = false;
      const onStatus = (event: BackendStatusEvent): void => {
        if (!mine.has(event.id)) return;
        if (ctx.json) ctx.io.stdout.write(`${JSON.stringify({ event: 'status', ...event })}\n`);
        else if (event.state === 'crashed')
          ctx.info(`${event.id} crashed (${event.error ?? 'unknown'}); restarting`);
        else if (event.state === 'running' && event.restarts > 0)
          ctx.info(`${event.id} running again on port ${event.port}`);
        if (event.state === 'stopped' && !stopping) {
          void Promise.all([...mine].map((id) => manager.getStatus(id))).then((all) => {
            if (all.every((s) => !s.running && s.state !== 'starting' && s.state !== 'crashed'))
              finish(EXIT.OK);
          });
        }
      };
      manager.on('status', onStatus);
      let signals = 0;
      const removeSignal = ctx.io.onSignal?.((signal) => {
        signals++;
        if (signals > 1) {
          ctx.info('stopping forcefully');
          finish(EXIT.INTERRUPTED);
          return;
        }
        stopping = true;
        ctx.info(`\n${signal}: stopping...`);
        void manager.stopAll().then(
          () => finish(EXIT.OK),
          (error: unknown) => {
            ctx.info(`error while stopping: ${toBackendError(error).message}`);
            finish(EXIT.FAILURE);
          },
        );
      });
      try {
        for (const config of configs) {
          const status = await manager.startBackend(config.id);
          if (ctx.json) {
            ctx.io.stdout.write(
              `${JSON.stringify({ event: 'running', id: config.id, name: config.name, port: status.port, pid: status.pid, url: urlOf(status) })}\n`,
            );
          } else {
            ctx.out(
              `${config.name} (${config.id}) running at ${urlOf(status)}  [pid ${status.pid ?? '-'}]`,
            );
          }
        }
      } catch (error) {
        stopping = true;
        await manager.stopAll().catch(() => undefined);
        removeSignal?.();
        throw error;
      }
      ctx.info('press Ctrl-C to stop');
      const code = await finished;
      if (!stopping) await manager.stopAll().catch(() => undefined);
      manager.off('status', onStatus);
      removeSignal?.();
      if (!ctx.json) ctx.info('stopped');
      return code;
    },
  },
  {
    name: 'stop',
    usage: 'stop <backend>',
    summary: 'stop a backend served by another localbackend process',
    options: {},
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, [idOrName]) {
      const manager = ctx.manager();
      const config = await manager.findBackend(idOrName!);
      const before = await manager.getStatus(config.id);
      if (!before.running && before.state !== 'starting') {
        ctx.result(
          { id: config.id, stopped: false, reason: 'not running' },
          `${config.name} (${config.id}) is not running`,
        );
        return EXIT.OK;
      }
      await manager.stopBackend(config.id);
      ctx.result({ id: config.id, stopped: true }, `stopped ${config.name} (${config.id})`);
      return EXIT.OK;
    },
  },
  {
    name: 'status',
    usage: 'status [<backend>]',
    summary: 'state, port, pid, uptime and health of backends',
    options: {},
    minArgs: 0,
    maxArgs: 1,
    async run(ctx, [idOrName]) {
      const manager = ctx.manager();
      if (idOrName === undefined) {
        const out = [];
        for (const b of await manager.listBackends()) {
          if (b.error !== undefined) {
            out.push({
              id: b.id,
              name: b.name,
              state: 'broken',
              running: false,
              error: b.error.message,
              restarts: 0,
            });
          } else {
            out.push({ name: b.name, ...(await manager.getStatus(b.id)) });
          }
        }
        if (ctx.json) ctx.outJson(out);
        else
          ctx.out(
            out.length === 0
              ? 'no backends'
              : table([
                  ['ID', 'NAME', 'STATE', 'URL', 'PID', 'UPTIME'],
                  ...out.map((s) => [
                    s.id,
                    s.name,
                    s.state,
                    'port' in s && s.running ? urlOf(s as BackendStatus) : '-',
                    'pid' in s && s.pid !== undefined ? String(s.pid) : '-',
                    formatUptime('uptime' in s ? s.uptime : undefined),
                  ]),
                ]),
          );
        return EXIT.OK;
      }
      const config = await manager.findBackend(idOrName);
      const status = await manager.getStatus(config.id);
      const health = status.running
        ? await manager.getHealth(config.id).catch(() => undefined)
        : undefined;
      if (ctx.json) {
        ctx.outJson({ name: config.name, ...status, ...(health === undefined ? {} : { health }) });
      } else {
        const lines = [
          `${config.name} (${config.id})`,
          `  state    ${status.state}${status.mode === 'external' ? ' (served by another process)' : ''}`,
          `  url      ${status.running ? urlOf(status) : '-'}`,
          `  port     ${status.port ?? config.port}`,
          `  pid      ${status.pid ?? '-'}`,
          `  uptime   ${formatUptime(status.uptime)}`,
        ];
        if (status.error !== undefined) lines.push(`  error    ${status.error}`);
        if (health !== undefined) {
          lines.push(`  version  ${health.version}`);
          lines.push(
            `  memory   ${(health.memory.rss / 1024 / 1024).toFixed(1)} MB rss, ${(health.memory.heapUsed / 1024 / 1024).toFixed(1)} MB heap`,
          );
          if (health.cpu !== undefined) lines.push(`  cpu      ${health.cpu.percent}%`);
        }
        ctx.out(lines.join('\n'));
      }
      return EXIT.OK;
    },
  },
  {
    name: 'delete',
    usage: 'delete <backend> [--yes]',
    summary: 'delete a backend and all its data',
    options: { yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' } },
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, [idOrName], flags) {
      const manager = ctx.manager();
      let id = idOrName!;
      let name = id;
      try {
        const config = await manager.findBackend(id);
        id = config.id;
        name = config.name;
      } catch (error) {
        // A backend with a broken config.json can still be deleted by id.
        if (!(BackendError.is(error) && error.code === 'INVALID_CONFIG')) throw error;
      }
      if (
        flags['yes'] !== true &&
        !(await confirm(ctx, `Delete ${name} (${id}) and all its data?`))
      ) {
        throw new UsageError(`refusing to delete ${id} without confirmation (pass --yes)`);
      }
      await manager.deleteBackend(id);
      ctx.result({ id, deleted: true }, `deleted ${name} (${id})`);
      return EXIT.OK;
    },
  },
  {
    name: 'export',
    usage: 'export <backend> [--format json|postgres|supabase] [--data] [--out <file>]',
    summary: 'export the schema (and data) as JSON or PostgreSQL/Supabase SQL',
    options: {
      format: { type: 'string', description: '"json" (default), "postgres" or "supabase"' },
      data: { type: 'boolean', description: 'include the data (JSON document, or SQL INSERTs)' },
      out: { type: 'string', arg: 'file', description: 'write to a file instead of stdout' },
    },
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, [idOrName], flags) {
      const format = (flags['format'] ?? 'json') as string;
      if (format !== 'json' && format !== 'postgres' && format !== 'supabase') {
        throw new UsageError(
          `--format: expected json, postgres or supabase, got ${JSON.stringify(format)}`,
        );
      }
      const manager = ctx.manager();
      const config = await manager.findBackend(idOrName!);
      const withData = flags['data'] === true;
      const steps = withData ? 3 : 2;
      ctx.progress.update('export', 0, steps);
      let text: string;
      if (format === 'json') {
        text = withData
          ? await manager.exportData(config.id, 'json')
          : await manager.exportSchema(config.id, 'json');
        ctx.progress.update('export', withData ? 2 : 1, steps);
      } else {
        text = await manager.exportSchema(config.id, format);
        ctx.progress.update('export', 1, steps);
        if (withData) {
          text += `\n\n-- DATA\n${await manager.exportData(config.id, 'sql')}`;
          ctx.progress.update('export', 2, steps);
        }
      }
      if (typeof flags['out'] === 'string') {
        const file = path.resolve(flags['out']);
        await writeFileAtomic(file, text.endsWith('\n') ? text : `${text}\n`);
        ctx.progress.update('export', steps, steps);
        ctx.progress.finish();
        ctx.result({ id: config.id, file, bytes: Buffer.byteLength(text) }, `wrote ${file}`);
      } else {
        ctx.progress.update('export', steps, steps);
        ctx.progress.finish();
        if (ctx.json && format !== 'json') ctx.outJson({ id: config.id, format, sql: text });
        else ctx.out(text);
      }
      return EXIT.OK;
    },
  },
  {
    name: 'import',
    usage:
      'import <backend> [--schema <file>] [--collection <name> --file <file>] [--on-conflict error|skip|replace]',
    summary: 'import a Parse /schemas response and/or Parse records (JSON)',
    details:
      '--schema takes a Parse Server GET /schemas response. --file takes a JSON array of records, or\n' +
      '{ "results": [...] } as Parse exports them (pointers, dates, files, ACLs are converted).',
    options: {
      schema: { type: 'string', arg: 'file', description: 'a Parse /schemas response' },
      collection: { type: 'string', arg: 'name', description: 'the collection the records go to' },
      file: { type: 'string', description: 'the records' },
      'on-conflict': {
        type: 'string',
        arg: 'mode',
        description: '"error" (default), "skip" or "replace"',
      },
      'batch-size': {
        type: 'string',
        arg: 'n',
        description: 'records per transaction (default 1000)',
      },
    },
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, [idOrName], flags) {
      if (flags['schema'] === undefined && flags['file'] === undefined) {
        throw new UsageError('give --schema <file> and/or --collection <name> --file <file>');
      }
      if (flags['file'] !== undefined && typeof flags['collection'] !== 'string') {
        throw new UsageError('--file needs --collection <name>');
      }
      const onConflict = (flags['on-conflict'] ?? 'error') as string;
      if (onConflict !== 'error' && onConflict !== 'skip' && onConflict !== 'replace') {
        throw new UsageError(
          `--on-conflict: expected error, skip or replace, got ${JSON.stringify(onConflict)}`,
        );
      }
      const batch =
        flags['batch-size'] === undefined ? 1000 : positiveInt(flags['batch-size'], 'batch-size');
      const manager = ctx.manager();
      const config = await manager.findBackend(idOrName!);
      const result: Record<string, unknown> = { id: config.id };
      if (typeof flags['schema'] === 'string') {
        const schema = await readJsonFile(path.resolve(flags['schema']), '--schema');
        const imported = await manager.importParseSchema(config.id, schema);
        result['schema'] = imported;
        ctx.info(
          `schema: ${imported.tables.length} collections${imported.skipped.length > 0 ? `, skipped ${imported.skipped.map((s) => s.name).join(', ')}` : ''}`,
        );
      }
      if (typeof flags['file'] === 'string') {
        const raw = await readJsonFile(path.resolve(flags['file']), '--file');
        const records = Array.isArray(raw)
          ? raw
          : isPlainRecord(raw) && Array.isArray(raw['results'])
            ? raw['results']
            : undefined;
        if (records === undefined) {
          throw new BackendError(
            'INVALID_VALUE',
            '--file: expected a JSON array of records or { "results": [...] }',
          );
        }
        const collection = flags['collection'] as string;
        let imported = 0;
        let skipped = 0;
        ctx.progress.update(`import ${collection}`, 0, records.length);
        for (let i = 0; i < records.length; i += batch) {
          const chunk = records.slice(i, i + batch);
          const r = await manager.importRecords(config.id, collection, chunk, {
            onConflict: onConflict as 'error',
          });
          imported += r.imported;
          skipped += r.skipped;
          ctx.progress.update(
            `import ${collection}`,
            Math.min(records.length, i + batch),
            records.length,
          );
        }
        ctx.progress.finish();
        result['records'] = { collection, imported, skipped };
      }
      ctx.result(result, `imported into ${config.name} (${config.id})`);
      return EXIT.OK;
    },
  },
  {
    name: 'migrate-parse',
    usage:
      'migrate-parse --server-url <url> --app-id <id> [--master-key <key>] [--name <name>] [--backend <id>]',
    summary: 'migrate a Parse Server app (schema, records, relations) into a local backend',
    details:
      'Re-running with the same server URL and app id fills the same backend again without duplicates.\n' +
      'The master key may also come from $PARSE_MASTER_KEY.',
    options: {
      'server-url': {
        type: 'string',
        arg: 'url',
        description: 'Parse Server URL with its mount path',
      },
      'app-id': { type: 'string', arg: 'id', description: 'application id' },
      'master-key': {
        type: 'string',
        arg: 'key',
        description: 'master key (or $PARSE_MASTER_KEY)',
      },
      name: { type: 'string', description: 'name of a new backend' },
      backend: { type: 'string', arg: 'id', description: 'import into this existing backend' },
      class: {
        type: 'string',
        multiple: true,
        arg: 'name',
        description: 'only this class (repeatable)',
      },
      'page-size': { type: 'string', arg: 'n', description: 'records per request (default 500)' },
      'skip-existing': {
        type: 'boolean',
        description: 'keep local records that exist instead of replacing them',
      },
    },
    minArgs: 0,
    maxArgs: 0,
    async run(ctx, _args, flags) {
      const serverURL = flags['server-url'];
      const appId = flags['app-id'];
      const masterKey = flags['master-key'] ?? process.env['PARSE_MASTER_KEY'];
      if (
        typeof serverURL !== 'string' ||
        typeof appId !== 'string' ||
        typeof masterKey !== 'string'
      ) {
        throw new UsageError(
          '--server-url, --app-id and --master-key (or $PARSE_MASTER_KEY) are required',
        );
      }
      const manager = ctx.manager();
      const result = await migrateFromParse(
        { serverURL, appId, masterKey },
        {
          manager,
          ...(typeof flags['name'] === 'string' ? { name: flags['name'] } : {}),
          ...(typeof flags['backend'] === 'string'
            ? { backendId: (await manager.findBackend(flags['backend'])).id }
            : {}),
          ...(Array.isArray(flags['class']) ? { classes: flags['class'] } : {}),
          ...(flags['page-size'] === undefined
            ? {}
            : { pageSize: positiveInt(flags['page-size'], 'page-size') }),
          ...(flags['skip-existing'] === true ? { onConflict: 'skip' as const } : {}),
          onProgress: (p) => {
            if (p.phase === 'records' || p.phase === 'relations') {
              ctx.progress.update(
                `${p.phase === 'records' ? 'records' : 'relations'} ${p.className ?? ''}`,
                p.done,
                p.total,
              );
            }
          },
        },
      );
      ctx.progress.finish();
      if (ctx.json) {
        ctx.outJson(result);
      } else {
        ctx.out(
          [
            `${result.created ? 'created' : 'updated'} backend ${result.backendId} in ${(result.durationMs / 1000).toFixed(1)} s`,
            table([
              ['CLASS', 'SOURCE', 'IMPORTED', 'LOCAL', 'RELATIONS'],
              ...result.classes.map((c) => [
                c.className,
                String(c.source),
                String(c.imported),
                String(c.local),
                Object.entries(c.relations)
                  .map(([k, v]) => `${k}:${v}`)
                  .join(' ') || '-',
              ]),
            ]),
            ...result.skipped.map((s) => `skipped ${s.name}: ${s.reason}`),
          ].join('\n'),
        );
      }
      return EXIT.OK;
    },
  },
  {
    name: 'backup',
    usage: 'backup <backend> [--list] [--schedule <cron>|off] [--keep <n>]',
    summary: 'take a backup now, list backups, or set the backup schedule',
    options: {
      list: { type: 'boolean', description: 'list the backups instead of taking one' },
      schedule: {
        type: 'string',
        arg: 'cron',
        description: 'cron expression for scheduled backups ("off" to disable)',
      },
      keep: { type: 'string', arg: 'n', description: 'how many backups to keep' },
    },
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, [idOrName], flags) {
      const manager = ctx.manager();
      const config = await manager.findBackend(idOrName!);
      if (flags['list'] === true) {
        const backups = await manager.listBackups(config.id);
        if (ctx.json) ctx.outJson(backups);
        else
          ctx.out(
            backups.length === 0
              ? 'no backups'
              : table([
                  ['FILE', 'TAKEN', 'SIZE', 'UPLOADED FILES'],
                  ...backups.map((b) => [
                    b.file,
                    b.createdAt,
                    `${(b.bytes / 1024).toFixed(1)} KB`,
                    String(b.files),
                  ]),
                ]),
          );
        return EXIT.OK;
      }
      if (flags['schedule'] !== undefined || flags['keep'] !== undefined) {
        const schedule = flags['schedule'];
        const updated = await manager.updateBackend(config.id, {
          settings: {
            backup: {
              ...(schedule === undefined
                ? {}
                : { cron: schedule === 'off' ? null : (schedule as string) }),
              ...(flags['keep'] === undefined ? {} : { keep: positiveInt(flags['keep'], 'keep') }),
            },
          },
        });
        ctx.result(
          { id: config.id, backup: updated.settings.backup },
          `backups of ${config.name}: ${updated.settings.backup.cron === null ? 'not scheduled' : `"${updated.settings.backup.cron}"`}, keeping ${updated.settings.backup.keep} (schedules run while the backend runs)`,
        );
        return EXIT.OK;
      }
      ctx.progress.update('backup', 0, 1);
      const backup = await manager.backup(config.id);
      ctx.progress.update('backup', 1, 1);
      ctx.progress.finish();
      ctx.result(
        backup,
        `backup ${backup.file} (${(backup.bytes / 1024).toFixed(1)} KB, ${backup.files} uploaded files)\n${backup.path}`,
      );
      return EXIT.OK;
    },
  },
  {
    name: 'restore',
    usage: 'restore <backend> <backup-file|latest> [--yes]',
    summary: "replace a backend's data with a backup",
    options: { yes: { type: 'boolean', short: 'y', description: 'do not ask for confirmation' } },
    minArgs: 2,
    maxArgs: 2,
    async run(ctx, [idOrName, backup], flags) {
      const manager = ctx.manager();
      const config = await manager.findBackend(idOrName!);
      if (
        flags['yes'] !== true &&
        !(await confirm(ctx, `Replace the data of ${config.name} with ${backup}?`))
      ) {
        throw new UsageError('refusing to restore without confirmation (pass --yes)');
      }
      const restored = await manager.restore(config.id, backup!);
      ctx.result({ id: config.id, restored }, `restored ${config.name} from ${restored.file}`);
      return EXIT.OK;
    },
  },
  {
    name: 'bundle',
    usage: 'bundle <backend> <out-dir> [--data] [--force]',
    summary: 'write a standalone deployable copy (npm install && node server.js)',
    options: {
      data: { type: 'boolean', description: 'include the database' },
      force: { type: 'boolean', description: 'write into a non-empty directory' },
    },
    minArgs: 2,
    maxArgs: 2,
    async run(ctx, [idOrName, outDir], flags) {
      const manager = ctx.manager();
      const config = await manager.findBackend(idOrName!);
      const result = await bundleBackend(config.id, outDir!, {
        manager,
        includeData: flags['data'] === true,
        overwrite: flags['force'] === true,
        onProgress: (step, done, total) => ctx.progress.update(`bundle ${step}`, done, total),
      });
      ctx.progress.finish();
      ctx.result(
        result,
        `bundled ${config.name} into ${result.dir}\n  cd ${result.dir} && npm install && node server.js`,
      );
      return EXIT.OK;
    },
  },
  {
    name: 'logs',
    usage: 'logs <backend> [--lines <n>] [--follow]',
    summary: "print a backend's structured log",
    options: {
      lines: {
        type: 'string',
        short: 'n',
        arg: 'n',
        description: 'how many recent lines (default 50)',
      },
      follow: { type: 'boolean', short: 'f', description: 'keep printing new lines until Ctrl-C' },
    },
    minArgs: 1,
    maxArgs: 1,
    async run(ctx, [idOrName], flags) {
      const manager = ctx.manager();
      const config = await manager.findBackend(idOrName!);
      const lines = flags['lines'] === undefined ? 50 : positiveInt(flags['lines'], 'lines');
      const print = (entry: LogEntry): void => {
        if (ctx.json) {
          ctx.io.stdout.write(`${JSON.stringify(entry)}\n`);
          return;
        }
        const { time, level, msg, backend: _b, ...rest } = entry;
        const extra = Object.keys(rest).length === 0 ? '' : ` ${JSON.stringify(rest)}`;
        ctx.io.stdout.write(`${time} ${level.padEnd(5)} ${msg}${extra}\n`);
      };
      for (const entry of await manager.readLogs(config.id, { lines })) print(entry);
      if (flags['follow'] !== true) return EXIT.OK;
      const file = manager.paths(config.id).logFile;
      let offset = (await fs.stat(file).catch(() => undefined))?.size ?? 0;
      let done = false;
      const remove = ctx.io.onSignal?.(() => {
        done = true;
      });
      let partial = '';
      while (!done) {
        await new Promise((r) => setTimeout(r, 300));
        const size = (await fs.stat(file).catch(() => undefined))?.size ?? 0;
        if (size < offset) offset = 0; // rotated
        if (size === offset) continue;
        const handle = await fs.open(file, 'r');
        try {
          const buffer = Buffer.alloc(size - offset);
          await handle.read(buffer, 0, buffer.length, offset);
          offset = size;
          const text = partial + buffer.toString('utf8');
          const parts = text.split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) if (line.trim() !== '') print(parseLogLine(line));
        } finally {
          await handle.close();
        }
      }
      remove?.();
      return EXIT.OK;
    },
  },
];

// ------------------------------------------------------------------------------------- help

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  return Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short === undefined ? '    ' : `-${spec.short}, `}--${name}${spec.type === 'string' ? ` <${spec.arg ?? name}>` : ''}`;
    return `  ${flag.padEnd(30)} ${spec.description}`;
  });
}

function mainHelp(): string {
  return [
    'localbackend — create, run and manage local backends',
    '',
    'Usage: localbackend <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(14)} ${c.summary}`),
    '  help <command> show help for a command',
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '  -V, --version                  print the version',
    '',
    'A <backend> is an id or a name. Exit codes: 0 ok, 1 failure, 2 usage, 3 not found,',
    '4 invalid input or config, 5 unavailable or conflict (not running, already running, port),',
    '6 timeout, 7 unauthorized, 130 interrupted.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [
    `Usage: localbackend ${command.usage}`,
    '',
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
    ...(command.details === undefined ? [] : ['', command.details]),
    ...(Object.keys(command.options).length === 0
      ? []
      : ['', 'Options:', ...optionLines(command.options)]),
    '',
    'Global options:',
    ...optionLines(GLOBAL_OPTIONS),
  ].join('\n');
}

function parseOptions(
  spec: Readonly<Record<string, OptionSpec>>,
): NonNullable<ParseArgsConfig['options']> {
  const out: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(spec)) {
    out[name] = {
      type: o.type,
      ...(o.short === undefined ? {} : { short: o.short }),
      ...(o.multiple === undefined ? {} : { multiple: o.multiple }),
    } as NonNullable<ParseArgsConfig['options']>[string];
  }
  return out;
}

/**
 * Global options may come before the command (`localbackend --root x list`): they are moved
 * behind it, where the command's parser reads them. `--help` alone stays first.
 */
function globalOptionsAfterCommand(argv: readonly string[]): readonly string[] {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : undefined;
    const spec = name === undefined ? undefined : GLOBAL_OPTIONS[name];
    if (spec === undefined || name === 'help') break;
    leading.push(arg);
    i++;
    if (spec.type === 'string' && !arg.includes('=') && i < argv.length) leading.push(argv[i++]!);
  }
  if (leading.length === 0 || i >= argv.length) return argv;
  return [argv[i]!, ...leading, ...argv.slice(i + 1)];
}

/**
 * Runs `localbackend` with `argv` (without the node and script paths) and resolves with the exit
 * code. Never throws.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  argv = globalOptionsAfterCommand(argv);
  const first = argv[0];
  let jsonMode = argv.includes('--json');
  const fail = (code: number, errorCode: string, message: string): number => {
    if (jsonMode) io.stdout.write(`${JSON.stringify({ error: { code: errorCode, message } })}\n`);
    else io.stderr.write(`localbackend: ${message}\n`);
    return code;
  };
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const target = first === 'help' ? argv[1] : undefined;
    if (target !== undefined) {
      const command = commands.find((c) => c.name === target);
      if (command === undefined)
        return fail(EXIT.USAGE, 'USAGE', `unknown command "${target}" (see localbackend --help)`);
      io.stdout.write(`${commandHelp(command)}\n`);
      return EXIT.OK;
    }
    io.stdout.write(`${mainHelp()}\n`);
    return first === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    io.stdout.write(`${managerVersion()}\n`);
    return EXIT.OK;
  }
  const command = commands.find((c) => c.name === first);
  if (command === undefined)
    return fail(EXIT.USAGE, 'USAGE', `unknown command "${first}" (see localbackend --help)`);
  let values: Flags;
  let positionals: string[];
  try {
    const parsed = parseArgs({
      args: argv.slice(1) as string[],
      options: { ...parseOptions(GLOBAL_OPTIONS), ...parseOptions(command.options) },
      allowPositionals: true,
      strict: true,
    });
    values = parsed.values as Flags;
    positionals = parsed.positionals;
  } catch (error) {
    return fail(EXIT.USAGE, 'USAGE', `${(error as Error).message}\n\n${commandHelp(command)}`);
  }
  jsonMode = values['json'] === true;
  if (values['help'] === true) {
    io.stdout.write(`${commandHelp(command)}\n`);
    return EXIT.OK;
  }
  if (positionals.length < command.minArgs || positionals.length > command.maxArgs) {
    return fail(
      EXIT.USAGE,
      'USAGE',
      `wrong number of arguments\n\nUsage: localbackend ${command.usage}`,
    );
  }
  const ctx = new Context(io, values);
  try {
    return await command.run(ctx, positionals, values);
  } catch (error) {
    ctx.progress.finish();
    if (error instanceof UsageError) return fail(EXIT.USAGE, 'USAGE', error.message);
    const err = toBackendError(error);
    const message =
      err.code === 'INTERNAL' && err.cause instanceof Error
        ? `${err.message}: ${err.cause.message}`
        : err.message;
    return fail(exitCodeFor(err.code), err.code, message);
  }
}
