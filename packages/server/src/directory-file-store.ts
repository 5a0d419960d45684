import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { join, resolve } from 'node:path';
import { BackendError } from '@localbackend/adapter';
import {
  assertStoredFileName,
  normalizeContentType,
  type FileContent,
  type FileInfo,
  type FileStore,
} from './file-store';

const META_DIR = '.meta';
const TEMP_DIR = '.tmp';
/** Temporary files older than this are leftovers of a crash and are removed when the store opens. */
const STALE_TEMP_MS = 10 * 60 * 1000;

async function writeFileSynced(path: string, data: Buffer | string): Promise<void> {
  const handle = await fs.open(path, 'wx', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * A {@link FileStore} in a folder: each file is stored under its stored name as plain bytes
 * (`<dir>/<name>`, so the folder can be browsed and backed up as is), its content type in
 * `<dir>/.meta/<name>.json`. Writes go to `<dir>/.tmp/` first, are fsynced and renamed into
 * place, so a crash never leaves a half-written file under a stored name; stale temporary files
 * are removed the first time the store writes. The folder is created on the first upload. Only
 * stored names (see `isStoredFileName`) are accepted, so nothing outside the folder is reachable.
 *
 * @example
 * ```ts
 * import { DirectoryFileStore, createApiRouter } from '@localbackend/server';
 *
 * const router = createApiRouter({
 *   adapter,
 *   masterKey,
 *   fileStore: new DirectoryFileStore('./data/files'),
 * });
 * ```
 */
export class DirectoryFileStore implements FileStore {
  /** The folder (absolute). */
  readonly dir: string;
  #ready: Promise<void> | undefined;

  constructor(dir: string) {
    if (typeof dir !== 'string' || dir.trim() === '') {
      throw new BackendError('INVALID_CONFIG', 'filesPath: expected a directory path', {
        details: { path: 'filesPath' },
      });
    }
    this.dir = resolve(dir);
  }

  #prepare(): Promise<void> {
    this.#ready ??= (async () => {
      await fs.mkdir(join(this.dir, META_DIR), { recursive: true });
      await fs.mkdir(join(this.dir, TEMP_DIR), { recursive: true });
      const tempDir = join(this.dir, TEMP_DIR);
      const now = Date.now();
      for (const entry of await fs.readdir(tempDir)) {
        const path = join(tempDir, entry);
        const stat = await fs.lstat(path).catch(() => undefined);
        if (stat !== undefined && now - stat.mtimeMs > STALE_TEMP_MS) {
          await fs.rm(path, { force: true, recursive: true }).catch(() => undefined);
        }
      }
    })().catch((error: unknown) => {
      this.#ready = undefined;
      throw error;
    });
    return this.#ready;
  }

  /**
   * Writes the bytes and the content type (temp file, fsync, rename), then returns the file's
   * facts. Fails with `INTERNAL` (the cause is kept for the log) when the disk refuses.
   *
   * @example
   * ```ts
   * const info = await store.put(createFileName('a.png'), bytes, 'image/png');
   * ```
   */
  async put(name: string, data: Buffer, contentType: string): Promise<FileInfo> {
    assertStoredFileName(name);
    const type = normalizeContentType(contentType, name);
    const stamp = `${Date.now()}-${randomBytes(6).toString('hex')}`;
    const tempData = join(this.dir, TEMP_DIR, `${stamp}.data`);
    const tempMeta = join(this.dir, TEMP_DIR, `${stamp}.meta`);
    const metaPath = join(this.dir, META_DIR, `${name}.json`);
    let metaPlaced = false;
    try {
      await this.#prepare();
      await writeFileSynced(tempData, data);
      await writeFileSynced(tempMeta, JSON.stringify({ contentType: type }));
      await fs.rename(tempMeta, metaPath);
      metaPlaced = true;
      await fs.rename(tempData, join(this.dir, name));
    } catch (error) {
      await fs.rm(tempData, { force: true }).catch(() => undefined);
      await fs.rm(tempMeta, { force: true }).catch(() => undefined);
      if (metaPlaced) await fs.rm(metaPath, { force: true }).catch(() => undefined);
      throw new BackendError('INTERNAL', 'could not save the file', { cause: error });
    }
    return { name, contentType: type, size: data.length };
  }

  /**
   * The file's facts and a function opening a read stream, or undefined when it does not exist.
   *
   * @example
   * ```ts
   * const file = await store.get(name);
   * if (file && typeof file.body === 'function') file.body().pipe(res);
   * ```
   */
  async get(name: string): Promise<FileContent | undefined> {
    assertStoredFileName(name);
    const path = join(this.dir, name);
    let size: number;
    try {
      const stat = await fs.lstat(path);
      if (!stat.isFile()) return undefined;
      size = stat.size;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw new BackendError('INTERNAL', 'could not read the file', { cause: error });
    }
    let contentType = normalizeContentType(undefined, name);
    try {
      const meta = JSON.parse(
        await fs.readFile(join(this.dir, META_DIR, `${name}.json`), 'utf8'),
      ) as { contentType?: unknown };
      contentType = normalizeContentType(meta.contentType, name);
    } catch {
      // No or unreadable metadata: the type guessed from the extension.
    }
    return { name, contentType, size, body: () => createReadStream(path) };
  }

  /**
   * Removes the file and its metadata; false when there was no such file.
   *
   * @example
   * ```ts
   * await store.delete(name);
   * ```
   */
  async delete(name: string): Promise<boolean> {
    assertStoredFileName(name);
    try {
      await fs.unlink(join(this.dir, name));
    } catch (error) {
      if (isMissing(error)) return false;
      throw new BackendError('INTERNAL', 'could not delete the file', { cause: error });
    }
    await fs.rm(join(this.dir, META_DIR, `${name}.json`), { force: true }).catch(() => undefined);
    return true;
  }
}
