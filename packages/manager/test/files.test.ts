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
});
