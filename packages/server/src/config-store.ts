import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  BackendError,
  decodeParseValue,
  describeValue,
  isPlainRecord,
  toBackendError,
  type CloudStoreAdapter,
  type FieldValue,
  type ParseWireValue,
} from '@localbackend/adapter';

/**
 * Where a {@link ConfigStore} keeps its parameters: in the backend's own store (the system
 * collection `_Config`), in a JSON file next to the database, or only in memory.
 *
 * @example
 * ```ts
 * const where: ConfigStorage = store.storage; // 'adapter'
 * ```
 */
export type ConfigStorage = 'adapter' | 'file' | 'memory';

/**
 * The config parameters, as `GET /config` returns them: values in the Parse wire format (dates as
 * `{ __type: 'Date', iso }`), and the names of the parameters only master-key requests may read.
 *
 * @example
 * ```ts
 * const snapshot: ConfigSnapshot = { params: { welcome: 'Hi', maxItems: 20 }, masterKeyOnly: { apiSecret: true } };
 * ```
 */
export interface ConfigSnapshot {
  readonly params: Readonly<Record<string, ParseWireValue>>;
  readonly masterKeyOnly: Readonly<Record<string, boolean>>;
}

/**
 * Options of {@link ConfigStore}.
 *
 * @example
 * ```ts
 * const options: ConfigStoreOptions = { adapter, filePath: './data/local.config.json' };
 * ```
 */
export interface ConfigStoreOptions {
  /** Persist in this store's system collection `_Config` when it accepts system collections. */
  readonly adapter?: CloudStoreAdapter;
  /** The JSON file used when there is no adapter or it refuses `_Config`. */
  readonly filePath?: string;
  /** The system collection (default `_Config`). */
  readonly collection?: string;
}

const RECORD_ID = 'params';
const MAX_KEY_LENGTH = 256;
const FALLBACK_CODES = new Set(['INVALID_COLLECTION_NAME', 'FORBIDDEN', 'UNSUPPORTED']);

/**
 * The backend's config parameters (Parse's `GET/PUT /config`, Noodl's `Noodl.Config` and the
 * workflow runtime's DbConfig node share one store). Values are kept in the Parse wire format.
 * Persisted through the adapter in the system collection `_Config` (one record, `objectId`
 * `params`, the parameters as a JSON string) when the adapter accepts system collections,
 * otherwise in `filePath`, otherwise only in memory; {@link ConfigStore.storage} says which.
 *
 * @example
 * ```ts
 * const config = new ConfigStore({ adapter });
 * await config.update({ welcome: 'Hello', limit: 20 });
 * (await config.getAll()).params.welcome; // 'Hello'
 * await config.get('limit'); // 20
 * ```
 */
