import {
  BackendError,
  describeValue,
  isPlainRecord,
  toBackendError,
  type UpdateInput,
  type WhereInput,
} from '@localbackend/adapter';
import type { ApiDeps } from './api-deps';
import type { Viewer } from './users/user-fields';

/*
 * Parse's object-level ACLs, stored as Parse Server stores them: two hidden Array columns per
 * collection, `_rperm` (the ids allowed to read) and `_wperm` (allowed to write), added to a
 * collection the first time a record of it is written with an `ACL`. A record whose `_rperm` is
 * missing (never had an ACL, or an ACL removed with `null`) is public, as in Parse. The `ACL`
 * clients see is rebuilt from the two columns; the columns themselves never leave the server.
 */

/** The hidden column of the ids allowed to read a record. */
export const READ_FIELD = '_rperm';
/** The hidden column of the ids allowed to write a record. */
export const WRITE_FIELD = '_wperm';
/** Both hidden columns. */
export const HIDDEN_FIELDS: ReadonlySet<string> = new Set([READ_FIELD, WRITE_FIELD]);
/** The most entries one ACL may have. */
export const MAX_ACL_ENTRIES = 1000;
/** The public entry. */
export const PUBLIC = '*';

const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ROLE = /^role:[A-Za-z0-9_ -]{1,64}$/;

/** A Parse ACL as clients send and receive it. */
export type AclJson = Record<string, { read?: true; write?: true }>;

/** The hidden columns of an ACL (`null`: public, no ACL). */
export interface Permissions {
  readonly [READ_FIELD]: string[] | null;
  readonly [WRITE_FIELD]: string[] | null;
}

function invalid(path: string, message: string, expected: string): BackendError {
  return new BackendError('INVALID_VALUE', `${path}: ${message}`, {
    details: { path, expected },
  });
}

/**
 * Validates a Parse ACL (`{ "*": {read, write}, "<userId>": {...}, "role:<name>": {...} }`) and
 * turns it into the hidden columns. `null` (or `{__op: 'Delete'}`) removes the ACL: the record
 * becomes public again.
 */
export function parseAcl(value: unknown, path: string): Permissions {
  if (value === null || (isPlainRecord(value) && value.__op === 'Delete')) {
    if (value !== null && Object.keys(value).length !== 1) {
      throw invalid(path, 'a Delete operation has no other keys', '{"__op":"Delete"}');
    }
    return { [READ_FIELD]: null, [WRITE_FIELD]: null };
  }
  if (!isPlainRecord(value)) {
    throw invalid(
      path,
      `expected an ACL object like {"*":{"read":true}}, got ${describeValue(value)}`,
      'an ACL object',
    );
  }
  const keys = Object.keys(value);
  if (keys.length > MAX_ACL_ENTRIES) {
    throw invalid(
      path,
      `at most ${MAX_ACL_ENTRIES} entries per ACL, got ${keys.length}`,
      `at most ${MAX_ACL_ENTRIES} entries`,
    );
  }
  const read: string[] = [];
  const write: string[] = [];
  for (const key of keys) {
    const at = `${path}.${key.slice(0, 80)}`;
    if (key !== PUBLIC && !USER_ID.test(key) && !ROLE.test(key)) {
      throw invalid(
        at,
        `${describeValue(key)} is not an ACL entry; expected "*", a user objectId or "role:<name>"`,
        '"*" | <userId> | "role:<name>"',
      );
    }
    const entry = value[key];
    if (!isPlainRecord(entry)) {
      throw invalid(
        at,
        `expected {"read"?: boolean, "write"?: boolean}, got ${describeValue(entry)}`,
        '{read?, write?}',
      );
    }
    for (const flag of Object.keys(entry)) {
      if (flag !== 'read' && flag !== 'write') {
        throw invalid(
          `${at}.${flag.slice(0, 40)}`,
          'unknown key; expected read, write',
          'read | write',
        );
      }
      if (typeof entry[flag] !== 'boolean') {
        throw invalid(
          `${at}.${flag}`,
          `expected a boolean, got ${describeValue(entry[flag])}`,
          'true | false',
        );
      }
    }
    if (entry.read === true) read.push(key);
    if (entry.write === true) write.push(key);
  }
  return { [READ_FIELD]: read, [WRITE_FIELD]: write };
}

