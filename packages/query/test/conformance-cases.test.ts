import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type Database from 'better-sqlite3';
import type { PGlite } from '@electric-sql/pglite';
import type { TableSchema } from '@localbackend/adapter';
import { FILTER_CASES, ITEM_FIXTURE } from '@localbackend/adapter/testing';
import { compile, matches, parseWhere } from '../src/index';
import {
  lookupFor,
  openPg,
  openSqlite,
  pgTable,
  sqliteTable,
  type Junctions,
  type Row,
} from './helpers';

/*
 * The adapter conformance suite's filter cases (every operator in every format), run here
 * directly on SQLite, PGlite and matches(), so that a semantic disagreement shows up in this
 * package before it shows up in an adapter.
 */

const ITEM: TableSchema = {
  name: 'Item',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'n', type: 'Number' },
    { name: 'done', type: 'Boolean' },
    { name: 'due', type: 'Date' },
    { name: 'tags', type: 'Array' },
    { name: 'meta', type: 'Object' },
    { name: 'owner', type: 'Pointer', targetClass: 'Owner' },
    { name: 'loc', type: 'GeoPoint' },
    { name: 'body', type: 'String' },
  ],
};

const rows: Row[] = Object.entries(ITEM_FIXTURE).map(([key, item]) => {
  const row: Row = {
    objectId: key,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
  for (const [field, value] of Object.entries(item)) {
    if (value instanceof Date) row[field] = value.toISOString();
    else if (field === 'loc') row[field] = { __type: 'GeoPoint', ...(value as object) };
    else row[field] = value;
  }
  return row;
});
const junctions: Junctions = {
  _Join_favorites_Owner: [
    ['o1', 'a'],
    ['o1', 'c'],
  ],
};
const ids = { a: 'a', b: 'b', c: 'c', d: 'd', e: 'e', f: 'f', o1: 'o1', o2: 'o2', org: 'org' };

let sqlite: Database.Database;
let pg: PGlite;

beforeAll(async () => {
  sqlite = openSqlite();
  sqliteTable(sqlite, { name: 'Item', schema: ITEM }, rows, junctions);
  pg = await openPg();
  await pgTable(pg, { name: 'Item', schema: ITEM }, rows, junctions);
});

afterAll(() => sqlite.close());

describe('the adapter conformance filter cases', () => {
  for (const c of FILTER_CASES) {
    test(`${c.format}: ${c.name}`, async () => {
      const where = parseWhere(c.where(ids), { schema: ITEM });
      const expected = c.expect === '' ? [] : c.expect.split(',').sort();
      const lite = compile(where, { dialect: 'sqlite', table: 'Item', schema: ITEM });
      expect(
        (sqlite.prepare(lite.sql).all(...(lite.parameters as unknown[])) as Row[])
          .map((r) => r.objectId)
          .sort(),
      ).toEqual(expected);
      const post = compile(where, { dialect: 'postgres', table: 'Item', schema: ITEM });
      expect(
        (await pg.query<Row>(post.sql, post.parameters as unknown[])).rows
          .map((r) => r.objectId)
          .sort(),
      ).toEqual(expected);
      const relations = lookupFor(junctions);
      expect(
        rows
          .filter((r) => matches(r, where, { schema: ITEM, relations }))
          .map((r) => r.objectId)
          .sort(),
      ).toEqual(expected);
    });
  }
});
