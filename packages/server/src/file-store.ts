import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BackendError, describeValue } from '@localbackend/adapter';

/**
 * What a {@link FileStore} knows about one stored file (no URL: the server builds that from the
 * request).
 *
 * @example
 * ```ts
 * const info: FileInfo = { name: '0f3c...9a_photo.png', contentType: 'image/png', size: 2048 };
 * ```
 */
export interface FileInfo {
  /** The stored name: 32 hex characters, `_`, the sanitized original name (see {@link createFileName}). */
  readonly name: string;
  /** The content type given at upload (`application/octet-stream` when none was known). */
  readonly contentType: string;
  /** Size in bytes. */
  readonly size: number;
}

/**
 * A stored file with its bytes: a Buffer, or a function opening a stream over them (called only
 * when the bytes are needed, so `HEAD` never opens the file).
 *
 * @example
 * ```ts
 * const file: FileContent | undefined = await store.get(name);
 * if (file) res.end(Buffer.isBuffer(file.body) ? file.body : undefined);
 * ```
 */
export interface FileContent extends FileInfo {
  readonly body: Buffer | (() => Readable);
}

/**
 * Where the server keeps uploaded files (`POST /files/:filename`). Implementations:
 * {@link DirectoryFileStore} (a folder on disk) and {@link MemoryFileStore}. Names passed in are
 * always stored names made by {@link createFileName}; a store must refuse anything else
 * (`assertStoredFileName`) so that no name can leave its storage.
 *
 * @example
 * ```ts
 * const store: FileStore = new MemoryFileStore();
 * const info = await store.put(createFileName('a.txt'), Buffer.from('hi'), 'text/plain');
 * const file = await store.get(info.name); // { name, contentType: 'text/plain', size: 2, body }
 * await store.delete(info.name); // true
 * ```
 */
export interface FileStore {
  /** Stores the bytes under `name` (replacing nothing: names are unique); never leaves a partial file. */
  put(name: string, data: Buffer, contentType: string): Promise<FileInfo>;
  /** The file, or undefined when there is none with that name. */
  get(name: string): Promise<FileContent | undefined>;
  /** Removes the file; false when there was none. */
  delete(name: string): Promise<boolean>;
}

/**
 * Longest original file name accepted (Parse's limit): 128 characters.
 *
 * @example
 * ```ts
 * if (file.name.length > MAX_FILE_NAME_LENGTH) alert('Please rename the file');
 * ```
 */
export const MAX_FILE_NAME_LENGTH = 128;

const STORED_NAME = /^[0-9a-f]{32}_[A-Za-z0-9._-]{1,128}$/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const FORBIDDEN = /[\u0000-\u001f\u007f/\\]/;

function invalidName(message: string, name: unknown, path: string): BackendError {
  return new BackendError('INVALID_VALUE', `${path}: ${message}`, {
    details: {
      path,
      expected: `a file name of 1 to ${MAX_FILE_NAME_LENGTH} characters without "/", "\\" or control characters`,
      received: describeValue(typeof name === 'string' ? name.slice(0, 60) : name),
    },
  });
}

/**
 * The sanitized form of an uploaded file's name: letters, digits, `.`, `_` and `-` are kept,
 * every other character (spaces, accents, emoji, `%`, `@`...) becomes `_`. Throws
 * `INVALID_VALUE` for names that cannot be a plain file name: empty, longer than 128
 * characters, containing `/`, `\`, NUL or another control character, or made only of dots
 * (`.`, `..`).
 *
 * @example
 * ```ts
 * sanitizeFileName('Photo 1 (café).png'); // 'Photo_1__caf__.png'
 * sanitizeFileName('../etc/passwd'); // throws INVALID_VALUE
 * ```
 */
export function sanitizeFileName(original: unknown, path = 'filename'): string {
  if (typeof original !== 'string' || original.length === 0) {
    throw invalidName('expected a non-empty file name', original, path);
  }
  if (original.length > MAX_FILE_NAME_LENGTH) {
    throw invalidName(
      `the file name is longer than ${MAX_FILE_NAME_LENGTH} characters (${original.length})`,
      original,
      path,
    );
  }
  if (FORBIDDEN.test(original)) {
    throw invalidName('the file name contains "/", "\\" or a control character', original, path);
  }
  if (/^\.+$/.test(original)) {
    throw invalidName('the file name cannot be only dots', original, path);
  }
  let out = '';
  for (const char of original) out += /^[A-Za-z0-9._-]$/.test(char) ? char : '_';
  return out;
}

/**
 * A new, unique stored name for an uploaded file, like Parse's: 32 random hex characters, `_`,
 * then {@link sanitizeFileName} of the original name.
 *
 * @example
 * ```ts
 * createFileName('hello world.txt'); // e.g. '9b2f...c41e_hello_world.txt'
 * ```
 */
export function createFileName(original: unknown, path = 'filename'): string {
  return `${randomBytes(16).toString('hex')}_${sanitizeFileName(original, path)}`;
}

/**
 * True for a name {@link createFileName} could have made (the only names a store accepts).
 *
 * @example
 * ```ts
 * isStoredFileName('0123456789abcdef0123456789abcdef_a.txt'); // true
 * isStoredFileName('../a.txt'); // false
 * ```
 */
export function isStoredFileName(name: unknown): name is string {
  return typeof name === 'string' && STORED_NAME.test(name) && !/^\.+$/.test(name.slice(33));
}

/**
 * Throws `INVALID_VALUE` unless `name` is a stored file name (see {@link isStoredFileName}).
 *
 * @example
 * ```ts
 * assertStoredFileName(req.params.name, 'params.name');
 * ```
 */
export function assertStoredFileName(name: unknown, path = 'name'): asserts name is string {
  if (!isStoredFileName(name)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: not a stored file name (32 hex characters, "_", then letters, digits, ".", "_" or "-")`,
      {
        details: {
          path,
          expected: 'a stored file name',
          received: describeValue(typeof name === 'string' ? name.slice(0, 60) : name),
        },
      },
    );
  }
}

const CONTENT_TYPE =
  /^[A-Za-z0-9!#$&^_.+-]{1,100}\/[A-Za-z0-9!#$&^_.+-]{1,100}(\s*;[\x20-\x7e]*)?$/;

const BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  webm: 'video/webm',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  js: 'text/javascript',
  css: 'text/css',
  zip: 'application/zip',
};

/**
 * The content type to store: the given one when it is a well-formed `type/subtype[; params]`
 * (at most 200 characters), else a guess from the name's extension, else
 * `application/octet-stream`.
 *
 * @example
 * ```ts
 * normalizeContentType('image/png', 'a.bin'); // 'image/png'
 * normalizeContentType(undefined, 'a.pdf'); // 'application/pdf'
 * ```
 */
export function normalizeContentType(given: unknown, name: string): string {
  if (typeof given === 'string') {
    const trimmed = given.trim();
    if (trimmed.length <= 200 && CONTENT_TYPE.test(trimmed)) return trimmed;
  }
  const dot = name.lastIndexOf('.');
  const ext = dot < 0 ? '' : name.slice(dot + 1).toLowerCase();
  return BY_EXTENSION[ext] ?? 'application/octet-stream';
}