/** The ACL clients see, rebuilt from a stored record's hidden columns (undefined: public). */
export function aclOf(record: Readonly<Record<string, unknown>>): AclJson | undefined {
  const read = record[READ_FIELD];
  const write = record[WRITE_FIELD];
  if (!Array.isArray(read) && !Array.isArray(write)) return undefined;
  const acl: AclJson = {};
  const entry = (id: unknown): { read?: true; write?: true } | undefined => {
    if (typeof id !== 'string' || id === '__proto__') return undefined;
    acl[id] ??= {};
    return acl[id];
  };
  // A missing column (never the case for records written here) means public for that right.
  for (const id of Array.isArray(read) ? read : [PUBLIC]) {
    const e = entry(id);
    if (e !== undefined) e.read = true;
  }
  for (const id of Array.isArray(write) ? write : [PUBLIC]) {
    const e = entry(id);
    if (e !== undefined) e.write = true;
  }
  return acl;
}

/**
 * A stored record without the hidden columns, with `ACL` when it has one. Returns the same object
 * when there is nothing to change (records of collections without ACLs).
 */
export function withoutHidden<T extends Readonly<Record<string, unknown>>>(record: T): T {
  if (!(READ_FIELD in record) && !(WRITE_FIELD in record)) return record;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (key !== READ_FIELD && key !== WRITE_FIELD) out[key] = record[key];
  }
  const acl = aclOf(record);
  if (acl !== undefined) out.ACL = acl;
  return out as T;
}

function allows(ids: unknown, viewer: Viewer): boolean {
  if (!Array.isArray(ids)) return true;
  if (ids.includes(PUBLIC)) return true;
  return viewer.userId !== undefined && ids.includes(viewer.userId);
}

/** True when `viewer` may read the stored `record` (hidden columns included). */
export function canRead(record: Readonly<Record<string, unknown>>, viewer: Viewer): boolean {
  return viewer.master || allows(record[READ_FIELD], viewer);
}

/** True when `viewer` may write the stored `record` (hidden columns included). */
export function canWrite(record: Readonly<Record<string, unknown>>, viewer: Viewer): boolean {
  return viewer.master || allows(record[WRITE_FIELD], viewer);
}

/** The ids a viewer reads with: `*` and its user id (roles are not supported yet). */
function viewerIds(viewer: Viewer): string[] {
  return viewer.userId === undefined ? [PUBLIC] : [PUBLIC, viewer.userId];
}

/** Parse's "Object not found." (101, HTTP 404): also the answer for records one may not see or write. */
export function objectNotFound(): BackendError {
  return new BackendError('NOT_FOUND', 'Object not found.');
}

/** True when reads of `collection` by this request must be filtered by ACL. */
export async function aclApplies(deps: ApiDeps, collection: string): Promise<boolean> {
  if (deps.viewer.master) return false;
  return deps.schema.hasAcl(collection);
}

/**
 * `where` restricted to the records the request's viewer may read: one SQL condition on the
 * hidden `_rperm` column (missing: public; else it must hold `*` or the viewer's id). Unchanged
 * for the master key and for collections without ACLs.
 */
export async function readableWhere(
  deps: ApiDeps,
  collection: string,
  where: WhereInput | undefined,
): Promise<WhereInput | undefined> {
  if (!(await aclApplies(deps, collection))) return where;
  return restrict(where, deps.viewer);
}

