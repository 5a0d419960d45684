/**
 * A batch of messages sent as one `postMessage` (see {@link Outbox}).
 *
 * @example
 * ```ts
 * const batch: Batch<ToWorker> = { t: 'batch', messages: [a, b] };
 * ```
 */
export interface Batch<T> {
  readonly t: 'batch';
  readonly messages: readonly T[];
}

/**
 * Called when a message cannot be cloned: returns the message to send instead (or nothing).
 *
 * @example
 * ```ts
 * const onCloneError: CloneFallback<ToWorker> = (error) => ({ t: 'reply', cid, ok: false, error: toWireError(error) });
 * ```
 */
export type CloneFallback<T> = (error: unknown) => T | undefined;

/**
 * Collects the messages one thread sends to another during an event-loop turn and posts them
 * together at the end of the turn (in a `setImmediate`), as one message or one
 * {@link Batch}. Each `postMessage` wakes the receiving thread; on a busy machine a woken thread
 * often preempts the sender, so a run's messages sent one by one cost a context switch each.
 * Order is kept. A message that cannot be cloned is replaced by its fallback (or dropped)
 * without affecting the others.
 *
 * @example
 * ```ts
 * const outbox = new Outbox<ToWorker>((message) => worker.postMessage(message));
 * outbox.push({ t: 'run', slot, gen, docKey, spec, schemaVersion: 0 });
 * ```
 */
export class Outbox<T> {
  readonly #send: (message: T | Batch<T>) => void;
  #messages: T[] = [];
  #fallbacks: (CloneFallback<T> | undefined)[] = [];
  #scheduled = false;

  constructor(send: (message: T | Batch<T>) => void) {
    this.#send = send;
  }

  /** Queues a message for the end of this event-loop turn. */
  push(message: T, onCloneError?: CloneFallback<T>): void {
    this.#messages.push(message);
    this.#fallbacks.push(onCloneError);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Sends what is queued now. */
  readonly flush = (): void => {
    this.#scheduled = false;
    const messages = this.#messages;
    const fallbacks = this.#fallbacks;
    if (messages.length === 0) return;
    this.#messages = [];
    this.#fallbacks = [];
    try {
      this.#send(messages.length === 1 ? messages[0]! : { t: 'batch', messages });
      return;
    } catch {
      // some message cannot be cloned: send them one by one
    }
    for (let i = 0; i < messages.length; i++) {
      try {
        this.#send(messages[i]!);
      } catch (error) {
        const replacement = fallbacks[i]?.(error);
        if (replacement === undefined) continue;
        try {
          this.#send(replacement);
        } catch {
          // nothing more can be sent for this message
        }
      }
    }
  };

  /** Drops what is queued (the receiver is gone). */
  clear(): void {
    this.#messages = [];
    this.#fallbacks = [];
  }
}
