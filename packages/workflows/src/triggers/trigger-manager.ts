import cron, { type ScheduledTask } from 'node-cron';
import type { ChangeEvent, ChangeEventType, CloudStoreAdapter } from '@localbackend/adapter';
import type { RunStart } from '../catalog/node-definition';
import type { TriggerSpec } from './trigger-spec';

/**
 * Fires a trigger: starts a run of its workflow.
 *
 * @example
 * ```ts
 * const fire: FireTrigger = (spec, start) => runtime.startRun(spec, start);
 * ```
 */
export type FireTrigger = (spec: TriggerSpec, start: RunStart) => Promise<unknown>;

/**
 * A schedule: a node-cron task created stopped (`createTask`) and started explicitly, so that
 * `stop()` leaves nothing behind (the task is destroyed and leaves node-cron's registry).
 *
 * @example
 * ```ts
 * const schedule = new ScheduleTrigger('*\/5 * * * * *', undefined, (firedAt) => console.log(firedAt));
 * schedule.start();
 * schedule.stop();
 * ```
 */
export class ScheduleTrigger {
  #task: ScheduledTask | undefined;

  constructor(
    readonly expression: string,
    readonly timezone: string | undefined,
    private readonly onFire: (firedAt: Date) => void,
  ) {}

  /** True while the task is scheduled. */
  get running(): boolean {
    return this.#task !== undefined;
  }

  /** Schedules the task. */
  start(): void {
    if (this.#task !== undefined) return;
    const task = cron.createTask(
      this.expression,
      (context) => {
        this.onFire(context.date);
      },
      { ...(this.timezone === undefined ? {} : { timezone: this.timezone }), noOverlap: false },
    );
    this.#task = task;
    void task.start();
  }

  /** Stops and destroys the task. */
  stop(): void {
    const task = this.#task;
    this.#task = undefined;
    if (task === undefined) return;
    void task.stop();
    void task.destroy();
  }
}

/**
 * Runs at most `limit` fired runs of one trigger at a time; more wait in order (a burst of
 * database changes must not start thousands of runs at once). Waiting fires beyond `maxQueue`
 * are dropped and reported.
 *
 * @example
 * ```ts
 * const limiter = new FireLimiter(8, 10_000, (dropped) => console.warn(dropped));
 * limiter.push(() => fire());
 * ```
 */
export class FireLimiter {
  #active = 0;
  readonly #queue: (() => Promise<unknown>)[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxQueue: number,
    private readonly onDrop: () => void,
  ) {}

  /** Queues one fire. */
  push(work: () => Promise<unknown>): void {
    if (this.#active < this.limit) {
      this.#run(work);
      return;
    }
    if (this.#queue.length >= this.maxQueue) {
      this.onDrop();
      return;
    }
    this.#queue.push(work);
  }

  /** Forgets waiting fires. */
  clear(): void {
    this.#queue.length = 0;
  }

  #run(work: () => Promise<unknown>): void {
    this.#active++;
    let promise: Promise<unknown>;
    try {
      promise = work();
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise
      .catch(() => {})
      .finally(() => {
        this.#active--;
        const next = this.#queue.shift();
        if (next !== undefined) this.#run(next);
      });
  }
}

interface ActiveTrigger {
  readonly spec: TriggerSpec;
  readonly stop: () => void;
}

/**
 * Starts and stops the triggers of loaded workflows on the main thread: schedules (node-cron) and
 * database-change listeners (`adapter.on`). Webhooks are looked up by path. Triggers of a
 * document are stopped when it is unloaded or replaced, so nothing leaks across reloads.
 *
 * @example
 * ```ts
 * const triggers = new TriggerManager(adapter, fire, (error) => console.error(error));
 * triggers.start('a.workflow.json#1', specs);
 * triggers.stop('a.workflow.json#1');
 * ```
 */
export class TriggerManager {
  readonly #active = new Map<string, ActiveTrigger[]>();

  constructor(
    private readonly adapter: CloudStoreAdapter,
    private readonly fire: FireTrigger,
    private readonly onError: (message: string, spec: TriggerSpec) => void,
    private readonly options: { readonly concurrency?: number; readonly maxQueue?: number } = {},
  ) {}

  /** Starts the triggers of a document version. */
  start(docKey: string, specs: readonly TriggerSpec[]): void {
    this.stop(docKey);
    const active: ActiveTrigger[] = [];
    for (const spec of specs) {
      const started = this.#startOne(spec);
      if (started !== undefined) active.push(started);
    }
    if (active.length > 0) this.#active.set(docKey, active);
  }

  /** Stops the triggers of a document version. */
  stop(docKey: string): void {
    const active = this.#active.get(docKey);
    if (active === undefined) return;
    this.#active.delete(docKey);
    for (const trigger of active) trigger.stop();
  }

  /** Stops everything. */
  stopAll(): void {
    for (const key of [...this.#active.keys()]) this.stop(key);
  }

  /** What is running: schedules and change listeners (leak checks). */
  get counts(): { schedules: number; listeners: number; webhooks: number } {
    let schedules = 0;
    let listeners = 0;
    let webhooks = 0;
    for (const list of this.#active.values()) {
      for (const t of list) {
        if (t.spec.kind === 'schedule') schedules++;
        else if (t.spec.kind === 'dbChange') listeners++;
        else webhooks++;
      }
    }
    return { schedules, listeners, webhooks };
  }

  #limiter(spec: TriggerSpec): FireLimiter {
    return new FireLimiter(this.options.concurrency ?? 8, this.options.maxQueue ?? 10_000, () =>
      this.onError(
        'a trigger fired faster than its runs finish; a fire was dropped (queue full)',
        spec,
      ),
    );
  }

  #startOne(spec: TriggerSpec): ActiveTrigger | undefined {
    switch (spec.kind) {
      case 'schedule': {
        if (!spec.enabled) return { spec, stop: () => {} };
        const limiter = this.#limiter(spec);
        const schedule = new ScheduleTrigger(spec.cron, spec.timezone, (firedAt) => {
          limiter.push(() => this.fire(spec, { kind: 'schedule', firedAt: firedAt.toISOString() }));
        });
        try {
          schedule.start();
        } catch (error) {
          this.onError(`the schedule could not start: ${(error as Error).message}`, spec);
          return undefined;
        }
        return {
          spec,
          stop: () => {
            schedule.stop();
            limiter.clear();
          },
        };
      }
      case 'dbChange': {
        const limiter = this.#limiter(spec);
        const listener = (event: ChangeEvent): void => {
          if (event.collection !== spec.collection) return;
          if (spec.events !== 'all' && event.type !== spec.events) return;
          limiter.push(() =>
            this.fire(spec, {
              kind: 'dbChange',
              type: event.type,
              collection: event.collection,
              objectId: event.objectId,
              object: event.object,
              ...(event.previous === undefined ? {} : { previous: event.previous }),
            }),
          );
        };
        const types: ChangeEventType[] =
          spec.events === 'all' ? ['create', 'save', 'delete'] : [spec.events];
        if (!this.adapter.capabilities.events) {
          this.onError(
            'the adapter does not emit change events, so this dbChange trigger never fires',
            spec,
          );
          return { spec, stop: () => {} };
        }
        for (const type of types) this.adapter.on(type, listener);
        return {
          spec,
          stop: () => {
            for (const type of types) this.adapter.off(type, listener);
            limiter.clear();
          },
        };
      }
      case 'webhook':
        return { spec, stop: () => {} };
    }
  }
}
