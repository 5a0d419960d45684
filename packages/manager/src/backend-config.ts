import { randomBytes } from 'node:crypto';
import { BackendError, describeValue, type SchemaMode } from '@localbackend/adapter';
import { isValidBackendId } from './backend-paths';

/**
 * Scheduled backups of one backend: a node-cron expression (5 or 6 fields, `null` = no schedule)
 * and how many backup files to keep (older ones are deleted after each backup).
 *
 * @example
 * ```ts
 * const nightly: BackupSettings = { cron: '0 3 * * *', keep: 7 };
 * ```
 */
export interface BackupSettings {
  readonly cron: string | null;
  readonly keep: number;
}

/**
 * Log rotation of one backend: `backend.log` is rotated when it passes `maxBytes`; `maxFiles`
 * rotated files are kept (`backend.log.1` is the newest).
 *
 * @example
 * ```ts
 * const logs: LogSettings = { maxBytes: 5 * 1024 * 1024, maxFiles: 5 };
 * ```
 */
export interface LogSettings {
  readonly maxBytes: number;
  readonly maxFiles: number;
}

/**
 * Per-backend settings stored in `config.json` under `settings`. Missing fields take the defaults
 * of {@link DEFAULT_BACKEND_SETTINGS}; a missing master key is generated.
 *
 * @example
 * ```ts
 * await manager.updateBackend(id, { settings: { backup: { cron: '0 * * * *', keep: 24 } } });
 * ```
 */
export interface BackendSettings {
  /** Address the server listens on (default `127.0.0.1`, loopback only). */
  readonly host: string;
  /** Parse application id accepted in `X-Parse-Application-Id`. */
  readonly appId: string;
  /** Master key (generated on creation): schema changes, export, non-loopback requests. */
  readonly masterKey: string;
  /** `auto` (unknown fields add columns) or `strict`. */
  readonly schemaMode: SchemaMode;
  /** Restart the backend's process after a crash (default true). */
  readonly autoRestart: boolean;
  /** Scheduled backups. */
  readonly backup: BackupSettings;
  /** Log rotation. */
  readonly logs: LogSettings;
}

/**
 * Where a migrated backend came from; set by `migrateFromParse` so that running the migration
 * again fills the same backend instead of creating another one.
 *
 * @example
 * ```ts
 * const source: MigrationSource = { kind: 'parse', serverURL: 'http://localhost:1337/parse', appId: 'app', lastRunAt: new Date().toISOString() };
 * ```
 */
export interface MigrationSource {
  readonly kind: 'parse';
  readonly serverURL: string;
  readonly appId: string;
  readonly lastRunAt: string;
}

/**
 * The content of `<root>/<id>/config.json`.
 *
 * @example
 * ```ts
 * const config: BackendConfig = await manager.getBackend('backend-k3j9x2m1q0');
 * console.log(config.name, config.port);
 * ```
 */
export interface BackendConfig {
  readonly id: string;
  readonly name: string;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** The port the backend serves on (re-allocated and saved when it is taken). */
  readonly port: number;
  /** Editor projects that use this backend. */
  readonly projectIds: readonly string[];
  readonly settings: BackendSettings;
  /** Set on backends created by a migration. */
  readonly migratedFrom?: MigrationSource;
}

/**
 * The original design's name for a backend's metadata; the same as {@link BackendConfig}.
 *
 * @example
 * ```ts
 * const created: BackendMetadata = await manager.createBackend('Todo app');
 * ```
 */
export type BackendMetadata = BackendConfig;

/**
 * Defaults of {@link BackendSettings} (without the master key, which is generated per backend).
 *
 * @example
 * ```ts
 * DEFAULT_BACKEND_SETTINGS.host; // '127.0.0.1'
 * ```
 */
export const DEFAULT_BACKEND_SETTINGS: Readonly<Omit<BackendSettings, 'masterKey'>> = Object.freeze(
  {
    host: '127.0.0.1',
    appId: 'localbackend',
    schemaMode: 'auto' as SchemaMode,
    autoRestart: true,
    backup: Object.freeze({ cron: null, keep: 10 }),
    logs: Object.freeze({ maxBytes: 5 * 1024 * 1024, maxFiles: 5 }),
  },
);

/** A new random master key: 32 hex characters (internal). */
export function generateMasterKey(): string {
  return randomBytes(16).toString('hex');
}

/**
 * What {@link parseBackendConfig} found.
 *
 * @example
 * ```ts
 * const { config, upgraded }: ParsedBackendConfig = parseBackendConfig(raw, 'backend-1');
 * if (upgraded) await writeBack(config);
 * ```
 */
export interface ParsedBackendConfig {
  readonly config: BackendConfig;
  /** True when defaults were filled in (e.g. a generated master key) and the file should be rewritten. */
  readonly upgraded: boolean;
}

