#!/usr/bin/env node
// @localbackend/server benchmarks (run `pnpm --filter @localbackend/server build` and
// `pnpm --filter @localbackend/sqlite build` first, or `pnpm bench server`).
//  1. HTTP throughput, load generator (autocannon) in a separate process:
//     GET /api/:table/:id and a 20-row query, LocalBackendServer vs a bare express handler doing
//     the same better-sqlite3 call on the same file. Target: >= 0.6x the baseline.
//  2. Realtime fan-out of one create to 1,000 (and 100) subscribed WebSocket clients living in a
//     separate process, vs a bare `ws` server sending the same message. Target: p99 <= 50 ms.
//  3. Start to listening (new LocalBackendServer + start()) vs opening better-sqlite3 + listen.
//     Target: < 300 ms.
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBackendServer, silentLogger } from '../packages/server/dist/index.js';
import { LocalSQLAdapter } from '../packages/sqlite/dist/index.js';

const serverRequire = createRequire(new URL('../packages/server/package.json', import.meta.url));
const sqliteRequire = createRequire(new URL('../packages/sqlite/package.json', import.meta.url));
const express = serverRequire('express');
const { WebSocketServer } = serverRequire('ws');
const Database = sqliteRequire('better-sqlite3');

const worker = fileURLToPath(new URL('./server-bench-worker.mjs', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const now = () => performance.timeOrigin + performance.now();
const dir = mkdtempSync(join(tmpdir(), 'lb-server-bench-'));
const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Runs the load generator; also measures this process's CPU time (the server's) per request. */
async function load(url) {
  const cpu = process.cpuUsage();
  const result = await loadOnly(url);
  const used = process.cpuUsage(cpu);
  return { ...result, cpuPerRequest: (used.user + used.system) / Math.max(1, result.total) };
}

function loadOnly(url) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [worker, 'load', url, String(CONNECTIONS), String(SECONDS)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load worker exited ${code}`)),
    );
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---- data ---------------------------------------------------------------------------------------
const dbPath = join(dir, 'bench.db');
{
  const adapter = new LocalSQLAdapter(dbPath);
  await adapter.connect();
  await adapter.transaction(async (tx) => {
    for (let i = 0; i < 1000; i++) {
      await tx.create({
        collection: 'Item',
        data: { name: `item ${i}`, n: i, flag: i % 2 === 0, score: Math.round(Math.sin(i) * 1000) },
      });
    }
  });
  await adapter.disconnect();
}

// ---- 1. HTTP throughput ---------------------------------------------------------------------
console.log(`HTTP: ${CONNECTIONS} connections, ${SECONDS}s per run, autocannon in a child process`);
const ours = new LocalBackendServer({ dbPath, port: 0, logLevel: 'warn' });
await ours.start();
const first = await (await fetch(`${ours.url}/api/Item?limit=1&sort=n`)).json();
const id = first.results[0].objectId;
const where = encodeURIComponent(JSON.stringify({ n: { $gte: 100 } }));
await ours.stop();

const db = new Database(dbPath, { readonly: true });
db.pragma('journal_mode = WAL');
const byId = db.prepare('SELECT * FROM "Item" WHERE "objectId" = ?');
const page = db.prepare('SELECT * FROM "Item" WHERE "n" >= ? ORDER BY "n" ASC LIMIT 20');
const bare = express();
bare.get('/api/Item/:id', (req, res) => {
  const row = byId.get(req.params.id);
  if (row === undefined) res.status(404).json({ error: 'not found' });
  else res.json(row);
});
bare.get('/api/Item', (req, res) => {
  const w = JSON.parse(String(req.query.where));
  res.json({ results: page.all(w.n.$gte) });
});
const bareServer = createServer(bare);
await new Promise((resolve) => bareServer.listen(0, '127.0.0.1', resolve));
const bareUrl = `http://127.0.0.1:${bareServer.address().port}`;

const scenarios = [
  { name: `GET /api/Item/:id`, path: `/api/Item/${id}` },
  { name: `GET /api/Item 20-row query`, path: `/api/Item?where=${where}&sort=n&limit=20` },
];
const rows = [];
for (const scenario of scenarios) {
  const figures = { ours: [], bare: [] };
  for (let round = 0; round < 2; round++) {
    await ours.start();
    const check = await fetch(`${ours.url}${scenario.path}`);
    if (check.status !== 200) throw new Error(`${scenario.path}: ${check.status}`);
    const a = await load(`${ours.url}${scenario.path}`);
    await ours.stop();
    const b = await load(`${bareUrl}${scenario.path}`);
    if (a.non2xx > 0 || b.non2xx > 0)
      throw new Error(`non-2xx answers: ours ${a.non2xx}, bare ${b.non2xx}`);
    figures.ours.push(a);
    figures.bare.push(b);
  }
  const mean = (list, key) => list.reduce((s, r) => s + r[key], 0) / list.length;
  const row = {
    name: scenario.name,
    ours: mean(figures.ours, 'rps'),
    bare: mean(figures.bare, 'rps'),
    oursP99: mean(figures.ours, 'p99'),
    bareP99: mean(figures.bare, 'p99'),
    oursCpu: mean(figures.ours, 'cpuPerRequest'),
    bareCpu: mean(figures.bare, 'cpuPerRequest'),
  };
  rows.push(row);
  console.log(
    `  ${row.name.padEnd(28)} ours ${fmt(row.ours).padStart(7)} req/s (p99 ${fmt(row.oursP99, 1)} ms)  ` +
      `bare express+better-sqlite3 ${fmt(row.bare).padStart(7)} req/s (p99 ${fmt(row.bareP99, 1)} ms)  ` +
      `ratio ${fmt(row.ours / row.bare, 2)}x (target >= 0.60x)`,
  );
  console.log(
    `  ${''.padEnd(28)} server CPU per request: ours ${fmt(row.oursCpu)} µs, bare ${fmt(row.bareCpu)} µs ` +
      `-> CPU-bound throughput ratio ${fmt(row.bareCpu / row.oursCpu, 2)}x (robust to a busy machine)`,
  );
}
await new Promise((resolve) => bareServer.close(resolve));
db.close();

// ---- 2. Realtime fan-out --------------------------------------------------------------------
async function fanout(label, url, count, collection, trigger, rounds = 40) {
  const child = fork(worker, ['clients', url, String(count), collection], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const nextMessage = (type) =>
    new Promise((resolve) => {
      const on = (m) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m);
        }
      };
      child.on('message', on);
    });
  await nextMessage('connected');
  const delays = [];
  const lasts = [];
  for (let round = 0; round < rounds + 3; round++) {
    child.send({ type: 'expect', count });
    await nextMessage('ready');
    const received = nextMessage('received');
    const t0 = now();
    await trigger(round);
    const { times } = await received;
    if (round < 3) continue; // warm-up
    const d = times.map((t) => t - t0).sort((x, y) => x - y);
    delays.push(...d);
    lasts.push(percentile(d, 99));
  }
  child.send({ type: 'close' });
  delays.sort((a, b) => a - b);
  lasts.sort((a, b) => a - b);
  return {
    label,
    count,
    p50: percentile(delays, 50),
    p99: percentile(delays, 99),
    max: delays.at(-1),
    // With `count` samples per round, one slow round (GC, a busy machine) sets the overall p99;
    // the median of the per-round p99s shows the typical round.
    roundP99: percentile(lasts, 50),
  };
}

