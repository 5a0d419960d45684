import { fork, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { BackendError } from '@localbackend/adapter';
import type { BackendLogger } from '../backend-logger';
import type { BackendState } from '../backend-status';
import {
  deserializeError,
  isPortInUse,
  serializeError,
  type ChildMessage,
  type HostMethod,
  type HostMethods,
  type HostStartOptions,
  type ParentMessage,
  type SerializedError,
} from './host-protocol';

/** Runs one backend somewhere (a child process or this process) and reports its state. */
export interface BackendRunner {
  readonly mode: 'child' | 'in-process';
  readonly state: BackendState;
  readonly pid: number | undefined;
  readonly port: number;
  readonly startedAt: Date | undefined;
  readonly restarts: number;
  readonly lastError: string | undefined;
  /** True while a restart after a crash is scheduled. */
  readonly restartPending: boolean;
  /** Resolves once the backend answers requests; rejects with a BackendError otherwise. */
  start(): Promise<void>;
  call<M extends HostMethod>(
    method: M,
    args: Parameters<HostMethods[M]>,
    timeoutMs?: number,
  ): Promise<Awaited<ReturnType<HostMethods[M]>>>;
  /** Stops cleanly; resolves when the backend no longer runs. */
  stop(): Promise<void>;
}

/** What runners share. */
export interface RunnerOptions {
  readonly options: HostStartOptions;
  readonly logger: BackendLogger;
  /** Called with every state change. */
  readonly onState: (state: BackendState, runner: BackendRunner) => void;
  /**
   * Called when the port turned out to be taken while starting; returns a new, reserved port
   * (the manager saves it in config.json).
   */
  readonly resolvePortConflict: (takenPort: number) => Promise<number>;
}

/** Options of {@link ChildBackendRunner}. */
export interface ChildRunnerOptions extends RunnerOptions {
  /** The child entry script. */
  readonly entry: string;
  /** Node flags of the child (default none). */
  readonly execArgv?: readonly string[];
  readonly startTimeoutMs?: number;
  readonly stopTimeoutMs?: number;
  readonly autoRestart?: boolean;
  /** Delays before restart attempts after consecutive crashes (the last one repeats). */
  readonly restartDelaysMs?: readonly number[];
  /** Give up after this many crashes in a row without a stable run in between. */
  readonly maxConsecutiveCrashes?: number;
  /** A run this long resets the crash counter. */
  readonly stableAfterMs?: number;
}

const DEFAULT_RESTART_DELAYS = [100, 500, 1000, 2000, 5000, 10_000, 30_000];
const MAX_PORT_RETRIES = 5;
const DEFAULT_CALL_TIMEOUT = 10 * 60_000;

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `killed by ${signal}` : `exited with code ${code ?? 'unknown'}`;
}

/**
 * A backend served by a supervised child Node process: launched with the child entry, restarted
 * with backoff after a crash, stopped with a `shutdown` message (SIGKILL after a deadline).
 */
export class ChildBackendRunner implements BackendRunner {
  readonly mode = 'child' as const;
  #state: BackendState = 'stopped';
  #child: ChildProcess | undefined;
  #options: HostStartOptions;
  readonly #o: ChildRunnerOptions;
  #startedAt: Date | undefined;
  #restarts = 0;
  #consecutiveCrashes = 0;
  #lastError: string | undefined;
  #stopping = false;
  #restartTimer: NodeJS.Timeout | undefined;
  #restartPending = false;
  #stableTimer: NodeJS.Timeout | undefined;
  #callId = 0;
  readonly #pending = new Map<number, PendingCall>();
  #exitWaiters: (() => void)[] = [];
  #stderrTail: string[] = [];

  constructor(options: ChildRunnerOptions) {
    this.#o = options;
    this.#options = options.options;
  }