/**
 * `where` AND "the viewer may read": `_rperm` missing (`null`) or holding `*` or the viewer's id.
 * The condition is added as one more key of a Parse-format `where` (so errors about the client's
 * filter keep their paths); a visual filter (`{combinator, rules}`) is wrapped in `$and`.
 */
export function restrict(where: WhereInput | undefined, viewer: Viewer): WhereInput {
  const condition = { $in: [null, ...viewerIds(viewer)] };
  if (where === undefined) return { [READ_FIELD]: condition };
  if ('combinator' in where || 'rules' in where) {
    return { $and: [where, { [READ_FIELD]: condition }] };
  }
  return { ...where, [READ_FIELD]: condition };
}

const WRAPPED = 'where.$and[0]';

/**
 * Runs a query whose `where` may have been wrapped by {@link restrict}: errors about the
 * client's filter keep pointing at `where...`, not at the wrapper.
 */
export async function withClientPaths<T>(wrapped: boolean, run: () => Promise<T>): Promise<T> {
  if (!wrapped) return run();
  try {
    return await run();
  } catch (error) {
    const err = toBackendError(error);
    if (!err.message.includes(WRAPPED)) throw error;
    const path = err.details?.path;
    throw new BackendError(err.code, err.message.split(WRAPPED).join('where'), {
      details: {
        ...(err.details ?? {}),
        ...(typeof path === 'string' ? { path: path.split(WRAPPED).join('where') } : {}),
      },
      cause: err,
    });
  }
}

/**
 * Fetches one record for a viewer who may only see what its ACL allows (a primary-key read, then
 * the ACL check): a missing record and a record the viewer may not read answer the same 101
 * `Object not found.`. With `select`, `_rperm` is read for the check and not shown.
 */
export async function fetchReadable(
  deps: ApiDeps,
  collection: string,
  objectId: string,
  include: string[] | undefined,
  select: string[] | undefined,
): Promise<Record<string, unknown> & { objectId: string }> {
  const record = await deps.adapter
    .fetch({
      collection,
      objectId,
      include,
      select: select === undefined ? undefined : [...select, READ_FIELD],
    })
    .catch((error: unknown) => {
      const code = toBackendError(error).code;
      if (code === 'NOT_FOUND' || code === 'TABLE_NOT_FOUND') throw objectNotFound();
      throw error;
    });
  if (!canRead(record, deps.viewer)) throw objectNotFound();
  if (select === undefined || select.includes(READ_FIELD)) return record;
  const { [READ_FIELD]: _r, ...rest } = record;
  void _r;
  return rest as typeof record;
}

/**
 * Refuses an update, increment, relation change or delete of a record the request's viewer may
 * not write: Parse's 101 `Object not found.`, whether the record is missing, unreadable or only
 * read-only for the viewer. Free for the master key and collections without ACLs.
 */
export async function assertCanWrite(
  deps: ApiDeps,
  collection: string,
  objectId: string,
): Promise<void> {
  if (!(await aclApplies(deps, collection))) return;
  const record = await deps.adapter
    .fetch({ collection, objectId, select: [WRITE_FIELD] })
    .catch((error: unknown) => {
      const code = toBackendError(error).code;
      if (code === 'NOT_FOUND' || code === 'TABLE_NOT_FOUND') throw objectNotFound();
      throw error;
    });
  if (!canWrite(record, deps.viewer)) throw objectNotFound();
}

/**
 * The data of a create/update with the `ACL` of `body` (if any) as hidden columns, adding the
 * columns to the collection first when it has none. System collections (`_User`...) keep their
 * own rules: their `ACL` is ignored.
 */
export async function withAclData(
  deps: ApiDeps,
  collection: string,
  body: unknown,
  data: UpdateInput,
): Promise<UpdateInput> {
  if (!isPlainRecord(body) || !Object.prototype.hasOwnProperty.call(body, 'ACL')) return data;
  if (collection.startsWith('_')) return data;
  const perms = parseAcl(body.ACL, 'body.ACL');
  await ensureAclColumns(deps, collection);
  return { ...data, ...perms } as UpdateInput;
}

