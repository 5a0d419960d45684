import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSQLAdapter } from '../src/index';
import { bundleChild, startChild } from './helpers/child-process';

const here = dirname(fileURLToPath(import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let script: string;
const dir = mkdtempSync(join(tmpdir(), 'lb-multiprocess-'));

beforeAll(async () => {
  script = await bundleChild(join(here, 'child', 'writer.ts'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function idsIn(log: string): string[] {
  let text = '';
  try {
    text = readFileSync(log, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((line) => /^[A-Za-z0-9]{10}$/.test(line));
}

describe('durability', () => {
  it('a writer killed with SIGKILL at a random moment loses no acknowledged record (20 kills)', async () => {
    const dbPath = join(dir, 'durable.db');
    const log = join(dir, 'durable.log');
    writeFileSync(log, '');
    let previous = 0;
    for (let kill = 0; kill < 20; kill++) {
      const child = startChild(script, ['durability', dbPath, log]);
      await child.waitFor(/^ready$/);
      await sleep(20 + Math.random() * 150);
      child.process.kill('SIGKILL');
      const { signal } = await child.exited;
      expect(signal).toBe('SIGKILL');
      const acknowledged = idsIn(log);
      expect(acknowledged.length).toBeGreaterThan(previous);
      previous = acknowledged.length;
      const db = new LocalSQLAdapter(dbPath);
      await db.connect();
      expect(await db.integrityCheck()).toEqual({ ok: true, problems: [] });
      await db.disconnect();
      const raw = new Database(dbPath, { readonly: true });
      const stored = new Set(
        raw.prepare('SELECT "objectId" FROM "Durable"').pluck().all() as string[],
      );
      raw.close();
      const lost = acknowledged.filter((id) => !stored.has(id));
      expect(lost, `kill ${kill + 1}: acknowledged ids missing after reopening`).toEqual([]);
    }
    expect(previous).toBeGreaterThan(100);
  }, 120_000);
});

describe('concurrency', () => {
  it('two processes writing one file for 10 s see no SQLITE_BUSY and lose no write', async () => {
    const dbPath = join(dir, 'shared.db');
    const init = new LocalSQLAdapter(dbPath);
    await init.connect();
    await init.disconnect();
    const logs = [join(dir, 'a.log'), join(dir, 'b.log')];
    const children = ['A', 'B'].map((tag, i) =>
      startChild(script, ['concurrent', dbPath, logs[i]!, '10000', tag]),
    );
    await Promise.all(children.map((c) => c.waitFor(/^ready$/)));
    const summaries = (await Promise.all(children.map((c) => c.waitFor(/^\{/, 60_000)))).map(
      (line) => JSON.parse(line) as { created: number; increments: number; errors: string[] },
    );
    await Promise.all(children.map((c) => c.exited));
    for (const summary of summaries) {
      expect(summary.errors).toEqual([]);
      expect(summary.created).toBeGreaterThan(100);
    }
    const raw = new Database(dbPath, { readonly: true });
    const stored = new Set(
      raw.prepare('SELECT "objectId" FROM "Shared"').pluck().all() as string[],
    );
    const counter = raw
      .prepare(`SELECT "value" FROM "Shared" WHERE "objectId" = 'counter'`)
      .pluck()
      .get();
    const perTag = raw
      .prepare(`SELECT "tag", COUNT(*) AS n FROM "Shared" WHERE "tag" IS NOT NULL GROUP BY "tag"`)
      .all() as {
      tag: string;
      n: number;
    }[];
    raw.close();
    const acknowledged = logs.flatMap(idsIn);
    expect(acknowledged.length).toBe(summaries[0]!.created + summaries[1]!.created);
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    expect(counter).toBe(summaries[0]!.increments + summaries[1]!.increments);
    expect(Object.fromEntries(perTag.map((r) => [r.tag, r.n]))).toEqual({
      A: summaries[0]!.created,
      B: summaries[1]!.created,
    });
    const db = new LocalSQLAdapter(dbPath);
    await db.connect();
    expect((await db.integrityCheck()).ok).toBe(true);
    const columns = (await db.getSchema()).tables
      .find((t) => t.name === 'Shared')!
      .columns.map((c) => c.name);
    expect(columns).toContain('shared_0');
    await db.disconnect();
  }, 90_000);
});

describe('backup under load', () => {
  it('a backup taken while two connections write restores to a consistent database', async () => {
    const dbPath = join(dir, 'bank.db');
    const db = new LocalSQLAdapter(dbPath);
    await db.connect();
    for (let i = 0; i < 10; i++)
      await db.create({ collection: 'Account', objectId: `acct${i}`, data: { balance: 100 } });
    await db.importRecords(
      'Filler',
      Array.from({ length: 20_000 }, (_, i) => ({ i, text: `row ${i} ${'y'.repeat(50)}` })),
    );
    const child = startChild(script, ['transfers', dbPath, '4000']);
    await child.waitFor(/^ready$/);
    let stop = false;
    let local = 0;
    const localWriter = (async () => {
      while (!stop) {
        await db.transaction(async (tx) => {
          const a = await tx.fetch({ collection: 'Account', objectId: 'acct1' });
          const b = await tx.fetch({ collection: 'Account', objectId: 'acct2' });
          await tx.save({
            collection: 'Account',
            objectId: 'acct1',
            data: { balance: (a.balance as number) - 1 },
          });
          await tx.save({
            collection: 'Account',
            objectId: 'acct2',
            data: { balance: (b.balance as number) + 1 },
          });
        });
        local++;
        await sleep(0);
      }
    })();
    await sleep(300);
    const progress: number[] = [];
    const backupPath = join(dir, 'bank-backup.db');
    const result = await db.backup(backupPath, {
      pagesPerStep: 5,
      onProgress: (p) => progress.push(p.remainingPages),
    });
    stop = true;
    await localWriter;
    const summary = JSON.parse(await child.waitFor(/^\{/, 30_000)) as { done: number };
    await child.exited;
    expect(result.totalPages).toBeGreaterThan(50);
    expect(progress.length).toBeGreaterThan(5);
    expect(summary.done + local).toBeGreaterThan(10);

    const restored = new LocalSQLAdapter(join(dir, 'restored.db'));
    await restored.connect();
    await restored.create({ collection: 'Junk', data: { replaced: true } });
    await restored.restore(backupPath);
    expect(await restored.integrityCheck()).toEqual({ ok: true, problems: [] });
    let total = 0;
    for (let i = 0; i < 10; i++)
      total += (await restored.fetch({ collection: 'Account', objectId: `acct${i}` }))
        .balance as number;
    expect(total).toBe(1000);
    const raw = new Database(join(dir, 'restored.db'), { readonly: true });
    expect(raw.prepare('SELECT COUNT(*) FROM "Filler"').pluck().get()).toBe(20_000);
    expect(
      raw.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'Junk'`).pluck().get(),
    ).toBe(0);
    raw.close();
    await restored.disconnect();
    await db.disconnect();
  }, 60_000);
});
