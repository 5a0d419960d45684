import {
  BackendError,
  encodeParseRecord,
  isFieldOperation,
  isPlainRecord,
  toBackendError,
  type ParseWireValue,
  type StoredRecord,
  type TableSchema,
} from '@localbackend/adapter';
import { withCurrentFileUrls } from './file-urls';
import {
  aclApplies,
  assertCanWrite,
  assertNoHiddenParams,
  fetchReadable,
  restrict,
  withAclData,
  withClientPaths,
} from './acl';
import { collectionParam, decodeWriteBody, objectIdParam, type ApiDeps } from './api-deps';
import { redactRecord, USER_CLASS } from './users/user-fields';
import { runUserOperation } from './users/user-routes';
import {
  assertKnownParams,
  parseBoolean,
  parseFieldList,
  parseInteger,
  parseSortParam,
  parseWhereParam,
  single,
} from './params';

type Params = Readonly<Record<string, unknown>>;
type WireRecord = { [key: string]: ParseWireValue };

/** Query keys Parse Server accepts on a find (others are `INVALID_QUERY`, as in Parse). */
const FIND_PARAMS = new Set([
  'where',
  'limit',
  'skip',
  'order',
  'keys',
  'excludeKeys',
  'include',
  'includeAll',
  'count',
  'readPreference',
  'includeReadPreference',
  'subqueryReadPreference',
  'hint',
  'explain',
  'comment',
  'redirectClassNameForKey',
]);
const GET_PARAMS = new Set([
  'keys',
  'excludeKeys',
  'include',
  'readPreference',
  'includeReadPreference',
  'subqueryReadPreference',
]);
/** Parse's default page size. */
const DEFAULT_LIMIT = 100;
/** Operations whose resulting value Parse returns in the save response. */
const RESULT_OPS = new Set(['Increment', 'Add', 'AddUnique', 'Remove']);

function get(params: Params, name: string): unknown {
  return single(params[name], name);
}

/** Turns `keys`/`include`/`excludeKeys` into the adapter's include/select and a post-filter. */
async function projection(
  deps: ApiDeps,
  table: TableSchema | undefined,
  params: Params,
): Promise<{ include?: string[]; select?: string[]; exclude?: Set<string> }> {
  const out: { include?: string[]; select?: string[]; exclude?: Set<string> } = {};
  const includeRaw = get(params, 'include');
  let include: string[] = [];
  if (includeRaw !== undefined) {
    const text = typeof includeRaw === 'string' ? includeRaw.split(',').map((s) => s.trim()) : [];
    if (text.includes('*')) {
      include = pointerColumns(table);
    } else {
      include = parseFieldList(includeRaw, 'include');
    }
  }
  const includeAll = get(params, 'includeAll');
  if (includeAll !== undefined && parseBoolean(includeAll, 'includeAll')) {
    include = [...new Set([...include, ...pointerColumns(table)])];
  }
  if (include.length > 0) out.include = include;
  const keys = get(params, 'keys');
  if (keys !== undefined) {
    const fields = parseFieldList(keys, 'keys');
    out.select = [...new Set(fields.map((f) => f.split('.')[0]!))];
  }
  const exclude = get(params, 'excludeKeys');
  if (exclude !== undefined) {
    out.exclude = new Set(
      parseFieldList(exclude, 'excludeKeys').filter(
        (f) => f !== 'objectId' && f !== 'createdAt' && f !== 'updatedAt',
      ),
    );
  }
  void deps;
  return out;
}

function pointerColumns(table: TableSchema | undefined): string[] {
  return (table?.columns ?? []).filter((c) => c.type === 'Pointer').map((c) => c.name);
}

/** The schema lookup for encoding and redaction: user tables, then system tables. */
export async function schemaLookup(
  deps: ApiDeps,
): Promise<(name: string) => TableSchema | undefined> {
  const [tables, system] = await Promise.all([deps.schema.tables(), deps.users.systemTables()]);
  return (name) => tables.get(name) ?? system.get(name);
}

