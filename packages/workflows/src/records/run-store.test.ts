import { afterEach, describe, expect, it } from 'vitest';
import type { AdapterCapabilities, ChangeEvent, CloudStoreAdapter } from '@localbackend/adapter';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import {
  AdapterRunStore,
  LOG_COLLECTION,
  MemoryRunStore,
  RUN_COLLECTION,
  type RunLogRecord,
  type RunStore,
  type RunWrite,
} from './run-store';

type Calls = Record<string, number>;

/**
 * The real adapter seen through a view that counts method calls and may declare fewer
 * capabilities (without `bulk`, `createMany` / `deleteMany` are hidden). Transaction handles are
 * wrapped the same way.
 */
function view(
  adapter: CloudStoreAdapter,
  caps: Partial<AdapterCapabilities>,
  calls: Calls,
): CloudStoreAdapter {
  const capabilities = { ...adapter.capabilities, ...caps };
  const target = adapter;
  // an empty target: the adapter's own properties may be frozen (transaction handles are)
  return new Proxy({} as CloudStoreAdapter, {
    get(_, key) {
      if (key === 'capabilities') return capabilities;
      if (caps.bulk === false && (key === 'createMany' || key === 'deleteMany')) return undefined;
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      const name = String(key);
      if (name === 'transaction') {
        return (fn: (tx: CloudStoreAdapter) => unknown) => {
          calls[name] = (calls[name] ?? 0) + 1;
          return target.transaction((tx) => fn(view(tx, caps, calls)));
        };
      }
      return (...args: unknown[]) => {
        calls[name] = (calls[name] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const base = Date.UTC(2026, 0, 1);
function runs(count: number, from = 0): RunWrite[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const startedAt = new Date(base + i * 1000).toISOString();
    return {
      id: `run${String(i).padStart(6, '0')}`,
      workflow: i % 2 === 0 ? 'even' : 'odd',
      trigger: 'http',
      status: i % 5 === 0 ? 'error' : 'success',
      startedAt,
      endedAt: startedAt,
      durationMs: i % 7,
      statusCode: i % 5 === 0 ? 500 : 200,
      input: JSON.stringify({ body: JSON.stringify({ i }) }),
      ...(i % 5 === 0
        ? { error: { code: 'INTERNAL' as const, message: `boom ${i}` } }
        : { output: JSON.stringify({ result: { i } }) }),
    };
  });
}
function logsFor(list: readonly RunWrite[], perRun: number): RunLogRecord[] {
  return list.flatMap((run) =>
    Array.from({ length: perRun }, (_, seq) => ({
      runId: run.id,
      seq,
      at: run.startedAt,
      level: 'info' as const,
      message: `line ${seq}`,
      nodeId: 'n1',
      nodeType: 'JavaScriptFunction',
      ...(seq === 0 ? { data: { seq } } : {}),
    })),
  );
}

async function snapshot(store: RunStore) {
  const list = await store.list({ limit: 1000 });
  const logs = await Promise.all(list.map((r) => store.logs(r.id)));
  return { list, logs, one: await store.get(list[0]?.id ?? 'none') };
}

const open: LocalSQLAdapter[] = [];
async function sqlite(): Promise<LocalSQLAdapter> {
  const db = new LocalSQLAdapter(':memory:');
  await db.connect();
  open.push(db);
  return db;
}
afterEach(async () => {
  for (const db of open.splice(0)) await db.disconnect();
});

describe('AdapterRunStore', () => {
  it('uses createMany / deleteMany when the adapter has them: no per-record create or delete', async () => {
    const calls: Calls = {};
    const store = new AdapterRunStore(view(await sqlite(), {}, calls));
    const batch = runs(300);
    await store.write(batch.slice(0, 100), []);
    await store.write(batch.slice(100), logsFor(batch.slice(100), 2));
    expect(calls['createMany']).toBe(3); // runs alone; then runs + logs in one transaction
    expect(calls['create'] ?? 0).toBe(0);
    expect(await store.prune(50)).toBe(250);
    expect(calls['deleteMany']).toBe(2);
    expect(calls['delete'] ?? 0).toBe(0);
  });

  it('falls back to one create / delete per record for an adapter without bulk methods', async () => {
    const calls: Calls = {};
    const store = new AdapterRunStore(view(await sqlite(), { bulk: false }, calls));
    const batch = runs(20);
    await store.write(batch, logsFor(batch, 1));
    expect(calls['create']).toBe(40);
    expect(calls['createMany'] ?? 0).toBe(0);
    expect(await store.prune(5)).toBe(15);
    expect(calls['delete']).toBe(30);
  });

  for (const [name, caps] of [
    ['with bulk methods', {}],
    ['without bulk methods', { bulk: false }],
    ['with bulk methods, without transactions', { transactions: false }],
    ['without bulk methods or transactions', { bulk: false, transactions: false }],
  ] as const) {
    it(`${name}: listRuns / getRun / logs and retention give the same results as the memory store`, async () => {
      const store = new AdapterRunStore(view(await sqlite(), caps, {}));
      const memory = new MemoryRunStore();
      const first = runs(40);
      const second = runs(30, 40);
      for (const s of [store, memory]) {
        await s.write(first, logsFor(first, 3));
        await s.write(second, []);
      }
      expect(await snapshot(store)).toEqual(await snapshot(memory));
      expect(await store.prune(25)).toBe(45);
      expect(await memory.prune(25)).toBe(45);
      const kept = await snapshot(store);
      expect(kept).toEqual(await snapshot(memory));
      expect(kept.list.map((r) => r.id)).toEqual(
        runs(25, 45)
          .map((r) => r.id)
          .reverse(),
      );
      expect(kept.one?.input).toEqual({ body: { i: 69 } });
      expect(await store.list({ workflow: 'odd', status: 'success', limit: 3 })).toEqual(
        await memory.list({ workflow: 'odd', status: 'success', limit: 3 }),
      );
      expect(await store.prune(25)).toBe(0);
    });
  }

  it('prune deletes the log lines of pruned runs only, in batches, also with more than one batch', async () => {
    const db = await sqlite();
    const store = new AdapterRunStore(db);
    const all = runs(1_200);
    await store.write(all, logsFor(all, 2));
    expect(await store.prune(100)).toBe(1_100);
    expect(await db.count({ collection: RUN_COLLECTION })).toBe(100);
    expect(await db.count({ collection: LOG_COLLECTION })).toBe(200);
    const kept = new Set(all.slice(1_100).map((r) => r.id));
    const { results } = await db.query({ collection: LOG_COLLECTION, limit: 1000 });
    expect(results.every((l) => kept.has(String(l['run'])))).toBe(true);
  });

  it('the stored fields of a run are the same through createMany and through create', async () => {
    const withBulk = await sqlite();
    const without = await sqlite();
    const batch = runs(10);
    await new AdapterRunStore(withBulk).write(batch, logsFor(batch, 1));
    await new AdapterRunStore(view(without, { bulk: false }, {})).write(batch, logsFor(batch, 1));
    const rows = async (db: LocalSQLAdapter, collection: string) =>
      (await db.query({ collection, sort: ['startedAt', 'run', 'seq'], limit: 100 })).results.map(
        ({ createdAt: _c, updatedAt: _u, ...rest }) =>
          collection === LOG_COLLECTION ? { ...rest, objectId: undefined } : rest,
      );
    expect(await rows(withBulk, RUN_COLLECTION)).toEqual(await rows(without, RUN_COLLECTION));
    expect(await rows(withBulk, LOG_COLLECTION)).toEqual(await rows(without, LOG_COLLECTION));
  });

  it('bulk writes and prunes still emit one change event per record, after the commit', async () => {
    const db = await sqlite();
    const events: ChangeEvent[] = [];
    db.on('create', (e) => events.push(e));
    db.on('delete', (e) => events.push(e));
    const store = new AdapterRunStore(db);
    const batch = runs(10);
    await store.write(batch, logsFor(batch, 1));
    expect(events.filter((e) => e.collection === RUN_COLLECTION)).toHaveLength(10);
    expect(events.filter((e) => e.collection === LOG_COLLECTION)).toHaveLength(10);
    events.length = 0;
    await store.prune(4);
    expect(events.map((e) => `${e.type} ${e.collection}`).sort()).toEqual([
      ...Array<string>(6).fill(`delete ${LOG_COLLECTION}`),
      ...Array<string>(6).fill(`delete ${RUN_COLLECTION}`),
    ]);
    expect(events.find((e) => e.collection === RUN_COLLECTION)?.object['workflow']).toBeDefined();
  });

  it('a write that fails (duplicate run id) writes nothing of its batch', async () => {
    const db = await sqlite();
    const store = new AdapterRunStore(db);
    const batch = runs(5);
    await store.write(batch.slice(0, 1), []);
    await expect(store.write(batch, logsFor(batch, 1))).rejects.toMatchObject({
      code: 'DUPLICATE_VALUE',
    });
    expect(await db.count({ collection: RUN_COLLECTION })).toBe(1);
    expect(await db.count({ collection: LOG_COLLECTION })).toBe(0);
  });
});