async function ensureAclColumns(deps: ApiDeps, collection: string): Promise<void> {
  if (await deps.schema.hasAcl(collection)) return;
  for (const name of [READ_FIELD, WRITE_FIELD]) {
    try {
      await deps.adapter.addColumn(collection, { name, type: 'Array' });
    } catch (error) {
      const code = toBackendError(error).code;
      if (code === 'TABLE_NOT_FOUND') {
        await deps.adapter.createTable({
          name: collection,
          columns: [
            { name: READ_FIELD, type: 'Array' },
            { name: WRITE_FIELD, type: 'Array' },
          ],
        });
        break;
      }
      if (code !== 'SCHEMA_CONFLICT' && code !== 'DUPLICATE_VALUE') throw error;
    }
  }
  deps.schema.invalidate();
}

/** True for a name (or `-name`, `$name`, `name.path`) of a hidden column. */
function namesHidden(text: string): boolean {
  for (const part of text.split(',')) {
    const name = part.trim().replace(/^[-$]/, '').split('.')[0]!;
    if (HIDDEN_FIELDS.has(name)) return true;
  }
  return false;
}

function hiddenName(path: string): BackendError {
  return new BackendError('INVALID_FIELD_NAME', `${path}: ACL columns cannot be used in requests`, {
    details: { path },
  });
}

/**
 * Refuses a filter that names a hidden ACL column: as a key at any depth, or as the `property`
 * of a visual-filter rule. Values are not inspected (`{ title: "_rperm" }` is fine).
 */
export function assertNoHiddenKeys(value: unknown, path: string, depth = 0): void {
  if (depth > 120) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertNoHiddenKeys(item, `${path}[${i}]`, depth + 1));
    return;
  }
  if (!isPlainRecord(value)) return;
  for (const key of Object.keys(value)) {
    const item = value[key];
    if (HIDDEN_FIELDS.has(key)) throw hiddenName(`${path}.${key}`);
    if (key === 'property' && typeof item === 'string' && namesHidden(item)) {
      throw hiddenName(`${path}.${key}`);
    }
    assertNoHiddenKeys(item, `${path}.${key}`, depth + 1);
  }
}

/**
 * Refuses request parameters (`order`, `keys`, `include`, aggregate stages...) that name a hidden
 * ACL column anywhere: as a key, a field reference (`$_rperm`), or in a list (`-_rperm,title`).
 */
export function assertNoHiddenNames(value: unknown, path: string, depth = 0): void {
  if (depth > 120) return;
  if (typeof value === 'string') {
    if (!value.includes('perm')) return;
    if (/^\s*[[{]/.test(value)) {
      // A JSON-encoded parameter (`pipeline`, `where`...): judge what it decodes to.
      let decoded: unknown;
      try {
        decoded = JSON.parse(value) as unknown;
      } catch {
        decoded = undefined;
      }
      if (decoded !== undefined) {
        assertNoHiddenNames(decoded, path, depth + 1);
        return;
      }
    }
    if (namesHidden(value)) throw hiddenName(path);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertNoHiddenNames(item, `${path}[${i}]`, depth + 1));
    return;
  }
  if (!isPlainRecord(value)) return;
  for (const key of Object.keys(value)) {
    if (HIDDEN_FIELDS.has(key)) throw hiddenName(`${path}.${key}`);
    assertNoHiddenNames(value[key], `${path}.${key}`, depth + 1);
  }
}

/** Refuses query parameters that name the hidden ACL columns (`where` as parsed). */
export function assertNoHiddenParams(
  params: Readonly<Record<string, unknown>>,
  where?: unknown,
): void {
  for (const key of Object.keys(params)) {
    if (key !== 'where') assertNoHiddenNames(params[key], key);
  }
  assertNoHiddenKeys(where, 'where');
}
