import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackendError, type CloudStoreAdapter } from '@localbackend/adapter';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { ConfigStore } from '../src/index';
import { tempDir } from './helpers';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp.remove());

/** A real store that, like some adapters, refuses system collections. */
function refusingSystemCollections(adapter: LocalSQLAdapter): CloudStoreAdapter {
  return new Proxy(adapter, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const first = args[0] as { collection?: string } | undefined;
        if (first?.collection?.startsWith('_') === true) {
          return Promise.reject(
            new BackendError('INVALID_COLLECTION_NAME', 'no system collections here'),
          );
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as CloudStoreAdapter;
}

describe('ConfigStore', () => {
  it('persists in the _Config collection of a store that accepts it', async () => {
    const dbPath = join(tmp.dir, 'cfg-adapter.db');
    const adapter = new LocalSQLAdapter(dbPath);
    await adapter.connect();
    const store = new ConfigStore({ adapter, filePath: join(tmp.dir, 'unused.json') });
    await store.update(
      { a: 1, when: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } },
      { a: true },
    );
    expect(store.storage).toBe('adapter');
    expect(existsSync(join(tmp.dir, 'unused.json'))).toBe(false);
    const again = new ConfigStore({ adapter });
    expect(await again.getAll({ includeMasterKeyOnly: true })).toEqual({
      params: { a: 1, when: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } },
      masterKeyOnly: { a: true },
    });
    expect(await again.getAll()).toEqual({
      params: { when: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } },
      masterKeyOnly: {},
    });
    const values = await again.getValues();
    expect(values.when).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    await adapter.disconnect();
  });

  it('falls back to the JSON file when the store refuses system collections', async () => {
    const adapter = new LocalSQLAdapter(':memory:');
    await adapter.connect();
    const filePath = join(tmp.dir, 'fallback.config.json');
    const store = new ConfigStore({ adapter: refusingSystemCollections(adapter), filePath });
    await store.load();
    expect(store.storage).toBe('file');
    await store.update({ greeting: 'hej' });
    expect(JSON.parse(readFileSync(filePath, 'utf8'))).toEqual({
      params: { greeting: 'hej' },
      masterKeyOnly: {},
    });
    const reread = new ConfigStore({ adapter: refusingSystemCollections(adapter), filePath });
    expect(await reread.get('greeting')).toBe('hej');
    await adapter.disconnect();
  });

  it('keeps parameters in memory without a store or file, and serialises concurrent updates', async () => {
    const store = new ConfigStore();
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.update({ [`k${i}`]: i })));
    expect(store.storage).toBe('memory');
    expect(Object.keys((await store.getAll()).params)).toHaveLength(20);
    await store.update({ k0: { __op: 'Delete' } });
    expect(await store.get('k0')).toBeUndefined();
  });

  it('validates every key and value before changing anything', async () => {
    const store = new ConfigStore();
    await store.update({ keep: 1 });
    const cases: [unknown, unknown, string][] = [
      ['x', {}, 'params'],
      [{ ok: 2, bad: { __type: 'Date', iso: 'nope' } }, {}, 'params.bad.iso'],
      [{ ok: 2, op: { __op: 'Increment', amount: 1 } }, {}, 'params.op'],
      [{ ['']: 1 }, {}, 'params.'],
      [{ ok: 2 }, { ok: 'yes' }, 'masterKeyOnly.ok'],
      [{ ok: 2 }, [], 'masterKeyOnly'],
    ];
    for (const [params, flags, path] of cases) {
      await expect(store.update(params as never, flags as never)).rejects.toMatchObject({
        details: expect.objectContaining({ path: expect.stringContaining(path) }),
      });
    }
    expect((await store.getAll()).params).toEqual({ keep: 1 });
  });
});
