/**
 * `@localbackend/manager`: {@link BackendManager} creates, runs and supervises many local
 * backends on disk (each in its own child process, restarted after a crash), the Electron-free
 * IPC integration ({@link registerIpcHandlers}, {@link createBackendApi},
 * {@link BackendIPCChannels}), Parse migration ({@link migrateFromParse}), standalone bundles
 * ({@link bundleBackend}, {@link serveBackend}) and the `localbackend` CLI.
 *
 * @packageDocumentation
 */
export {
  BackendManager,
  type BackendManagerOptions,
  type BackendPatch,
  type BackendSettingsPatch,
  type BackendSummary,
  type BackupInfo,
  type CreateBackendOptions,
  type DataExportFormat,
  type ImportParseSchemaResult,
  type ImportRecordsManagerOptions,
  type SchemaExportFormat,
} from './backend-manager';
export {
  DEFAULT_BACKEND_SETTINGS,
  parseBackendConfig,
  type BackendConfig,
  type BackendMetadata,
  type BackendSettings,
  type BackupSettings,
  type LogSettings,
  type MigrationSource,
  type ParsedBackendConfig,
} from './backend-config';
export type { BackendState, BackendStatus, BackendStatusEvent } from './backend-status';
export {
  BACKEND_ID_PATTERN,
  assertBackendId,
  backendPaths,
  defaultBackendsRoot,
  isValidBackendId,
  type BackendPaths,
} from './backend-paths';
export { BackendLogger, readLogEntries, type LogEntry, type LogLevel } from './backend-logger';
export type { HealthReport } from './health-report';
export {
  DEFAULT_BASE_PORT,
  PortAllocator,
  isPortFree,
  type PortAllocatorOptions,
} from './port-allocator';
export {
  BACKEND_IPC_CHANNELS,
  type BackendIPCChannel,
  type BackendIPCChannels,
  type IpcChannelResult,
  type IpcError,
  type IpcResult,
  type WorkflowDefinition,
} from './ipc-channels';
export {
  registerIpcHandlers,
  type IpcMainLike,
  type RegisterIpcHandlersOptions,
} from './register-ipc-handlers';
export { createBackendApi, type BackendApi, type IpcRendererLike } from './create-backend-api';
export {
  migrateFromParse,
  type MigratedClass,
  type MigrateFromParseOptions,
  type MigrationProgress,
  type MigrationResult,
  type ParseSource,
} from './migrate-from-parse';
export { bundleBackend, type BundleOptions, type BundleResult } from './bundle-backend';
export { serveBackend, type ServeBackendOptions, type ServedBackend } from './serve-backend';