console.log(
  `\nRealtime fan-out of one create (clients in a child process; 40 rounds after 3 warm-up; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} on ${cpus().length} cores)`,
);
const rt = new LocalBackendServer({
  dbPath: ':memory:',
  port: 0,
  logLevel: 'warn',
  heartbeatIntervalMs: 0,
});
await rt.start();
const wsUrl = rt.url.replace('http', 'ws');
const create = (round) =>
  fetch(`${rt.url}/api/Fan`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: `round ${round}`, n: round, done: false }),
  }).then((r) => r.text());

const bareWss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
await new Promise((resolve) => bareWss.once('listening', resolve));
const bareWsUrl = `ws://127.0.0.1:${bareWss.address().port}`;
const bareBroadcast = async (round) => {
  const message = JSON.stringify({
    event: 'create',
    data: {
      collection: 'Fan',
      objectId: 'abcdefghij',
      object: {
        objectId: 'abcdefghij',
        createdAt: new Date().toISOString(),
        updatedAt: new Date().toISOString(),
        title: `round ${round}`,
        n: round,
        done: false,
      },
    },
    timestamp: Date.now(),
  });
  for (const client of bareWss.clients) client.send(message);
};

const direct = (round) =>
  rt.adapter.create({
    collection: 'Fan',
    data: { title: `round ${round}`, n: round, done: false },
  });
