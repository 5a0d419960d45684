/**
 * Acceptance (issue 7) through the CLI as a subprocess: create -> start (foreground) -> REST
 * create/query -> Ctrl-C -> start again -> data still there; `stop` from another process; status,
 * export, import, backup/restore and logs on a real backend.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, ensureBuilt } from './helpers/built';
import { api, health, waitFor } from './helpers/http';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
import { runCli } from './helpers/run-cli';

let root: string;
const env = (): Record<string, string> => ({ LOCALBACKEND_ROOT: root });
const foreground: ChildProcess[] = [];

beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-clilife-'));
});
afterEach(() => {
  for (const child of foreground.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Foreground {
  child: ChildProcess;
  running: { id: string; port: number; pid: number; url: string };
  events: Record<string, unknown>[];
  exited: Promise<number | null>;
}

/** `localbackend start <id> --json` in the background, resolved once it reports running. */
async function startForeground(id: string): Promise<Foreground> {
  const child = spawn(process.execPath, [cliEntry, 'start', id, '--json'], {
    env: { ...process.env, ...env() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  foreground.push(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  const events: Record<string, unknown>[] = [];
  const running = await new Promise<Foreground['running']>((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const event = JSON.parse(line) as Record<string, unknown>;
      events.push(event);
      if (event['event'] === 'running') resolve(event as unknown as Foreground['running']);
    });
    void exited.then((code) => reject(new Error(`start exited with ${code}: ${stderr}`)));
  });
  return { child, running, events, exited };
}

describe('localbackend CLI lifecycle', () => {
  it('create -> start -> REST -> Ctrl-C -> start again: data still there; stop from another process', async () => {
    const created = await runCli(['create', 'Cli backend', '--json'], env());
    const { id, port } = JSON.parse(created.stdout) as { id: string; port: number };

    const first = await startForeground(id);
    expect(first.running).toMatchObject({ id, port, url: `http://127.0.0.1:${port}` });
    expect(first.running.pid).not.toBe(first.child.pid);
    expect((await api(port, 'POST', '/api/Todo', { title: 'From CLI test' })).status).toBe(201);
    expect(((await api(port, 'GET', '/api/Todo')).body['results'] as unknown[]).length).toBe(1);

    const status = JSON.parse((await runCli(['status', id, '--json'], env())).stdout) as Record<
      string,
      unknown
    >;
    expect(status).toMatchObject({
      id,
      running: true,
      mode: 'external',
      port,
      pid: first.running.pid,
    });
    expect(status['health']).toMatchObject({ status: 'ok', port });
    // A second start from elsewhere is refused with exit code 5.
    const twice = await runCli(['start', id], env());
    expect(twice.code).toBe(5);
    expect(twice.stderr).toContain('already running');

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(await health(port)).toBeUndefined();
    expect(first.events.filter((e) => e['event'] === 'status').map((e) => e['state'])).toEqual(
      expect.arrayContaining(['running', 'stopped']),
    );

    const second = await startForeground(id);
    expect(second.running.port).toBe(port);
    const again = await api(port, 'GET', '/api/Todo');
    expect((again.body['results'] as { title: string }[]).map((r) => r.title)).toEqual([
      'From CLI test',
    ]);

    const stopped = await runCli(['stop', id, '--json'], env());
    expect(stopped.code).toBe(0);
    expect(JSON.parse(stopped.stdout)).toEqual({ id, stopped: true });
    expect(await second.exited).toBe(0);
    expect(await health(port)).toBeUndefined();
    expect(JSON.parse((await runCli(['status', id, '--json'], env())).stdout)).toMatchObject({
      state: 'stopped',
    });
  });

  it('a backend whose supervisor is killed with SIGKILL shuts itself down (no orphans)', async () => {
    const { id } = JSON.parse((await runCli(['create', 'Orphan', '--json'], env())).stdout) as {
      id: string;
    };
    const run = await startForeground(id);
    const backendPid = run.running.pid;
    run.child.kill('SIGKILL');
    await run.exited;
    await waitFor(() => !isAlive(backendPid), 10_000, 'the orphaned backend to exit');
    expect(await health(run.running.port)).toBeUndefined();
    expect(JSON.parse((await runCli(['status', id, '--json'], env())).stdout)).toMatchObject({
      state: 'stopped',
      running: false,
    });
    // It starts again normally.
    const again = await startForeground(id);
    expect(await health(again.running.port)).toMatchObject({ id });
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('export, import, backup, restore and logs on a backend', async () => {
    const { id } = JSON.parse((await runCli(['create', 'Data ops', '--json'], env())).stdout) as {
      id: string;
    };
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-cliio-'));
    try {
      const schemaFile = path.join(dir, 'schemas.json');
      writeFileSync(
        schemaFile,
        JSON.stringify({
          results: [
            {
              className: 'Author',
              fields: { objectId: { type: 'String' }, name: { type: 'String' } },
            },
            {
              className: 'Book',
              fields: {
                objectId: { type: 'String' },
                title: { type: 'String' },
                author: { type: 'Pointer', targetClass: 'Author' },
                published: { type: 'Date' },
              },
            },
          ],
        }),
      );
      const authors = path.join(dir, 'authors.json');
      writeFileSync(
        authors,
        JSON.stringify({
          results: [
            {
              objectId: 'a1',
              name: 'Ursula',
              createdAt: '2020-01-01T00:00:00.000Z',
              updatedAt: '2020-01-01T00:00:00.000Z',
              ACL: {},
            },
          ],
        }),
      );
      const books = path.join(dir, 'books.json');
      writeFileSync(
        books,
        JSON.stringify(
          Array.from({ length: 2500 }, (_, i) => ({
            objectId: `b${i}`,
            title: `Book ${i}`,
            author: { __type: 'Pointer', className: 'Author', objectId: 'a1' },
            published: { __type: 'Date', iso: '2001-02-03T04:05:06.000Z' },
          })),
        ),
      );
      const schema = await runCli(['import', id, '--schema', schemaFile, '--json'], env());
      expect(schema.code).toBe(0);
      expect(JSON.parse(schema.stdout)).toMatchObject({
        schema: { tables: expect.arrayContaining(['Author', 'Book']) },
      });
      expect(
        (await runCli(['import', id, '--collection', 'Author', '--file', authors], env())).code,
      ).toBe(0);
      const imported = await runCli(
        [
          'import',
          id,
          '--collection',
          'Book',
          '--file',
          books,
          '--batch-size',
          '500',
          '--progress',
        ],
        env(),
      );
      expect(imported.code).toBe(0);
      expect(imported.stderr).toMatch(/import Book \[#+\] 100% 2500\/2500/);
      // Importing the same records again fails by default and is a no-op with --on-conflict skip.
      expect(
        (await runCli(['import', id, '--collection', 'Book', '--file', books], env())).code,
      ).toBe(5);
      const skipped = await runCli(
        ['import', id, '--collection', 'Book', '--file', books, '--on-conflict', 'skip', '--json'],
        env(),
      );
      expect(JSON.parse(skipped.stdout)).toMatchObject({ records: { imported: 0, skipped: 2500 } });

      const exported = JSON.parse((await runCli(['export', id, '--data'], env())).stdout) as {
        data: Record<string, { author: string; published: string }[]>;
      };
      expect(exported.data['Book']).toHaveLength(2500);
      expect(exported.data['Book']![0]).toMatchObject({
        author: 'a1',
        published: '2001-02-03T04:05:06.000Z',
      });
      const sqlFile = path.join(dir, 'out.sql');
      const sql = await runCli(
        ['export', id, '--format', 'supabase', '--data', '--out', sqlFile, '--json'],
        env(),
      );
      expect(JSON.parse(sql.stdout)).toMatchObject({ file: sqlFile });
      const sqlText = readFileSync(sqlFile, 'utf8');
      expect(sqlText).toMatch(/ENABLE ROW LEVEL SECURITY/);
      expect(sqlText).toMatch(/INSERT INTO "Book"/);

      const backup = JSON.parse((await runCli(['backup', id, '--json'], env())).stdout) as {
        file: string;
        bytes: number;
      };
      expect(backup.file).toMatch(/^backup-.*\.db$/);
      expect(backup.bytes).toBeGreaterThan(0);
      const list = JSON.parse((await runCli(['backup', id, '--list', '--json'], env())).stdout) as {
        file: string;
      }[];
      expect(list.map((b) => b.file)).toEqual([backup.file]);

      // Change the data while it runs, then restore (the CLI stops nothing here: not running).
      const run = await startForeground(id);
      await api(run.running.port, 'DELETE', '/api/Author/a1');
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
      expect((await runCli(['restore', id, 'latest'], env())).code).toBe(2);
      const restored = await runCli(['restore', id, 'latest', '--yes', '--json'], env());
      expect(restored.code).toBe(0);
      const after = JSON.parse((await runCli(['export', id, '--data'], env())).stdout) as {
        data: Record<string, unknown[]>;
      };
      expect(after.data['Author']).toHaveLength(1);

      const logs = await runCli(['logs', id, '--lines', '200', '--json'], env());
      const entries = logs.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string; backend: string });
      expect(entries.every((e) => e.backend === id)).toBe(true);
      expect(entries.map((e) => e.msg)).toEqual(
        expect.arrayContaining([
          'backend created',
          'backend started',
          'backup taken',
          'restored from backup',
        ]),
      );
      const human = await runCli(['logs', id, '-n', '3'], env());
      expect(human.stdout.trim().split('\n')).toHaveLength(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
