import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BackendError } from '@localbackend/adapter';
import { isBusyError, mapSqliteError } from './sqlite-errors';

function sqliteError(sql: string, setup = ''): unknown {
  const db = new Database(':memory:');
  if (setup) db.exec(setup);
  try {
    db.exec(sql);
  } catch (error) {
    return error;
  } finally {
    db.close();
  }
  throw new Error('expected an error');
}

describe('mapSqliteError', () => {
  const context = { operation: 'create', collection: 'Todo' };
  it.each([
    [
      'a primary key violation',
      `INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (1, 'b')`,
      'DUPLICATE_VALUE',
    ],
    [
      'a unique violation',
      `INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'a')`,
      'DUPLICATE_VALUE',
    ],
    ['a NOT NULL violation', `INSERT INTO t VALUES (1, NULL)`, 'REQUIRED_FIELD'],
    ['an unknown error', `SELECT * FROM nope`, 'INTERNAL'],
    ['an existing table', `CREATE TABLE t (x)`, 'SCHEMA_CONFLICT'],
  ])('maps %s to a BackendError without SQL in the message', (_, sql, code) => {
    const raw = sqliteError(sql, `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)`);
    const mapped = mapSqliteError(raw, context);
    expect(mapped).toBeInstanceOf(BackendError);
    expect(mapped.code).toBe(code);
    expect(mapped.cause).toBe(raw);
    expect(mapped.message).not.toMatch(/INSERT|SELECT|nope/);
  });

  it('names the unique column', () => {
    const raw = sqliteError(
      `INSERT INTO t VALUES (1, 'a'); INSERT INTO t VALUES (2, 'a')`,
      `CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)`,
    );
    expect(mapSqliteError(raw, context).message).toMatch(/unique field "v"/);
  });

  it('passes BackendErrors through and wraps anything else as INTERNAL with the cause', () => {
    const own = new BackendError('NOT_FOUND', 'x');
    expect(mapSqliteError(own, context)).toBe(own);
    const boom = new TypeError('boom');
    expect(mapSqliteError(boom, context)).toMatchObject({ code: 'INTERNAL', cause: boom });
    expect(mapSqliteError(new RangeError('Maximum call stack size exceeded'), context).code).toBe(
      'RESOURCE_LIMIT',
    );
  });

  it('busy and locked errors are retryable, and TIMEOUT once retries are exhausted', () => {
    const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });
    expect(isBusyError(busy)).toBe(true);
    expect(isBusyError(new Error('x'))).toBe(false);
    expect(mapSqliteError(busy, context).code).toBe('TIMEOUT');
    expect(
      mapSqliteError(Object.assign(new Error('ro'), { code: 'SQLITE_READONLY' }), context).code,
    ).toBe('FORBIDDEN');
    expect(
      mapSqliteError(Object.assign(new Error('full'), { code: 'SQLITE_FULL' }), context).code,
    ).toBe('RESOURCE_LIMIT');
    expect(
      mapSqliteError(Object.assign(new Error('big'), { code: 'SQLITE_TOOBIG' }), context).code,
    ).toBe('PAYLOAD_TOO_LARGE');
  });
});
