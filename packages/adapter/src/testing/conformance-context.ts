import { vitestApi, type VitestApi } from './vitest-api';
import type { AdapterCapabilities, CloudStoreAdapter } from '../cloud-store-adapter';
import type { SchemaMode } from '../schema-definition';

/**
 * What the conformance suite may assume about an adapter. Every flag defaults to `true`; an
 * adapter that lacks a feature sets it to `false` and the tests that need it are reported as
 * skipped, with the reason in their name.
 *
 * @example
 * ```ts
 * const caps: ConformanceCapabilities = { fullText: false, geo: false, strictSchema: false };
 * ```
 */
export interface ConformanceCapabilities extends AdapterCapabilities {
  /** The factory honours `schemaMode: 'strict'` (unknown fields and tables are errors). */
  readonly strictSchema: boolean;
  /** `create` accepts a caller-chosen `objectId`. */
  readonly customObjectIds: boolean;
  /** A record over this many bytes is refused with `PAYLOAD_TOO_LARGE` (0 = no limit to test). */
  readonly maxRecordBytes: number;
  /**
   * The optional `createMany` / `deleteMany` are implemented (and `capabilities.bulk` is true).
   * An adapter without them sets `bulk: false`; their tests are then skipped.
   */
  readonly bulk: boolean;
}

/**
 * What the factory receives: the schema mode the test needs.
 *
 * @example
 * ```ts
 * const options: ConformanceFactoryOptions = { schemaMode: 'strict' };
 * ```
 */
export interface ConformanceFactoryOptions {
  readonly schemaMode: SchemaMode;
}

/**
 * Creates a fresh adapter over an EMPTY store for one test. It may return it connected or not
 * (the suite calls `connect()`).
 *
 * @example
 * ```ts
 * const factory: ConformanceFactory = ({ schemaMode }) => new LocalSQLAdapter(':memory:', { schemaMode });
 * ```
 */
export type ConformanceFactory = (
  options: ConformanceFactoryOptions,
) => CloudStoreAdapter | Promise<CloudStoreAdapter>;

/**
 * Options of `describeAdapterConformance`.
 *
 * @example
 * ```ts
 * const options: ConformanceOptions = {
 *   capabilities: { geo: false },
 *   destroy: async (adapter) => adapter.disconnect(),
 * };
 * ```
 */
export interface ConformanceOptions {
  /** Features the adapter lacks (`false`) or limits it has; the rest is tested. */
  readonly capabilities?: Partial<ConformanceCapabilities>;
  /** Cleans up after each test (default: `adapter.disconnect()`). */
  readonly destroy?: (adapter: CloudStoreAdapter) => void | Promise<void>;
  /**
   * vitest's `describe`, `it`, `expect` and `onTestFinished`, as the calling test file imported
   * them (`import * as vitest from 'vitest'`). Optional: without it the suite uses the vitest
   * instance running the current test file; pass it when that lookup fails (a bundled or
   * otherwise unusual vitest setup).
   */
  readonly vitest?: VitestApi;
}

/** The resolved settings every part of the suite reads. */
export interface SuiteContext {
  readonly caps: ConformanceCapabilities;
  /** A new connected adapter for the running test, cleaned up when the test ends. */
  open(schemaMode?: SchemaMode): Promise<CloudStoreAdapter>;
  /** A describe title with the skip reason appended when `flag` is off. */
  title(base: string, ...flags: (keyof ConformanceCapabilities)[]): string;
  /** True when every flag is on. */
  has(...flags: (keyof ConformanceCapabilities)[]): boolean;
}

/** Default capabilities: everything. */
export const FULL_CAPABILITIES: ConformanceCapabilities = Object.freeze({
  transactions: true,
  relations: true,
  fullText: true,
  regex: true,
  geo: true,
  aggregate: true,
  schema: true,
  events: true,
  backup: true,
  bulk: true,
  strictSchema: true,
  customObjectIds: true,
  maxRecordBytes: 16 * 1024 * 1024,
});

/** Builds the suite context from the user's factory and options. */
export function createSuiteContext(
  factory: ConformanceFactory,
  options: ConformanceOptions = {},
): SuiteContext {
  const caps: ConformanceCapabilities = { ...FULL_CAPABILITIES, ...options.capabilities };
  const destroy = options.destroy ?? ((adapter: CloudStoreAdapter) => adapter.disconnect());
  return {
    caps,
    async open(schemaMode: SchemaMode = 'auto') {
      const adapter = await factory({ schemaMode });
      vitestApi().onTestFinished(async () => {
        await destroy(adapter);
      });
      await adapter.connect();
      return adapter;
    },
    has(...flags) {
      return flags.every((flag) => caps[flag] !== false && caps[flag] !== 0);
    },
    title(base, ...flags) {
      const off = flags.filter((flag) => caps[flag] === false || caps[flag] === 0);
      return off.length === 0
        ? base
        : `${base} [skipped: the adapter declares ${off.map((f) => `capabilities.${f} = ${String(caps[f])}`).join(', ')}]`;
    },
  };
}
