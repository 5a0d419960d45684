#!/usr/bin/env node
// Execution records of @localbackend/workflows (run `pnpm build` first, or
// `pnpm bench workflows-records`): the cost per run of writing a run record and pruning it again,
// through AdapterRunStore on a LocalSQLAdapter file database, as the runtime does it — finished
// runs written in batches of 250 (no log lines, like a plain cloud function), `prune(1000)` after
// each batch — with three change listeners registered as the server has them. Compares the bulk
// path (`createMany` / `deleteMany`, used when the adapter declares `capabilities.bulk`) with the
// per-record path (one `create` / `delete` per record in a transaction), the same adapter with
// `bulk` hidden, in the same run. CPU time (user + system, all threads of the process) is the
// steadier figure on a shared machine. Each run record carries a ~2 kB output, the size of the
// recorded response of the workflows-http benchmark.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSQLAdapter } from '../packages/sqlite/dist/index.js';
import { AdapterRunStore } from '../packages/workflows/dist/index.js';

const BATCH = 250;
const BATCHES = 200;
const WARMUP = 40;
const dir = mkdtempSync(join(tmpdir(), 'lb-records-bench-'));
const fmt = (n, d = 1) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const output = JSON.stringify({
  result: {
    items: Array.from({ length: 20 }, (_, i) => ({
      objectId: `id${String(i).padStart(8, '0')}`,
      title: `item ${i}`,
      n: i,
      done: i % 2 === 0,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    })),
  },
}).slice(0, 2_048);

async function measure(bulk) {
  const db = new LocalSQLAdapter(join(dir, `records-${bulk}.db`));
  await db.connect();
  if (!bulk) {
    Object.defineProperty(db, 'capabilities', {
      value: Object.freeze({ ...db.capabilities, bulk: false }),
    });
  }
  for (let l = 0; l < 3; l++) {
    for (const type of ['create', 'save', 'delete']) {
      db.on(type, (event) => {
        if (event.collection.startsWith('_')) return;
      });
    }
  }
  const store = new AdapterRunStore(db);
  let k = 0;
  const batch = () =>
    Array.from({ length: BATCH }, () => {
      const at = new Date().toISOString();
      return {
        id: `r${(k++).toString(36).padStart(9, '0')}`,
        workflow: 'todos/list',
        trigger: 'http',
        status: 'success',
        startedAt: at,
        endedAt: at,
        durationMs: 1,
        statusCode: 200,
        input: '{"body":"{}","headers":{"content-type":"application/json"}}',
        output,
      };
    });
  const wall = { write: 0, prune: 0 };
  const cpuOf = { write: 0, prune: 0 };
  const cpuNow = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  let cpu;
  for (let i = 0; i < WARMUP + BATCHES; i++) {
    if (i === WARMUP) {
      wall.write = 0;
      wall.prune = 0;
      cpuOf.write = 0;
      cpuOf.prune = 0;
      cpu = process.cpuUsage();
    }
    const runs = batch();
    let start = performance.now();
    let c = cpuNow();
    await store.write(runs, []);
    wall.write += performance.now() - start;
    cpuOf.write += cpuNow() - c;
    start = performance.now();
    c = cpuNow();
    await store.prune(1_000);
    wall.prune += performance.now() - start;
    cpuOf.prune += cpuNow() - c;
  }
  const used = process.cpuUsage(cpu);
  if ((await db.count({ collection: '_WorkflowRun' })) !== 1_000)
    throw new Error('retention broken');
  await db.disconnect();
  const n = BATCH * BATCHES;
  return {
    write: cpuOf.write / n,
    prune: cpuOf.prune / n,
    wall: ((wall.write + wall.prune) * 1000) / n,
    cpu: (used.user + used.system) / n,
  };
}

console.log(
  `execution records: ${BATCHES} batches of ${BATCH} runs, prune(1000) after each, load average ${fmt(loadavg()[0])} (Node ${process.version})`,
);
const results = { bulk: [], perRecord: [] };
for (let round = 0; round < 3; round++) {
  results.perRecord.push(await measure(false));
  results.bulk.push(await measure(true));
}
const best = (list) => list.reduce((a, b) => (b.cpu < a.cpu ? b : a));
const b = best(results.bulk);
const p = best(results.perRecord);
for (const [name, r] of [
  ['bulk (createMany / deleteMany)', b],
  ['per record (create / delete)', p],
]) {
  console.log(
    `  ${name.padEnd(32)} CPU per run: write ${fmt(r.write).padStart(5)} us + prune ${fmt(r.prune).padStart(5)} us = ${fmt(r.cpu).padStart(5)} us   (wall ${fmt(r.wall)} us)`,
  );
}
console.log(`  bulk / per record CPU: ${fmt(b.cpu / p.cpu, 2)}x (best of 3 each)`);
rmSync(dir, { recursive: true, force: true });