for (const count of [1000, 100]) {
  const a = await fanout('ours (HTTP POST -> commit -> broadcast)', wsUrl, count, 'Fan', create);
  const d = await fanout('ours (adapter.create -> broadcast)', wsUrl, count, 'Fan', direct);
  const b = await fanout('bare ws broadcast loop', bareWsUrl, count, '-', bareBroadcast);
  for (const r of [a, d, b]) {
    console.log(
      `  ${String(r.count).padStart(5)} clients  ${r.label.padEnd(40)} p50 ${fmt(r.p50, 1).padStart(5)} ms  p99 ${fmt(r.p99, 1).padStart(5)} ms  max ${fmt(r.max, 1).padStart(5)} ms  median round p99 ${fmt(r.roundP99, 1).padStart(5)} ms`,
    );
  }
  console.log(
    `  ${String(count).padStart(5)} clients  p99 ratio ours/bare: end-to-end ${fmt(a.p99 / b.p99, 2)}x, broadcast only ${fmt(d.p99 / b.p99, 2)}x (target: ours p99 <= 50 ms)`,
  );
}
await rt.stop();
await new Promise((resolve) => bareWss.close(resolve));

// ---- 3. Start to listening ------------------------------------------------------------------
console.log('\nStart to listening (10 runs each)');
async function timeIt(fn, runs = 10) {
  const times = [];
  for (let i = 0; i < runs; i++) times.push(await fn(i));
  const first = times[0];
  times.sort((a, b) => a - b);
  return { first, median: percentile(times, 50), max: times.at(-1) };
}
const fresh = await timeIt(async (i) => {
  const t0 = performance.now();
  const server = new LocalBackendServer({
    dbPath: join(dir, `fresh-${i}.db`),
    port: 0,
    logger: silentLogger,
  });
  await server.start();
  const t = performance.now() - t0;
  await server.stop();
  return t;
});
const existing = await timeIt(async () => {
  const t0 = performance.now();
  const server = new LocalBackendServer({ dbPath, port: 0, logger: silentLogger });
  await server.start();
  const t = performance.now() - t0;
  await server.stop();
  return t;
});
const baseline = await timeIt(async () => {
  const t0 = performance.now();
  const d = new Database(dbPath);
  d.pragma('journal_mode = WAL');
  const s = createServer((_q, r) => r.end());
  await new Promise((resolve) => s.listen(0, '127.0.0.1', resolve));
  const t = performance.now() - t0;
  await new Promise((resolve) => s.close(resolve));
  d.close();
  return t;
});
for (const [label, r] of [
  ['ours, new database file', fresh],
  ['ours, existing 1000-row file', existing],
  ['bare better-sqlite3 open + listen', baseline],
]) {
  console.log(
    `  ${label.padEnd(34)} first ${fmt(r.first, 1).padStart(6)} ms  median ${fmt(r.median, 1).padStart(6)} ms  max ${fmt(r.max, 1).padStart(6)} ms`,
  );
}
console.log(
  `  ratio (existing file, median) ${fmt(existing.median / baseline.median, 1)}x the bare open+listen; target < 300 ms`,
);

rmSync(dir, { recursive: true, force: true });
