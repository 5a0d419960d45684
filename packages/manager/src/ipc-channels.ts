import type { ErrorCode } from '@localbackend/adapter';
import type { BackendMetadata } from './backend-config';
import type { LogEntry } from './backend-logger';
import type {
  BackupInfo,
  BackendSummary,
  DataExportFormat,
  ImportParseSchemaResult,
  SchemaExportFormat,
} from './backend-manager';
import type { BackendStatus } from './backend-status';
import type { HealthReport } from './health-report';

/**
 * A workflow as the editor exports it (the runtime export `{ components, metadata }` or the
 * project format); stored as-is in `workflows/<name>.workflow.json`.
 *
 * @example
 * ```ts
 * const workflow: WorkflowDefinition = { components: [{ name: '/#__cloud__/hello', nodes: [], connections: [] }] };
 * ```
 */
export interface WorkflowDefinition {
  readonly [key: string]: unknown;
}

/**
 * The IPC channels of the original design (plus a few additions), with the arguments the
 * renderer passes to `ipcRenderer.invoke(channel, ...args)` and what the call resolves to once
 * unwrapped by {@link createBackendApi}. On the wire every handler answers an
 * {@link IpcResult} so that errors cross as `{ code, message }`.
 *
 * @example
 * ```ts
 * type StatusCall = BackendIPCChannels['backend:status']; // (id: string) => Promise<BackendStatus>
 * ```
 */
export interface BackendIPCChannels {
  'backend:list': () => Promise<BackendSummary[]>;
  'backend:create': (name: string) => Promise<BackendMetadata>;
  'backend:delete': (id: string) => Promise<void>;
  'backend:start': (id: string) => Promise<BackendStatus>;
  'backend:stop': (id: string) => Promise<void>;
  'backend:status': (id: string) => Promise<BackendStatus>;
  'backend:export-schema': (id: string, format: SchemaExportFormat) => Promise<string>;
  'backend:export-data': (id: string, format: DataExportFormat) => Promise<string>;
  'backend:update-workflow': (params: {
    backendId: string;
    name: string;
    workflow: WorkflowDefinition;
  }) => Promise<void>;
  'backend:reload-workflows': (id: string) => Promise<void>;
  'backend:import-parse-schema': (params: {
    backendId: string;
    schema: unknown;
  }) => Promise<ImportParseSchemaResult>;
  'backend:import-records': (params: {
    backendId: string;
    collection: string;
    records: unknown[];
    onConflict?: 'error' | 'skip' | 'replace';
  }) => Promise<{ imported: number; skipped: number; relations: number }>;
  // Additions to the original design.
  'backend:restart': (id: string) => Promise<BackendStatus>;
  'backend:health': (id: string) => Promise<HealthReport>;
  'backend:backup': (id: string) => Promise<BackupInfo>;
  'backend:list-backups': (id: string) => Promise<BackupInfo[]>;
  'backend:restore': (id: string, backup: string) => Promise<BackupInfo>;
  'backend:logs': (id: string, lines?: number) => Promise<LogEntry[]>;
}

/**
 * A channel name of {@link BackendIPCChannels}.
 *
 * @example
 * ```ts
 * const channel: BackendIPCChannel = 'backend:list';
 * ```
 */
export type BackendIPCChannel = keyof BackendIPCChannels;

/**
 * Every channel {@link registerIpcHandlers} registers.
 *
 * @example
 * ```ts
 * for (const channel of BACKEND_IPC_CHANNELS) console.log(channel);
 * ```
 */
export const BACKEND_IPC_CHANNELS: readonly BackendIPCChannel[] = Object.freeze([
  'backend:list',
  'backend:create',
  'backend:delete',
  'backend:start',
  'backend:stop',
  'backend:status',
  'backend:export-schema',
  'backend:export-data',
  'backend:update-workflow',
  'backend:reload-workflows',
  'backend:import-parse-schema',
  'backend:import-records',
  'backend:restart',
  'backend:health',
  'backend:backup',
  'backend:list-backups',
  'backend:restore',
  'backend:logs',
] as const);

/**
 * An error as it crosses IPC.
 *
 * @example
 * ```ts
 * const error: IpcError = { code: 'NOT_FOUND', message: 'backend "x" does not exist' };
 * ```
 */
export interface IpcError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * What an IPC handler answers on the wire: the value, or the error as `{ code, message }`
 * (Electron would otherwise reduce a thrown error to its message).
 *
 * @example
 * ```ts
 * const reply = (await ipcRenderer.invoke('backend:status', id)) as IpcResult<BackendStatus>;
 * if (!reply.ok) console.error(reply.error.code);
 * ```
 */
export type IpcResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: IpcError };

/**
 * The result type of a channel, unwrapped.
 *
 * @example
 * ```ts
 * type Status = IpcChannelResult<'backend:status'>; // BackendStatus
 * ```
 */
export type IpcChannelResult<C extends BackendIPCChannel> = Awaited<
  ReturnType<BackendIPCChannels[C]>
>;
