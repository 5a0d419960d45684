/**
 * Uploaded files of a managed backend: kept in `<backend>/files/`, served again after a restart,
 * and carried by a bundle made with data (served from the bundle folder by serveBackend).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendManager, bundleBackend, serveBackend } from '../src/index';

let root: string;
let out: string;
let manager: BackendManager;

/** Every byte value: a binary file. */
const BYTES = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 31) % 256));

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-files-src-'));
  out = mkdtempSync(path.join(os.tmpdir(), 'lb-files-out-'));
  manager = new BackendManager({ root, mode: 'in-process', basePort: 30_500, maxPort: 30_999 });
});
afterAll(async () => {
  await manager.stopAll();
  rmSync(root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

async function download(
  url: string,
): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  // A fresh connection each time (a pooled keep-alive socket may belong to a stopped server).
  const response = await fetch(url, { headers: { connection: 'close' } });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    bytes: Buffer.from(await response.arrayBuffer()),
  };
}

describe('uploaded files of a managed backend', () => {
  it('live in <backend>/files, survive a restart and are bundled with the data', async () => {
    const backend = await manager.createBackend('Files backend');
    const paths = manager.paths(backend.id);
    expect(paths.files).toBe(path.join(root, backend.id, 'files'));
    expect(existsSync(paths.files)).toBe(true);
    const { port } = await manager.startBackend(backend.id);

    const upload = await fetch(`http://127.0.0.1:${port}/files/report.pdf`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/pdf',
        'X-Parse-Application-Id': backend.settings.appId,
      },
      body: BYTES,
    });
    expect(upload.status).toBe(201);
    const { name, url } = (await upload.json()) as { name: string; url: string };
    expect(name).toMatch(/^[0-9a-f]{32}_report\.pdf$/);
    expect(url).toBe(`http://127.0.0.1:${port}/files/${backend.settings.appId}/${name}`);
    expect(readFileSync(path.join(paths.files, name)).equals(BYTES)).toBe(true);

    await manager.restartBackend(backend.id);
    const after = await manager.getStatus(backend.id);
    const again = await download(
      `http://127.0.0.1:${after.port}/files/${backend.settings.appId}/${name}`,
    );
    expect(again.status).toBe(200);
    expect(again.type).toBe('application/pdf');
    expect(again.bytes.equals(BYTES)).toBe(true);

    const dir = path.join(out, 'bundle');
    const result = await bundleBackend(backend.id, dir, { manager, includeData: true });
    expect(result.files).toContain(`files/${name}`);
    expect(result.files).toContain(`files/.meta/${name}.json`);
    expect(readFileSync(path.join(dir, 'files', name)).equals(BYTES)).toBe(true);
    expect(existsSync(path.join(dir, 'files', '.tmp'))).toBe(false);
    await manager.stopBackend(backend.id);

    const served = await serveBackend({ dir, port: 0, log: () => undefined });
    try {
      const fromBundle = await download(`${served.url}/files/${backend.settings.appId}/${name}`);
      expect(fromBundle.status).toBe(200);
      expect(fromBundle.type).toBe('application/pdf');
      expect(fromBundle.bytes.equals(BYTES)).toBe(true);
    } finally {
      await served.stop();
    }

    // Without data, no files are bundled.
    const bare = path.join(out, 'bare');
    const withoutData = await bundleBackend(backend.id, bare, { manager });
    expect(withoutData.files.some((f) => f.startsWith('files/'))).toBe(false);
    expect(
      existsSync(path.join(bare, 'files')) ? readdirSync(path.join(bare, 'files')) : [],
    ).toEqual([]);
  });

  it('are part of backups: a restore brings back the files of the backup, pruning removes them', async () => {
    const backend = await manager.createBackend('Files backups');
    const paths = manager.paths(backend.id);
    const { port } = await manager.startBackend(backend.id);
    const put = async (filename: string, body: string): Promise<string> => {
      const res = await fetch(`http://127.0.0.1:${port}/files/${filename}`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain', 'X-Parse-Application-Id': backend.settings.appId },
        body,
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { name: string }).name;
    };
    const kept = await put('kept.txt', 'kept');
    const removed = await put('removed.txt', 'removed later');
    const backup = await manager.backup(backend.id);
    expect(backup.files).toBe(2);
    const snapshot = backup.path.replace(/\.db$/, '.files');
    expect(
      readdirSync(snapshot)
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual([kept, removed].sort());
    expect((await manager.listBackups(backend.id))[0]).toMatchObject({
      file: backup.file,
      files: 2,
    });

    // After the backup: one file deleted (the snapshot keeps its own link), one uploaded.
    const del = await fetch(`http://127.0.0.1:${port}/files/${removed}`, {
      method: 'DELETE',
      headers: {
        'X-Parse-Application-Id': backend.settings.appId,
        'X-Parse-Master-Key': backend.settings.masterKey,
      },
    });
    expect(del.status).toBe(200);
    const later = await put('later.txt', 'after the backup');
    expect(readFileSync(path.join(snapshot, removed), 'utf8')).toBe('removed later');

    const restored = await manager.restore(backend.id, backup.file);
    expect(restored.files).toBe(2);
    const live = readdirSync(paths.files).filter((n) => !n.startsWith('.'));
    expect(live.sort()).toEqual([kept, removed].sort());
    expect(live).not.toContain(later);
    const status = await manager.getStatus(backend.id);
    const back = await download(
      `http://127.0.0.1:${status.port}/files/${backend.settings.appId}/${removed}`,
    );
    expect(back.status).toBe(200);
    expect(back.bytes.toString()).toBe('removed later');
    expect(back.type).toMatch(/^text\/plain/);
    // No leftovers of the swap next to the files folder.
    expect(readdirSync(paths.dir).filter((n) => n.startsWith('files.'))).toEqual([]);

    // Pruning a backup removes its files with it.
    await manager.updateBackend(backend.id, { settings: { backup: { keep: 1 } } });
    const newer = await manager.backup(backend.id);
    expect(existsSync(snapshot)).toBe(false);
    expect(existsSync(newer.path.replace(/\.db$/, '.files'))).toBe(true);
    await manager.stopBackend(backend.id);
  });
});
