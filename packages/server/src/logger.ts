/**
 * Severity of a log line, lowest first.
 *
 * @example
 * ```ts
 * const level: LogLevel = 'debug';
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Structured fields of a log line (JSON-serialisable values).
 *
 * @example
 * ```ts
 * const fields: LogFields = { method: 'GET', path: '/api/Todo', status: 200, ms: 1.2 };
 * ```
 */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Where the server writes its structured logs. Request lines are logged at `debug` (one per
 * request: method, path without query string, status, duration, client address), start/stop at
 * `info`, unexpected errors at `error`. The server never passes master keys, session tokens or
 * request headers to the logger, and {@link redactLogFields} scrubs any field whose name looks
 * secret.
 *
 * @example
 * ```ts
 * const logger: Logger = {
 *   debug: () => {},
 *   info: (message, fields) => console.log(message, fields),
 *   warn: (message, fields) => console.warn(message, fields),
 *   error: (message, fields) => console.error(message, fields),
 * };
 * ```
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const LEVELS: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /master|session|token|password|secret|authorization|cookie|api.?key/i;

/**
 * A copy of `fields` where every value whose key looks secret (`masterKey`, `sessionToken`,
 * `password`, `authorization`, `cookie`, `apiKey`...) is replaced by `"[redacted]"`, at any depth.
 *
 * @example
 * ```ts
 * redactLogFields({ masterKey: 'abc', path: '/api/Todo' }); // { masterKey: '[redacted]', path: '/api/Todo' }
 * ```
 */
export function redactLogFields(fields: LogFields): Record<string, unknown> {
  return redactObject(fields, 0) as Record<string, unknown>;
}

function redactObject(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth > 8) return '[nested]';
  if (Array.isArray(value)) return value.map((item) => redactObject(item, depth + 1));
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    out[key] = SECRET_FIELD.test(key)
      ? '[redacted]'
      : redactObject((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

/**
 * Options of {@link createConsoleLogger}.
 *
 * @example
 * ```ts
 * const options: ConsoleLoggerOptions = { level: 'debug', name: 'todo-backend' };
 * ```
 */
export interface ConsoleLoggerOptions {
  /** Lines below this level are dropped (default `info`). */
  readonly level?: LogLevel;
  /** Added to every line as `backend`. */
  readonly name?: string;
  /** Where lines go (default: `process.stderr`). */
  readonly write?: (line: string) => void;
}

/**
 * A logger that writes one JSON object per line (`{ time, level, msg, backend?, ...fields }`),
 * with secret-looking fields redacted.
 *
 * @example
 * ```ts
 * const logger = createConsoleLogger({ level: 'debug', name: 'todo' });
 * logger.info('started', { port: 8577 });
 * // {"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"started","backend":"todo","port":8577}
 * ```
 */
export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit =
    (level: LogLevel) =>
    (message: string, fields?: LogFields): void => {
      if (LEVELS[level] < min) return;
      const line: Record<string, unknown> = { time: new Date().toISOString(), level, msg: message };
      if (options.name !== undefined) line.backend = options.name;
      if (fields !== undefined) Object.assign(line, redactLogFields(fields));
      try {
        write(JSON.stringify(line));
      } catch {
        // A logger must never break the request that logs.
      }
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/**
 * A logger that drops everything.
 *
 * @example
 * ```ts
 * new LocalBackendServer({ dbPath: ':memory:', logger: silentLogger });
 * ```
 */
export const silentLogger: Logger = Object.freeze({
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
});
