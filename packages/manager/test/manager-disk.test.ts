/**
 * BackendManager's on-disk side: layout, crash-safe configs, broken configs reported (never
 * skipped or lost), ports chosen at creation, updates, deletion and hostile ids. No server runs.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendManager } from '../src/index';

let root: string;
let manager: BackendManager;
const servers: net.Server[] = [];

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-disk-'));
  manager = new BackendManager({ root, basePort: 23_000, maxPort: 23_999 });
});
afterEach(async () => {
  await manager.stopAll();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  rmSync(root, { recursive: true, force: true });
});

describe('createBackend', () => {
  it('creates the layout of section 9 with a config, an empty schema and a master key', async () => {
    const config = await manager.createBackend('Todo app');
    const dir = path.join(root, config.id);
    for (const sub of ['config.json', 'schema.json', 'workflows', 'data', 'logs', 'backups']) {
      expect(existsSync(path.join(dir, sub)), sub).toBe(true);
    }
    expect(config).toMatchObject({ name: 'Todo app', port: 23_000, projectIds: [] });
    expect(config.id).toMatch(/^backend-[0-9a-f]{10}$/);
    expect(config.settings.masterKey).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'))).toEqual(config);
    expect(JSON.parse(readFileSync(path.join(dir, 'schema.json'), 'utf8'))).toEqual({
      version: 1,
      tables: [],
    });
    expect(await manager.getBackend(config.id)).toEqual(config);
  });

  it('gives concurrent creations distinct ports, skipping ports other processes hold', async () => {
    const blocker = net.createServer();
    servers.push(blocker);
    await new Promise<void>((r) => blocker.listen(23_001, '127.0.0.1', r));
    const created = await Promise.all(
      Array.from({ length: 6 }, (_, i) => manager.createBackend(`b${i}`)),
    );
    const ports = created.map((c) => c.port).sort((a, b) => a - b);
    expect(new Set(ports).size).toBe(6);
    expect(ports).not.toContain(23_001);
    expect(ports[0]).toBe(23_000);
  });

  it('refuses bad names, ids and ports with INVALID_VALUE, and an existing id with DUPLICATE_VALUE', async () => {
    await expect(manager.createBackend('')).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await expect(manager.createBackend('x', { id: '../escape' })).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
    await expect(manager.createBackend('x', { port: 0 })).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
    await manager.createBackend('x', { id: 'fixed' });
    await expect(manager.createBackend('y', { id: 'fixed' })).rejects.toMatchObject({
      code: 'DUPLICATE_VALUE',
    });
    expect(existsSync(path.join(root, '..', 'escape'))).toBe(false);
  });
});

describe('listBackends', () => {
  it('lists backends newest first and reports broken configs with the reason instead of skipping them', async () => {
    const a = await manager.createBackend('A');
    await new Promise((r) => setTimeout(r, 5));
    const b = await manager.createBackend('B');
    const truncated = await manager.createBackend('Truncated');
    const text = readFileSync(path.join(root, truncated.id, 'config.json'), 'utf8');
    writeFileSync(path.join(root, truncated.id, 'config.json'), text.slice(0, text.length / 2));
    const badPort = await manager.createBackend('BadPort');
    const raw = JSON.parse(readFileSync(path.join(root, badPort.id, 'config.json'), 'utf8'));
    writeFileSync(
      path.join(root, badPort.id, 'config.json'),
      JSON.stringify({ ...raw, port: 'high' }),
    );
    mkdirSync(path.join(root, 'no-config'));
    mkdirSync(path.join(root, 'bad name!'));
    writeFileSync(path.join(root, 'stray-file.txt'), 'x');

    const list = await manager.listBackends();
    const ok = list.filter((e) => e.error === undefined).map((e) => e.id);
    expect(ok).toEqual([b.id, a.id]);
    const broken = Object.fromEntries(
      list.filter((e) => e.error !== undefined).map((e) => [e.id, e.error!.message]),
    );
    expect(Object.keys(broken).sort()).toEqual(
      [badPort.id, truncated.id, 'bad name!', 'no-config'].sort(),
    );
    expect(broken[truncated.id]).toMatch(/not valid JSON/);
    expect(broken[badPort.id]).toMatch(
      /config\.port: expected a port number 1\.\.65535, got "high"/,
    );
    expect(broken['no-config']).toMatch(/config\.json is missing/);
    expect(broken['bad name!']).toMatch(/not a valid backend id/);
    // The broken backend's data is still there and it can be deleted deliberately.
    expect(existsSync(path.join(root, truncated.id, 'data'))).toBe(true);
    await expect(manager.getBackend(truncated.id)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(manager.startBackend(truncated.id)).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await manager.deleteBackend(truncated.id);
    expect(existsSync(path.join(root, truncated.id))).toBe(false);
  });

  it('upgrades a config written by the original design in place, keeping unknown keys', async () => {
    const dir = path.join(root, 'backend-legacy');
    mkdirSync(dir);
    const legacy = {
      id: 'backend-legacy',
      name: 'Legacy',
      createdAt: '2025-01-01T00:00:00.000Z',
      port: 8600,
      projectIds: ['p'],
      extra: { keep: true },
    };
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(legacy));
    const config = await manager.getBackend('backend-legacy');
    expect(config.settings.masterKey).toMatch(/^[0-9a-f]{32}$/);
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(onDisk).toMatchObject({ ...legacy, settings: { masterKey: config.settings.masterKey } });
    // The key is stable from now on.
    expect((await manager.getBackend('backend-legacy')).settings.masterKey).toBe(
      config.settings.masterKey,
    );
  });

  it('returns an empty list when the root does not exist yet', async () => {
    const empty = new BackendManager({ root: path.join(root, 'nothing', 'here') });
    expect(await empty.listBackends()).toEqual([]);
  });
});

describe('updateBackend, findBackend, deleteBackend', () => {
  it('merges settings, keeps unknown keys and validates the result', async () => {
    const created = await manager.createBackend('Shop');
    const file = path.join(root, created.id, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), editorState: { open: true } }),
    );
    const updated = await manager.updateBackend(created.id, {
      name: 'Shop 2',
      projectIds: ['p1', 'p2'],
      settings: { backup: { cron: '0 3 * * *' } },
    });
    expect(updated.name).toBe('Shop 2');
    expect(updated.settings.backup).toEqual({ cron: '0 3 * * *', keep: 10 });
    expect(updated.settings.masterKey).toBe(created.settings.masterKey);
    expect(JSON.parse(readFileSync(file, 'utf8')).editorState).toEqual({ open: true });
    await expect(
      manager.updateBackend(created.id, { settings: { backup: { keep: -1 } } }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
    await expect(
      manager.updateBackend(created.id, { settings: { backup: { cron: 'every tuesday' } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
    await expect(manager.updateBackend(created.id, { name: '\u0000' })).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
    // A refused update leaves the file as it was.
    expect((await manager.getBackend(created.id)).settings.backup).toEqual({
      cron: '0 3 * * *',
      keep: 10,
    });
    expect((await manager.getBackend(created.id)).name).toBe('Shop 2');
  });

  it('finds a backend by id or unique name', async () => {
    const a = await manager.createBackend('Alpha');
    await manager.createBackend('Twin');
    await manager.createBackend('Twin');
    expect((await manager.findBackend('Alpha')).id).toBe(a.id);
    expect((await manager.findBackend(a.id)).id).toBe(a.id);
    await expect(manager.findBackend('Twin')).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    await expect(manager.findBackend('Nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('deletes a backend directory, and answers NOT_FOUND / INVALID_VALUE for unknown or hostile ids', async () => {
    const a = await manager.createBackend('Gone');
    await manager.deleteBackend(a.id);
    expect(existsSync(path.join(root, a.id))).toBe(false);
    await expect(manager.deleteBackend(a.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    for (const hostile of ['..', '../..', '/etc', 'a/b', '', '.hidden', 'x'.repeat(65)]) {
      await expect(manager.deleteBackend(hostile), hostile).rejects.toMatchObject({
        code: 'INVALID_VALUE',
      });
      await expect(manager.getStatus(hostile), hostile).rejects.toMatchObject({
        code: 'INVALID_VALUE',
      });
    }
    expect(existsSync(root)).toBe(true);
  });

  it('reports a stopped backend’s status with its port', async () => {
    const a = await manager.createBackend('Idle');
    expect(await manager.getStatus(a.id)).toEqual({
      id: a.id,
      state: 'stopped',
      running: false,
      port: a.port,
      restarts: 0,
    });
    await expect(manager.getStatus('backend-missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(manager.getHealth(a.id)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
  });
});

describe('workflows on disk', () => {
  it('writes, lists and deletes workflow files, refusing path tricks', async () => {
    const a = await manager.createBackend('Flows');
    await manager.updateWorkflow(a.id, 'hello', { components: [] });
    await manager.updateWorkflow(a.id, 'hello', { components: [{ name: '/#__cloud__/hello' }] });
    expect(await manager.listWorkflows(a.id)).toEqual(['hello']);
    expect(
      JSON.parse(readFileSync(path.join(root, a.id, 'workflows', 'hello.workflow.json'), 'utf8')),
    ).toEqual({
      components: [{ name: '/#__cloud__/hello' }],
    });
    for (const name of ['../x', 'a/b', '..', '.hidden', '']) {
      await expect(manager.updateWorkflow(a.id, name, {}), name).rejects.toMatchObject({
        code: 'INVALID_VALUE',
      });
    }
    await expect(manager.updateWorkflow(a.id, 'x', 'not an object' as never)).rejects.toMatchObject(
      { code: 'INVALID_VALUE' },
    );
    await manager.deleteWorkflow(a.id, 'hello');
    expect(await manager.listWorkflows(a.id)).toEqual([]);
  });
});
