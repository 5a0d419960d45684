/**
 * `pnpm start`: runs the reference app in the foreground and prints its URL; Ctrl-C (SIGINT) or
 * SIGTERM stops it cleanly. Configured by environment variables:
 *
 * | variable                       | default                          |
 * | ------------------------------ | -------------------------------- |
 * | `REFERENCE_APP_DATA_DIR`       | `examples/reference-app/.data`   |
 * | `REFERENCE_APP_PORT`           | `3000` (the next free one if taken) |
 * | `REFERENCE_APP_HOST`           | `127.0.0.1`                      |
 * | `REFERENCE_APP_BACKEND_PORT`   | first free port from 8577 (used when the backend is created) |
 * | `REFERENCE_APP_CLEANUP_CRON`   | the workflow's `*\/10 * * * *`    |
 * | `REFERENCE_APP_LOG`            | `info` (`warn`, `error`, `debug`) |
 */
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogEntry } from '@localbackend/manager';
import { startReferenceApp, type ReferenceApp } from './reference-app';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

function env(name: string): string | undefined {
  const value = process.env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function portFrom(name: string): number | undefined {
  const value = env(name);
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${name}: expected a port number 0..65535, got "${value}"`);
  }
  return port;
}

function printer(minLevel: Level): (entry: LogEntry) => void {
  return (entry) => {
    if ((LEVELS[entry.level] ?? 20) < LEVELS[minLevel]) return;
    const { time, level, backend: _backend, msg, ...fields } = entry;
    const extra = Object.entries(fields)
      .map(([key, value]) =>
        key === 'source' && typeof value === 'string'
          ? basename(value)
          : `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
      )
      .join(' ');
    const line = `${time.slice(11, 19)} ${level.padEnd(5)} ${msg}${extra === '' ? '' : `  ${extra}`}\n`;
    (level === 'warn' || level === 'error' ? process.stderr : process.stdout).write(line);
  };
}

async function main(): Promise<void> {
  const logLevel = (env('REFERENCE_APP_LOG') ?? 'info') as Level;
  if (!(logLevel in LEVELS))
    throw new Error(`REFERENCE_APP_LOG: expected debug, info, warn or error`);
  const dataDir =
    env('REFERENCE_APP_DATA_DIR') ?? fileURLToPath(new URL('../.data', import.meta.url));
  const port = portFrom('REFERENCE_APP_PORT');
  const backendPort = portFrom('REFERENCE_APP_BACKEND_PORT');
  const host = env('REFERENCE_APP_HOST');
  const cleanupCron = env('REFERENCE_APP_CLEANUP_CRON');

  const running: { app?: ReferenceApp } = {};
  let stopping = false;
  const finish = (app: ReferenceApp) =>
    app.stop().then(
      () => {
        process.stdout.write('Stopped cleanly.\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`Error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`\n${signal} again: leaving without waiting\n`);
      process.exit(130);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the backend…\n`);
    // Still starting: main() stops the app as soon as it is up.
    if (running.app !== undefined) void finish(running.app);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const app = await startReferenceApp({
    dataDir,
    onLog: printer(logLevel),
    ...(port === undefined ? {} : { port }),
    ...(host === undefined ? {} : { host }),
    ...(backendPort === undefined ? {} : { backendPort }),
    ...(cleanupCron === undefined ? {} : { cleanupCron }),
  });
  running.app = app;
  if (stopping) {
    await finish(app);
    return;
  }
  process.stdout.write(
    [
      '',
      'localbackend reference app',
      `  Todo app:  ${app.url}`,
      `  Backend:   ${app.backendUrl}  (REST /api/Todo, Parse /classes/Todo, WebSocket ${app.backendUrl.replace(/^http/, 'ws')})`,
      `  Data:      ${app.dataDir}/${app.backendId}${app.created ? '  (created now)' : ''}`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`reference app: ${(error as Error).message ?? String(error)}\n`);
  process.exit(1);
});