/** Encodes a stored record as Parse returns it (secrets of users removed, see `redactRecord`). */
export async function encodeRecord(
  deps: ApiDeps,
  collection: string,
  record: StoredRecord,
  exclude?: ReadonlySet<string>,
): Promise<WireRecord> {
  return (await encodeRecords(deps, collection, [record], exclude))[0]!;
}

/** Encodes many records of one collection (the schema is looked up once). */
export async function encodeRecords(
  deps: ApiDeps,
  collection: string,
  records: readonly StoredRecord[],
  exclude?: ReadonlySet<string>,
): Promise<WireRecord[]> {
  const lookup = await schemaLookup(deps);
  const table = lookup(collection);
  return records.map((record) => {
    const encoded = encodeParseRecord(
      withCurrentFileUrls(
        redactRecord(collection, record, lookup, deps.viewer),
        table,
        deps.fileUrl,
      ),
      table,
      {
        lookup,
      },
    );
    if (exclude !== undefined) for (const key of exclude) delete encoded[key];
    return encoded;
  });
}

/** GET /classes/:C (also POST with `_method: 'GET'`). */
export async function parseFind(
  deps: ApiDeps,
  className: string,
  params: Params,
): Promise<{ results: WireRecord[]; count?: number }> {
  assertKnownParams(params, FIND_PARAMS, 'query');
  const whereRaw = get(params, 'where');
  const clientWhere = whereRaw === undefined ? undefined : parseWhereParam(whereRaw, 'where');
  const orderRaw = get(params, 'order');
  const sort = orderRaw === undefined ? undefined : parseSortParam(orderRaw, 'order');
  const limitRaw = get(params, 'limit');
  const limit =
    limitRaw === undefined
      ? DEFAULT_LIMIT
      : parseInteger(limitRaw, 'limit', 0, deps.limits.maxLimit);
  const skipRaw = get(params, 'skip');
  const skip =
    skipRaw === undefined ? undefined : parseInteger(skipRaw, 'skip', 0, deps.limits.maxSkip);
  const countRaw = get(params, 'count');
  const count = countRaw === undefined ? false : parseBoolean(countRaw, 'count');
  const explain = get(params, 'explain');
  if (explain !== undefined && parseBoolean(explain, 'explain')) {
    throw new BackendError('UNSUPPORTED', 'explain: query plans are not available on localbackend');
  }
  const table = await deps.schema.table(className);
  const { include, select, exclude } = await projection(deps, table, params);
  const acl = await aclApplies(deps, className);
  if (acl) assertNoHiddenParams(params, clientWhere);
  const where = acl ? restrict(clientWhere, deps.viewer) : clientWhere;
  // Parse answers an empty list for a class that does not exist (yet). System collections are
  // not in the schema listing; the adapter judges them.
  const empty = count ? { results: [], count: 0 } : { results: [] };
  if (table === undefined && !isSystemCollection(className)) return empty;
  if (limit === 0) {
    if (!count) return { results: [] };
    const total = await withClientPaths(acl && clientWhere !== undefined, () =>
      deps.adapter.count({ collection: className, where }),
    ).catch((error: unknown) => emptyIfMissing(error, -1));
    return { results: [], count: Math.max(0, total) };
  }
  const result = await withClientPaths(acl && clientWhere !== undefined, () =>
    deps.adapter.query({
      collection: className,
      where,
      sort: sort as never,
      limit,
      skip,
      count,
      include,
      select,
    }),
  ).catch((error: unknown) => emptyIfMissing(error, undefined));
  if (result === undefined) return empty;
  const results = await encodeRecords(deps, className, result.results, exclude);
  return result.count === undefined ? { results } : { results, count: result.count };
}

/** True for system collections (`_User`, `_Config`...), which the schema listing leaves out. */
export function isSystemCollection(name: string): boolean {
  return name.startsWith('_');
}

