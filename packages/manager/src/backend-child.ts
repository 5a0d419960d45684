/**
 * The entry of a backend's child process (`dist/backend-child.js`). The manager forks it with an
 * IPC channel and sends `{ type: 'start', options }`; it serves the backend directory and answers
 * `call` messages until `shutdown`, SIGTERM/SIGINT, or the manager going away. Log lines are JSON
 * on stdout. Not part of the public API.
 */
import type { HostLog, ServingHost } from './internal/backend-host-types';
import { startServingHost } from './internal/backend-host';
import {
  HOST_METHODS,
  serializeError,
  type ChildMessage,
  type ParentMessage,
} from './internal/host-protocol';
import { managerVersion } from './internal/module-paths';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const minLevel =
  LEVELS[(process.env['LOCALBACKEND_LOG_LEVEL'] as Level | undefined) ?? 'info'] ?? 20;

function line(level: Level, msg: string, fields?: Readonly<Record<string, unknown>>): void {
  if (LEVELS[level] < minLevel) return;
  try {
    process.stdout.write(
      `${JSON.stringify({ ...fields, time: new Date().toISOString(), level, msg })}\n`,
    );
  } catch {
    // never fail because of a log line
  }
}

const log: HostLog = {
  debug: (m, f) => line('debug', m, f),
  info: (m, f) => line('info', m, f),
  warn: (m, f) => line('warn', m, f),
  error: (m, f) => line('error', m, f),
};

let host: ServingHost | undefined;
let starting: Promise<void> | undefined;
let shuttingDown = false;

function send(message: ChildMessage): void {
  if (process.connected && process.send !== undefined) {
    try {
      process.send(message);
    } catch {
      // the manager is gone
    }
  }
}

async function shutdown(reason: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  send({ type: 'stopping', reason });
  const deadline = setTimeout(() => process.exit(0), 20_000);
  deadline.unref();
  try {
    if (starting !== undefined) await starting.catch(() => undefined);
    await host?.stop();
    log.info('backend stopped', { reason });
    process.exitCode = 0;
  } catch (error) {
    log.error('error while stopping', {
      error: error instanceof Error ? error.message : String(error),
    });
    process.exitCode = 1;
  }
  if (process.connected) process.disconnect();
  // Let stdout drain, then leave even if something keeps the loop alive.
  setTimeout(() => process.exit(), 50).unref();
}

async function handle(message: ParentMessage): Promise<void> {
  switch (message.type) {
    case 'start': {
      if (host !== undefined || starting !== undefined) return;
      starting = (async () => {
        try {
          host = await startServingHost(message.options, log);
          if (shuttingDown) return;
          send({ type: 'ready', port: host.port, pid: process.pid, version: managerVersion() });
        } catch (error) {
          send({ type: 'start-failed', error: serializeError(error) });
          setTimeout(() => process.exit(1), 20).unref();
          if (process.connected) process.disconnect();
        }
      })();
      await starting;
      return;
    }
    case 'call': {
      const current = host;
      try {
        if (current === undefined || shuttingDown) throw new Error('backend is not serving');
        if (!HOST_METHODS.has(message.method))
          throw new Error(`unknown method ${String(message.method)}`);
        const fn = current[message.method] as (...a: unknown[]) => Promise<unknown>;
        const value = await fn.apply(current, message.args);
        send({ type: 'result', id: message.id, ok: true, value });
      } catch (error) {
        send({ type: 'result', id: message.id, ok: false, error: serializeError(error) });
      }
      return;
    }
    case 'shutdown':
      await shutdown('shutdown requested');
      return;
    default:
      return;
  }
}

process.on('message', (raw: unknown) => {
  void handle(raw as ParentMessage);
});
process.on('disconnect', () => {
  void shutdown('manager disconnected');
});
process.on('SIGTERM', () => {
  void shutdown('SIGTERM');
});
process.on('SIGINT', () => {
  void shutdown('SIGINT');
});
process.on('uncaughtException', (error) => {
  log.error('uncaught exception', { error: error.message, stack: error.stack });
  process.exit(70);
});
process.on('unhandledRejection', (reason) => {
  log.error('unhandled rejection', {
    error: reason instanceof Error ? reason.message : String(reason),
  });
});
