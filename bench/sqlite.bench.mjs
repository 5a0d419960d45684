#!/usr/bin/env node
// @localbackend/sqlite benchmarks (run `pnpm --filter @localbackend/sqlite... build` first, or
// `pnpm bench sqlite`). LocalSQLAdapter vs raw better-sqlite3 prepared statements doing the same
// work on a file database with the same pragmas (WAL, synchronous=NORMAL), in the same run:
//  1. fetch by objectId                         target >= 0.5x raw throughput
//  2. indexed equality query returning 20 rows  target >= 0.5x raw throughput
//  3. a single insert (its own transaction)     measured
//  4. a 100,000-row import                      target >= 100,000 rows/s and >= 0.5x raw
//  5. 500 inserts / deletes in one transaction: createMany / deleteMany vs one create / delete per
//     record vs raw (a prepared INSERT per row; one DELETE ... WHERE objectId IN (...)), with and
//     without a change listener (events need the deleted rows: RETURNING *)      measured
// Raw rows are returned as better-sqlite3 gives them; the adapter also decodes them into records.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSQLAdapter } from '../packages/sqlite/dist/index.js';

const sqliteRequire = createRequire(new URL('../packages/sqlite/package.json', import.meta.url));
const Database = sqliteRequire('better-sqlite3');

const dir = mkdtempSync(join(tmpdir(), 'lb-sqlite-bench-'));
const ROWS = 10_000;
const GROUPS = ROWS / 20;
const fmt = (n, d = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const results = [];

function rawDb(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  return db;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function id(i) {
  let s = '';
  let n = i * 7919 + 104729;
  for (let k = 0; k < 10; k++) {
    s += ALPHABET[n % 62];
    n = Math.floor(n / 62) + k * 31;
  }
  return s;
}

function record(i, base) {
  const at = new Date(base + i * 1000).toISOString();
  return {
    objectId: id(i),
    createdAt: at,
    updatedAt: at,
    title: `item ${i}`,
    n: i,
    done: i % 2 === 0,
    grp: `g${i % GROUPS}`,
  };
}

/** Runs `fn` repeatedly for about `ms`, returns operations per second (best of 3 rounds). */
async function opsPerSecond(fn, ms = 700) {
  let best = 0;
  for (let round = 0; round < 3; round++) {
    let ops = 0;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < 200; i++) await fn(ops++);
      now = performance.now();
    }
    best = Math.max(best, (ops * 1000) / (now - start));
  }
  return best;
}

function report(name, ours, raw, unit, target) {
  const ratio = ours / raw;
  results.push({ name, ours, raw, ratio, target });
  console.log(
    `${name.padEnd(40)} LocalSQLAdapter ${fmt(ours).padStart(10)} ${unit}   raw better-sqlite3 ${fmt(raw).padStart(10)} ${unit}   ratio ${fmt(ratio, 2)}x${target ? `   (target ${target})` : ''}`,
  );
}

// ---- setup: the same 10,000 rows in both databases -----------------------------------------------
const base = Date.UTC(2026, 0, 1);
const rows = Array.from({ length: ROWS }, (_, i) => record(i, base));

const adapter = new LocalSQLAdapter(join(dir, 'adapter.db'));
await adapter.connect();
await adapter.createTable({
  name: 'Item',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'n', type: 'Number' },
    { name: 'done', type: 'Boolean' },
    { name: 'grp', type: 'String', indexed: true },
  ],
});
await adapter.importRecords('Item', rows);

const raw = rawDb(join(dir, 'raw.db'));
raw.exec(`CREATE TABLE "Item" ("objectId" TEXT PRIMARY KEY NOT NULL, "createdAt" TEXT NOT NULL, "updatedAt" TEXT NOT NULL, "title" TEXT, "n" REAL, "done" INTEGER, "grp" TEXT);
CREATE INDEX "i_createdAt" ON "Item" ("createdAt"); CREATE INDEX "i_updatedAt" ON "Item" ("updatedAt"); CREATE INDEX "i_grp" ON "Item" ("grp");`);
const rawInsert = raw.prepare(
  `INSERT INTO "Item" ("objectId", "createdAt", "updatedAt", "title", "n", "done", "grp") VALUES (?, ?, ?, ?, ?, ?, ?)`,
);
raw.transaction(() => {
  for (const r of rows)
    rawInsert.run(r.objectId, r.createdAt, r.updatedAt, r.title, r.n, r.done ? 1 : 0, r.grp);
})();

console.log(
  `LocalSQLAdapter vs raw better-sqlite3, ${ROWS.toLocaleString('en-US')} rows, file databases in ${dir}\n`,
);

