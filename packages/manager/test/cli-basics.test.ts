/**
 * The `localbackend` CLI as a subprocess (the built dist/cli.js): help everywhere, --json output,
 * meaningful exit codes, and crash-safe config writes under SIGKILL. No backend is served here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry, ensureBuilt, managerDir } from './helpers/built';
import { runCli, runFile } from './helpers/run-cli';

let root: string;
const env = (): Record<string, string> => ({ LOCALBACKEND_ROOT: root });

beforeAll(() => {
  ensureBuilt();
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-cli-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const COMMANDS = [
  'create',
  'list',
  'start',
  'stop',
  'status',
  'delete',
  'export',
  'import',
  'migrate-parse',
  'backup',
  'restore',
  'bundle',
  'logs',
];

describe('localbackend CLI', () => {
  it('is an executable with a node shebang', () => {
    expect(readFileSync(cliEntry, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(cliEntry).mode & 0o111).not.toBe(0);
  });

  it('is the package bin through bin/localbackend.mjs, which exists before the build and runs dist/cli.js', async () => {
    const pkg = JSON.parse(readFileSync(path.join(managerDir, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      files: string[];
    };
    expect(pkg.bin).toEqual({ localbackend: './bin/localbackend.mjs' });
    expect(pkg.files).toContain('bin');
    const bin = path.join(managerDir, 'bin', 'localbackend.mjs');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    const help = await runFile(bin, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: localbackend');
    const bad = await runFile(bin, ['frobnicate']);
    expect(bad.code).toBe(2);
  });

  it('prints help for the program and for every command, exit 0', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    for (const c of COMMANDS) expect(main.stdout).toContain(c);
    expect(main.stdout).toMatch(/Exit codes: 0 ok/);
    const helps = await Promise.all(COMMANDS.map((c) => runCli([c, '--help'])));
    helps.forEach((h, i) => {
      expect(h.code, COMMANDS[i]).toBe(0);
      expect(h.stdout, COMMANDS[i]).toContain(`Usage: localbackend ${COMMANDS[i]}`);
    });
    expect((await runCli(['help', 'bundle'])).stdout).toContain('Usage: localbackend bundle');
  });

  it('exits 2 on usage errors (unknown command, unknown option, missing argument), 2 with no command', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const badOption = await runCli(['list', '--colour'], env());
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toContain("Unknown option '--colour'");
    expect((await runCli(['create'], env())).code).toBe(2);
    expect((await runCli([])).code).toBe(2);
    const json = await runCli(['create', '--json'], env());
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'USAGE' } });
  });

  it('creates, lists (table and --json), shows status and deletes a backend', async () => {
    const created = await runCli(['create', 'Cli shop', '--json'], env());
    expect(created.code).toBe(0);
    const config = JSON.parse(created.stdout) as { id: string; port: number; name: string };
    expect(config.name).toBe('Cli shop');

    const list = await runCli(['list'], env());
    expect(list.stdout).toMatch(
      new RegExp(`${config.id}\\s+Cli shop\\s+${config.port}\\s+stopped`),
    );
    const listJson = JSON.parse((await runCli(['list', '--json'], env())).stdout) as {
      id: string;
      state: string;
    }[];
    expect(listJson).toEqual([expect.objectContaining({ id: config.id, state: 'stopped' })]);

    const status = await runCli(['status', 'Cli shop', '--json'], env());
    expect(JSON.parse(status.stdout)).toMatchObject({
      id: config.id,
      state: 'stopped',
      running: false,
    });

    const refused = await runCli(['delete', config.id], env());
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await runCli(['delete', config.id, '--yes'], env())).code).toBe(0);
    expect(JSON.parse((await runCli(['list', '--json'], env())).stdout)).toEqual([]);
  });

  it('accepts global options before the command (localbackend --root <dir> list)', async () => {
    const other = mkdtempSync(path.join(os.tmpdir(), 'lb-cli-root-'));
    try {
      expect((await runCli(['--root', other, 'create', 'Early', '--json'])).code).toBe(0);
      const listed = await runCli([`--root=${other}`, '--json', 'list']);
      expect(listed.code).toBe(0);
      expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'Early' })]);
      expect((await runCli(['--root', other, 'nothing'])).code).toBe(2);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('exits 3 for an unknown backend and 4 for a broken config or invalid input', async () => {
    const missing = await runCli(['status', 'nobody', '--json'], env());
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toMatchObject({ error: { code: 'NOT_FOUND' } });

    const { id } = JSON.parse((await runCli(['create', 'Breakable', '--json'], env())).stdout) as {
      id: string;
    };
    expect((await runCli(['backup', id, '--schedule', 'every day'], env())).code).toBe(4);
    writeFileSync(path.join(root, id, 'config.json'), '{"id":');
    const broken = await runCli(['status', id], env());
    expect(broken.code).toBe(4);
    expect(broken.stderr).toContain('not valid JSON');
    const list = await runCli(['list'], env());
    expect(list.stdout).toContain(`broken: `);
    expect((await runCli(['delete', id, '--yes'], env())).code).toBe(0);
  });

  it('never leaves a half-written config.json when killed with SIGKILL in the middle of updates', async () => {
    const { id } = JSON.parse((await runCli(['create', 'Durable', '--json'], env())).stdout) as {
      id: string;
    };
    const file = path.join(root, id, 'config.json');
    const names = new Set<string>();
    for (let round = 0; round < 12; round++) {
      const child = spawn(
        process.execPath,
        [
          '-e',
          `
          const { BackendManager } = await import(${JSON.stringify(path.join(path.dirname(cliEntry), 'index.js'))});
          const m = new BackendManager({ root: ${JSON.stringify(root)} });
          for (let i = 0; ; i++) await m.updateBackend(${JSON.stringify(id)}, { name: 'Durable ' + i + ' ' + 'x'.repeat(i % 50), projectIds: Array.from({ length: i % 30 }, (_, k) => 'p' + k) });
        `,
          '--input-type=module',
        ],
        { stdio: 'ignore' },
      );
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 250));
      child.kill('SIGKILL');
      await new Promise((r) => child.on('close', r));
      const parsed = JSON.parse(readFileSync(file, 'utf8')) as { id: string; name: string };
      expect(parsed.id).toBe(id);
      expect(parsed.name).toMatch(/^Durable/);
      names.add(parsed.name);
    }
    expect(names.size).toBeGreaterThan(1);
    const list = JSON.parse((await runCli(['list', '--json'], env())).stdout) as {
      id: string;
      error?: unknown;
    }[];
    expect(list.find((b) => b.id === id)?.error).toBeUndefined();
  });
});
