/**
 * A FIFO lock for one connection. While an asynchronous transaction holds it, every other
 * caller waits instead of running inside the open SQLite transaction by accident. Synchronous
 * work takes the fast path when nobody holds or waits for the lock.
 */
export class AsyncGate {
  #held = false;
  readonly #waiters: (() => void)[] = [];

  /** True when work can run right now without waiting. */
  get free(): boolean {
    return !this.#held && this.#waiters.length === 0;
  }

  /** True while someone holds the lock. */
  get held(): boolean {
    return this.#held;
  }

  /** Number of callers waiting. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Waits for the lock, runs `fn`, releases. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    if (this.#held || this.#waiters.length > 0) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    } else {
      this.#held = true;
    }
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next === undefined) this.#held = false;
      else next();
    }
  }

  /** Resolves once nobody holds or waits for the lock. */
  async drain(): Promise<void> {
    while (!this.free) await this.run(() => undefined);
  }
}
