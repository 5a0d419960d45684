import { promises as fs } from 'node:fs';
import path from 'node:path';

/*
 * Backups of a backend's uploaded files. A stored file is never modified after it is written (a
 * new upload gets a new random name; a delete unlinks the name), so a snapshot can hard-link every
 * file instead of copying it: it costs one directory entry per file and stays correct when the
 * live file is deleted later. Where a link is impossible (another file system, no permission)
 * the file is copied.
 */

/** The folder holding the files of the backup `<name>.db`: `<name>.files`. */
export function filesSnapshotPath(backupPath: string): string {
  return backupPath.replace(/\.db$/, '') + '.files';
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await fs.link(from, to);
  } catch {
    await fs.copyFile(from, to);
  }
}

/**
 * Mirrors the stored files of `source` (top-level files and the `.meta/` sidecars; never the
 * `.tmp/` uploads in progress) into the new folder `dest`. Returns how many files it holds;
 * nothing is created when `source` does not exist or holds no file.
 */
export async function snapshotFiles(source: string, dest: string): Promise<number> {
  let count = 0;
  const entries = await fs.readdir(source, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (entry.isFile()) {
      if (count === 0) await fs.mkdir(dest, { recursive: true });
      await linkOrCopy(path.join(source, entry.name), path.join(dest, entry.name));
      count++;
    }
  }
  if (count === 0) return 0;
  const meta = await fs
    .readdir(path.join(source, '.meta'), { withFileTypes: true })
    .catch(() => []);
  if (meta.length > 0) await fs.mkdir(path.join(dest, '.meta'), { recursive: true });
  for (const entry of meta) {
    if (entry.isFile()) {
      await linkOrCopy(
        path.join(source, '.meta', entry.name),
        path.join(dest, '.meta', entry.name),
      );
    }
  }
  return count;
}

/**
 * Replaces the files folder `target` with the snapshot `snapshot`: the snapshot is mirrored into
 * a sibling folder first, then swapped in by renames, so an interruption leaves either the old
 * or the new set of files, never a mix. Returns the number of files restored.
 */
export async function restoreFiles(snapshot: string, target: string): Promise<number> {
  const stamp = `${process.pid}-${Date.now()}`;
  const incoming = `${target}.restoring-${stamp}`;
  const outgoing = `${target}.replaced-${stamp}`;
  await fs.rm(incoming, { recursive: true, force: true });
  const count = await snapshotFiles(snapshot, incoming);
  if (count === 0) await fs.mkdir(incoming, { recursive: true });
  const hadTarget = await fs
    .stat(target)
    .then(() => true)
    .catch(() => false);
  if (hadTarget) await fs.rename(target, outgoing);
  await fs.rename(incoming, target);
  if (hadTarget) await fs.rm(outgoing, { recursive: true, force: true });
  return count;
}
