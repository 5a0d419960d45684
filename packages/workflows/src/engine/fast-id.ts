import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const POOL_SIZE = 4_096;
// 62 * 4 = 248: bytes >= 248 are skipped so every character is equally likely.
const UNBIASED_LIMIT = 248;
const pool = new Uint8Array(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * A new random 10-character alphanumeric id (like Parse objectIds), drawn from a pool of
 * crypto-random bytes that is refilled 4 KB at a time (one system call per ~350 ids instead of
 * one per id).
 *
 * @example
 * ```ts
 * fastId(); // 'x7Gk2PqL0a'
 * ```
 */
export function fastId(length = 10): string {
  let id = '';
  while (id.length < length) {
    if (offset >= POOL_SIZE) {
      randomFillSync(pool);
      offset = 0;
    }
    const byte = pool[offset++]!;
    if (byte < UNBIASED_LIMIT) id += ALPHABET[byte % 62];
  }
  return id;
}
