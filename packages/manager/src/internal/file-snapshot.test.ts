import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filesSnapshotPath, restoreFiles, snapshotFiles } from './file-snapshot';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lb-file-snapshot-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function filesFolder(): string {
  const files = path.join(dir, 'files');
  mkdirSync(path.join(files, '.meta'), { recursive: true });
  mkdirSync(path.join(files, '.tmp'), { recursive: true });
  writeFileSync(path.join(files, 'a.txt'), 'A');
  writeFileSync(path.join(files, 'b.bin'), 'B');
  writeFileSync(path.join(files, '.meta', 'a.txt.json'), '{"contentType":"text/plain"}');
  writeFileSync(path.join(files, '.tmp', 'upload-in-progress'), 'partial');
  return files;
}

describe('file snapshots of backups', () => {
  it('names the folder after the backup file', () => {
    expect(filesSnapshotPath('/x/backups/backup-20260101.db')).toBe(
      '/x/backups/backup-20260101.files',
    );
  });

  it('hard-links the stored files and their sidecars, never uploads in progress', async () => {
    const files = filesFolder();
    const snap = path.join(dir, 'snap');
    expect(await snapshotFiles(files, snap)).toBe(2);
    expect(readdirSync(snap).sort()).toEqual(['.meta', 'a.txt', 'b.bin']);
    expect(readdirSync(path.join(snap, '.meta'))).toEqual(['a.txt.json']);
    expect(statSync(path.join(snap, 'a.txt')).ino).toBe(statSync(path.join(files, 'a.txt')).ino);
    // Deleting the live file leaves the snapshot's copy.
    rmSync(path.join(files, 'a.txt'));
    expect(readFileSync(path.join(snap, 'a.txt'), 'utf8')).toBe('A');
  });

  it('creates nothing for a missing or empty files folder', async () => {
    expect(await snapshotFiles(path.join(dir, 'none'), path.join(dir, 'snap'))).toBe(0);
    mkdirSync(path.join(dir, 'empty'));
    expect(await snapshotFiles(path.join(dir, 'empty'), path.join(dir, 'snap'))).toBe(0);
    expect(existsSync(path.join(dir, 'snap'))).toBe(false);
  });

  it('restores by swapping folders: the old set is gone, the snapshot set is there, no leftovers', async () => {
    const files = filesFolder();
    const snap = path.join(dir, 'snap');
    await snapshotFiles(files, snap);
    writeFileSync(path.join(files, 'c.txt'), 'uploaded later');
    expect(await restoreFiles(snap, files)).toBe(2);
    expect(readdirSync(files).sort()).toEqual(['.meta', 'a.txt', 'b.bin']);
    expect(readdirSync(dir).sort()).toEqual(['files', 'snap']);
    // Restoring into a backend that has no files folder yet creates it.
    rmSync(files, { recursive: true });
    expect(await restoreFiles(snap, files)).toBe(2);
    expect(readFileSync(path.join(files, 'b.bin'), 'utf8')).toBe('B');
  });
});
