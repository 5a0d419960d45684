import {
  BackendError,
  describeValue,
  isFieldOperation,
  isPlainRecord,
  type StoredRecord,
  type TableSchema,
  type UpdateInput,
} from '@localbackend/adapter';
import { parseSort, parseWhere } from '@localbackend/query';
import { decodeWriteBody } from '../api-deps';
import { canRead, withoutHidden } from '../acl';
import { PARSE_USER_CODES, userError } from './user-errors';

/** The users collection (Parse's layout). */
export const USER_CLASS = '_User';
/** The sessions collection (Parse's layout). */
export const SESSION_CLASS = '_Session';
/**
 * Where the password hash lives. Parse calls it `_hashed_password`; the storage refuses field
 * names starting with `_` (they must also be valid Postgres identifiers in exports), so the
 * leading underscore is dropped.
 */
export const HASH_FIELD = 'hashed_password';

/** Fields of a `_User` record that no response ever carries. */
export const SECRET_USER_FIELDS: ReadonlySet<string> = new Set([
  HASH_FIELD,
  '_hashed_password',
  'password',
  'authData',
  'sessionToken',
  '_password_history',
  '_email_verify_token',
  '_perishable_token',
]);
/** Fields of a `_User` record only the user and the master key see (Parse's protected fields). */
const PROTECTED_USER_FIELDS: ReadonlySet<string> = new Set(['email']);

/** Longest username (characters). */
export const MAX_USERNAME_LENGTH = 128;
/** Longest password (characters); scrypt work grows with it. */
export const MAX_PASSWORD_LENGTH = 1024;
/** Longest email address (RFC 5321). */
export const MAX_EMAIL_LENGTH = 254;

// eslint-disable-next-line no-control-regex -- control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/**
 * Who is asking: the master key, a logged-in user, or nobody.
 *
 * @example
 * ```ts
 * const viewer: Viewer = { master: false, userId: 'u1' };
 * ```
 */
export interface Viewer {
  readonly master: boolean;
  readonly userId: string | undefined;
}

/** An anonymous viewer. */
export const NOBODY: Viewer = Object.freeze({ master: false, userId: undefined });

/** A `_User` record as `viewer` may see it: no secrets; `email` only for the user or the master key. */
export function userView(record: Readonly<Record<string, unknown>>, viewer: Viewer): StoredRecord {
  const own = viewer.master || (viewer.userId !== undefined && viewer.userId === record.objectId);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    if (SECRET_USER_FIELDS.has(key)) continue;
    if (!own && PROTECTED_USER_FIELDS.has(key)) continue;
    out[key] = record[key];
  }
  return out as StoredRecord;
}

type Lookup = (name: string) => TableSchema | undefined;

/**
 * A stored record of `collection` with every secret removed: a `_User` record becomes its
 * {@link userView}; included Pointers to `_User` likewise (at any depth); included system
 * records other than users become plain ids unless the viewer has the master key; included
 * records the viewer may not read (ACL) become plain ids too; the hidden ACL columns become
 * `ACL`. Returns the same object when nothing had to change.
 */
export function redactRecord(
  collection: string,
  record: StoredRecord,
  lookup: Lookup,
  viewer: Viewer,
): StoredRecord {
  const base = collection === USER_CLASS ? userView(record, viewer) : withoutHidden(record);
  return redactNested(base, lookup(collection), lookup, viewer, 0) as StoredRecord;
}

