#!/usr/bin/env node
// Cloud function vs REST over HTTP (issue 6's target), in one run, with the load generator
// (autocannon) in a separate process. Run `pnpm build` first, or `pnpm bench workflows-http`.
//
//   REST       GET  /api/Todo?limit=20                      (LocalBackendServer's native route)
//   function   POST /functions/todos/list                   (Request -> Query Records -> Response,
//              served by the WorkflowRuntime that `workflowsPath` starts; worker isolation and
//              execution records on — the defaults)
//
// Both return the same 20 rows of the same SQLite file. Target: function >= 0.5x REST.
// Besides requests per second it prints the server process's CPU time per request (all its
// threads: main, workflow workers, V8's GC/compiler helpers), which varies much less than
// throughput on a shared machine, split (on Linux) into the main thread and the other threads
// (workflow workers and V8's garbage-collector / compiler helpers).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalBackendServer, silentLogger } from '../packages/server/dist/index.js';
import { LocalSQLAdapter } from '../packages/sqlite/dist/index.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = 2;
const LIMIT = 20;
const worker = fileURLToPath(new URL('./server-bench-worker.mjs', import.meta.url));
const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const dir = mkdtempSync(join(tmpdir(), 'lb-workflows-http-bench-'));
const dbPath = join(dir, 'local.db');
const workflowsPath = join(dir, 'workflows');
mkdirSync(workflowsPath);
{
  const adapter = new LocalSQLAdapter(dbPath);
  await adapter.connect();
  await adapter.transaction(async (tx) => {
    for (let i = 0; i < 1000; i++) {
      await tx.create({
        collection: 'Todo',
        data: { title: `item ${i}`, n: i, done: i % 2 === 0 },
      });
    }
  });
  await adapter.disconnect();
}
writeFileSync(
  join(workflowsPath, 'todos.workflow.json'),
  JSON.stringify({
    components: [
      {
        name: '/#__cloud__/todos/list',
        graph: {
          roots: [
            { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
            {
              id: 'q',
              type: 'DbCollection2',
              parameters: { collectionName: 'Todo', storageEnableLimit: true, storageLimit: LIMIT },
            },
            { id: 'res', type: 'noodl.cloud.response' },
          ],
          connections: [
            { fromId: 'req', fromProperty: 'receive', toId: 'q', toProperty: 'storageFetch' },
            { fromId: 'q', fromProperty: 'items', toId: 'res', toProperty: 'pm-items' },
            { fromId: 'q', fromProperty: 'fetched', toId: 'res', toProperty: 'send' },
          ],
        },
      },
    ],
  }),
);

/** CPU ticks (1/100 s) of the main thread and of all other threads of this process (Linux). */
function threadTicks() {
  const ticks = { main: 0, other: 0 };
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const t = Number(fields[11]) + Number(fields[12]);
        if (tid === String(process.pid)) ticks.main += t;
        else ticks.other += t;
      } catch {
        // the thread ended meanwhile
      }
    }
  } catch {
    return undefined; // no /proc
  }
  return ticks;
}

function load(url, method, body) {
  return new Promise((resolve, reject) => {
    const args = [worker, 'load', url, String(CONNECTIONS), String(SECONDS), method];
    if (body !== undefined) args.push(body);
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load worker exited ${code}`)),
    );
  });
}

const server = new LocalBackendServer({
  dbPath,
  port: 0,
  logger: silentLogger,
  workflowsPath,
  ...(process.env.BENCH_WORKFLOWS ? { workflows: JSON.parse(process.env.BENCH_WORKFLOWS) } : {}),
});
await server.start();
const rest = {
  name: 'REST GET /api/Todo?limit=20',
  url: `${server.url}/api/Todo?limit=${LIMIT}`,
  method: 'GET',
};
const fn = {
  name: 'function POST /functions/todos/list',
  url: `${server.url}/functions/todos/list`,
  method: 'POST',
  body: '{}',
};
try {
  const restRows = (await (await fetch(rest.url)).json()).results;
  const fnAnswer = await (
    await fetch(fn.url, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
  ).json();
  if (restRows?.length !== LIMIT || fnAnswer?.result?.items?.length !== LIMIT) {
    throw new Error(`unexpected answers: ${JSON.stringify(fnAnswer).slice(0, 200)}`);
  }
  const best = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const path of [rest, fn]) {
      const cpu0 = process.cpuUsage();
      const ticks0 = threadTicks();
      const r = await load(path.url, path.method, path.body);
      const cpu = process.cpuUsage(cpu0);
      const ticks1 = threadTicks();
      r.cpuPerRequest = (cpu.user + cpu.system) / Math.max(1, r.total);
      if (ticks0 !== undefined && ticks1 !== undefined) {
        r.mainPerRequest = ((ticks1.main - ticks0.main) * 10_000) / Math.max(1, r.total);
        r.otherPerRequest = ((ticks1.other - ticks0.other) * 10_000) / Math.max(1, r.total);
      }
      if (r.non2xx > 0 || r.errors > 0)
        throw new Error(`${path.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
      const prev = best.get(path.name);
      if (prev === undefined || r.rps > prev.rps) best.set(path.name, r);
    }
  }
  const base = best.get(rest.name).rps;
  console.log(
    `HTTP, ${CONNECTIONS} connections, best of ${ROUNDS} x ${SECONDS} s, load average ${loadavg()[0].toFixed(1)} (Node ${process.version})`,
  );
  for (const [name, r] of best) {
    console.log(
      `  ${name.padEnd(40)} ${fmt(r.rps).padStart(7)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms  ${fmt(r.cpuPerRequest).padStart(4)} us CPU/req${r.mainPerRequest === undefined ? '' : ` (main ${fmt(r.mainPerRequest)}, other threads ${fmt(r.otherPerRequest)})`}  ${fmt(r.rps / base, 2)}x`,
    );
  }
  const ratio = best.get(fn.name).rps / base;
  console.log(
    `target: function >= 0.50x REST -> ${fmt(ratio, 2)}x ${ratio >= 0.5 ? 'OK' : 'BELOW TARGET'}`,
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
