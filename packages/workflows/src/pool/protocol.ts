import {
  BackendError,
  isErrorCode,
  type BackendErrorDetails,
  type ErrorCode,
} from '@localbackend/adapter';
import type { RunOutcome, RunSpec } from '../engine/run-types';
import type { WorkflowModel } from '../model/workflow-model';

/**
 * Slots of the shared heartbeat buffer.
 *
 * @example
 * ```ts
 * Atomics.add(beat, HEARTBEAT_SLOT, 1);
 * ```
 */
export const HEARTBEAT_SLOT = 0;
/**
 * The run (its slot number) whose work the worker entered last.
 *
 * @example
 * ```ts
 * Atomics.store(beat, CURRENT_RUN_SLOT, slot);
 * ```
 */
export const CURRENT_RUN_SLOT = 1;
/**
 * How often a worker beats, in ms.
 *
 * @example
 * ```ts
 * setInterval(() => Atomics.add(beat, HEARTBEAT_SLOT, 1), HEARTBEAT_INTERVAL_MS);
 * ```
 */
export const HEARTBEAT_INTERVAL_MS = 50;

/**
 * Options a worker starts with.
 *
 * @example
 * ```ts
 * const init: WorkerInit = { scriptTimeoutMs: 5000, configCacheMs: 1000, nodeModules: [], heartbeat: new SharedArrayBuffer(8) };
 * ```
 */
export interface WorkerInit {
  readonly scriptTimeoutMs: number;
  /** How long a worker may reuse the config parameters it fetched, in ms. */
  readonly configCacheMs: number;
  readonly nodeModules: readonly string[];
  readonly heartbeat: SharedArrayBuffer;
}

/**
 * Messages from the main thread to a worker.
 *
 * @example
 * ```ts
 * const message: ToWorker = { t: 'ungen', id: 3 };
 * ```
 */
export type ToWorker =
  | { readonly t: 'doc'; readonly key: string; readonly model: WorkflowModel }
  | { readonly t: 'undoc'; readonly key: string }
  | { readonly t: 'gen'; readonly id: number; readonly docKeys: readonly string[] }
  | { readonly t: 'ungen'; readonly id: number }
  | {
      readonly t: 'run';
      readonly slot: number;
      readonly gen: number;
      readonly docKey: string;
      readonly spec: RunSpec;
      /** The main thread's cached schema version (`0`: none); a worker reuses its copy while equal. */
      readonly schemaVersion: number;
    }
  | { readonly t: 'cancel'; readonly slot: number; readonly reason: WireError }
  | { readonly t: 'reply'; readonly cid: number; readonly ok: true; readonly value: unknown }
  /** A result sent as JSON text ({@link jsonSafe} values: cheaper to send than a structured clone). */
  | { readonly t: 'reply'; readonly cid: number; readonly ok: true; readonly json: string }
  | { readonly t: 'reply'; readonly cid: number; readonly ok: false; readonly error: WireError };

/**
 * Messages from a worker to the main thread.
 *
 * @example
 * ```ts
 * const message: FromWorker = { t: 'ready', nodeTypes: ['Expression'] };
 * ```
 */
export type FromWorker =
  | { readonly t: 'ready'; readonly nodeTypes: readonly string[] }
  | { readonly t: 'initError'; readonly message: string }
  | {
      readonly t: 'call';
      readonly slot: number;
      readonly cid: number;
      readonly method: CallMethod;
      readonly args: readonly unknown[];
    }
  | { readonly t: 'done'; readonly slot: number; readonly outcome: RunOutcome };

/**
 * Adapter methods a worker may call on the main thread's adapter.
 *
 * @example
 * ```ts
 * (ADAPTER_METHODS as readonly string[]).includes('query'); // true
 * ```
 */
export const ADAPTER_METHODS = [
  'query',
  'fetch',
  'count',
  'aggregate',
  'distinct',
  'create',
  'save',
  'increment',
  'delete',
  'addRelation',
  'removeRelation',
  'getSchema',
] as const;

/**
 * Host services a worker may call on the main thread.
 *
 * @example
 * ```ts
 * (SERVICE_METHODS as readonly string[]).includes('config'); // true
 * ```
 */
export const SERVICE_METHODS = [
  'schema',
  'config',
  'resolveSession',
  'logIn',
  'impersonate',
] as const;

/**
 * Anything a worker may call.
 *
 * @example
 * ```ts
 * const method: CallMethod = 'query';
 * ```
 */
export type CallMethod = (typeof ADAPTER_METHODS)[number] | (typeof SERVICE_METHODS)[number];

/**
 * Adapter methods that write.
 *
 * @example
 * ```ts
 * WRITE_METHODS.has('create'); // true
 * ```
 */
export const WRITE_METHODS: ReadonlySet<string> = new Set([
  'create',
  'save',
  'increment',
  'delete',
  'addRelation',
  'removeRelation',
]);

/**
 * A `BackendError` as it crosses threads.
 *
 * @example
 * ```ts
 * const wire: WireError = { code: 'NOT_FOUND', message: 'Object not found.' };
 * ```
 */
export interface WireError {
  readonly code: string;
  readonly message: string;
  readonly details?: BackendErrorDetails;
}

/**
 * Encodes an error for `postMessage`.
 *
 * @example
 * ```ts
 * port.postMessage({ t: 'reply', cid, ok: false, error: toWireError(error) });
 * ```
 */
export function toWireError(error: unknown): WireError {
  if (BackendError.is(error)) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : {
          code: error.code,
          message: error.message,
          details: JSON.parse(JSON.stringify(error.details)) as BackendErrorDetails,
        };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}

/**
 * Decodes an error sent by {@link toWireError}.
 *
 * @example
 * ```ts
 * throw fromWireError(message.error);
 * ```
 */
export function fromWireError(error: WireError): BackendError {
  const code: ErrorCode = isErrorCode(error.code) ? error.code : 'INTERNAL';
  return new BackendError(
    code,
    error.message,
    error.details === undefined ? {} : { details: error.details },
  );
}

/**
 * True when JSON text carries `value` exactly, so that it can cross threads as a string (JSON
 * encoding and parsing are cheaper than a structured clone): plain objects and dense arrays of
 * strings, finite numbers (not -0), booleans and null, at most `budget` values in all.
 * Anything else (Dates, bytes, undefined, class instances...) is sent as a structured clone.
 *
 * @example
 * ```ts
 * jsonSafe({ results: [{ objectId: 'a', n: 1 }] }); // true
 * jsonSafe({ when: new Date() }); // false
 * ```
 */
export function jsonSafe(value: unknown, budget = 10_000): boolean {
  const left = { count: budget };
  return jsonSafeValue(value, 0, left);
}

function jsonSafeValue(v: unknown, depth: number, left: { count: number }): boolean {
  if (--left.count < 0 || depth > 32) return false;
  if (v === null) return true;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (!(i in v) || !jsonSafeValue(v[i], depth + 1, left)) return false;
        }
        return true;
      }
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in v) {
        if (!Object.hasOwn(v, key)) return false;
        if (
          key === '__proto__' ||
          !jsonSafeValue((v as Record<string, unknown>)[key], depth + 1, left)
        )
          return false;
      }
      return true;
    }
    default:
      return false;
  }
}
