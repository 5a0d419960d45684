/**
 * Acceptance (issue 7): a bundle serves requests from a temp dir outside the repo. Instead of a
 * network `npm install`, the built workspace package is linked into the bundle's node_modules.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BackendManager, PortAllocator, bundleBackend } from '../src/index';
import { childEntry, ensureBuilt, managerDir, repoRoot } from './helpers/built';
import { api, health, waitFor } from './helpers/http';
import { runCli } from './helpers/run-cli';

const FIXTURE = fileURLToPath(new URL('./fixtures/apitest.workflow.json', import.meta.url));
let root: string;
let out: string;
let manager: BackendManager;
const servers: ChildProcess[] = [];
const ports = new PortAllocator({ start: 27_000, end: 27_999 });

beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-bundle-src-'));
  out = mkdtempSync(path.join(os.tmpdir(), 'lb-bundle-out-'));
  manager = new BackendManager({ root, childEntry, basePort: 27_500, maxPort: 27_999 });
});
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if (s.exitCode === null) {
      s.kill('SIGTERM');
      await new Promise((r) => s.on('close', r));
    }
  }
});
afterAll(async () => {
  await manager.stopAll();
  rmSync(root, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
});

/** What `npm install` would do, from the local build: link @localbackend/manager. */
function linkWorkspace(bundleDir: string): void {
  const scope = path.join(bundleDir, 'node_modules', '@localbackend');
  mkdirSync(scope, { recursive: true });
  symlinkSync(managerDir, path.join(scope, 'manager'), 'dir');
}

async function serve(
  bundleDir: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(process.execPath, ['server.js'], {
    cwd: bundleDir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(child);
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return { child, output: () => output };
}

describe('bundleBackend', () => {
  it('writes a runnable folder that serves the data, schema and workflows from outside the repo', async () => {
    const backend = await manager.createBackend('Shop backend');
    await manager.updateWorkflow(
      backend.id,
      'apitest',
      JSON.parse(readFileSync(FIXTURE, 'utf8')) as Record<string, unknown>,
    );
    await manager.startBackend(backend.id);
    await api(backend.port, 'POST', '/api/Product', { name: 'Kettle', price: 30 });
    await api(backend.port, 'POST', '/api/Product', { name: 'Toaster', price: 25 });

    // Bundled while running: the data is copied with an online backup.
    const dir = path.join(out, 'with-data');
    const result = await bundleBackend(backend.id, dir, { manager, includeData: true });
    expect(path.relative(repoRoot, dir).startsWith('..')).toBe(true);
    expect([...result.files].sort()).toEqual(
      [
        '.gitignore',
        'README.md',
        'config.json',
        'data/local.db',
        'package.json',
        'schema.json',
        'server.js',
        'workflows/apitest.workflow.json',
      ].sort(),
    );
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg).toMatchObject({
      name: 'shop-backend-backend',
      main: 'server.js',
      scripts: { start: 'node server.js' },
      dependencies: { '@localbackend/manager': '^0.1.0' },
    });
    await manager.stopBackend(backend.id);

    linkWorkspace(dir);
    const port = await ports.allocate();
    const { output } = await serve(dir, { PORT: String(port) });
    await waitFor(
      async () => (await health(port)) !== undefined,
      15_000,
      `bundle on ${port}: ${output()}`,
    );
    expect(await health(port)).toMatchObject({
      status: 'ok',
      id: backend.id,
      backend: 'Shop backend',
    });
    const products = await api(port, 'GET', `/api/Product?sort=price`);
    expect((products.body['results'] as { name: string }[]).map((p) => p.name)).toEqual([
      'Toaster',
      'Kettle',
    ]);
    expect(await api(port, 'POST', '/functions/apitest', { param1: 'bundled' })).toMatchObject({
      status: 200,
      body: { result: { test: 'bundled post ok' } },
    });
    expect(output()).toContain('"msg":"listening"');
  });

  it('without data, serves a fresh database at DB_PATH with the bundled schema applied', async () => {
    const backend = await manager.createBackend('Schema only');
    await manager.importParseSchema(backend.id, {
      results: [
        { className: 'Order', fields: { total: { type: 'Number' }, note: { type: 'String' } } },
      ],
    });
    const dir = path.join(out, 'no-data');
    const cli = await runCli(['bundle', backend.id, dir, '--json'], { LOCALBACKEND_ROOT: root });
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ dir, includesData: false });
    expect(existsSync(path.join(dir, 'data', 'local.db'))).toBe(false);
    linkWorkspace(dir);
    const port = await ports.allocate();
    const dbPath = path.join(out, 'elsewhere', 'prod.db');
    const { output } = await serve(dir, {
      PORT: String(port),
      DB_PATH: dbPath,
      MASTER_KEY: 'prod-master-key',
    });
    await waitFor(
      async () => (await health(port)) !== undefined,
      15_000,
      `bundle on ${port}: ${output()}`,
    );
    expect(existsSync(dbPath)).toBe(true);
    const schema = await api(port, 'GET', '/api/_schema', undefined, {
      'X-Parse-Master-Key': 'prod-master-key',
    });
    expect(JSON.stringify(schema.body)).toContain('"Order"');
    expect((await api(port, 'POST', '/api/Order', { total: 12.5 })).status).toBe(201);

    // A second bundle into the same (non-empty) folder needs --force.
    const again = await runCli(['bundle', backend.id, dir], { LOCALBACKEND_ROOT: root });
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('not empty');
  });
});