/** `fallback` when the error says the collection does not exist; rethrows anything else. */
export function emptyIfMissing<T>(error: unknown, fallback: T): T {
  if (toBackendError(error).code === 'TABLE_NOT_FOUND') return fallback;
  throw error;
}

function notFoundForParse(error: unknown): never {
  const err = toBackendError(error);
  if (err.code === 'TABLE_NOT_FOUND') {
    throw new BackendError('NOT_FOUND', 'Object not found.', { cause: err });
  }
  throw err;
}

/** GET /classes/:C/:id */
export async function parseGet(
  deps: ApiDeps,
  className: string,
  objectId: string,
  params: Params,
): Promise<WireRecord> {
  assertKnownParams(params, GET_PARAMS, 'get');
  const table = await deps.schema.table(className);
  const { include, select, exclude } = await projection(deps, table, params);
  if (await aclApplies(deps, className)) {
    assertNoHiddenParams(params);
    const record = await fetchReadable(deps, className, objectId, include, select);
    return encodeRecord(deps, className, record as StoredRecord, exclude);
  }
  const record = await deps.adapter
    .fetch({ collection: className, objectId, include, select })
    .catch(notFoundForParse);
  return encodeRecord(deps, className, record, exclude);
}

/** The fields whose resulting values Parse sends back after a write with operations. */
export async function operationResults(
  deps: ApiDeps,
  className: string,
  body: unknown,
  record: StoredRecord,
): Promise<WireRecord> {
  const out: WireRecord = {};
  if (!isPlainRecord(body)) return out;
  const keys = Object.keys(body).filter((key) => {
    const value = body[key];
    return isFieldOperation(value) && RESULT_OPS.has((value as { __op: string }).__op);
  });
  if (keys.length === 0) return out;
  const encoded = await encodeRecord(deps, className, record);
  for (const key of keys) out[key] = encoded[key] ?? null;
  return out;
}

/** POST /classes/:C -> `{ objectId, createdAt }` (+ results of operations). */
export async function parseCreate(
  deps: ApiDeps,
  className: string,
  body: unknown,
): Promise<WireRecord> {
  const data = await withAclData(deps, className, body, decodeWriteBody(body, 'create'));
  const record = await deps.adapter.create({ collection: className, data });
  await deps.schema.noteFields(className, Object.keys(data));
  return {
    objectId: record.objectId,
    createdAt: record.createdAt,
    ...(await operationResults(deps, className, body, record)),
  };
}

/** PUT /classes/:C/:id -> `{ updatedAt }` (+ results of operations). */
export async function parseUpdate(
  deps: ApiDeps,
  className: string,
  objectId: string,
  body: unknown,
): Promise<WireRecord> {
  const decoded = decodeWriteBody(body, 'update', objectId);
  await assertCanWrite(deps, className, objectId);
  const data = await withAclData(deps, className, body, decoded);
  const record = await deps.adapter
    .save({ collection: className, objectId, data })
    .catch(notFoundForParse);
  await deps.schema.noteFields(className, Object.keys(data));
  return {
    updatedAt: record.updatedAt,
    ...(await operationResults(deps, className, body, record)),
  };
}

/** DELETE /classes/:C/:id -> `{}` */
export async function parseDelete(
  deps: ApiDeps,
  className: string,
  objectId: string,
): Promise<Record<string, never>> {
  await assertCanWrite(deps, className, objectId);
  await deps.adapter.delete({ collection: className, objectId }).catch(notFoundForParse);
  return {};
}

/** The largest number of requests one Parse `/batch` may carry. */
export const MAX_PARSE_BATCH = 1000;

