/**
 * Iterations of the update loop in one frame (Noodl: 10).
 *
 * @example
 * ```ts
 * for (let i = 0; i < ITERATIONS_PER_FRAME && dirty.length > 0; i++) updateAll();
 * ```
 */
export const ITERATIONS_PER_FRAME = 10;

/**
 * Something the scheduler can update.
 *
 * @example
 * ```ts
 * const item: Updatable = { deleted: false, update: () => {} };
 * ```
 */
export interface Updatable {
  readonly deleted: boolean;
  update(): void;
}

/**
 * The update loop of one run (NOODL-RUNTIME §2.8): dirty nodes are collected, and requests
 * coalesce into one `setImmediate` frame that runs next-frame callbacks, then up to
 * {@link ITERATIONS_PER_FRAME} iterations of { update each listed node; run after-update
 * callbacks }. Leftovers go to the next frame. Each run has its own scheduler, so concurrent runs
 * never share nodes or queues.
 *
 * @example
 * ```ts
 * const scheduler = new Scheduler({ onError: (e) => console.error(e) });
 * scheduler.nodeDirty(node); // node.update() runs in the next frame
 * ```
 */
export class Scheduler {
  #dirty: Updatable[] = [];
  #afterUpdate: (() => void)[] = [];
  #nextFrame: (() => void)[] = [];
  #requested = false;
  #stopped = false;
  /** Counts update-loop iterations (the 500-sends guard resets per iteration). */
  iteration = 0;

  constructor(
    private readonly hooks: {
      /** A node update or callback threw. */
      readonly onError: (error: unknown, node?: Updatable) => void;
      /** Called at the start of every frame (worker attribution). */
      readonly onEnter?: () => void;
      /** Called when a frame ends with nothing left to do. */
      readonly onIdle?: () => void;
    },
  ) {}

  /** True while a frame is pending. */
  get busy(): boolean {
    return this.#requested;
  }

  /** True after {@link Scheduler.stop}. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Adds a node to the dirty list and requests a frame. */
  nodeDirty(node: Updatable): void {
    if (this.#stopped) return;
    this.#dirty.push(node);
    this.requestFrame();
  }

  /** Runs `fn` after the current iteration's node updates. */
  afterUpdate(fn: () => void): void {
    if (this.#stopped) return;
    this.#afterUpdate.push(fn);
    this.requestFrame();
  }

  /** Runs `fn` at the start of the next frame. */
  nextFrame(fn: () => void): void {
    if (this.#stopped) return;
    this.#nextFrame.push(fn);
    this.requestFrame();
  }

  /** Requests a frame (coalesced). */
  requestFrame(): void {
    if (this.#requested || this.#stopped) return;
    this.#requested = true;
    setImmediate(this.#frame);
  }

  /** Stops the loop for good: pending work is dropped (the run ended). */
  stop(): void {
    this.#stopped = true;
    this.#dirty = [];
    this.#afterUpdate = [];
    this.#nextFrame = [];
  }

  readonly #frame = (): void => {
    this.#requested = false;
    if (this.#stopped) return;
    this.hooks.onEnter?.();
    const early = this.#nextFrame;
    this.#nextFrame = [];
    for (const fn of early) this.#safely(fn);
    for (
      let i = 0;
      i < ITERATIONS_PER_FRAME &&
      !this.#stopped &&
      (this.#dirty.length > 0 || this.#afterUpdate.length > 0);
      i++
    ) {
      this.iteration++;
      const list = this.#dirty;
      this.#dirty = [];
      for (const node of list) {
        if (this.#stopped) return;
        if (node.deleted) continue;
        try {
          node.update();
        } catch (error) {
          this.hooks.onError(error, node);
        }
      }
      const after = this.#afterUpdate;
      this.#afterUpdate = [];
      for (const fn of after) this.#safely(fn);
    }
    if (this.#stopped) return;
    if (this.#dirty.length > 0 || this.#afterUpdate.length > 0 || this.#nextFrame.length > 0) {
      this.requestFrame();
    }
    if (!this.#requested) this.hooks.onIdle?.();
  };

  #safely(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.hooks.onError(error);
    }
  }
}
