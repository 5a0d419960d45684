import { BackendError, describeValue } from './backend-error';

/**
 * The longest collection or field name accepted (PostgreSQL's identifier limit).
 *
 * @example
 * ```ts
 * isValidFieldName('x'.repeat(MAX_NAME_LENGTH + 1)); // false
 * ```
 */
export const MAX_NAME_LENGTH = 63;

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;
const SYSTEM_COLLECTION_PATTERN = /^_[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Field names that every record has and that a schema may not define as columns.
 *
 * @example
 * ```ts
 * RESERVED_FIELD_NAMES.has('objectId'); // true
 * ```
 */
export const RESERVED_FIELD_NAMES: ReadonlySet<string> = new Set([
  'objectId',
  'createdAt',
  'updatedAt',
  'ACL',
]);

/**
 * The only `_`-prefixed field names accepted: the hidden columns in which `@localbackend/server`
 * keeps object ACLs (Parse Server's layout: the ids allowed to read / write a record). The server
 * refuses them in client input and removes them from every answer.
 */
const INTERNAL_FIELD_NAMES: ReadonlySet<string> = new Set(['_rperm', '_wperm']);

/**
 * Names that live on `Object.prototype` (plus `prototype`). They are refused as field names so that no code path
 * that looks a name up in a plain object can ever confuse a field with an inherited member.
 *
 * @example
 * ```ts
 * PROTOTYPE_NAMES.has('constructor'); // true
 * ```
 */
export const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);

/**
 * Options of {@link isValidCollectionName}.
 *
 * @example
 * ```ts
 * isValidCollectionName('_User', { allowSystem: true }); // true
 * ```
 */
export interface CollectionNameOptions {
  /** Accept system collections, whose names start with `_` (`_User`, `_WorkflowRun`...). */
  readonly allowSystem?: boolean;
}

/**
 * True when `name` can name a collection: it starts with a letter, has only `A-Z a-z 0-9 _`, and
 * is at most {@link MAX_NAME_LENGTH} characters (Parse's rule plus PostgreSQL's length limit),
 * and is not a member of `Object.prototype` (see {@link PROTOTYPE_NAMES}).
 * Names starting with `_` are system collections, accepted only with `allowSystem`.
 *
 * @example
 * ```ts
 * isValidCollectionName('Todo'); // true
 * isValidCollectionName('Todo; DROP TABLE x'); // false
 * isValidCollectionName('_User'); // false
 * ```
 */
export function isValidCollectionName(name: unknown, options: CollectionNameOptions = {}): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  if (PROTOTYPE_NAMES.has(name)) return false;
  if (NAME_PATTERN.test(name)) return true;
  return options.allowSystem === true && SYSTEM_COLLECTION_PATTERN.test(name);
}

/**
 * True when `name` can name a user-defined field (column): the same character rule as
 * collections, not one of {@link RESERVED_FIELD_NAMES} and not a member of `Object.prototype`.
 * The only `_` names accepted are `_rperm` and `_wperm`, the hidden ACL columns of
 * `@localbackend/server` (which refuses them in client input).
 * Use {@link isSystemFieldName} for `objectId`, `createdAt`, `updatedAt`.
 *
 * @example
 * ```ts
 * isValidFieldName('title'); // true
 * isValidFieldName('__proto__'); // false
 * isValidFieldName('objectId'); // false (reserved)
 * ```
 */
export function isValidFieldName(name: unknown): boolean {
  return (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_NAME_LENGTH &&
    (NAME_PATTERN.test(name) || INTERNAL_FIELD_NAMES.has(name)) &&
    !RESERVED_FIELD_NAMES.has(name) &&
    !PROTOTYPE_NAMES.has(name)
  );
}

/**
 * True for the fields every record carries: `objectId`, `createdAt`, `updatedAt`.
 *
 * @example
 * ```ts
 * isSystemFieldName('createdAt'); // true
 * ```
 */
export function isSystemFieldName(name: unknown): boolean {
  return name === 'objectId' || name === 'createdAt' || name === 'updatedAt';
}

/**
 * Throws `INVALID_COLLECTION_NAME` unless `name` is a valid collection name.
 *
 * @example
 * ```ts
 * assertCollectionName(req.params.table, 'params.table');
 * ```
 */
export function assertCollectionName(
  name: unknown,
  path = 'collection',
  options: CollectionNameOptions = {},
): asserts name is string {
  if (!isValidCollectionName(name, options)) {
    throw new BackendError(
      'INVALID_COLLECTION_NAME',
      `${path}: ${describeValue(name)} is not a valid collection name; expected a letter followed by letters, digits or _ (at most ${MAX_NAME_LENGTH} characters)${options.allowSystem === true ? '' : ', not starting with _'}`,
      {
        details: {
          path,
          expected: 'a collection name like Todo',
          received: describeValue(name),
        },
      },
    );
  }
}

/**
 * Throws `INVALID_FIELD_NAME` unless `name` is a valid user field name.
 *
 * @example
 * ```ts
 * assertFieldName('title', 'data.title');
 * ```
 */
export function assertFieldName(name: unknown, path = 'field'): asserts name is string {
  if (!isValidFieldName(name)) {
    const reserved =
      typeof name === 'string' && (RESERVED_FIELD_NAMES.has(name) || PROTOTYPE_NAMES.has(name));
    throw new BackendError(
      'INVALID_FIELD_NAME',
      reserved
        ? `${path}: ${describeValue(name)} is a reserved name and cannot be used as a field`
        : `${path}: ${describeValue(name)} is not a valid field name; expected a letter followed by letters, digits or _ (at most ${MAX_NAME_LENGTH} characters)`,
      {
        details: { path, expected: 'a field name like title', received: describeValue(name) },
      },
    );
  }
}
