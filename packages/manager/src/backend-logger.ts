import fs from 'node:fs';
import path from 'node:path';
import type { LogSettings } from './backend-config';

/**
 * Severity of a {@link LogEntry}.
 *
 * @example
 * ```ts
 * const level: LogLevel = 'warn';
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * One line of a backend's structured JSON log (`logs/backend.log`).
 *
 * @example
 * ```ts
 * const entry: LogEntry = { time: '2026-01-01T00:00:00.000Z', level: 'info', backend: 'backend-1', msg: 'started', port: 8577 };
 * ```
 */
export interface LogEntry {
  readonly time: string;
  readonly level: LogLevel;
  readonly backend: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

const LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error']);

/**
 * Appends structured JSON lines to one backend's log file and rotates it by size:
 * `backend.log` -> `backend.log.1` -> ... -> `backend.log.<maxFiles>` (the oldest is dropped).
 * Writes are synchronous appends, so a line is never interleaved or lost when the process exits.
 *
 * @example
 * ```ts
 * const logger = new BackendLogger('backend-1', '/tmp/b/backend-1/logs/backend.log', { maxBytes: 1 << 20, maxFiles: 3 });
 * logger.info('started', { port: 8577 });
 * logger.close();
 * ```
 */
export class BackendLogger {
  readonly file: string;
  readonly #backend: string;
  readonly #settings: LogSettings;
  #fd: number | undefined;
  #size = 0;
  /** Also echo each entry here (the CLI's foreground mode prints them). */
  onEntry: ((entry: LogEntry) => void) | undefined;

  constructor(backend: string, file: string, settings: LogSettings) {
    this.#backend = backend;
    this.file = file;
    this.#settings = settings;
  }

  /** Writes one entry. `fields` may not override `time`, `level`, `backend` or `msg`. */
  log(level: LogLevel, msg: string, fields: Readonly<Record<string, unknown>> = {}): void {
    const entry: LogEntry = {
      ...fields,
      time: new Date().toISOString(),
      level,
      backend: this.#backend,
      msg,
    };
    this.write(entry);
  }

  debug(msg: string, fields?: Readonly<Record<string, unknown>>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Readonly<Record<string, unknown>>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Readonly<Record<string, unknown>>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Readonly<Record<string, unknown>>): void {
    this.log('error', msg, fields);
  }

  /**
   * Logs one line of a child process's output: a JSON object line keeps its fields (and gets
   * `backend`, `time` and `level` when missing); any other text becomes `{ msg: line, stream }`.
   */
  logLine(line: string, stream: 'stdout' | 'stderr'): void {
    const text = line.trimEnd();
    if (text === '') return;
    if (text.startsWith('{')) {
      try {
        const parsed: unknown = JSON.parse(text);
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          const record = parsed as Record<string, unknown>;
          const level =
            typeof record['level'] === 'string' && LEVELS.has(record['level'])
              ? (record['level'] as LogLevel)
              : stream === 'stderr'
                ? 'error'
                : 'info';
          this.write({
            ...record,
            time: typeof record['time'] === 'string' ? record['time'] : new Date().toISOString(),
            level,
            backend: this.#backend,
            msg:
              typeof record['msg'] === 'string'
                ? record['msg']
                : typeof record['message'] === 'string'
                  ? record['message']
                  : '',
          });
          return;
        }
      } catch {
        // Not JSON after all: logged as text below.
      }
    }
    this.log(stream === 'stderr' ? 'error' : 'info', text, { stream });
  }

  /** Writes an already-built entry. */
  write(entry: LogEntry): void {
    let line: string;
    try {
      line = `${JSON.stringify(entry)}\n`;
    } catch {
      line = `${JSON.stringify({ time: entry.time, level: entry.level, backend: this.#backend, msg: entry.msg })}\n`;
    }
    try {
      this.#open();
      const bytes = Buffer.byteLength(line);
      if (this.#size > 0 && this.#size + bytes > this.#settings.maxBytes) this.#rotate();
      fs.writeSync(this.#fd!, line);
      this.#size += bytes;
    } catch {
      // A log that cannot be written must never take the backend down.
    }
    this.onEntry?.(entry);
  }

  /** Closes the file (the next write reopens it). */
  close(): void {
    if (this.#fd !== undefined) {
      try {
        fs.closeSync(this.#fd);
      } catch {
        // already closed
      }
      this.#fd = undefined;
    }
  }

  #open(): void {
    if (this.#fd !== undefined) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    this.#fd = fs.openSync(this.file, 'a');
    this.#size = fs.fstatSync(this.#fd).size;
  }

  #rotate(): void {
    this.close();
    const max = this.#settings.maxFiles;
    if (max === 0) {
      fs.rmSync(this.file, { force: true });
    } else {
      fs.rmSync(`${this.file}.${max}`, { force: true });
      for (let i = max - 1; i >= 1; i--) {
        if (fs.existsSync(`${this.file}.${i}`))
          fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      }
      fs.renameSync(this.file, `${this.file}.1`);
    }
    this.#open();
  }
}

/**
 * Reads the last `lines` entries of a backend log (across rotated files, oldest first). Lines that
 * are not JSON are returned as `{ level: 'info', msg: line }`.
 *
 * @example
 * ```ts
 * const recent = await readLogEntries('/tmp/b/backend-1/logs/backend.log', 50);
 * ```
 */
export async function readLogEntries(file: string, lines = 100): Promise<LogEntry[]> {
  const collected: string[] = [];
  for (let i = 0; i <= 100 && collected.length < lines; i++) {
    const name = i === 0 ? file : `${file}.${i}`;
    let text: string;
    try {
      text = await fs.promises.readFile(name, 'utf8');
    } catch {
      if (i === 0) continue;
      break;
    }
    const fileLines = text.split('\n').filter((l) => l.trim() !== '');
    collected.unshift(
      ...fileLines.slice(Math.max(0, fileLines.length - (lines - collected.length))),
    );
  }
  return collected.map((line) => parseLogLine(line));
}

/** Parses one log line (tolerating non-JSON text). */
export function parseLogLine(line: string): LogEntry {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const r = parsed as Record<string, unknown>;
      return {
        ...r,
        time: typeof r['time'] === 'string' ? r['time'] : '',
        level:
          typeof r['level'] === 'string' && LEVELS.has(r['level'])
            ? (r['level'] as LogLevel)
            : 'info',
        backend: typeof r['backend'] === 'string' ? r['backend'] : '',
        msg: typeof r['msg'] === 'string' ? r['msg'] : '',
      };
    }
  } catch {
    // plain text
  }
  return { time: '', level: 'info', backend: '', msg: line };
}
