import { expect, test } from 'vitest';
import Database from 'better-sqlite3';
import { SQLITE_FUNCTIONS } from './sqlite-functions';

test('every function registers and REGEXP works as an operator', () => {
  const db = new Database(':memory:');
  for (const f of SQLITE_FUNCTIONS)
    db.function(
      f.name,
      { deterministic: f.deterministic, varargs: f.varargs ?? false },
      f.fn as (...a: unknown[]) => unknown,
    );
  const row = db
    .prepare(
      `SELECT 'Hello' REGEXP '^H' AS a, lb_regexp('Hello', '^h', 'i') AS b, lb_regexp(5, 'x', '') AS c, lb_regexp('x', '(', '') AS d,
        round(lb_geo_distance(0, 0, 0, 1), 6) AS e, lb_geo_distance(NULL, 0, 0, 1) AS f,
        lb_geo_in_box(5, 179, 0, 170, 10, -170) AS g, lb_geo_in_polygon(0.5, 0.5, '[[0,0,1,0],[1,0,1,1],[1,1,0,1],[0,1,0,0]]') AS h`,
    )
    .get();
  expect(row).toEqual({ a: 1, b: 1, c: 0, d: 0, e: 0.017453, f: null, g: 1, h: 1 });
});
