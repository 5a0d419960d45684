/**
 * The messages between the manager and a backend's child process (Node IPC channel, `advanced`
 * serialisation). Private to the package.
 */
import { BackendError, isErrorCode, type ErrorCode, type SchemaMode } from '@localbackend/adapter';
import type { ImportParseSchemaResult } from '../backend-manager';
import type { HealthReport } from '../health-report';

/** What a host needs to serve one backend directory. */
export interface HostStartOptions {
  readonly id: string;
  readonly name: string;
  /** The backend directory (`<root>/<id>`). */
  readonly dir: string;
  readonly port: number;
  readonly host: string;
  readonly appId: string;
  readonly masterKey: string;
  readonly schemaMode: SchemaMode;
  /** Database file (default `<dir>/data/local.db`). */
  readonly dbPath?: string;
  /** Workflow folder (default `<dir>/workflows`). */
  readonly workflowsPath?: string;
  /** schema.json kept in step with the database (default `<dir>/schema.json`). */
  readonly schemaPath?: string;
  /** Uploaded files (default `<dir>/files`). */
  readonly filesPath?: string;
}

/** An error as it crosses a process boundary. */
export interface SerializedError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** The OS error code of the cause, e.g. `EADDRINUSE`. */
  readonly errno?: string;
}

/** The methods a running host answers (in the child or in-process). */
export interface HostMethods {
  exportSchema(format: 'json' | 'postgres' | 'supabase'): Promise<string>;
  exportData(format: 'json' | 'sql'): Promise<string>;
  importParseSchema(schema: unknown): Promise<ImportParseSchemaResult>;
  importRecords(
    collection: string,
    records: readonly unknown[],
    options: { readonly onConflict: 'error' | 'skip' | 'replace' },
  ): Promise<{ imported: number; skipped: number; relations: number }>;
  count(collection: string): Promise<number>;
  backup(destPath: string): Promise<{ path: string; bytes: number }>;
  integrityCheck(): Promise<{ ok: boolean; problems: string[] }>;
  reloadWorkflows(): Promise<{ workflows: number }>;
  writeSchemaFile(): Promise<void>;
  health(): Promise<HealthReport>;
}

/** The data methods (everything but health and workflow reloads): a stopped backend answers them too. */
export type DataMethods = Omit<HostMethods, 'health' | 'reloadWorkflows'>;

/** A method name of {@link HostMethods}. */
export type HostMethod = keyof HostMethods;

/** Every method name, for validating incoming calls. */
export const HOST_METHODS: ReadonlySet<string> = new Set<HostMethod>([
  'exportSchema',
  'exportData',
  'importParseSchema',
  'importRecords',
  'count',
  'backup',
  'integrityCheck',
  'reloadWorkflows',
  'writeSchemaFile',
  'health',
]);

/** Manager -> child. */
export type ParentMessage =
  | { readonly type: 'start'; readonly options: HostStartOptions }
  | {
      readonly type: 'call';
      readonly id: number;
      readonly method: HostMethod;
      readonly args: unknown[];
    }
  | { readonly type: 'shutdown' };

/** Child -> manager. */
export type ChildMessage =
  | {
      readonly type: 'ready';
      readonly port: number;
      readonly pid: number;
      readonly version: string;
    }
  | { readonly type: 'start-failed'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: false;
      readonly error: SerializedError;
    }
  | { readonly type: 'stopping'; readonly reason: string };

/** Turns anything thrown into a {@link SerializedError}. */
export function serializeError(error: unknown): SerializedError {
  const errno =
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string'
      ? ((error as { code: string }).code as string)
      : undefined;
  const causeErrno =
    typeof error === 'object' && error !== null
      ? (error as { cause?: { code?: unknown } }).cause?.code
      : undefined;
  if (BackendError.is(error)) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: { ...error.details } }),
      ...(typeof causeErrno === 'string' ? { errno: causeErrno } : {}),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  if (errno === 'EADDRINUSE') {
    return { code: 'UNAVAILABLE', message, errno };
  }
  return {
    code: errno !== undefined && isErrorCode(errno) ? errno : 'INTERNAL',
    message,
    ...(errno !== undefined && !isErrorCode(errno) ? { errno } : {}),
  };
}

/** Rebuilds a {@link BackendError} from a {@link SerializedError}. */
export function deserializeError(error: SerializedError): BackendError {
  return new BackendError(isErrorCode(error.code) ? error.code : 'INTERNAL', error.message, {
    details: {
      ...(error.details ?? {}),
      ...(error.errno === undefined ? {} : { errno: error.errno }),
    },
  });
}

/** True when `error` (serialised or not) says the port was taken. */
export function isPortInUse(error: SerializedError): boolean {
  return error.errno === 'EADDRINUSE' || error.details?.['errno'] === 'EADDRINUSE';
}
