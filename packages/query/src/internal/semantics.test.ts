import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import {
  compareStrings,
  ftsMatchExpression,
  ftsTest,
  ftsTokens,
  geoDistance,
  likeWordsTest,
  pointInPolygon,
  polygonEdges,
} from './semantics';

describe('shared semantics', () => {
  test('compareStrings orders like UTF-8 bytes (SQLite BINARY, Postgres "C")', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(Math.sign(compareStrings(a, b))).toBe(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  test('the FTS emulation tokenizes like FTS5 unicode61', () => {
    const db = new Database(':memory:');
    db.exec(`CREATE VIRTUAL TABLE f USING fts5(t, tokenize='unicode61')`);
    const insert = db.prepare('INSERT INTO f(rowid, t) VALUES (?, ?)');
    const search = db.prepare('SELECT rowid FROM f WHERE f MATCH ?');
    const chars = [
      'a',
      'B',
      'é',
      'É',
      'ü',
      'ñ',
      'Ø',
      'ß',
      '中',
      '文',
      '1',
      ' ',
      '-',
      '_',
      '.',
      "'",
      '😀',
      'ç',
      'Å',
    ];
    const word = fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 4 }), word, (words, term) => {
        db.exec('DELETE FROM f');
        const text = words.join(' ');
        insert.run(1, text);
        const sql = search.all(ftsMatchExpression('t', term)).length === 1;
        expect(ftsTest(text, term)).toBe(sql);
      }),
      { numRuns: 1500 },
    );
    expect(ftsTokens('Crème-brûlée, 2x!')).toEqual(['creme', 'brulee', '2x']);
  });

  test('the LIKE fallback folds ASCII case only, like SQLite LIKE', () => {
    const db = new Database(':memory:');
    const like = db.prepare(`SELECT ? LIKE ? ESCAPE '\\' AS m`);
    for (const [value, word] of [
      ['ABC', 'b'],
      ['Éa', 'éa'],
      ['x%y', '%'],
      ['Straße', 'STRASSE'],
    ]) {
      const pattern = `%${word!.replace(/[\\%_]/g, '\\$&')}%`;
      expect(likeWordsTest(value!, [word!])).toBe(
        (like.get(value, pattern) as { m: number }).m === 1,
      );
    }
  });

  test('geo helpers', () => {
    expect(geoDistance(0, 0, 0, 180)).toBeCloseTo(Math.PI, 12);
    expect(geoDistance(10, 10, 10, 10)).toBe(0);
    expect(geoDistance(5e-324, 0, 0, 5e-324)).toBe(0);
    const square = polygonEdges([
      { latitude: 0, longitude: 0 },
      { latitude: 0, longitude: 1 },
      { latitude: 1, longitude: 1 },
      { latitude: 1, longitude: 0 },
    ]);
    expect(pointInPolygon(0.5, 0.5, square)).toBe(true);
    expect(pointInPolygon(1.5, 0.5, square)).toBe(false);
  });
});