export class ConfigStore {
  readonly #adapter: CloudStoreAdapter | undefined;
  readonly #filePath: string | undefined;
  readonly #collection: string;
  #storage: ConfigStorage;
  #params: Record<string, ParseWireValue> = Object.create(null) as Record<string, ParseWireValue>;
  #masterKeyOnly: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
  #loaded: Promise<void> | undefined;
  #exists = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: ConfigStoreOptions = {}) {
    this.#adapter = options.adapter;
    this.#filePath = options.filePath;
    this.#collection = options.collection ?? '_Config';
    this.#storage =
      this.#adapter !== undefined ? 'adapter' : this.#filePath !== undefined ? 'file' : 'memory';
  }

  /**
   * Where the parameters are persisted (known for sure after the first {@link ConfigStore.load}).
   *
   * @example
   * ```ts
   * await config.load();
   * console.log(config.storage); // 'adapter' | 'file' | 'memory'
   * ```
   */
  get storage(): ConfigStorage {
    return this.#storage;
  }

  /**
   * Reads the stored parameters (once; later calls return the same promise). Called on demand
   * by the other methods.
   *
   * @example
   * ```ts
   * await config.load();
   * ```
   */
  load(): Promise<void> {
    this.#loaded ??= this.#load().catch((error: unknown) => {
      this.#loaded = undefined;
      throw toBackendError(error, 'Could not read the config parameters');
    });
    return this.#loaded;
  }

  /**
   * All parameters; without `includeMasterKeyOnly` the master-key-only ones are left out.
   *
   * @example
   * ```ts
   * const { params, masterKeyOnly } = await config.getAll({ includeMasterKeyOnly: true });
   * ```
   */
  async getAll(options: { readonly includeMasterKeyOnly?: boolean } = {}): Promise<ConfigSnapshot> {
    await this.load();
    const params: Record<string, ParseWireValue> = {};
    for (const key of Object.keys(this.#params)) {
      if (options.includeMasterKeyOnly === true || this.#masterKeyOnly[key] !== true) {
        params[key] = structuredClone(this.#params[key]!);
      }
    }
    const masterKeyOnly: Record<string, boolean> = {};
    if (options.includeMasterKeyOnly === true) {
      for (const key of Object.keys(this.#masterKeyOnly)) masterKeyOnly[key] = true;
    }
    return { params, masterKeyOnly };
  }

  /**
   * Every parameter decoded to JS values (`{ __type: 'Date' }` becomes a `Date`, ...), including
   * master-key-only ones: what a workflow runtime's Config node reads (cloud code runs with the
   * master key). Pass it as `config: () => configStore.getValues()`.
   *
   * @example
   * ```ts
   * const runtime = new WorkflowRuntime({ adapter, config: () => server.configStore!.getValues() });
   * ```
   */
  async getValues(): Promise<Record<string, FieldValue>> {
    await this.load();
    const out: Record<string, FieldValue> = {};
    for (const key of Object.keys(this.#params)) {
      try {
        out[key] = decodeParseValue(this.#params[key], `config.${key}`);
      } catch {
        out[key] = structuredClone(this.#params[key]!) as FieldValue;
      }
    }
    return out;
  }

  /**
   * One parameter (wire format), or `undefined`.
   *
   * @example
   * ```ts
   * const limit = (await config.get('limit')) ?? 10;
   * ```
   */
  async get(key: string): Promise<ParseWireValue | undefined> {
    await this.load();
    const value = Object.prototype.hasOwnProperty.call(this.#params, key)
      ? this.#params[key]
      : undefined;
    return value === undefined ? undefined : structuredClone(value);
  }

  /**
   * Sets parameters (a value of `{ __op: 'Delete' }` removes one) and, optionally, which are
   * master-key-only; persists, then returns the new snapshot. Validates every key and value
   * (`INVALID_VALUE` naming the path) before changing anything.
   *
   * @example
   * ```ts
   * await config.update({ welcome: 'Hi', old: { __op: 'Delete' } }, { apiSecret: true });
   * ```
   */
  async update(
    params: Readonly<Record<string, unknown>>,
    masterKeyOnly: Readonly<Record<string, boolean>> = {},
  ): Promise<ConfigSnapshot> {
    const updates = validateParams(params);
    const flags = validateFlags(masterKeyOnly);
    await this.load();
    const run = this.#queue.then(async () => {
      const nextParams = { ...this.#params };
      const nextFlags = { ...this.#masterKeyOnly };
      for (const [key, value] of updates) {
        if (value === DELETE) {
          delete nextParams[key];
          delete nextFlags[key];
        } else {
          nextParams[key] = value;
        }
      }
      for (const [key, flag] of flags) {
        if (flag) nextFlags[key] = true;
        else delete nextFlags[key];
      }
      await this.#persist(nextParams, nextFlags);
      this.#params = Object.assign(Object.create(null) as object, nextParams);
      this.#masterKeyOnly = Object.assign(Object.create(null) as object, nextFlags);
    });
    this.#queue = run.catch(() => undefined);
    await run;
    return this.getAll({ includeMasterKeyOnly: true });
  }

  async #load(): Promise<void> {
    if (this.#storage === 'adapter' && this.#adapter !== undefined) {
      try {
        const record = await this.#adapter.fetch({
          collection: this.#collection,
          objectId: RECORD_ID,
        });
        this.#exists = true;
        this.#apply(typeof record.json === 'string' ? record.json : '{}');
        return;
      } catch (error) {
        const err = toBackendError(error);
        if (err.code === 'NOT_FOUND' || err.code === 'TABLE_NOT_FOUND') return;
        if (!FALLBACK_CODES.has(err.code)) throw err;
        this.#storage = this.#filePath !== undefined ? 'file' : 'memory';
      }
    }
    if (this.#storage === 'file' && this.#filePath !== undefined) {
      try {
        this.#apply(await readFile(this.#filePath, 'utf8'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }

  #apply(json: string): void {
    const parsed: unknown = JSON.parse(json);
    if (!isPlainRecord(parsed)) return;
    const params = isPlainRecord(parsed.params) ? parsed.params : {};
    const flags = isPlainRecord(parsed.masterKeyOnly) ? parsed.masterKeyOnly : {};
    this.#params = Object.assign(Object.create(null) as object, params) as Record<
      string,
      ParseWireValue
    >;
    this.#masterKeyOnly = Object.create(null) as Record<string, boolean>;
    for (const key of Object.keys(flags)) if (flags[key] === true) this.#masterKeyOnly[key] = true;
  }

  async #persist(
    params: Record<string, ParseWireValue>,
    masterKeyOnly: Record<string, boolean>,
  ): Promise<void> {
    const json = JSON.stringify({ params, masterKeyOnly });
    if (this.#storage === 'adapter' && this.#adapter !== undefined) {
      try {
        if (this.#exists) {
          await this.#adapter.save({
            collection: this.#collection,
            objectId: RECORD_ID,
            data: { json },
          });
        } else {
          await this.#adapter.create({
            collection: this.#collection,
            objectId: RECORD_ID,
            data: { json },
          });
          this.#exists = true;
        }
        return;
      } catch (error) {
        const err = toBackendError(error);
        if (!FALLBACK_CODES.has(err.code)) throw err;
        this.#storage = this.#filePath !== undefined ? 'file' : 'memory';
      }
    }
    if (this.#storage === 'file' && this.#filePath !== undefined) {
      await mkdir(dirname(this.#filePath), { recursive: true });
      const tmp = `${this.#filePath}.${process.pid}.tmp`;
      await writeFile(tmp, json, 'utf8');
      await rename(tmp, this.#filePath);
    }
  }
}

const DELETE = Symbol('delete');

function validateParams(params: unknown): [string, ParseWireValue | typeof DELETE][] {
  if (!isPlainRecord(params)) {
    throw new BackendError(
      'INVALID_VALUE',
      `params: expected an object of parameters, got ${describeValue(params)}`,
      { details: { path: 'params', expected: 'an object' } },
    );
  }
  const out: [string, ParseWireValue | typeof DELETE][] = [];
  for (const key of Object.keys(params)) {
    checkKey(key, `params.${key}`);
    const value = params[key];
    if (value === undefined) continue;
    if (isPlainRecord(value) && '__op' in value) {
      if (value.__op !== 'Delete' || Object.keys(value).length !== 1) {
        throw new BackendError(
          'INVALID_VALUE',
          `params.${key}: the only operation allowed is {"__op":"Delete"}`,
          { details: { path: `params.${key}`, expected: '{"__op":"Delete"} or a value' } },
        );
      }
      out.push([key, DELETE]);
      continue;
    }
    decodeParseValue(value, `params.${key}`); // validates; the wire form is what we keep
    out.push([key, structuredClone(value) as ParseWireValue]);
  }
  return out;
}

function validateFlags(flags: unknown): [string, boolean][] {
  if (!isPlainRecord(flags)) {
    throw new BackendError(
      'INVALID_VALUE',
      `masterKeyOnly: expected an object of booleans, got ${describeValue(flags)}`,
      { details: { path: 'masterKeyOnly', expected: 'an object of booleans' } },
    );
  }
  const out: [string, boolean][] = [];
  for (const key of Object.keys(flags)) {
    checkKey(key, `masterKeyOnly.${key}`);
    const flag = flags[key];
    if (typeof flag !== 'boolean') {
      throw new BackendError(
        'INVALID_VALUE',
        `masterKeyOnly.${key}: expected a boolean, got ${describeValue(flag)}`,
        { details: { path: `masterKeyOnly.${key}`, expected: 'a boolean' } },
      );
    }
    out.push([key, flag]);
  }
  return out;
}

function checkKey(key: string, path: string): void {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || key === '__proto__') {
    throw new BackendError(
      'INVALID_FIELD_NAME',
      `${path}: a parameter name must have 1-${MAX_KEY_LENGTH} characters and not be __proto__`,
      { details: { path, expected: 'a parameter name' } },
    );
  }
}
