import { BackendError, describeValue, isPlainRecord, isValidObjectId } from '@localbackend/adapter';
import { BackendManager } from './backend-manager';

/**
 * Where to migrate from: a Parse Server's URL (with its mount path, e.g.
 * `https://example.com/parse`), application id and master key.
 *
 * @example
 * ```ts
 * const source: ParseSource = { serverURL: 'http://localhost:1337/parse', appId: 'myApp', masterKey: 'secret' };
 * ```
 */
export interface ParseSource {
  readonly serverURL: string;
  readonly appId: string;
  readonly masterKey: string;
}

/**
 * Progress of {@link migrateFromParse}: `done` of `total` units of the current phase (records for
 * `records`, owners for `relations`).
 *
 * @example
 * ```ts
 * const onProgress = (p: MigrationProgress) => console.log(p.phase, p.className, `${p.done}/${p.total}`);
 * ```
 */
export interface MigrationProgress {
  readonly phase: 'schema' | 'records' | 'relations' | 'done';
  readonly className?: string;
  readonly done: number;
  readonly total: number;
}

/**
 * Options of {@link migrateFromParse}.
 *
 * @example
 * ```ts
 * const options: MigrateFromParseOptions = { name: 'Shop (from Parse)', pageSize: 500, onProgress: console.log };
 * ```
 */
export interface MigrateFromParseOptions {
  /** The manager to create the backend with (default `BackendManager.getInstance()`). */
  readonly manager?: BackendManager;
  /** Import into this existing backend (default: the backend an earlier run of the same source created, else a new one). */
  readonly backendId?: string;
  /** Name of a new backend (default `Parse <appId>`). */
  readonly name?: string;
  /** Only these classes. */
  readonly classes?: readonly string[];
  /** Records per request (default 500, at most 1000). */
  readonly pageSize?: number;
  /** Parallel requests for relation lookups (default 4). */
  readonly concurrency?: number;
  /** A record that exists locally: `replace` it with the source's version (default) or `skip` it. */
  readonly onConflict?: 'replace' | 'skip';
  readonly onProgress?: (progress: MigrationProgress) => void;
  /** Per-request timeout (default 60 s). */
  readonly timeoutMs?: number;
}

/**
 * What one class of a migration did.
 *
 * @example
 * ```ts
 * const { className, source, local, relations }: MigratedClass = result.classes[0];
 * ```
 */
export interface MigratedClass {
  readonly className: string;
  /** Records the Parse Server reported. */
  readonly source: number;
  /** Records written in this run (created or replaced). */
  readonly imported: number;
  /** Records left as they were (`onConflict: 'skip'`). */
  readonly skipped: number;
  /** Records in the local collection afterwards. */
  readonly local: number;
  /** Relation entries written (per relation field). */
  readonly relations: Readonly<Record<string, number>>;
}

/**
 * What {@link migrateFromParse} did.
 *
 * @example
 * ```ts
 * const result: MigrationResult = await migrateFromParse(source);
 * console.log(result.backendId, result.created, result.classes.length);
 * ```
 */
export interface MigrationResult {
  readonly backendId: string;
  /** False when an existing backend was filled (a re-run). */
  readonly created: boolean;
  readonly classes: readonly MigratedClass[];
  /** Classes and fields left out, with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
  readonly durationMs: number;
}

interface ParseField {
  readonly type: string;
  readonly targetClass?: string;
}

interface ParseClass {
  readonly className: string;
  readonly fields: Readonly<Record<string, ParseField>>;
}

function normalizeURL(url: string): string {
  return url.replace(/\/+$/, '');
}

function checkSource(source: ParseSource): ParseSource {
  if (!isPlainRecord(source as unknown)) {
    throw new BackendError(
      'INVALID_VALUE',
      `source: expected { serverURL, appId, masterKey }, got ${describeValue(source)}`,
    );
  }
  const { serverURL, appId, masterKey } = source;
  let url: URL;
  try {
    url = new URL(String(serverURL));
  } catch {
    throw new BackendError(
      'INVALID_VALUE',
      `source.serverURL: expected an http(s) URL, got ${describeValue(serverURL)}`,
      {
        details: { path: 'source.serverURL' },
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new BackendError(
      'INVALID_VALUE',
      `source.serverURL: expected an http(s) URL, got ${describeValue(serverURL)}`,
    );
  }
  if (typeof appId !== 'string' || appId === '') {
    throw new BackendError(
      'INVALID_VALUE',
      `source.appId: expected a string, got ${describeValue(appId)}`,
    );
  }
  if (typeof masterKey !== 'string' || masterKey === '') {
    throw new BackendError(
      'INVALID_VALUE',
      `source.masterKey: expected a string (the master key is needed to read the schema and every record)`,
    );
  }
  return { serverURL: normalizeURL(url.toString()), appId, masterKey };
}

/** A small Parse REST client with retries. */
class ParseClient {
  constructor(
    readonly source: ParseSource,
    readonly timeoutMs: number,
  ) {}

