import {
  BackendError,
  isPlainRecord,
  type QueryResult,
  type StoredRecord,
} from '@localbackend/adapter';
import { collectionParam, decodeWriteBody, objectIdParam, type ApiDeps } from './api-deps';
import { schemaLookup } from './parse-operations';
import { SESSION_CLASS, USER_CLASS, assertSafeUserQuery, redactRecord } from './users/user-fields';
import { withCurrentFileUrls } from './file-urls';
import {
  aclApplies,
  assertCanWrite,
  assertNoHiddenParams,
  fetchReadable,
  restrict,
  withAclData,
  withClientPaths,
  withoutHidden,
} from './acl';
import {
  assertKnownParams,
  parseBoolean,
  parseFieldList,
  parseInteger,
  parseSortParam,
  parseWhereParam,
  single,
} from './params';

const QUERY_PARAMS = new Set(['where', 'sort', 'limit', 'skip', 'count', 'include', 'select']);
const FETCH_PARAMS = new Set(['include', 'select']);

type Params = Readonly<Record<string, unknown>>;

/** GET /api/:table */
export async function nativeQuery(
  deps: ApiDeps,
  table: string,
  params: Params,
): Promise<QueryResult> {
  assertKnownParams(params, QUERY_PARAMS, 'query');
  const where = optional(params, 'where', (v, p) => parseWhereParam(v, p));
  const sort = optional(params, 'sort', (v, p) => parseSortParam(v, p));
  const limit = optional(params, 'limit', (v, p) => parseInteger(v, p, 0, deps.limits.maxLimit));
  const skip = optional(params, 'skip', (v, p) => parseInteger(v, p, 0, deps.limits.maxSkip));
  const count = optional(params, 'count', (v, p) => parseBoolean(v, p)) ?? false;
  const include = optional(params, 'include', (v, p) => parseFieldList(v, p));
  const select = optional(params, 'select', (v, p) => parseFieldList(v, p));
  if (table === USER_CLASS) assertSafeUserQuery(where, sort, deps.viewer);
  const acl = await aclApplies(deps, table);
  if (acl) assertNoHiddenParams(params, where);
  const filter = acl ? restrict(where, deps.viewer) : where;
  const wrapped = acl && where !== undefined;
  if (limit === 0) {
    const total = count
      ? await withClientPaths(wrapped, () =>
          deps.adapter.count({ collection: table, where: filter }),
        )
      : undefined;
    return total === undefined ? { results: [] } : { results: [], count: total };
  }
  const result = await withClientPaths(wrapped, () =>
    deps.adapter.query({
      collection: table,
      where: filter,
      sort: sort as never,
      limit,
      skip,
      count,
      include,
      select,
    }),
  );
  return { ...result, results: await redactRecords(deps, table, result.results) };
}

/** The records with the secrets of users removed (see `redactRecord`). */
async function redactRecords(
  deps: ApiDeps,
  table: string,
  records: readonly StoredRecord[],
): Promise<StoredRecord[]> {
  const lookup = await schemaLookup(deps);
  const schema = lookup(table);
  return records.map((record) =>
    withCurrentFileUrls(redactRecord(table, record, lookup, deps.viewer), schema, deps.fileUrl),
  );
}

/**
 * Native writes to `_User` / `_Session` are refused (even with the master key): passwords must
 * be hashed and sessions made by the users routes.
 */
function assertWritable(table: string): void {
  if (table === USER_CLASS || table === SESSION_CLASS) {
    throw new BackendError(
      'FORBIDDEN',
      `${table} is read-only on the native /api routes; use the Parse routes (/users, /login, /logout, /classes/${table})`,
      { details: { path: 'params.table' } },
    );
  }
}

/** GET /api/:table/:id */
export async function nativeFetch(
  deps: ApiDeps,
  table: string,
  id: string,
  params: Params,
): Promise<StoredRecord> {
  assertKnownParams(params, FETCH_PARAMS, 'fetch');
  const include = optional(params, 'include', (v, p) => parseFieldList(v, p));
  const select = optional(params, 'select', (v, p) => parseFieldList(v, p));
  if (await aclApplies(deps, table)) {
    assertNoHiddenParams(params);
    const record = await fetchReadable(deps, table, id, include, select);
    return (await redactRecords(deps, table, [record as StoredRecord]))[0]!;
  }
  const record = await deps.adapter.fetch({ collection: table, objectId: id, include, select });
  return (await redactRecords(deps, table, [record]))[0]!;
}

/** POST /api/:table */
export async function nativeCreate(
  deps: ApiDeps,
  table: string,
  body: unknown,
): Promise<StoredRecord> {
  assertWritable(table);
  const data = await withAclData(deps, table, body, decodeWriteBody(body, 'create'));
  const record = await deps.adapter.create({ collection: table, data });
  await deps.schema.noteFields(table, Object.keys(data));
  return withoutHidden(record);
}

/** PUT /api/:table/:id */
export async function nativeSave(
  deps: ApiDeps,
  table: string,
  id: string,
  body: unknown,
): Promise<StoredRecord> {
  assertWritable(table);
  const decoded = decodeWriteBody(body, 'update', id);
  await assertCanWrite(deps, table, id);
  const data = await withAclData(deps, table, body, decoded);
  const record = await deps.adapter.save({ collection: table, objectId: id, data });
  await deps.schema.noteFields(table, Object.keys(data));
  return withoutHidden(record);
}

