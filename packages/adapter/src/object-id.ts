import { randomBytes } from 'node:crypto';
import { BackendError, describeValue } from './backend-error';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// 62 * 4 = 248: bytes >= 248 are rejected so that every character is equally likely.
const UNBIASED_LIMIT = 248;
const OBJECT_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * A new random objectId: 10 alphanumeric characters from a crypto-random source, as Parse makes
 * them (about 59.5 bits of entropy).
 *
 * @example
 * ```ts
 * generateObjectId(); // 'x7Gk2PqL0a'
 * generateObjectId(16); // a longer id
 * ```
 */
export function generateObjectId(length = 10): string {
  if (!Number.isInteger(length) || length < 1 || length > 64) {
    throw new BackendError(
      'INVALID_CONFIG',
      `length: expected an integer 1..64, got ${describeValue(length)}`,
      {
        details: { path: 'length', expected: 'an integer 1..64', received: describeValue(length) },
      },
    );
  }
  let id = '';
  while (id.length < length) {
    const bytes = randomBytes(length * 2);
    for (let i = 0; i < bytes.length && id.length < length; i++) {
      const byte = bytes[i]!;
      if (byte < UNBIASED_LIMIT) id += ALPHABET[byte % 62];
    }
  }
  return id;
}

/**
 * True when `id` may be used as an objectId: 1 to 64 characters of `A-Z a-z 0-9 _ -` (generated
 * ids, Parse ids and UUIDs all qualify).
 *
 * @example
 * ```ts
 * isValidObjectId('x7Gk2PqL0a'); // true
 * isValidObjectId("1' OR '1'='1"); // false
 * ```
 */
export function isValidObjectId(id: unknown): id is string {
  return typeof id === 'string' && OBJECT_ID_PATTERN.test(id);
}

/**
 * Throws `INVALID_OBJECT_ID` unless `id` is a valid objectId.
 *
 * @example
 * ```ts
 * assertObjectId(req.params.id, 'params.id');
 * ```
 */
export function assertObjectId(id: unknown, path = 'objectId'): asserts id is string {
  if (!isValidObjectId(id)) {
    throw new BackendError(
      'INVALID_OBJECT_ID',
      `${path}: expected an objectId (1-64 characters of A-Z a-z 0-9 _ -), got ${describeValue(id)}`,
      { details: { path, expected: 'an objectId', received: describeValue(id) } },
    );
  }
}