  async get(
    pathname: string,
    query: Readonly<Record<string, string>> = {},
  ): Promise<Record<string, unknown>> {
    const url = new URL(`${this.source.serverURL}${pathname}`);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    let lastError: unknown;
    for (let attempt = 0; attempt < 4; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
      let response: Response;
      try {
        response = await fetch(url, {
          headers: {
            'X-Parse-Application-Id': this.source.appId,
            'X-Parse-Master-Key': this.source.masterKey,
            accept: 'application/json',
          },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        lastError = new BackendError(
          'UNAVAILABLE',
          `cannot reach the Parse Server at ${this.source.serverURL}: ${(error as Error).message}`,
          { cause: error },
        );
        continue;
      }
      const text = await response.text();
      let body: unknown;
      try {
        body = text === '' ? {} : JSON.parse(text);
      } catch {
        body = undefined;
      }
      if (response.status === 401 || response.status === 403) {
        throw new BackendError(
          'UNAUTHORIZED',
          `the Parse Server refused the application id or master key (${response.status} on ${pathname})`,
        );
      }
      if (response.status >= 500) {
        lastError = new BackendError(
          'UNAVAILABLE',
          `the Parse Server answered ${response.status} on ${pathname}: ${text.slice(0, 200)}`,
        );
        continue;
      }
      if (!isPlainRecord(body)) {
        throw new BackendError(
          'INVALID_VALUE',
          `the Parse Server answered ${pathname} with something that is not a JSON object`,
        );
      }
      if (!response.ok) {
        const message =
          typeof body['error'] === 'string' ? body['error'] : `status ${response.status}`;
        throw new BackendError(
          response.status === 404 ? 'NOT_FOUND' : 'INVALID_QUERY',
          `the Parse Server rejected ${pathname}: ${message}`,
          { details: { status: response.status, parseCode: body['code'] } },
        );
      }
      return body;
    }
    throw lastError;
  }

  async schemas(): Promise<ParseClass[]> {
    const body = await this.get('/schemas');
    const results = body['results'];
    if (!Array.isArray(results))
      throw new BackendError('INVALID_VALUE', '/schemas: expected { results: [...] }');
    return results.filter(
      (c): c is ParseClass =>
        isPlainRecord(c) && typeof c['className'] === 'string' && isPlainRecord(c['fields']),
    );
  }

  async count(className: string): Promise<number> {
    // A filtered count: Parse on PostgreSQL answers an unfiltered count with the planner's estimate.
    const body = await this.get(`/classes/${encodeURIComponent(className)}`, {
      where: JSON.stringify({ objectId: { $exists: true } }),
      count: '1',
      limit: '0',
    });
    return typeof body['count'] === 'number' ? body['count'] : 0;
  }

  /** One page of records after `afterId`, in objectId order (keyset paging: no skip limits). */
  async page(
    className: string,
    afterId: string | undefined,
    limit: number,
    keys?: string,
  ): Promise<Record<string, unknown>[]> {
    const body = await this.get(`/classes/${encodeURIComponent(className)}`, {
      ...(afterId === undefined ? {} : { where: JSON.stringify({ objectId: { $gt: afterId } }) }),
      order: 'objectId',
      limit: String(limit),
      ...(keys === undefined ? {} : { keys }),
    });
    const results = body['results'];
    if (!Array.isArray(results))
      throw new BackendError('INVALID_VALUE', `/classes/${className}: expected { results: [...] }`);
    return results.filter((r): r is Record<string, unknown> => isPlainRecord(r));
  }

  /** The objectIds related to one record through a Relation field. */
  async related(
    owner: string,
    objectId: string,
    key: string,
    targetClass: string,
    limit: number,
  ): Promise<string[]> {
    const ids: string[] = [];
    let afterId: string | undefined;
    for (;;) {
      const where: Record<string, unknown> = {
        $relatedTo: { object: { __type: 'Pointer', className: owner, objectId }, key },
      };
      if (afterId !== undefined) where['objectId'] = { $gt: afterId };
      const body = await this.get(`/classes/${encodeURIComponent(targetClass)}`, {
        where: JSON.stringify(where),
        order: 'objectId',
        keys: 'objectId',
        limit: String(limit),
      });
      const results = Array.isArray(body['results']) ? body['results'] : [];
      for (const r of results) {
        if (isPlainRecord(r) && isValidObjectId(r['objectId'])) ids.push(r['objectId']);
      }
      if (results.length < limit) return ids;
      afterId = ids[ids.length - 1];
    }
  }
}

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  });
  await Promise.all(workers);
}