/** DELETE /api/:table/:id */
export async function nativeDelete(
  deps: ApiDeps,
  table: string,
  id: string,
): Promise<{ success: true; objectId: string }> {
  assertWritable(table);
  await assertCanWrite(deps, table, id);
  await deps.adapter.delete({ collection: table, objectId: id });
  return { success: true, objectId: id };
}

/** The largest number of operations one `_batch` may carry. */
export const MAX_BATCH = 1000;

const BATCH_PATH = /^(?:\/api)?\/?([^/?#]+)(?:\/([^/?#]+))?\/?$/;

/** One parsed `_batch` operation. */
interface BatchOperation {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly table: string;
  readonly id: string | undefined;
  readonly body: unknown;
  readonly params: Params;
}

/** Validates the `_batch` body before anything runs. */
export function parseNativeBatch(
  body: unknown,
  master: boolean,
): { operations: BatchOperation[]; transaction: boolean } {
  if (!isPlainRecord(body)) {
    throw new BackendError('INVALID_JSON', 'body: expected {"requests":[...]}', {
      details: { path: 'body', expected: '{"requests":[{method,path,body}], "transaction"?}' },
    });
  }
  for (const key of Object.keys(body)) {
    if (key !== 'requests' && key !== 'transaction') {
      throw new BackendError(
        'INVALID_VALUE',
        `body.${key}: unknown key; expected requests, transaction`,
        {
          details: { path: `body.${key}`, expected: 'requests | transaction' },
        },
      );
    }
  }
  const transaction =
    body.transaction === undefined ? false : parseBoolean(body.transaction, 'body.transaction');
  const requests = body.requests;
  if (!Array.isArray(requests) || requests.length > MAX_BATCH) {
    throw new BackendError(
      'INVALID_VALUE',
      `body.requests: expected an array of at most ${MAX_BATCH} requests`,
      { details: { path: 'body.requests', expected: `an array of at most ${MAX_BATCH} requests` } },
    );
  }
  const operations = requests.map((request, i): BatchOperation => {
    const path = `body.requests[${i}]`;
    if (!isPlainRecord(request)) {
      throw new BackendError('INVALID_VALUE', `${path}: expected {method, path, body?}`, {
        details: { path, expected: '{method, path, body?}' },
      });
    }
    const method = typeof request.method === 'string' ? request.method.toUpperCase() : '';
    if (method !== 'GET' && method !== 'POST' && method !== 'PUT' && method !== 'DELETE') {
      throw new BackendError('INVALID_VALUE', `${path}.method: expected GET, POST, PUT or DELETE`, {
        details: { path: `${path}.method`, expected: 'GET | POST | PUT | DELETE' },
      });
    }
    const match = typeof request.path === 'string' ? BATCH_PATH.exec(request.path) : null;
    if (match === null) {
      throw new BackendError(
        'INVALID_VALUE',
        `${path}.path: expected "/api/<table>" or "/api/<table>/<id>"`,
        {
          details: { path: `${path}.path`, expected: '/api/<table>[/<id>]' },
        },
      );
    }
    const table = collectionParam(decodeSegment(match[1]!, `${path}.path`), `${path}.path`, master);
    const id =
      match[2] === undefined
        ? undefined
        : objectIdParam(decodeSegment(match[2], `${path}.path`), `${path}.path`);
    if ((method === 'PUT' || method === 'DELETE') && id === undefined) {
      throw new BackendError('INVALID_VALUE', `${path}.path: ${method} needs "/api/<table>/<id>"`, {
        details: { path: `${path}.path`, expected: '/api/<table>/<id>' },
      });
    }
    if (method === 'POST' && id !== undefined) {
      throw new BackendError('INVALID_VALUE', `${path}.path: POST creates in "/api/<table>"`, {
        details: { path: `${path}.path`, expected: '/api/<table>' },
      });
    }
    const params = request.params === undefined ? {} : request.params;
    if (!isPlainRecord(params)) {
      throw new BackendError(
        'INVALID_VALUE',
        `${path}.params: expected an object of query parameters`,
        {
          details: { path: `${path}.params`, expected: 'an object' },
        },
      );
    }
    for (const key of Object.keys(request)) {
      if (!['method', 'path', 'body', 'params'].includes(key)) {
        throw new BackendError(
          'INVALID_VALUE',
          `${path}.${key}: unknown key; expected method, path, body, params`,
          {
            details: { path: `${path}.${key}`, expected: 'method | path | body | params' },
          },
        );
      }
    }
    return { method, table, id, body: request.body, params };
  });
  return { operations, transaction };
}

function decodeSegment(segment: string, path: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new BackendError('INVALID_VALUE', `${path}: malformed percent-encoding`, {
      details: { path },
    });
  }
}

/** Runs one `_batch` operation. */
export function runNativeOperation(deps: ApiDeps, op: BatchOperation): Promise<unknown> {
  switch (op.method) {
    case 'GET':
      return op.id === undefined
        ? nativeQuery(deps, op.table, op.params)
        : nativeFetch(deps, op.table, op.id, op.params);
    case 'POST':
      return nativeCreate(deps, op.table, op.body);
    case 'PUT':
      return nativeSave(deps, op.table, op.id!, op.body);
    case 'DELETE':
      return nativeDelete(deps, op.table, op.id!);
  }
}

function optional<T>(
  params: Params,
  name: string,
  parse: (value: unknown, path: string) => T,
): T | undefined {
  const raw = single(params[name], name);
  return raw === undefined ? undefined : parse(raw, name);
}
