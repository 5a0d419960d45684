import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SQLITE_FUNCTIONS } from '@localbackend/query';
import { SqliteConnection, type SqlFunction } from './sqlite-connection';

const dir = mkdtempSync(join(tmpdir(), 'lb-conn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const options = {
  busyTimeoutMs: 1234,
  readonly: false,
  functions: SQLITE_FUNCTIONS as readonly SqlFunction[],
  statementCacheSize: 2,
};

describe('SqliteConnection', () => {
  it('sets WAL, synchronous=NORMAL, foreign_keys=ON and busy_timeout on a file', () => {
    const conn = new SqliteConnection(join(dir, 'a.db'), options);
    expect(conn.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(conn.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(conn.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(conn.db.pragma('busy_timeout', { simple: true })).toBe(1234);
    conn.close();
  });

  it('registers the query functions (x REGEXP y works)', () => {
    const conn = new SqliteConnection(':memory:', options);
    expect(conn.db.prepare(`SELECT 'Hello' REGEXP '^H' AS hit`).get()).toEqual({ hit: 1 });
    conn.close();
  });

  it('caches prepared statements and drops the cache when it is full', () => {
    const conn = new SqliteConnection(':memory:', options);
    const a = conn.prepare('SELECT 1');
    expect(conn.prepare('SELECT 1')).toBe(a);
    conn.prepare('SELECT 2');
    conn.prepare('SELECT 3');
    expect(conn.prepare('SELECT 1')).not.toBe(a);
    conn.close();
    expect(conn.open).toBe(false);
  });
});
