import net from 'node:net';
import { BackendError } from '@localbackend/adapter';

/**
 * The first port the manager hands out (the original design's choice).
 *
 * @example
 * ```ts
 * const allocator = new PortAllocator({ start: DEFAULT_BASE_PORT });
 * ```
 */
export const DEFAULT_BASE_PORT = 8577;

/**
 * True when nothing listens on `port` at `host`: the check really binds the port (and lets it go
 * at once), so a port held by any process, on any address that overlaps `host`, counts as taken.
 *
 * @example
 * ```ts
 * if (!(await isPortFree(8577))) console.log('8577 is taken');
 * ```
 */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Options of {@link PortAllocator}.
 *
 * @example
 * ```ts
 * const options: PortAllocatorOptions = { start: 9000, end: 9100 };
 * ```
 */
export interface PortAllocatorOptions {
  /** First port tried (default {@link DEFAULT_BASE_PORT}). */
  readonly start?: number;
  /** Last port tried (default 65535). */
  readonly end?: number;
}

/**
 * Hands out free ports from `start` upwards. Allocations are serialised and a handed-out port
 * stays reserved until {@link PortAllocator.release}, so backends started at the same moment never
 * get the same port even before they bind it.
 *
 * @example
 * ```ts
 * const ports = new PortAllocator();
 * const port = await ports.allocate({ exclude: new Set([8577]) });
 * // ... later
 * ports.release(port);
 * ```
 */
export class PortAllocator {
  readonly start: number;
  readonly end: number;
  readonly #reserved = new Set<number>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: PortAllocatorOptions = {}) {
    this.start = options.start ?? DEFAULT_BASE_PORT;
    this.end = options.end ?? 65535;
    if (
      !Number.isInteger(this.start) ||
      !Number.isInteger(this.end) ||
      this.start < 1 ||
      this.end > 65535 ||
      this.start > this.end
    ) {
      throw new BackendError(
        'INVALID_CONFIG',
        `ports: expected 1 <= start <= end <= 65535, got start=${this.start} end=${this.end}`,
        { details: { path: 'ports' } },
      );
    }
  }

  /** True when this allocator has handed out `port` and not released it. */
  isReserved(port: number): boolean {
    return this.#reserved.has(port);
  }

  /** Marks `port` as in use by this process (e.g. a backend that is starting on its saved port). */
  reserve(port: number): void {
    this.#reserved.add(port);
  }

  /** Gives a port back. */
  release(port: number): void {
    this.#reserved.delete(port);
  }

  /**
   * Reserves `port` if it is free at `host` and not reserved; resolves false otherwise.
   *
   * @example
   * ```ts
   * if (!(await ports.tryReserve(config.port))) port = await ports.allocate();
   * ```
   */
  tryReserve(port: number, host = '127.0.0.1'): Promise<boolean> {
    return this.#serialise(async () => {
      if (this.#reserved.has(port)) return false;
      if (!(await isPortFree(port, host))) return false;
      this.#reserved.add(port);
      return true;
    });
  }

  /**
   * Finds the lowest free port >= `start` that is not reserved and not in `exclude`, reserves it
   * and returns it. Rejects with `UNAVAILABLE` when the range is exhausted.
   */
  allocate(options: { exclude?: ReadonlySet<number>; host?: string } = {}): Promise<number> {
    const host = options.host ?? '127.0.0.1';
    return this.#serialise(async () => {
      for (let port = this.start; port <= this.end; port++) {
        if (this.#reserved.has(port) || options.exclude?.has(port)) continue;
        if (await isPortFree(port, host)) {
          this.#reserved.add(port);
          return port;
        }
      }
      throw new BackendError(
        'UNAVAILABLE',
        `no free port between ${this.start} and ${this.end} on ${host}`,
        { details: { start: this.start, end: this.end, host } },
      );
    });
  }

  #serialise<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work, work);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
