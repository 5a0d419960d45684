/**
 * The server talks to data only through CloudStoreAdapter and feature-detects the optional
 * extras: a store without SQL export, data export or transactions still serves everything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudStoreAdapter } from '@localbackend/adapter';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { request, startServer, type TestServer } from './helpers';

/** A real LocalSQLAdapter seen through the bare interface: no exports, no transactions. */
function plainAdapter(): CloudStoreAdapter {
  const inner = new LocalSQLAdapter(':memory:');
  const hidden = new Set<PropertyKey>(['exportToSQL', 'exportData']);
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (hidden.has(key)) return undefined;
      if (key === 'capabilities') return { ...target.capabilities, transactions: false };
      const value: unknown = Reflect.get(target, key, receiver);
      return typeof value === 'function'
        ? (value as (...a: unknown[]) => unknown).bind(target)
        : value;
    },
  }) as CloudStoreAdapter;
}

let t: TestServer;
beforeAll(async () => {
  t = await startServer({ adapter: plainAdapter() });
  for (let i = 0; i < 1205; i += 1) {
    if (i % 400 === 0) {
      await request(t.url, 'POST', '/api/_batch', {
        body: {
          requests: Array.from({ length: Math.min(400, 1205 - i) }, (_, j) => ({
            method: 'POST',
            path: '/api/Row',
            body: { i: i + j },
          })),
        },
      });
    }
  }
});
afterAll(() => t.stop());

describe('a store without the optional extras', () => {
  it('exports JSON data by paging through query()', async () => {
    const res = await request(t.url, 'GET', '/api/_export?format=json&includeData=true', {
      master: true,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.Row).toHaveLength(1205);
  });

  it('answers UNSUPPORTED for SQL export and transactional batches', async () => {
    const sql = await request(t.url, 'GET', '/api/_export?format=postgres', { master: true });
    expect(sql.status).toBe(400);
    expect(sql.body.error.code).toBe('UNSUPPORTED');
    const tx = await request(t.url, 'POST', '/api/_batch', {
      body: { transaction: true, requests: [{ method: 'POST', path: '/api/Row', body: {} }] },
    });
    expect(tx.body.error.code).toBe('UNSUPPORTED');
    const parseTx = await request(t.url, 'POST', '/batch', {
      body: { transaction: true, requests: [] },
      headers: { 'X-Parse-Application-Id': 'a' },
    });
    expect(parseTx.body).toMatchObject({ code: 108 });
  });
});