// ---- 1. fetch by id ------------------------------------------------------------------------------
{
  const ids = rows.map((r) => r.objectId);
  const rawGet = raw.prepare(`SELECT * FROM "Item" WHERE "objectId" = ?`);
  const check = await adapter.fetch({ collection: 'Item', objectId: ids[5] });
  if (check.title !== 'item 5' || check.done !== false)
    throw new Error('fetch returned the wrong record');
  const ours = await opsPerSecond((i) =>
    adapter.fetch({ collection: 'Item', objectId: ids[(i * 7) % ROWS] }),
  );
  const theirs = await opsPerSecond((i) => rawGet.get(ids[(i * 7) % ROWS]));
  report('fetch by id', ours, theirs, 'ops/s', '>= 0.5x');
}

// ---- 2. indexed equality query, 20 rows ---------------------------------------------------------
{
  const rawQuery = raw.prepare(`SELECT * FROM "Item" WHERE "grp" = ? LIMIT 100`);
  const check = await adapter.query({ collection: 'Item', where: { grp: 'g7' }, limit: 100 });
  if (check.results.length !== 20 || rawQuery.all('g7').length !== 20)
    throw new Error('the query did not return 20 rows');
  const ours = await opsPerSecond((i) =>
    adapter.query({ collection: 'Item', where: { grp: `g${i % GROUPS}` }, limit: 100 }),
  );
  const theirs = await opsPerSecond((i) => rawQuery.all(`g${i % GROUPS}`));
  report('indexed equality query (20 rows)', ours, theirs, 'ops/s', '>= 0.5x');
}

// ---- 3. single insert ----------------------------------------------------------------------------
{
  let k = 0;
  const ours = await opsPerSecond(() =>
    adapter.create({
      collection: 'Item',
      data: { title: `new ${k++}`, n: k, done: true, grp: 'new' },
    }),
  );
  let j = 0;
  const theirs = await opsPerSecond(() => {
    const at = new Date().toISOString();
    rawInsert.run(`raw${(j++).toString(36).padStart(7, '0')}`, at, at, `new ${j}`, j, 1, 'new');
  });
  report('single insert (autocommit)', ours, theirs, 'ops/s');
}

