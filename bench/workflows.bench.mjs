#!/usr/bin/env node
// @localbackend/workflows benchmark (run `pnpm --filter @localbackend/workflows... build` first,
// or `pnpm bench workflows`).
//
// A cloud function Request -> Query Records -> Response, called through WorkflowRuntime.run(),
// against the same query done directly: adapter.query() + JSON serialisation of the rows, in the
// same run, on the same SQLite file database. Each path is driven with the same number of calls in
// flight and measured in calls per second (best of 3 rounds).
//
//   direct            adapter.query({ collection, limit }) + JSON.stringify({ result: { items } })
//   function/worker   runtime.run() with the default worker-thread isolation   measured
//   function/inline   runtime.run() with isolation: 'none' (no worker hop)     measured
//   ... records off   the same without execution records (for reference)       measured
//
// The target (HTTP function vs `GET /api/<table>`) is workflows-http.bench.mjs. To add a
// path here, push `{ name, setup, call, teardown }` onto PATHS; `call` performs one request and
// resolves when it is answered. Ratios are printed against the first path.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSQLAdapter } from '../packages/sqlite/dist/index.js';
import { WorkflowRuntime } from '../packages/workflows/dist/index.js';

const ROWS = 1_000;
const LIMIT = 20;
const IN_FLIGHT = 32;
const ROUND_MS = 1_500;
const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const dir = mkdtempSync(join(tmpdir(), 'lb-workflows-bench-'));
const adapter = new LocalSQLAdapter(join(dir, 'bench.db'));
await adapter.connect();
await adapter.transaction(async (tx) => {
  for (let i = 0; i < ROWS; i++) {
    await tx.create({
      collection: 'Todo',
      data: { title: `item ${i}`, n: i, done: i % 2 === 0, tags: ['a', 'b'] },
    });
  }
});

/** Request -> Query Records (limit 20) -> Response { items }, sent on Query Records' Success. */
const queryFunction = {
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
};

function functionPath(name, options) {
  let runtime;
  return {
    name,
    async setup() {
      runtime = new WorkflowRuntime({ adapter, ...options });
      runtime.load(queryFunction, { source: 'bench' });
      await runtime.start();
      const probe = await runtime.run('todos/list', { body: '{}' });
      const items = JSON.parse(probe.body).result?.items;
      if (probe.statusCode !== 200 || items?.length !== LIMIT)
        throw new Error(
          `${name}: unexpected answer ${probe.statusCode} ${probe.body.slice(0, 200)}`,
        );
    },
    async call() {
      const result = await runtime.run('todos/list', { body: '{}', headers: {} });
      if (result.statusCode !== 200) throw new Error(`${name}: ${result.body}`);
    },
    async teardown() {
      await runtime.close();
    },
  };
}

const PATHS = [
  {
    name: 'direct: adapter.query + JSON.stringify',
    async setup() {},
    async call() {
      const { results } = await adapter.query({ collection: 'Todo', limit: LIMIT });
      JSON.stringify({ result: { items: results } });
    },
    async teardown() {},
  },
  // Execution records are written for every run (batched); they are part of the cost measured.
  functionPath('function: run() with worker isolation (default)', {}),
  functionPath('function: run() with worker isolation, 1 worker', { workers: 1 }),
  functionPath('function: run() with isolation none', { isolation: 'none' }),
  // For reference: the same without execution records.
  functionPath('function: run() worker isolation, records off', { records: false }),
  functionPath('function: run() isolation none, records off', {
    isolation: 'none',
    records: false,
  }),
];

/** Keeps IN_FLIGHT calls going for ROUND_MS; calls per second, best of 3 rounds. */
async function throughput(call) {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let done = 0;
    let stop = false;
    const started = performance.now();
    const lane = async () => {
      while (!stop) {
        await call();
        done++;
        if (performance.now() - started >= ROUND_MS) stop = true;
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    best = Math.max(best, done / ((performance.now() - started) / 1000));
    globalThis.gc?.();
  }
  return best;
}

const results = [];
try {
  for (const path of PATHS) {
    await path.setup();
    for (let i = 0; i < 200; i++) await path.call(); // warm-up
    results.push({ name: path.name, perSecond: await throughput(() => path.call()) });
    await path.teardown();
  }
} finally {
  await adapter.disconnect();
  rmSync(dir, { recursive: true, force: true });
}

const baseline = results[0].perSecond;
console.log(
  `Query ${LIMIT} of ${ROWS} rows, ${IN_FLIGHT} calls in flight, best of 3 x ${ROUND_MS} ms (Node ${process.version})`,
);
for (const r of results) {
  console.log(
    `  ${r.name.padEnd(52)} ${fmt(r.perSecond).padStart(8)} calls/s   ${fmt(r.perSecond / baseline, 2)}x`,
  );
}
const workerRatio = results[1].perSecond / baseline;
// The target (function >= 0.5x REST) is measured over HTTP by workflows-http.bench.mjs;
// this in-process comparison against a bare adapter.query is a reference for the runtime's own cost.
console.log(
  `reference: function path (worker isolation) vs direct query -> ${fmt(workerRatio, 2)}x (target: see workflows-http)`,
);
