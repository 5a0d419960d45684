import { BackendError } from '@localbackend/adapter';

/**
 * Failed-login limits per username. After `maxFailures` failed attempts within `windowMs`
 * (counted from the first failure), every attempt for that username is refused with 429
 * `RATE_LIMITED` until the window ends — even one with the right password.
 *
 * @example
 * ```ts
 * const throttle: LoginThrottleOptions = { maxFailures: 5, windowMs: 60_000 };
 * ```
 */
export interface LoginThrottleOptions {
  /** Failed attempts allowed per window (default 10). */
  readonly maxFailures?: number;
  /** Window length in ms (default 5 minutes). */
  readonly windowMs?: number;
}

interface Entry {
  failures: number;
  resetAt: number;
}

const MAX_ENTRIES = 10_000;

/** In-memory failed-attempt counter (bounded: the oldest usernames are forgotten first). */
export class LoginThrottle {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#max = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 5 * 60_000;
  }

  #key(username: string): string {
    return username.toLowerCase();
  }

  /** Throws RATE_LIMITED when `username` is locked. */
  check(username: string): void {
    const key = this.#key(username);
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    const now = Date.now();
    if (now >= entry.resetAt) {
      this.#entries.delete(key);
      return;
    }
    if (entry.failures >= this.#max) {
      const seconds = Math.max(1, Math.ceil((entry.resetAt - now) / 1000));
      throw new BackendError(
        'RATE_LIMITED',
        `Too many failed login attempts for this username; try again in ${seconds} s.`,
        { details: { path: 'username', retryAfter: seconds } },
      );
    }
  }

  /** Counts one failed attempt. */
  fail(username: string): void {
    const key = this.#key(username);
    const now = Date.now();
    const entry = this.#entries.get(key);
    if (entry === undefined || now >= entry.resetAt) {
      if (this.#entries.size >= MAX_ENTRIES) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      this.#entries.delete(key);
      this.#entries.set(key, { failures: 1, resetAt: now + this.#windowMs });
      return;
    }
    entry.failures++;
  }

  /** Forgets the failures of `username` (after a successful login). */
  succeed(username: string): void {
    this.#entries.delete(this.#key(username));
  }
}