function invalid(path: string, expected: string, value: unknown): BackendError {
  return new BackendError(
    'INVALID_CONFIG',
    `${path}: expected ${expected}, got ${describeValue(value)}`,
    { details: { path, expected, received: describeValue(value) } },
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Throws `INVALID_VALUE` unless `name` is a usable backend name: a non-blank string of at most
 * 100 characters without control characters. Returns it trimmed.
 */
export function checkBackendName(name: unknown, path = 'name'): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected a non-empty name of at most 100 characters, got ${describeValue(name)}`,
      { details: { path, expected: 'a name', received: describeValue(name) } },
    );
  }
  if (CONTROL_CHARACTERS.test(name)) {
    throw new BackendError('INVALID_VALUE', `${path}: control characters are not allowed`, {
      details: { path, expected: 'printable characters', received: describeValue(name) },
    });
  }
  return name.trim();
}

/** True when `port` is a TCP port number 1..65535. */
export function isValidPort(port: unknown): port is number {
  return typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535;
}

function parseSettings(
  raw: unknown,
  path: string,
): { settings: BackendSettings; upgraded: boolean } {
  let upgraded = false;
  if (raw === undefined) {
    raw = {};
    upgraded = true;
  }
  if (!isObject(raw)) throw invalid(path, 'an object', raw);
  const d = DEFAULT_BACKEND_SETTINGS;
  const host = raw['host'] ?? d.host;
  if (typeof host !== 'string' || host === '') throw invalid(`${path}.host`, 'a host name', host);
  const appId = raw['appId'] ?? d.appId;
  if (typeof appId !== 'string' || appId === '') throw invalid(`${path}.appId`, 'a string', appId);
  let masterKey = raw['masterKey'];
  if (masterKey === undefined) {
    masterKey = generateMasterKey();
    upgraded = true;
  }
  if (typeof masterKey !== 'string' || masterKey.length < 8) {
    throw invalid(`${path}.masterKey`, 'a string of at least 8 characters', masterKey);
  }
  const schemaMode = raw['schemaMode'] ?? d.schemaMode;
  if (schemaMode !== 'auto' && schemaMode !== 'strict') {
    throw invalid(`${path}.schemaMode`, '"auto" or "strict"', schemaMode);
  }
  const autoRestart = raw['autoRestart'] ?? d.autoRestart;
  if (typeof autoRestart !== 'boolean') {
    throw invalid(`${path}.autoRestart`, 'a boolean', autoRestart);
  }
  const backupRaw = raw['backup'] ?? d.backup;
  if (!isObject(backupRaw)) throw invalid(`${path}.backup`, 'an object', backupRaw);
  const cron = backupRaw['cron'] ?? null;
  if (cron !== null && (typeof cron !== 'string' || cron.trim() === '')) {
    throw invalid(`${path}.backup.cron`, 'a cron expression or null', cron);
  }
  const keep = backupRaw['keep'] ?? d.backup.keep;
  if (typeof keep !== 'number' || !Number.isInteger(keep) || keep < 1 || keep > 10_000) {
    throw invalid(`${path}.backup.keep`, 'an integer 1..10000', keep);
  }
  const logsRaw = raw['logs'] ?? d.logs;
  if (!isObject(logsRaw)) throw invalid(`${path}.logs`, 'an object', logsRaw);
  const maxBytes = logsRaw['maxBytes'] ?? d.logs.maxBytes;
  if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes) || maxBytes < 1024) {
    throw invalid(`${path}.logs.maxBytes`, 'an integer >= 1024', maxBytes);
  }
  const maxFiles = logsRaw['maxFiles'] ?? d.logs.maxFiles;
  if (
    typeof maxFiles !== 'number' ||
    !Number.isInteger(maxFiles) ||
    maxFiles < 0 ||
    maxFiles > 100
  ) {
    throw invalid(`${path}.logs.maxFiles`, 'an integer 0..100', maxFiles);
  }
  return {
    settings: {
      host,
      appId,
      masterKey,
      schemaMode,
      autoRestart,
      backup: { cron, keep },
      logs: { maxBytes, maxFiles },
    },
    upgraded,
  };
}

/**
 * Validates the parsed JSON of a `config.json` and fills defaults. Throws `INVALID_CONFIG` naming
 * the bad field. Configs written by the original design (no `settings`) are accepted and upgraded.
 *
 * @example
 * ```ts
 * const { config } = parseBackendConfig(JSON.parse(text), 'backend-1');
 * ```
 */
export function parseBackendConfig(raw: unknown, expectedId?: string): ParsedBackendConfig {
  if (!isObject(raw)) throw invalid('config', 'a JSON object', raw);
  const id = raw['id'];
  if (!isValidBackendId(id)) throw invalid('config.id', 'a backend id', id);
  if (expectedId !== undefined && id !== expectedId) {
    throw new BackendError(
      'INVALID_CONFIG',
      `config.id: "${id}" does not match its directory "${expectedId}"`,
      { details: { path: 'config.id', expected: expectedId, received: describeValue(id) } },
    );
  }
  const name = raw['name'];
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid('config.name', 'a non-empty string', name);
  }
  const createdAt = raw['createdAt'];
  if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt))) {
    throw invalid('config.createdAt', 'an ISO-8601 date', createdAt);
  }
  const port = raw['port'];
  if (!isValidPort(port)) throw invalid('config.port', 'a port number 1..65535', port);
  const projectIds = raw['projectIds'] ?? [];
  if (!Array.isArray(projectIds) || !projectIds.every((p) => typeof p === 'string')) {
    throw invalid('config.projectIds', 'an array of strings', projectIds);
  }
  const { settings, upgraded } = parseSettings(raw['settings'], 'config.settings');
  let migratedFrom: MigrationSource | undefined;
  const source = raw['migratedFrom'];
  if (source !== undefined) {
    if (
      !isObject(source) ||
      source['kind'] !== 'parse' ||
      typeof source['serverURL'] !== 'string' ||
      typeof source['appId'] !== 'string' ||
      typeof source['lastRunAt'] !== 'string'
    ) {
      throw invalid(
        'config.migratedFrom',
        '{ kind: "parse", serverURL, appId, lastRunAt }',
        source,
      );
    }
    migratedFrom = {
      kind: 'parse',
      serverURL: source['serverURL'],
      appId: source['appId'],
      lastRunAt: source['lastRunAt'],
    };
  }
  const config: BackendConfig = {
    id,
    name,
    createdAt,
    port,
    projectIds: [...(projectIds as string[])],
    settings,
    ...(migratedFrom === undefined ? {} : { migratedFrom }),
  };
  return { config, upgraded };
}