/**
 * Migrates a Parse Server app into a local backend: creates the backend (or reuses the one an
 * earlier run of the same source created), imports the schema, then every record of every class
 * in pages (objectId, createdAt, updatedAt, pointers, dates, files metadata, GeoPoints) and the
 * Relation fields. Safe to re-run: records are matched by objectId (replaced, or skipped with
 * `onConflict: 'skip'`) and relation entries are not duplicated. Parse internals (`_Session`,
 * `_Installation`...) are skipped and reported.
 *
 * @example
 * ```ts
 * import { migrateFromParse } from '@localbackend/manager';
 *
 * const result = await migrateFromParse(
 *   { serverURL: 'http://localhost:1337/parse', appId: 'myApp', masterKey: process.env.PARSE_MASTER_KEY! },
 *   { onProgress: (p) => console.log(p.phase, p.className, p.done, p.total) },
 * );
 * console.log(`backend ${result.backendId}: ${result.classes.length} classes`);
 * ```
 */
export async function migrateFromParse(
  source: ParseSource,
  options: MigrateFromParseOptions = {},
): Promise<MigrationResult> {
  const started = Date.now();
  const src = checkSource(source);
  const manager = options.manager ?? BackendManager.getInstance();
  const pageSize = options.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw new BackendError(
      'INVALID_VALUE',
      `pageSize: expected an integer 1..1000, got ${describeValue(pageSize)}`,
    );
  }
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw new BackendError(
      'INVALID_VALUE',
      `concurrency: expected an integer 1..64, got ${describeValue(concurrency)}`,
    );
  }
  const onConflict = options.onConflict ?? 'replace';
  if (onConflict !== 'replace' && onConflict !== 'skip') {
    throw new BackendError(
      'INVALID_VALUE',
      `onConflict: expected "replace" or "skip", got ${describeValue(onConflict)}`,
    );
  }
  const client = new ParseClient(src, options.timeoutMs ?? 60_000);
  const progress = (p: MigrationProgress): void => options.onProgress?.(p);

  progress({ phase: 'schema', done: 0, total: 1 });
  let classes = await client.schemas();
  if (options.classes !== undefined) {
    const wanted = new Set(options.classes);
    classes = classes.filter((c) => wanted.has(c.className));
  }

  // The backend: the given one, the one an earlier run created, or a new one.
  let backendId = options.backendId;
  let created = false;
  if (backendId === undefined) {
    for (const summary of await manager.listBackends()) {
      if (summary.error !== undefined) continue;
      const config = await manager.getBackend(summary.id).catch(() => undefined);
      const from = config?.migratedFrom;
      if (
        from !== undefined &&
        normalizeURL(from.serverURL) === src.serverURL &&
        from.appId === src.appId
      ) {
        backendId = summary.id;
        break;
      }
    }
  }
  if (backendId === undefined) {
    const config = await manager.createBackend(options.name ?? `Parse ${src.appId}`);
    backendId = config.id;
    created = true;
  } else {
    await manager.getBackend(backendId);
  }
  await manager.updateBackend(backendId, {
    migratedFrom: {
      kind: 'parse',
      serverURL: src.serverURL,
      appId: src.appId,
      lastRunAt: new Date().toISOString(),
    },
  });

  const schemaResult = await manager.importParseSchema(backendId, { results: classes });
  progress({ phase: 'schema', done: 1, total: 1 });
  const imported = new Set(schemaResult.tables);
  const skipped = [...schemaResult.skipped];
  const migrating = classes.filter((c) => imported.has(c.className));
  for (const c of classes) {
    if (!imported.has(c.className) && !skipped.some((s) => s.name === c.className)) {
      skipped.push({ name: c.className, reason: 'not imported by the storage' });
    }
  }

  const results: MigratedClass[] = [];
  const ownerIds = new Map<string, string[]>();
  for (const cls of migrating) {
    const total = await client.count(cls.className);
    let done = 0;
    let written = 0;
    let kept = 0;
    const ids: string[] = [];
    progress({ phase: 'records', className: cls.className, done, total });
    let afterId: string | undefined;
    for (;;) {
      const page = await client.page(cls.className, afterId, pageSize);
      if (page.length === 0) break;
      const result = await manager.importRecords(backendId, cls.className, page, { onConflict });
      written += result.imported;
      kept += result.skipped;
      for (const record of page)
        if (typeof record['objectId'] === 'string') ids.push(record['objectId']);
      done += page.length;
      progress({ phase: 'records', className: cls.className, done, total: Math.max(total, done) });
      afterId = ids[ids.length - 1];
      if (page.length < pageSize) break;
    }
    ownerIds.set(cls.className, ids);
    results.push({
      className: cls.className,
      source: Math.max(total, done),
      imported: written,
      skipped: kept,
      local: 0,
      relations: {},
    });
  }

  // Relations: one $relatedTo query per owning record and Relation field.
  const finalResults: MigratedClass[] = [];
  for (const entry of results) {
    const cls = migrating.find((c) => c.className === entry.className)!;
    const relationFields = Object.entries(cls.fields).filter(
      ([, f]) => f.type === 'Relation' && typeof f.targetClass === 'string',
    );
    const relations: Record<string, number> = {};
    const owners = ownerIds.get(cls.className) ?? [];
    for (const [key, field] of relationFields) {
      const targetClass = field.targetClass!;
      if (!imported.has(targetClass)) {
        skipped.push({
          name: `${cls.className}.${key}`,
          reason: `its target class ${targetClass} was not imported`,
        });
        continue;
      }
      let done = 0;
      let count = 0;
      const pending: { owningId: string; relatedId: string }[] = [];
      // Junction rows are imported as Parse's `_Join:<key>:<Class>` rows: idempotent, and the
      // owning records keep the updatedAt they had at the source.
      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const rows = pending.splice(0, pending.length);
        const result = await manager.callData(backendId!, 'write', 'importRecords', [
          `_Join:${key}:${cls.className}`,
          rows,
          { onConflict: 'error' },
        ]);
        count += result.relations;
      };
      progress({
        phase: 'relations',
        className: `${cls.className}.${key}`,
        done,
        total: owners.length,
      });
      await mapLimit(owners, concurrency, async (objectId) => {
        const targets = await client.related(cls.className, objectId, key, targetClass, 1000);
        for (const relatedId of targets) pending.push({ owningId: objectId, relatedId });
        done++;
        if (pending.length >= 1000) await flush();
        if (done % 25 === 0 || done === owners.length) {
          progress({
            phase: 'relations',
            className: `${cls.className}.${key}`,
            done,
            total: owners.length,
          });
        }
      });
      await flush();
      relations[key] = count;
    }
    const local = await manager.callData(backendId, 'read', 'count', [cls.className]);
    finalResults.push({ ...entry, relations, local });
  }
  progress({ phase: 'done', done: 1, total: 1 });
  return { backendId, created, classes: finalResults, skipped, durationMs: Date.now() - started };
}
