import { createHash } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Options of `WorkflowRuntime.watch`.
 *
 * @example
 * ```ts
 * await runtime.watch('./workflows', { debounceMs: 50 });
 * ```
 */
export interface WatchOptions {
  /** Changes of one file within this many ms are handled once (default 100). */
  readonly debounceMs?: number;
}

/**
 * What the watcher needs from the runtime.
 *
 * @example
 * ```ts
 * const watcher = new WorkflowWatcher('/abs/workflows', runtime satisfies WatchTarget);
 * ```
 */
export interface WatchTarget {
  loadFile(path: string): Promise<unknown>;
  unload(source: string): boolean;
  reportError(path: string, error: unknown): void;
}

const SUFFIX = '.workflow.json';

/**
 * Follows a directory of `*.workflow.json` files: loads them all, then reloads a file when it
 * changes (only when its content changed), unloads it when it is deleted, and reports a broken
 * file (the previous version keeps running).
 *
 * @example
 * ```ts
 * const watcher = await runtime.watch('./workflows');
 * await watcher.settled(); // pending reloads done
 * await watcher.close();
 * ```
 */
export class WorkflowWatcher {
  /** Resolves when the initial load is done. */
  readonly ready: Promise<void>;
  readonly #dir: string;
  readonly #target: WatchTarget;
  readonly #debounceMs: number;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #hashes = new Map<string, string>();
  readonly #onClose: (() => void)[] = [];
  #fsWatcher: FSWatcher | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(dir: string, target: WatchTarget, options: WatchOptions = {}) {
    this.#dir = dir;
    this.#target = target;
    this.#debounceMs = options.debounceMs ?? 100;
    this.ready = this.#start();
  }

  /** The watched directory. */
  get dir(): string {
    return this.#dir;
  }

  /** Resolves when every change seen so far has been handled. */
  async settled(): Promise<void> {
    while (this.#timers.size > 0) await new Promise((r) => setTimeout(r, this.#debounceMs));
    await this.#queue;
  }

  /** Stops watching (loaded workflows stay loaded). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fsWatcher?.close();
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    await this.#queue.catch(() => {});
    for (const fn of this.#onClose) fn();
  }

  /** @internal */
  onClose(fn: () => void): void {
    this.#onClose.push(fn);
  }

  async #start(): Promise<void> {
    this.#fsWatcher = watch(this.#dir, { persistent: false }, (_event, filename) => {
      if (typeof filename !== 'string' || !filename.endsWith(SUFFIX)) return;
      this.#schedule(filename);
    });
    this.#fsWatcher.on('error', (error) => this.#target.reportError(this.#dir, error));
    const names = (await readdir(this.#dir)).filter((n) => n.endsWith(SUFFIX)).sort();
    for (const name of names) this.#enqueue(name);
    await this.#queue;
  }

  #schedule(name: string): void {
    if (this.#closed) return;
    const existing = this.#timers.get(name);
    if (existing !== undefined) clearTimeout(existing);
    this.#timers.set(
      name,
      setTimeout(() => {
        this.#timers.delete(name);
        this.#enqueue(name);
      }, this.#debounceMs),
    );
  }

  #enqueue(name: string): void {
    this.#queue = this.#queue.then(() => this.#handle(name)).catch(() => {});
  }

  async #handle(name: string): Promise<void> {
    if (this.#closed) return;
    const path = join(this.#dir, name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#hashes.delete(path);
        this.#target.unload(path);
        return;
      }
      this.#target.reportError(path, error);
      return;
    }
    const hash = createHash('sha1').update(text).digest('hex');
    if (this.#hashes.get(path) === hash) return;
    try {
      await this.#target.loadFile(path);
      this.#hashes.set(path, hash);
    } catch (error) {
      this.#target.reportError(path, error);
    }
  }
}
