import {
  assertStoredFileName,
  normalizeContentType,
  type FileContent,
  type FileInfo,
  type FileStore,
} from './file-store';

/**
 * A {@link FileStore} in memory: files live as long as the object (the default of a server on
 * `':memory:'` and of `createApiRouter` without a `fileStore`). No size cap beyond the upload
 * limit per file.
 *
 * @example
 * ```ts
 * import { MemoryFileStore, createApiRouter } from '@localbackend/server';
 *
 * const router = createApiRouter({ adapter, masterKey, fileStore: new MemoryFileStore() });
 * ```
 */
export class MemoryFileStore implements FileStore {
  readonly #files = new Map<string, { data: Buffer; contentType: string }>();

  /**
   * Stores a copy of `data` under `name` (a name made by `createFileName`).
   *
   * @example
   * ```ts
   * await store.put(createFileName('a.txt'), Buffer.from('hi'), 'text/plain');
   * ```
   */
  async put(name: string, data: Buffer, contentType: string): Promise<FileInfo> {
    assertStoredFileName(name);
    const type = normalizeContentType(contentType, name);
    this.#files.set(name, { data: Buffer.from(data), contentType: type });
    return { name, contentType: type, size: data.length };
  }

  /**
   * The file with its bytes, or undefined.
   *
   * @example
   * ```ts
   * const file = await store.get(name);
   * ```
   */
  async get(name: string): Promise<FileContent | undefined> {
    assertStoredFileName(name);
    const file = this.#files.get(name);
    if (file === undefined) return undefined;
    return {
      name,
      contentType: file.contentType,
      size: file.data.length,
      body: file.data,
    };
  }

  /**
   * Removes the file; false when there was none.
   *
   * @example
   * ```ts
   * await store.delete(name); // true
   * ```
   */
  async delete(name: string): Promise<boolean> {
    assertStoredFileName(name);
    return this.#files.delete(name);
  }

  /**
   * How many files are stored.
   *
   * @example
   * ```ts
   * store.size; // 0
   * ```
   */
  get size(): number {
    return this.#files.size;
  }
}
