import {
  BackendError,
  isPlainRecord,
  type ParseWireValue,
  type StoredRecord,
} from '@localbackend/adapter';
import type { ApiDeps } from '../api-deps';
import { encodeRecord, operationResults, parseFind, parseGet } from '../parse-operations';
import { parseSortParam, parseWhereParam, single } from '../params';
import type { UserSession } from '../../user-store';
import { PARSE_USER_CODES, invalidSession, userError } from './user-errors';
import { SESSION_CLASS, USER_CLASS, assertSafeUserQuery, checkEmail } from './user-fields';

type Params = Readonly<Record<string, unknown>>;
type WireRecord = { [key: string]: ParseWireValue };

/** GET /users: a find on `_User`; no filtering or sorting on secrets (or on email without the master key). */
export async function usersFind(deps: ApiDeps, params: Params): Promise<unknown> {
  const whereRaw = single(params.where, 'where');
  const orderRaw = single(params.order, 'order');
  assertSafeUserQuery(
    whereRaw === undefined ? undefined : parseWhereParam(whereRaw, 'where'),
    orderRaw === undefined ? undefined : parseSortParam(orderRaw, 'order'),
    deps.viewer,
  );
  await deps.users.ready();
  return parseFind(deps, USER_CLASS, params);
}

/** GET /users/:id */
export async function usersGet(deps: ApiDeps, objectId: string, params: Params): Promise<unknown> {
  await deps.users.ready();
  return parseGet(deps, USER_CLASS, objectId, params);
}

/** POST /users: sign up → `{ objectId, createdAt, sessionToken }`. */
export async function usersCreate(
  deps: ApiDeps,
  body: unknown,
  installationId?: string,
): Promise<{ objectId: string; createdAt: string; sessionToken: string }> {
  const { user, sessionToken } = await deps.users.signUp(body, {
    viewer: deps.viewer,
    ...(installationId === undefined ? {} : { installationId }),
  });
  return { objectId: user.objectId, createdAt: user.createdAt, sessionToken };
}

/** PUT /users/:id → `{ updatedAt }` (+ operation results, + `sessionToken` after a password change). */
export async function usersUpdate(
  deps: ApiDeps,
  objectId: string,
  body: unknown,
  installationId?: string,
): Promise<WireRecord> {
  const { user, sessionToken } = await deps.users.updateUser(objectId, body, deps.viewer, {
    ...(installationId === undefined ? {} : { installationId }),
  });
  const out: WireRecord = {
    updatedAt: user.updatedAt,
    ...(await operationResults(deps, USER_CLASS, body, user)),
  };
  if (sessionToken !== undefined) out.sessionToken = sessionToken;
  return out;
}

/** DELETE /users/:id → `{}`. */
export async function usersDelete(deps: ApiDeps, objectId: string): Promise<Record<string, never>> {
  await deps.users.deleteUser(objectId, deps.viewer);
  return {};
}

/** A `_User` request of a Parse `/batch`. */
export function runUserOperation(
  deps: ApiDeps,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  objectId: string | undefined,
  body: unknown,
): Promise<unknown> {
  const params = isPlainRecord(body) ? body : {};
  switch (method) {
    case 'GET':
      return objectId === undefined ? usersFind(deps, params) : usersGet(deps, objectId, params);
    case 'POST':
      return usersCreate(deps, body);
    case 'PUT':
      return usersUpdate(deps, objectId!, body);
    case 'DELETE':
      return usersDelete(deps, objectId!);
  }
}

/** The user of `session` as it sees itself, Parse-encoded, with its `sessionToken`. */
export async function ownUser(
  deps: ApiDeps,
  user: StoredRecord,
  sessionToken: string,
): Promise<WireRecord> {
  const own: ApiDeps = { ...deps, viewer: { master: deps.viewer.master, userId: user.objectId } };
  return { ...(await encodeRecord(own, USER_CLASS, user)), sessionToken };
}

/** GET /users/me */
export async function usersMe(
  deps: ApiDeps,
  session: UserSession | undefined,
): Promise<WireRecord> {
  if (session === undefined) throw invalidSession();
  return ownUser(deps, session.user, session.token);
}

/** GET /sessions/me: the request's own `_Session`, Parse-encoded. */
export async function sessionsMe(
  deps: ApiDeps,
  session: UserSession | undefined,
): Promise<WireRecord> {
  if (session === undefined) throw invalidSession();
  let record: StoredRecord;
  try {
    record = await deps.adapter.fetch({ collection: SESSION_CLASS, objectId: session.sessionId });
  } catch {
    throw invalidSession();
  }
  return encodeSession(record);
}

function encodeSession(record: StoredRecord): WireRecord {
  const out: WireRecord = {
    objectId: record.objectId,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    sessionToken: record.sessionToken as string,
    user: { __type: 'Pointer', className: USER_CLASS, objectId: String(record.user) },
    expiresAt: { __type: 'Date', iso: String(record.expiresAt) },
  };
  if (isPlainRecord(record.createdWith)) out.createdWith = record.createdWith as WireRecord;
  if (typeof record.installationId === 'string') out.installationId = record.installationId;
  return out;
}

/** GET /sessions: every session with the master key, else the user's own sessions. */
export async function sessionsFind(
  deps: ApiDeps,
  params: Params,
  session: UserSession | undefined,
): Promise<unknown> {
  await deps.users.ready();
  if (deps.viewer.master) return parseFind(deps, SESSION_CLASS, params);
  if (session === undefined) throw invalidSession();
  const whereRaw = single(params.where, 'where');
  const own = { user: session.user.objectId };
  const where = whereRaw === undefined ? own : { $and: [parseWhereParam(whereRaw, 'where'), own] };
  return parseFind(deps, SESSION_CLASS, { ...params, where });
}

/** POST /requestPasswordReset and /verificationEmailRequest: no mail adapter here. */
export function emailRequest(body: unknown, what: 'password reset' | 'verification'): never {
  const email = isPlainRecord(body) ? body.email : undefined;
  if (email === undefined || email === null || email === '') {
    throw userError('REQUIRED_FIELD', PARSE_USER_CODES.EMAIL_MISSING, 'you must provide an email', {
      path: 'email',
    });
  }
  checkEmail(email);
  throw new BackendError(
    'UNSUPPORTED',
    what === 'password reset'
      ? 'Password reset emails are not available: localbackend has no email adapter. Set a new password with PUT /users/<objectId> and the master key.'
      : 'Verification emails are not available: localbackend has no email adapter. Set emailVerified with PUT /users/<objectId> and the master key.',
    { details: { path: 'email' } },
  );
}
