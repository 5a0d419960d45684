#!/usr/bin/env node
// Object-ACL cost in @localbackend/server (run `pnpm --filter @localbackend/server build` and
// `pnpm --filter @localbackend/sqlite build` first, or `pnpm bench acl`).
// One LocalBackendServer, two collections with the same 1,000 records: `Open` has no ACL column
// (the baseline: no check at all), `Guarded` has ACLs on every record (half public-read, half
// readable by one user only). Anonymous requests on `Guarded` carry the ACL condition in SQL.
// Load generator (autocannon) in a separate process. Target: >= 0.8x the baseline.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBackendServer, silentLogger } from '../packages/server/dist/index.js';

const worker = fileURLToPath(new URL('./server-bench-worker.mjs', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const dir = mkdtempSync(join(tmpdir(), 'lb-acl-bench-'));
const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

function load(url) {
  const cpu = process.cpuUsage();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [worker, 'load', url, String(CONNECTIONS), String(SECONDS)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load worker exited ${code}`));
      const result = JSON.parse(out);
      const used = process.cpuUsage(cpu);
      resolve({ ...result, cpuPerRequest: (used.user + used.system) / Math.max(1, result.total) });
    });
  });
}

const server = new LocalBackendServer({
  dbPath: join(dir, 'acl.db'),
  port: 0,
  logger: silentLogger,
});
await server.start();
const base = server.url;
const post = (path, body) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-parse-master-key': server.masterKey },
    body: JSON.stringify(body),
  });
const batch = async (requests) => {
  const res = await post('/batch', { requests });
  if (!res.ok) throw new Error(`seed failed: ${res.status} ${await res.text()}`);
};
for (let chunk = 0; chunk < 10; chunk++) {
  const open = [];
  const guarded = [];
  for (let i = chunk * 100; i < chunk * 100 + 100; i++) {
    const data = { name: `item ${i}`, n: i, flag: i % 2 === 0 };
    open.push({ method: 'POST', path: '/classes/Open', body: data });
    const acl = i % 2 === 0 ? { '*': { read: true } } : { someUser01: { read: true, write: true } };
    guarded.push({ method: 'POST', path: '/classes/Guarded', body: { ...data, ACL: acl } });
  }
  await batch(open);
  await batch(guarded);
}
const one = async (c) =>
  (await (await fetch(`${base}/api/${c}?where=${encodeURIComponent('{"n":0}')}`)).json()).results[0]
    .objectId;
const ids = { Open: await one('Open'), Guarded: await one('Guarded') };

console.log(
  `ACL cost: ${CONNECTIONS} connections, ${SECONDS}s per run, anonymous requests; load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(' ')}`,
);
const cases = [
  ['GET /api/:c/:id', (c) => `/api/${c}/${ids[c]}`],
  [
    'GET /api/:c 20-row query',
    (c) => `/api/${c}?limit=20&where=${encodeURIComponent('{"n":{"$gte":100}}')}`,
  ],
  ['GET /classes/:c count', (c) => `/classes/${c}?limit=0&count=1`],
];
for (const [label, path] of cases) {
  // Interleaved, best of two each, so that warm-up and machine load hit both sides alike.
  const runs = { Open: [], Guarded: [] };
  for (const c of ['Open', 'Guarded', 'Guarded', 'Open'])
    runs[c].push(await load(`${base}${path(c)}`));
  const best = (list) => list.reduce((a, b) => (b.rps > a.rps ? b : a));
  const guarded = best(runs.Guarded);
  const open = best(runs.Open);
  if ([...runs.Open, ...runs.Guarded].some((r) => r.non2xx > 0)) {
    throw new Error(`${label}: non-2xx answers`);
  }
  console.log(
    `  ${label.padEnd(26)} ACL'd ${fmt(guarded.rps).padStart(6)} req/s (p99 ${fmt(guarded.p99, 1)} ms)  no ACL column ${fmt(open.rps).padStart(6)} req/s (p99 ${fmt(open.p99, 1)} ms)  ratio ${(guarded.rps / open.rps).toFixed(2)}x (target >= 0.80x)`,
  );
  console.log(
    `  ${''.padEnd(26)} server CPU per request: ACL'd ${fmt(guarded.cpuPerRequest)} µs, no ACL ${fmt(open.cpuPerRequest)} µs -> ${(open.cpuPerRequest / guarded.cpuPerRequest).toFixed(2)}x`,
  );
}
await server.stop();
rmSync(dir, { recursive: true, force: true });
