import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes are PHC strings, self-describing so that the cost can change later:
 * `$scrypt$ln=14,r=8,p=1$<salt>$<hash>` (salt 16 random bytes, hash 32 bytes, both base64
 * without padding). scrypt comes from node:crypto and runs on the libuv thread pool.
 */
const PREFIX = '$scrypt$';
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

/** Cost parameters of new hashes: N = 2^ln. */
export interface ScryptCost {
  readonly ln: number;
  readonly r: number;
  readonly p: number;
}

/** N = 2^14, r = 8, p = 1: about 16 MiB and 30-40 ms per hash on a laptop core. */
export const DEFAULT_SCRYPT_COST: ScryptCost = { ln: 14, r: 8, p: 1 };

function scryptAsync(
  password: string,
  salt: Buffer,
  length: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, options, (error, key) =>
      error === null ? resolve(key) : reject(error),
    ),
  );
}

function options(cost: ScryptCost): ScryptOptions {
  const N = 2 ** cost.ln;
  return { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
}

function b64(buffer: Buffer): string {
  return buffer.toString('base64').replace(/=+$/, '');
}

/** Hashes a password with a fresh random salt. */
export async function hashPassword(
  password: string,
  cost: ScryptCost = DEFAULT_SCRYPT_COST,
): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await scryptAsync(password.normalize('NFC'), salt, KEY_LENGTH, options(cost));
  return `${PREFIX}ln=${cost.ln},r=${cost.r},p=${cost.p}$${b64(salt)}$${b64(key)}`;
}

const PHC =
  /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]{16,88})\$([A-Za-z0-9+/]{32,88})$/;

/** The parts of a stored hash, or undefined when it is not one we wrote (or its cost is absurd). */
function parseHash(stored: unknown): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined {
  if (typeof stored !== 'string' || !stored.startsWith(PREFIX)) return undefined;
  const match = PHC.exec(stored);
  if (match === null) return undefined;
  const cost = { ln: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  // Bounds keep a corrupted or planted value from costing gigabytes or minutes.
  if (cost.ln < 10 || cost.ln > 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 || cost.p > 4) {
    return undefined;
  }
  const salt = Buffer.from(match[4]!, 'base64');
  const key = Buffer.from(match[5]!, 'base64');
  // Exact lengths: a truncated hash must not verify a password against a prefix of the key.
  if (salt.length !== SALT_LENGTH || key.length !== KEY_LENGTH) return undefined;
  return { cost, salt, key };
}

/** True when `password` matches `stored`; false for a wrong password or a hash we cannot read. */
export async function verifyPassword(password: string, stored: unknown): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === undefined) {
    // Same work as a real check, so that timing does not tell a missing hash apart.
    await scryptAsync(password, DUMMY_SALT, KEY_LENGTH, options(DEFAULT_SCRYPT_COST));
    return false;
  }
  const key = await scryptAsync(
    password.normalize('NFC'),
    parsed.salt,
    KEY_LENGTH,
    options(parsed.cost),
  );
  return timingSafeEqual(key, parsed.key);
}

const DUMMY_SALT = randomBytes(SALT_LENGTH);

/** Spends the time of one verification (for unknown usernames: no timing oracle). */
export async function spendVerificationTime(password: string): Promise<void> {
  await scryptAsync(password, DUMMY_SALT, KEY_LENGTH, options(DEFAULT_SCRYPT_COST));
}