// ---- 4. 100,000-row import -------------------------------------------------------------------------
{
  const N = 100_000;
  const big = Array.from({ length: N }, (_, i) => record(i + 1_000_000, base));
  const times = { ours: Infinity, raw: Infinity };
  for (let round = 0; round < 3; round++) {
    const a = new LocalSQLAdapter(join(dir, `import-${round}.db`));
    await a.connect();
    await a.createTable({
      name: 'Item',
      columns: [
        { name: 'title', type: 'String' },
        { name: 'n', type: 'Number' },
        { name: 'done', type: 'Boolean' },
        { name: 'grp', type: 'String', indexed: true },
      ],
    });
    let start = performance.now();
    const result = await a.importRecords('Item', big, { batchSize: 10_000 });
    times.ours = Math.min(times.ours, performance.now() - start);
    if (result.imported !== N || (await a.count({ collection: 'Item' })) !== N)
      throw new Error('import lost rows');
    await a.disconnect();

    const r = rawDb(join(dir, `raw-import-${round}.db`));
    r.exec(`CREATE TABLE "Item" ("objectId" TEXT PRIMARY KEY NOT NULL, "createdAt" TEXT NOT NULL, "updatedAt" TEXT NOT NULL, "title" TEXT, "n" REAL, "done" INTEGER, "grp" TEXT);
CREATE INDEX "i_createdAt" ON "Item" ("createdAt"); CREATE INDEX "i_updatedAt" ON "Item" ("updatedAt"); CREATE INDEX "i_grp" ON "Item" ("grp");`);
    const insert = r.prepare(
      `INSERT INTO "Item" ("objectId", "createdAt", "updatedAt", "title", "n", "done", "grp") VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const batch = r.transaction((slice) => {
      for (const x of slice)
        insert.run(x.objectId, x.createdAt, x.updatedAt, x.title, x.n, x.done ? 1 : 0, x.grp);
    });
    start = performance.now();
    for (let s = 0; s < N; s += 10_000) batch(big.slice(s, s + 10_000));
    times.raw = Math.min(times.raw, performance.now() - start);
    r.close();
  }
  report(
    '100,000-row import',
    (N * 1000) / times.ours,
    (N * 1000) / times.raw,
    'rows/s',
    '>= 100,000 rows/s and >= 0.5x',
  );
}

// ---- 5. bulk inserts and deletes -------------------------------------------------------------------
{
  const BATCH = 500;
  const payload = 'p'.repeat(1_000);
  const columns = [
    { name: 'run', type: 'String', indexed: true },
    { name: 'seq', type: 'Number' },
    { name: 'message', type: 'String' },
  ];
  let next = 0;
  const batch = () =>
    Array.from({ length: BATCH }, () => {
      const i = next++;
      return {
        objectId: `b${i.toString(36).padStart(9, '0')}`,
        run: `r${i % 50}`,
        seq: i,
        message: payload,
      };
    });
  const rounds = 20;
  const best = (xs) => Math.min(...xs);
  for (const listener of [false, true]) {
    const times = { many: [], each: [], raw: [], delMany: [], delEach: [], delRaw: [] };
    const a = new LocalSQLAdapter(join(dir, `bulk-${listener}.db`));
    await a.connect();
    await a.createTable({ name: 'Line', columns });
    if (listener) {
      a.on('delete', () => {});
      a.on('create', () => {});
    }
    const r = rawDb(join(dir, `raw-bulk-${listener}.db`));
    r.exec(`CREATE TABLE "Line" ("objectId" TEXT PRIMARY KEY NOT NULL, "createdAt" TEXT NOT NULL, "updatedAt" TEXT NOT NULL, "run" TEXT, "seq" REAL, "message" TEXT);
CREATE INDEX "l_createdAt" ON "Line" ("createdAt"); CREATE INDEX "l_updatedAt" ON "Line" ("updatedAt"); CREATE INDEX "l_run" ON "Line" ("run");`);
    const ins = r.prepare(`INSERT INTO "Line" VALUES (?, ?, ?, ?, ?, ?)`);
    const rawInsertAll = r.transaction((rows) => {
      const at = new Date().toISOString();
      for (const x of rows) ins.run(x.objectId, at, at, x.run, x.seq, x.message);
    });
    const rawDeleteAll = r.transaction((ids) => {
      r.prepare(`DELETE FROM "Line" WHERE "objectId" IN (${ids.map(() => '?').join(', ')})`).run(
        ...ids,
      );
    });
    for (let round = 0; round < rounds; round++) {
      let rows = batch();
      let start = performance.now();
      const stored = await a.createMany({ collection: 'Line', records: rows });
      times.many.push(performance.now() - start);
      start = performance.now();
      await a.deleteMany({
        collection: 'Line',
        where: { objectId: { $in: stored.map((x) => x.objectId) } },
      });
      times.delMany.push(performance.now() - start);

      rows = batch();
      start = performance.now();
      await a.transaction(async (tx) => {
        for (const data of rows) await tx.create({ collection: 'Line', data });
      });
      times.each.push(performance.now() - start);
      start = performance.now();
      await a.transaction(async (tx) => {
        for (const x of rows) await tx.delete({ collection: 'Line', objectId: x.objectId });
      });
      times.delEach.push(performance.now() - start);

      rows = batch();
      start = performance.now();
      rawInsertAll(rows);
      times.raw.push(performance.now() - start);
      start = performance.now();
      rawDeleteAll(rows.map((x) => x.objectId));
      times.delRaw.push(performance.now() - start);
    }
    if ((await a.count({ collection: 'Line' })) !== 0) throw new Error('bulk rows left behind');
    const perRow = (ms) => (ms * 1000) / BATCH;
    const tag = listener ? 'with listeners' : 'no listener';
    console.log(
      `${`insert ${BATCH} rows, 1 kB each (${tag})`.padEnd(40)} createMany ${fmt(perRow(best(times.many)), 1)} us/row   create x${BATCH} ${fmt(perRow(best(times.each)), 1)} us/row   raw ${fmt(perRow(best(times.raw)), 1)} us/row   createMany/raw ${fmt(best(times.many) / best(times.raw), 2)}x time`,
    );
    console.log(
      `${`delete ${BATCH} rows by id (${tag})`.padEnd(40)} deleteMany ${fmt(perRow(best(times.delMany)), 1)} us/row   delete x${BATCH} ${fmt(perRow(best(times.delEach)), 1)} us/row   raw ${fmt(perRow(best(times.delRaw)), 1)} us/row   deleteMany/raw ${fmt(best(times.delMany) / best(times.delRaw), 2)}x time`,
    );
    await a.disconnect();
    r.close();
  }
}

await adapter.disconnect();
raw.close();
rmSync(dir, { recursive: true, force: true });

const failed = results.filter(
  (r) =>
    (r.target?.includes('0.5x') && r.ratio < 0.5) ||
    (r.name.includes('import') && r.ours < 100_000),
);
console.log(
  failed.length === 0
    ? '\nall targets met'
    : `\ntargets missed: ${failed.map((r) => r.name).join(', ')}`,
);
