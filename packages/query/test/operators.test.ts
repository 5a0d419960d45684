import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type Database from 'better-sqlite3';
import type { PGlite } from '@electric-sql/pglite';
import { compile, matches, parseWhere } from '../src/index';
import {
  MIXED_CASES,
  NOODL_CASES,
  PARSE_CASES,
  SHORTHAND_CASES,
  TASK,
  TASK_JUNCTIONS,
  TASKS,
  VISUAL_CASES,
  type Case,
} from './fixtures';
import { lookupFor, openPg, openSqlite, pgTable, sqliteTable } from './helpers';

/*
 * Every operator in every input format: the compiled {sql, parameters} for both dialects (file
 * snapshot), then the rows on a real SQLite database and a real Postgres (PGlite), and matches().
 */

let sqlite: Database.Database;
let pg: PGlite;

beforeAll(async () => {
  sqlite = openSqlite();
  sqliteTable(sqlite, { name: 'Task', schema: TASK }, TASKS, TASK_JUNCTIONS);
  pg = await openPg();
  await pgTable(pg, { name: 'Task', schema: TASK }, TASKS, TASK_JUNCTIONS);
});

afterAll(() => sqlite.close());

const relations = lookupFor(TASK_JUNCTIONS);

function run(cases: readonly Case[]): void {
  for (const c of cases) {
    test(c.name, async () => {
      const where = parseWhere(c.where, { schema: TASK });
      const lite = compile(where, { dialect: 'sqlite', table: 'Task', schema: TASK });
      const post = compile(where, { dialect: 'postgres', table: 'Task', schema: TASK });
      expect({ sqlite: lite, postgres: post }).toMatchSnapshot();
      const order = (ids: string[]): string[] => (c.ordered === true ? ids : [...ids].sort());
      const liteIds = (
        sqlite.prepare(lite.sql).all(...(lite.parameters as unknown[])) as { objectId: string }[]
      ).map((r) => r.objectId);
      expect(order(liteIds)).toEqual(c.ids);
      const pgIds = (
        await pg.query<{ objectId: string }>(post.sql, post.parameters as unknown[])
      ).rows.map((r) => r.objectId);
      expect(order(pgIds)).toEqual(c.postgres ?? c.ids);
      const js = TASKS.filter((r) => matches(r, where, { schema: TASK, relations })).map(
        (r) => r.objectId,
      );
      expect(c.ordered === true ? [...js].sort() : js).toEqual([...c.ids].sort());
    });
  }
}

describe('Parse wire format', () => run(PARSE_CASES));
describe('Noodl filter format', () => run(NOODL_CASES));
describe('original-design shorthand', () => run(SHORTHAND_CASES));
describe('visual filter', () => run(VISUAL_CASES));
describe('mixed nesting', () => run(MIXED_CASES));
