/**
 * `@localbackend/server`: {@link LocalBackendServer} — one localbackend store served over the
 * native `/api` REST routes, the Parse-compatible REST routes Noodl frontends and the Parse JS SDK
 * speak, and a WebSocket realtime channel — plus the composable pieces {@link createApiRouter}
 * (an express Router) and {@link attachRealtime} for apps that own their server.
 *
 * @packageDocumentation
 */
export { LocalBackendServer, type LocalBackendServerOptions } from './local-backend-server';
export {
  createApiRouter,
  type ApiRouterOptions,
  type CorsSetting,
  type HealthReport,
} from './create-api-router';
export {
  attachRealtime,
  type RealtimeClientMessage,
  type RealtimeHandle,
  type RealtimeOptions,
  type RealtimeServerMessage,
} from './attach-realtime';
export {
  ConfigStore,
  type ConfigSnapshot,
  type ConfigStorage,
  type ConfigStoreOptions,
} from './config-store';
export {
  UserStore,
  type AuthenticatedUser,
  type LoginThrottleOptions,
  type UserSession,
  type UserStoreOptions,
  type Viewer,
} from './user-store';
export type {
  FunctionRequest,
  FunctionResponse,
  FunctionRunner,
  WebhookRequest,
} from './function-runner';
export {
  createConsoleLogger,
  redactLogFields,
  silentLogger,
  type ConsoleLoggerOptions,
  type LogFields,
  type LogLevel,
  type Logger,
} from './logger';
export {
  assertStoredFileName,
  createFileName,
  isStoredFileName,
  normalizeContentType,
  sanitizeFileName,
  MAX_FILE_NAME_LENGTH,
  type FileContent,
  type FileInfo,
  type FileStore,
} from './file-store';
export { DirectoryFileStore } from './directory-file-store';
export { MemoryFileStore } from './memory-file-store';
export { VERSION } from './version';