const BATCH_CLASS_PATH = /^(?:\/[^/?#]+)*?\/classes\/([^/?#]+)(?:\/([^/?#]+))?\/?$/;

interface ParseBatchOperation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly className: string;
  readonly objectId: string | undefined;
  readonly body: unknown;
}

/** Validates a Parse `/batch` body. Paths may carry the SDK's server path prefix (`/parse/classes/X`). */
export function parseParseBatch(
  body: unknown,
  master: boolean,
): { operations: (ParseBatchOperation | BackendError)[]; transaction: boolean } {
  if (!isPlainRecord(body) || !Array.isArray(body.requests)) {
    throw new BackendError('INVALID_JSON', 'requests: expected an array of {method, path, body}', {
      details: { path: 'requests', expected: 'an array' },
    });
  }
  if (body.requests.length > MAX_PARSE_BATCH) {
    throw new BackendError(
      'INVALID_VALUE',
      `requests: at most ${MAX_PARSE_BATCH} requests per batch, got ${body.requests.length}`,
      { details: { path: 'requests', expected: `at most ${MAX_PARSE_BATCH}` } },
    );
  }
  const transaction =
    body.transaction === undefined ? false : parseBoolean(body.transaction, 'transaction');
  const operations = body.requests.map((request: unknown, i: number) => {
    try {
      return parseBatchRequest(request, `requests[${i}]`, master, transaction);
    } catch (error) {
      return toBackendError(error);
    }
  });
  return { operations, transaction };
}

function parseBatchRequest(
  request: unknown,
  path: string,
  master: boolean,
  transaction: boolean,
): ParseBatchOperation {
  if (!isPlainRecord(request)) {
    throw new BackendError('INVALID_VALUE', `${path}: expected {method, path, body}`, {
      details: { path },
    });
  }
  const method = typeof request.method === 'string' ? request.method.toUpperCase() : '';
  if (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE') {
    throw new BackendError('INVALID_VALUE', `${path}.method: expected GET, POST, PUT or DELETE`, {
      details: { path: `${path}.method` },
    });
  }
  const match = typeof request.path === 'string' ? BATCH_CLASS_PATH.exec(request.path) : null;
  if (match === null) {
    throw new BackendError(
      'ROUTE_NOT_FOUND',
      `${path}.path: only /classes/<className>[/<objectId>] can be batched`,
      { details: { path: `${path}.path` } },
    );
  }
  // Users are served by the users routes (anyone may sign up, read, or change themselves).
  const className =
    match[1] === USER_CLASS ? USER_CLASS : collectionParam(match[1], `${path}.path`, master);
  if (className === USER_CLASS && transaction) {
    throw new BackendError(
      'UNSUPPORTED',
      `${path}.path: _User requests cannot be part of a transactional batch`,
      { details: { path: `${path}.path` } },
    );
  }
  const objectId = match[2] === undefined ? undefined : objectIdParam(match[2], `${path}.path`);
  if ((method === 'PUT' || method === 'DELETE') && objectId === undefined) {
    throw new BackendError('INVALID_VALUE', `${path}.path: ${method} needs an objectId`, {
      details: { path: `${path}.path` },
    });
  }
  if (method === 'POST' && objectId !== undefined) {
    throw new BackendError('INVALID_VALUE', `${path}.path: POST creates in /classes/<className>`, {
      details: { path: `${path}.path` },
    });
  }
  return { method, className, objectId, body: request.body };
}

/** Runs one Parse batch operation (`_User` ones as the users routes do). */
export function runParseOperation(deps: ApiDeps, op: ParseBatchOperation): Promise<unknown> {
  const params = isPlainRecord(op.body) ? op.body : {};
  if (op.className === USER_CLASS) return runUserOperation(deps, op.method, op.objectId, op.body);
  switch (op.method) {
    case 'GET':
      return op.objectId === undefined
        ? parseFind(deps, op.className, params)
        : parseGet(deps, op.className, op.objectId, params);
    case 'POST':
      return parseCreate(deps, op.className, op.body);
    case 'PUT':
      return parseUpdate(deps, op.className, op.objectId!, op.body);
    case 'DELETE':
      return parseDelete(deps, op.className, op.objectId!);
  }
}