function redactNested(
  record: Record<string, unknown>,
  table: TableSchema | undefined,
  lookup: Lookup,
  viewer: Viewer,
  depth: number,
): Record<string, unknown> {
  if (depth > 12) return record;
  let out = record;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (!isPlainRecord(value) || typeof value.objectId !== 'string') continue;
    const column = table?.columns.find((c) => c.name === key);
    const target = column?.type === 'Pointer' ? column.targetClass : undefined;
    let replaced: unknown;
    if (target === USER_CLASS || (target === undefined && HASH_FIELD in value)) {
      replaced = redactNested(
        userView(value, viewer),
        lookup(USER_CLASS),
        lookup,
        viewer,
        depth + 1,
      );
    } else if (target !== undefined && target.startsWith('_') && !viewer.master) {
      replaced = value.objectId;
    } else if (!canRead(value, viewer)) {
      // An included record the viewer may not read stays a plain pointer, as in Parse.
      replaced = value.objectId;
    } else {
      replaced = redactNested(
        withoutHidden(value),
        target === undefined ? undefined : lookup(target),
        lookup,
        viewer,
        depth + 1,
      );
    }
    if (replaced !== value) {
      if (out === record) out = { ...record };
      out[key] = replaced;
    }
  }
  return out;
}

function fieldsOf(node: unknown, out: Set<string>, depth = 0): void {
  if (depth > 200) return;
  if (Array.isArray(node)) {
    for (const item of node) fieldsOf(item, out, depth + 1);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const field = (node as { field?: unknown }).field;
  if (typeof field === 'string') out.add(field);
  else if (isPlainRecord(field) && typeof field.field === 'string') out.add(field.field);
  for (const key of ['conditions', 'condition']) {
    const child = (node as Record<string, unknown>)[key];
    if (child !== undefined) fieldsOf(child, out, depth + 1);
  }
}

/**
 * Refuses a `_User` query that filters or sorts on a secret field (a hash could be read one
 * character at a time with `$regex`, or by sorting), or on `email` without the master key
 * (Parse's protected fields). 119 / 403.
 */
export function assertSafeUserQuery(
  where: Record<string, unknown> | undefined,
  sort: unknown,
  viewer: Viewer,
): void {
  const fields = new Set<string>();
  if (where !== undefined) fieldsOf(parseWhere(where, { path: 'where' }), fields);
  if (sort !== undefined) fieldsOf(parseSort(sort, { path: 'order' }), fields);
  for (const field of fields) {
    if (SECRET_USER_FIELDS.has(field) || (!viewer.master && PROTECTED_USER_FIELDS.has(field))) {
      throw new BackendError(
        'FORBIDDEN',
        `Permission denied: the field ${field} of _User cannot be used in a query${SECRET_USER_FIELDS.has(field) ? '' : ' without the master key'}`,
        { details: { path: 'where', field } },
      );
    }
  }
}

/** Validates a username (Parse code 200). */
export function checkUsername(value: unknown, path = 'username'): string {
  if (typeof value !== 'string' || value === '') {
    throw userError(
      'REQUIRED_FIELD',
      PARSE_USER_CODES.USERNAME_MISSING,
      'bad or missing username',
      {
        path,
        expected: 'a non-empty string',
        received: describeValue(value),
      },
    );
  }
  if (value.length > MAX_USERNAME_LENGTH || CONTROL.test(value)) {
    throw userError(
      'INVALID_VALUE',
      PARSE_USER_CODES.USERNAME_MISSING,
      `${path}: expected at most ${MAX_USERNAME_LENGTH} characters and no control characters, got ${describeValue(value)}`,
      { path, expected: `1-${MAX_USERNAME_LENGTH} characters` },
    );
  }
  return value;
}

/** Validates a password (Parse code 201). */
export function checkPassword(value: unknown, path = 'password'): string {
  if (typeof value !== 'string' || value === '') {
    throw userError('REQUIRED_FIELD', PARSE_USER_CODES.PASSWORD_MISSING, 'password is required.', {
      path,
      expected: 'a non-empty string',
    });
  }
  if (value.length > MAX_PASSWORD_LENGTH) {
    throw userError(
      'INVALID_VALUE',
      PARSE_USER_CODES.PASSWORD_MISSING,
      `${path}: expected at most ${MAX_PASSWORD_LENGTH} characters, got ${value.length}`,
      { path, expected: `1-${MAX_PASSWORD_LENGTH} characters` },
    );
  }
  return value;
}

/** Validates an email address (Parse code 125). */
export function checkEmail(value: unknown, path = 'email'): string {
  if (
    typeof value !== 'string' ||
    value.length > MAX_EMAIL_LENGTH ||
    !EMAIL.test(value) ||
    CONTROL.test(value)
  ) {
    throw userError(
      'INVALID_VALUE',
      PARSE_USER_CODES.INVALID_EMAIL_ADDRESS,
      'Email address format is invalid.',
      { path, expected: `an email address of at most ${MAX_EMAIL_LENGTH} characters` },
    );
  }
  return value;
}

/** What a sign-up or user update writes, and the new password (to hash) if any. */
export interface UserWrite {
  readonly data: Record<string, unknown>;
  readonly password: string | undefined;
}

/**
 * Decodes and checks a user write body: `password` is taken out (to be hashed); `username` and
 * `email` are validated (an empty email counts as none); `emailVerified` only with the master
 * key; `sessionToken`, the hash and `authData` can never be written; `objectId` on create only
 * with the master key.
 */
export function userWriteData(
  body: unknown,
  mode: 'create' | 'update',
  viewer: Viewer,
  objectId?: string,
): UserWrite {
  // Typed checks first: `{"password": {"$gt": ""}}` is a bad password, not a bad field name.
  if (isPlainRecord(body)) {
    if (isPlainRecord(body.password) && !isFieldOperation(body.password))
      checkPassword(body.password);
    if (isPlainRecord(body.username) && !isFieldOperation(body.username))
      checkUsername(body.username);
  }
  const data: Record<string, unknown> = { ...decodeWriteBody(body, mode, objectId) } as UpdateInput;
  let password: string | undefined;
  if ('password' in data) {
    const raw = data.password;
    delete data.password;
    if (isFieldOperation(raw)) {
      throw userError(
        'INVALID_VALUE',
        PARSE_USER_CODES.PASSWORD_MISSING,
        'password: cannot be deleted or changed with an operation',
        {
          path: 'password',
        },
      );
    }
    password = checkPassword(raw);
  } else if (mode === 'create') {
    checkPassword(undefined);
  }
  if ('username' in data || mode === 'create') {
    const raw = data.username;
    if (isFieldOperation(raw)) checkUsername(undefined);
    data.username = checkUsername(raw);
  }
  if ('email' in data) {
    const raw = data.email;
    if (raw === null || raw === '' || (isFieldOperation(raw) && raw.__op === 'Delete')) {
      if (mode === 'create') delete data.email;
      else data.email = null;
    } else {
      data.email = checkEmail(raw);
    }
  }
  for (const key of ['sessionToken', HASH_FIELD]) {
    if (key in data) {
      throw new BackendError('INVALID_FIELD_NAME', `${key}: this field cannot be written`, {
        details: { path: key },
      });
    }
  }
  if ('authData' in data) {
    throw new BackendError(
      'UNSUPPORTED',
      'authData: third-party logins are not supported by localbackend',
      {
        details: { path: 'authData' },
      },
    );
  }
  if ('emailVerified' in data && !viewer.master) {
    throw new BackendError(
      'FORBIDDEN',
      "Clients aren't allowed to manually update email verification.",
      {
        details: { path: 'emailVerified' },
      },
    );
  }
  if (mode === 'create' && 'objectId' in data && !viewer.master) {
    throw new BackendError(
      'INVALID_FIELD_NAME',
      "objectId: a user's objectId is chosen by the server (custom ids need the master key)",
      {
        details: { path: 'objectId' },
      },
    );
  }
  return { data, password };
}

/** `^text$` as a case-insensitive regular expression matching exactly `text`. */
export function exactCaseInsensitive(text: string): { $regex: string; $options: 'i' } {
  return { $regex: `^${text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')}$`, $options: 'i' };
}
