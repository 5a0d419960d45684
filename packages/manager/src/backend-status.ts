/**
 * The lifecycle state of a backend: `starting` (process launched, not answering yet), `running`,
 * `stopped`, or `crashed` (the process died unexpectedly; a restart may be scheduled).
 *
 * @example
 * ```ts
 * const state: BackendState = (await manager.getStatus(id)).state;
 * ```
 */
export type BackendState = 'starting' | 'running' | 'stopped' | 'crashed';

/**
 * What {@link BackendManager.getStatus} reports (a superset of the original design's
 * `{ running, port, uptime, error }`).
 *
 * @example
 * ```ts
 * const { running, port, pid, uptime } = await manager.getStatus('backend-1');
 * ```
 */
export interface BackendStatus {
  readonly id: string;
  readonly state: BackendState;
  /** True while the backend answers requests. */
  readonly running: boolean;
  /** The port it serves (or will serve) on. */
  readonly port?: number;
  /** The process serving it. */
  readonly pid?: number;
  /** Seconds since it started serving. */
  readonly uptime?: number;
  /** The last failure (crash reason, start error). */
  readonly error?: string;
  /** Restarts after crashes since it was started. */
  readonly restarts: number;
  /** `child` (a supervised process), `in-process`, or `external` (run by another manager or CLI). */
  readonly mode?: 'child' | 'in-process' | 'external';
}

/**
 * Emitted by {@link BackendManager} (`manager.on('status', listener)`) on every state change.
 *
 * @example
 * ```ts
 * manager.on('status', (event: BackendStatusEvent) => console.log(event.id, event.state));
 * ```
 */
export interface BackendStatusEvent {
  readonly id: string;
  readonly state: BackendState;
  readonly port?: number;
  readonly pid?: number;
  readonly error?: string;
  readonly restarts: number;
  /** ISO-8601 time of the change. */
  readonly time: string;
}
