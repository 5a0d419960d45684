import cron, { type ScheduledTask } from 'node-cron';

/** Runs each backend's scheduled backups (node-cron), one task per backend. */
export class BackupScheduler {
  readonly #tasks = new Map<string, { task: ScheduledTask; expression: string }>();
  readonly #run: (id: string) => Promise<unknown>;

  constructor(run: (id: string) => Promise<unknown>) {
    this.#run = run;
  }

  /** True when node-cron accepts the expression (5 fields, or 6 with seconds). */
  static isValid(expression: string): boolean {
    try {
      return cron.validate(expression);
    } catch {
      return false;
    }
  }

  /** (Re)schedules the backups of one backend. */
  schedule(id: string, expression: string, onError: (error: Error) => void): void {
    const current = this.#tasks.get(id);
    if (current !== undefined && current.expression === expression) return;
    this.unschedule(id);
    const task = cron.schedule(
      expression,
      async () => {
        try {
          await this.#run(id);
        } catch (error) {
          onError(error instanceof Error ? error : new Error(String(error)));
        }
      },
      { name: `localbackend-backup-${id}`, noOverlap: true },
    );
    task.unref();
    this.#tasks.set(id, { task, expression });
  }

  unschedule(id: string): void {
    const current = this.#tasks.get(id);
    if (current === undefined) return;
    this.#tasks.delete(id);
    void Promise.resolve(current.task.destroy()).catch(() => undefined);
  }

  stopAll(): void {
    for (const id of [...this.#tasks.keys()]) this.unschedule(id);
  }

  /** The ids with a schedule. */
  scheduled(): string[] {
    return [...this.#tasks.keys()];
  }
}
