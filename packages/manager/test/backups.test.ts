/**
 * Backups through the manager API: online backups of a running backend under write load,
 * retention, scheduled backups from the cron expression in config.json, restore (stopping and
 * restarting a running backend), and refusals for bad input.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendManager } from '../src/index';
import { api, waitFor } from './helpers/http';

let root: string;
let manager: BackendManager;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-backup-'));
  manager = new BackendManager({ root, mode: 'in-process', basePort: 29_000, maxPort: 29_999 });
});
afterAll(async () => {
  await manager.stopAll();
  rmSync(root, { recursive: true, force: true });
});

async function count(port: number, collection: string): Promise<number> {
  return (await api(port, 'GET', `/api/${collection}?count=1&limit=0`)).body['count'] as number;
}

describe('backups', () => {
  it('takes a consistent online backup while writes continue, and restores it into the running backend', async () => {
    const backend = await manager.createBackend('Busy');
    const { port } = await manager.startBackend(backend.id);
    for (let i = 0; i < 200; i++) await api(port!, 'POST', '/api/Event', { i });
    let writing = true;
    const load = (async () => {
      let i = 1000;
      while (writing) await api(port!, 'POST', '/api/Event', { i: i++ });
    })();
    const backup = await manager.backup(backend.id);
    writing = false;
    await load;
    expect(backup.file).toMatch(/^backup-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.db$/);
    expect(backup.bytes).toBeGreaterThan(0);
    const before = await count(port!, 'Event');
    expect(before).toBeGreaterThan(200);

    await manager.restore(backend.id, backup.file);
    expect(await manager.getStatus(backend.id)).toMatchObject({ running: true, port });
    const restored = await count(port!, 'Event');
    expect(restored).toBeGreaterThanOrEqual(200);
    expect(restored).toBeLessThanOrEqual(before);
    const integrity = await manager.callData(backend.id, 'read', 'integrityCheck', []);
    expect(integrity).toEqual({ ok: true, problems: [] });
    await manager.stopBackend(backend.id);
  });

  it('keeps only the configured number of backups and lists them newest first', async () => {
    const backend = await manager.createBackend('Retained', { settings: { backup: { keep: 2 } } });
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push(await manager.backup(backend.id));
    const list = await manager.listBackups(backend.id);
    expect(list.map((b) => b.file)).toEqual([taken[3]!.file, taken[2]!.file]);
    expect(Date.parse(list[0]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(list[1]!.createdAt));
  });

  it('runs scheduled backups from the cron expression while the backend runs', async () => {
    const backend = await manager.createBackend('Scheduled');
    await manager.updateBackend(backend.id, {
      settings: { backup: { cron: '* * * * * *', keep: 3 } },
    });
    await manager.startBackend(backend.id);
    await waitFor(
      async () => (await manager.listBackups(backend.id)).length >= 2,
      5000,
      'two scheduled backups',
    );
    await manager.stopBackend(backend.id);
    const settled = (await manager.listBackups(backend.id)).length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await manager.listBackups(backend.id)).length).toBe(settled);
    expect(settled).toBeLessThanOrEqual(3);
    const logs = await manager.readLogs(backend.id);
    expect(logs.some((e) => e.msg === 'backup taken' && e['scheduled'] === true)).toBe(true);
  });

  it('restores a stopped backend from a path and refuses missing or corrupt backups', async () => {
    const backend = await manager.createBackend('Cold');
    const { port } = await manager.startBackend(backend.id);
    await api(port!, 'POST', '/api/Keep', { v: 1 });
    const backup = await manager.backup(backend.id);
    await api(port!, 'POST', '/api/Keep', { v: 2 });
    await manager.stopBackend(backend.id);
    const outside = path.join(root, 'copy.db');
    copyFileSync(backup.path, outside);
    await manager.restore(backend.id, outside);
    const data = JSON.parse(await manager.exportData(backend.id, 'json')) as {
      data: Record<string, unknown[]>;
    };
    expect(data.data['Keep']).toHaveLength(1);

    await expect(manager.restore(backend.id, 'backup-nope.db')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const garbage = path.join(root, 'garbage.db');
    writeFileSync(garbage, 'this is not a database');
    await expect(manager.restore(backend.id, garbage)).rejects.toMatchObject({
      code: expect.stringMatching(/INVALID|INTERNAL|UNSUPPORTED/),
    });
    // The database is untouched by the refused restore.
    const after = JSON.parse(await manager.exportData(backend.id, 'json')) as {
      data: Record<string, unknown[]>;
    };
    expect(after.data['Keep']).toHaveLength(1);
    const empty = await manager.createBackend('Empty');
    await expect(manager.restore(empty.id, 'latest')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('export and import through the API', () => {
  it('imports a Parse schema and records into a stopped backend and exports JSON, Postgres and Supabase', async () => {
    const backend = await manager.createBackend('Imported');
    const schema = await manager.importParseSchema(backend.id, [
      { className: 'City', fields: { name: { type: 'String' }, population: { type: 'Number' } } },
    ]);
    expect(schema.tables).toEqual(['City']);
    const result = await manager.importRecords(backend.id, 'City', [
      { objectId: 'oslo', name: 'Oslo', population: 700_000, ACL: { '*': { read: true } } },
      { objectId: 'bergen', name: 'Bergen', population: 290_000 },
    ]);
    expect(result).toMatchObject({ imported: 2, skipped: 0 });
    await expect(
      manager.importRecords(backend.id, 'City', [{ objectId: 'oslo', name: 'Again' }]),
    ).rejects.toMatchObject({ code: 'DUPLICATE_VALUE' });
    expect(
      await manager.importRecords(backend.id, 'City', [{ objectId: 'oslo', name: 'Oslo!' }], {
        onConflict: 'replace',
      }),
    ).toMatchObject({ imported: 1 });
    const json = JSON.parse(await manager.exportData(backend.id, 'json')) as {
      data: Record<string, { name: string }[]>;
    };
    expect(json.data['City']!.map((c) => c.name).sort()).toEqual(['Bergen', 'Oslo!']);
    expect(await manager.exportSchema(backend.id, 'supabase')).toMatch(/ENABLE ROW LEVEL SECURITY/);
    expect(await manager.exportData(backend.id, 'sql')).toMatch(/INSERT INTO "City"/);
    await expect(
      manager.importRecords(backend.id, 'City', ['nope'] as never),
    ).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await expect(manager.importRecords(backend.id, '$City', [])).rejects.toMatchObject({
      code: 'INVALID_COLLECTION_NAME',
    });
    await expect(manager.importParseSchema(backend.id, { nope: 1 })).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
    await expect(manager.exportData(backend.id, 'xml' as never)).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
  });
});