  get state(): BackendState {
    return this.#state;
  }
  get pid(): number | undefined {
    return this.#state === 'running' || this.#state === 'starting' ? this.#child?.pid : undefined;
  }
  get port(): number {
    return this.#options.port;
  }
  get startedAt(): Date | undefined {
    return this.#state === 'running' ? this.#startedAt : undefined;
  }
  get restarts(): number {
    return this.#restarts;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }
  get restartPending(): boolean {
    return this.#restartPending;
  }

  async start(): Promise<void> {
    if (this.#state === 'running') return;
    this.#stopping = false;
    this.#setState('starting');
    try {
      await this.#launchWithPortRetry();
    } catch (error) {
      this.#lastError = error instanceof Error ? error.message : String(error);
      this.#setState('stopped');
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#restartTimer !== undefined) {
      clearTimeout(this.#restartTimer);
      this.#restartTimer = undefined;
    }
    this.#restartPending = false;
    if (this.#stableTimer !== undefined) {
      clearTimeout(this.#stableTimer);
      this.#stableTimer = undefined;
    }
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = this.#waitForExit();
      if (!this.#send({ type: 'shutdown' })) child.kill('SIGTERM');
      const deadline = this.#o.stopTimeoutMs ?? 15_000;
      const timer = setTimeout(() => {
        this.#o.logger.warn('backend did not stop in time; killing it', { deadlineMs: deadline });
        child.kill('SIGKILL');
      }, deadline);
      await exited;
      clearTimeout(timer);
    }
    this.#child = undefined;
    if (this.#state !== 'stopped') this.#setState('stopped');
  }

  call<M extends HostMethod>(
    method: M,
    args: Parameters<HostMethods[M]>,
    timeoutMs = DEFAULT_CALL_TIMEOUT,
  ): Promise<Awaited<ReturnType<HostMethods[M]>>> {
    const child = this.#child;
    if (this.#state !== 'running' || child === undefined || !child.connected) {
      return Promise.reject(
        new BackendError(
          'UNAVAILABLE',
          `backend "${this.#options.id}" is not running (${this.#state})`,
        ),
      );
    }
    const id = ++this.#callId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new BackendError(
            'TIMEOUT',
            `${method} on backend "${this.#options.id}" took longer than ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      if (!this.#send({ type: 'call', id, method, args: [...args] })) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new BackendError('UNAVAILABLE', `backend "${this.#options.id}" is not reachable`));
      }
    });
  }

  #setState(state: BackendState): void {
    this.#state = state;
    this.#o.onState(state, this);
  }

  #send(message: ParentMessage): boolean {
    const child = this.#child;
    if (child === undefined || !child.connected) return false;
    try {
      child.send(message);
      return true;
    } catch {
      return false;
    }
  }

  #waitForExit(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#exitWaiters.push(resolve));
  }

  async #launchWithPortRetry(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const failure = await this.#launch();
      if (failure === undefined) return;
      if (isPortInUse(failure) && attempt < MAX_PORT_RETRIES && !this.#stopping) {
        const taken = this.#options.port;
        const port = await this.#o.resolvePortConflict(taken);
        this.#o.logger.warn('port taken; moved to another port', { taken, port });
        this.#options = { ...this.#options, port };
        continue;
      }
      throw deserializeError(failure);
    }
  }

  /** Spawns the child and waits until it is ready; resolves with the failure, if any. */
  #launch(): Promise<SerializedError | undefined> {
    const o = this.#o;
    this.#stderrTail = [];
    let child: ChildProcess;
    try {
      child = fork(o.entry, [], {
        execArgv: [...(o.execArgv ?? [])],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'advanced',
        env: { ...process.env, LOCALBACKEND_CHILD: '1' },
        detached: process.platform !== 'win32',
      });
    } catch (error) {
      return Promise.resolve(serializeError(error));
    }
    this.#child = child;
    if (child.stdout) {
      readline
        .createInterface({ input: child.stdout })
        .on('line', (line) => o.logger.logLine(line, 'stdout'));
    }
    if (child.stderr) {
      readline.createInterface({ input: child.stderr }).on('line', (line) => {
        this.#stderrTail.push(line);
        if (this.#stderrTail.length > 20) this.#stderrTail.shift();
        o.logger.logLine(line, 'stderr');
      });
    }
    let expectedExit = false;
    let ready = false;

    return new Promise<SerializedError | undefined>((resolve) => {
      let settled = false;
      const settle = (value: SerializedError | undefined): void => {
        if (settled) return;
        settled = true;
        clearTimeout(startTimer);
        resolve(value);
      };
      const startTimeout = o.startTimeoutMs ?? 30_000;
      const startTimer = setTimeout(() => {
        expectedExit = true;
        child.kill('SIGKILL');
        settle({
          code: 'TIMEOUT',
          message: `backend "${this.#options.id}" did not start within ${startTimeout} ms`,
        });
      }, startTimeout);

      child.on('message', (raw: unknown) => {
        const message = raw as ChildMessage;
        switch (message?.type) {
          case 'ready':
            ready = true;
            this.#startedAt = new Date();
            this.#options = { ...this.#options, port: message.port };
            this.#lastError = undefined;
            o.logger.info('backend started', {
              port: message.port,
              pid: message.pid,
              version: message.version,
            });
            this.#armStableTimer();
            this.#setState('running');
            settle(undefined);
            break;
          case 'start-failed':
            expectedExit = true;
            settle(message.error);
            break;
          case 'stopping':
            expectedExit = true;
            break;
          case 'result': {
            const pending = this.#pending.get(message.id);
            if (pending === undefined) break;
            this.#pending.delete(message.id);
            clearTimeout(pending.timer);
            if (message.ok) pending.resolve(message.value);
            else pending.reject(deserializeError(message.error));
            break;
          }
          default:
            break;
        }
      });

      child.on('error', (error) => {
        o.logger.error('backend process error', { error: error.message });
        settle(serializeError(error));
      });

      child.on('exit', (code, signal) => {
        for (const [id, pending] of this.#pending) {
          clearTimeout(pending.timer);
          pending.reject(
            new BackendError(
              'UNAVAILABLE',
              `backend "${this.#options.id}" stopped while handling a request`,
            ),
          );
          this.#pending.delete(id);
        }
        const waiters = this.#exitWaiters;
        this.#exitWaiters = [];
        for (const waiter of waiters) waiter();
        if (!ready) {
          const tail = this.#stderrTail.join('\n').trim();
          settle({
            code: 'UNAVAILABLE',
            message: `backend "${this.#options.id}" ${describeExit(code, signal)} before it was ready${tail === '' ? '' : `: ${tail.slice(-500)}`}`,
          });
          return;
        }
        if (this.#child !== child) return;
        if (this.#stableTimer !== undefined) clearTimeout(this.#stableTimer);
        if (this.#stopping || expectedExit) {
          o.logger.info('backend process exited', { how: describeExit(code, signal) });
          this.#child = undefined;
          this.#setState('stopped');
          return;
        }
        this.#onCrash(describeExit(code, signal));
      });

      this.#send({ type: 'start', options: this.#options });
    });
  }

  #armStableTimer(): void {
    if (this.#stableTimer !== undefined) clearTimeout(this.#stableTimer);
    this.#stableTimer = setTimeout(() => {
      this.#consecutiveCrashes = 0;
    }, this.#o.stableAfterMs ?? 30_000);
    this.#stableTimer.unref();
  }

  #onCrash(reason: string): void {
    this.#child = undefined;
    this.#consecutiveCrashes++;
    this.#lastError = `process ${reason}`;
    const max = this.#o.maxConsecutiveCrashes ?? 10;
    const giveUp = this.#consecutiveCrashes > max;
    this.#restartPending = this.#o.autoRestart !== false && !this.#stopping && !giveUp;
    this.#o.logger.error('backend crashed', {
      reason,
      consecutiveCrashes: this.#consecutiveCrashes,
    });
    if (giveUp) {
      this.#lastError = `process ${reason}; gave up after ${this.#consecutiveCrashes} crashes in a row`;
      this.#o.logger.error('giving up restarting after repeated crashes', {
        crashes: this.#consecutiveCrashes,
      });
    }
    this.#setState('crashed');
    if (!this.#restartPending) return;
    const delays = this.#o.restartDelaysMs ?? DEFAULT_RESTART_DELAYS;
    const delay = delays[Math.min(this.#consecutiveCrashes - 1, delays.length - 1)] ?? 1000;
    this.#o.logger.info('restarting backend', { inMs: delay });
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#restartPending = false;
      if (this.#stopping) return;
      this.#restarts++;
      this.#setState('starting');
      this.#launchWithPortRetry().catch((error: unknown) => {
        if (this.#stopping) return;
        this.#onCrash(
          `failed to restart: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }, delay);
  }
}

/** The host functions the in-process runner needs (loaded lazily with the server packages). */
export interface InProcessHost extends HostMethods {
  readonly port: number;
  stop(): Promise<void>;
}

/** Options of {@link InProcessBackendRunner}. */
export interface InProcessRunnerOptions extends RunnerOptions {
  readonly startHost: (options: HostStartOptions, logger: BackendLogger) => Promise<InProcessHost>;
}

/**
 * A backend served inside the manager's own process (tests, scripts, the CLI's `--in-process`).
 * No crash isolation and no restarts.
 */
export class InProcessBackendRunner implements BackendRunner {
  readonly mode = 'in-process' as const;
  #state: BackendState = 'stopped';
  #host: InProcessHost | undefined;
  #options: HostStartOptions;
  readonly #o: InProcessRunnerOptions;
  #startedAt: Date | undefined;
  #lastError: string | undefined;

  constructor(options: InProcessRunnerOptions) {
    this.#o = options;
    this.#options = options.options;
  }

  get state(): BackendState {
    return this.#state;
  }
  get pid(): number | undefined {
    return this.#state === 'running' ? process.pid : undefined;
  }
  get port(): number {
    return this.#options.port;
  }
  get startedAt(): Date | undefined {
    return this.#state === 'running' ? this.#startedAt : undefined;
  }
  get restarts(): number {
    return 0;
  }
  get restartPending(): boolean {
    return false;
  }
  get lastError(): string | undefined {
    return this.#lastError;
  }

  async start(): Promise<void> {
    if (this.#state === 'running') return;
    this.#state = 'starting';
    this.#o.onState('starting', this);
    for (let attempt = 0; ; attempt++) {
      try {
        this.#host = await this.#o.startHost(this.#options, this.#o.logger);
        this.#options = { ...this.#options, port: this.#host.port };
        this.#startedAt = new Date();
        this.#lastError = undefined;
        this.#state = 'running';
        this.#o.logger.info('backend started', {
          port: this.#host.port,
          pid: process.pid,
          mode: 'in-process',
        });
        this.#o.onState('running', this);
        return;
      } catch (error) {
        const serialized = serializeError(error);
        if (isPortInUse(serialized) && attempt < MAX_PORT_RETRIES) {
          const taken = this.#options.port;
          const port = await this.#o.resolvePortConflict(taken);
          this.#o.logger.warn('port taken; moved to another port', { taken, port });
          this.#options = { ...this.#options, port };
          continue;
        }
        this.#lastError = serialized.message;
        this.#state = 'stopped';
        this.#o.onState('stopped', this);
        throw deserializeError(serialized);
      }
    }
  }

  async call<M extends HostMethod>(
    method: M,
    args: Parameters<HostMethods[M]>,
  ): Promise<Awaited<ReturnType<HostMethods[M]>>> {
    const host = this.#host;
    if (this.#state !== 'running' || host === undefined) {
      throw new BackendError(
        'UNAVAILABLE',
        `backend "${this.#options.id}" is not running (${this.#state})`,
      );
    }
    const fn = host[method] as (...a: unknown[]) => Promise<Awaited<ReturnType<HostMethods[M]>>>;
    return fn.apply(host, args);
  }

  async stop(): Promise<void> {
    const host = this.#host;
    this.#host = undefined;
    if (host !== undefined) {
      await host.stop();
      this.#o.logger.info('backend stopped', { mode: 'in-process' });
    }
    if (this.#state !== 'stopped') {
      this.#state = 'stopped';
      this.#o.onState('stopped', this);
    }
  }
}
