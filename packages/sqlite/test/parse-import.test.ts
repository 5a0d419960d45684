import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BackendError } from '@localbackend/adapter';
import { LocalSQLAdapter } from '../src/index';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'parse');
const load = (name: string): unknown => JSON.parse(readFileSync(join(fixtures, name), 'utf8'));

async function importAll(db: LocalSQLAdapter) {
  const schema = await db.importParseSchema(load('schemas.json'));
  const users = await db.importRecords('_User', load('_User.json'));
  const boards = await db.importRecords('Board', load('Board.json'));
  const cards = await db.importRecords('Card', load('Card.json'), { batchSize: 2 });
  const joins = await db.importRecords('_Join:members:Board', load('Join-members-Board.json'));
  return { schema, users, boards, cards, joins };
}

function columns(schema: Awaited<ReturnType<LocalSQLAdapter['getSchema']>>, table: string) {
  return Object.fromEntries(
    schema.tables.find((t) => t.name === table)!.columns.map((c) => [c.name, c]),
  );
}

describe('importParseSchema', () => {
  it('creates collections from a /schemas response, mapping every Parse type', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const report = await db.importParseSchema(load('schemas.json'));
    expect(report.tables).toEqual(['_User', '_Role', 'Board', 'Card']);
    const skipped = Object.fromEntries(report.skipped.map((s) => [s.name, s.reason]));
    expect(skipped._Session).toMatch(/internal/);
    expect(skipped['_User.password']).toMatch(/credentials/);
    expect(skipped['_User.authData']).toMatch(/credentials/);
    expect(skipped['Board.ACL']).toMatch(/ACL/);
    const schema = await db.getSchema({ includeSystem: true });
    expect(columns(schema, 'Board')).toEqual({
      title: { name: 'title', type: 'String', required: true },
      color: { name: 'color', type: 'String', defaultValue: 'blue' },
      owner: { name: 'owner', type: 'Pointer', targetClass: '_User' },
      members: { name: 'members', type: 'Relation', targetClass: '_User' },
      archived: { name: 'archived', type: 'Boolean', defaultValue: false },
      position: { name: 'position', type: 'Number' },
    });
    const card = columns(schema, 'Card');
    expect(card.title).toEqual({ name: 'title', type: 'String', textIndex: true });
    expect(card.board).toEqual({
      name: 'board',
      type: 'Pointer',
      targetClass: 'Board',
      indexed: true,
    });
    expect(card.raw!.type).toBe('Object');
    expect(card.area!.type).toBe('Object');
    expect(card.location!.type).toBe('GeoPoint');
    expect(card.attachment!.type).toBe('File');
    expect(columns(schema, '_User').username).toEqual({
      name: 'username',
      type: 'String',
      indexed: true,
    });
    expect(columns(schema, '_Role').users).toEqual({
      name: 'users',
      type: 'Relation',
      targetClass: '_User',
    });
    expect((await db.getSchema()).tables.map((t) => t.name)).toEqual(['Board', 'Card']);
    expect((await db.integrityCheck()).ok).toBe(true);
  });

  it('importing the same schema twice changes nothing', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.importParseSchema(load('schemas.json'));
    const before = await db.getSchema({ includeSystem: true });
    await db.importParseSchema(load('schemas.json'));
    expect(await db.getSchema({ includeSystem: true })).toEqual(before);
  });

  it('a field whose type conflicts with an existing column is reported, not fatal', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.createTable({ name: 'Board', columns: [{ name: 'position', type: 'String' }] });
    const report = await db.importParseSchema(load('schemas.json'));
    expect(report.skipped.find((s) => s.name === 'Board.position')?.reason).toMatch(
      /already exists as String/,
    );
  });

  it('a malformed response is INVALID_VALUE', async () => {
    const db = new LocalSQLAdapter(':memory:');
    for (const bad of [null, 'schemas', { results: 'x' }, { results: [42] }]) {
      const error = await db.importParseSchema(bad).catch((e: unknown) => e);
      expect(BackendError.is(error) && error.code).toBe('INVALID_VALUE');
    }
  });
});

describe('importRecords', () => {
  it('imports a Parse JSON export: ids, timestamps, pointers, dates, GeoPoints, Files kept; ACLs dropped', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const { users, boards, cards, joins } = await importAll(db);
    expect(users).toEqual({ imported: 3, skipped: 0, relations: 0 });
    expect(boards).toEqual({ imported: 2, skipped: 0, relations: 0 });
    expect(cards).toEqual({ imported: 3, skipped: 0, relations: 2 });
    expect(joins).toEqual({ imported: 0, skipped: 0, relations: 3 });
    const card = await db.fetch({ collection: 'Card', objectId: 'crd0000001' });
    expect(card).toEqual({
      objectId: 'crd0000001',
      createdAt: '2024-01-15T12:00:00.000Z',
      updatedAt: '2024-01-16T12:00:00.000Z',
      title: 'Write the import',
      board: 'brd0000001',
      due: '2024-03-01T17:00:00.000Z',
      labels: ['backend', 'p1'],
      meta: {
        source: 'jira',
        points: 3,
        history: [{ at: { __type: 'Date', iso: '2024-01-15T12:00:00.000Z' }, by: 'ada' }],
      },
      location: { __type: 'GeoPoint', latitude: 59.9139, longitude: 10.7522 },
      attachment: {
        __type: 'File',
        name: 'tfss-9f8e-spec.pdf',
        url: 'https://files.example.com/app/tfss-9f8e-spec.pdf',
      },
      estimate: 5,
      raw: { __type: 'Bytes', base64: 'aGVsbG8=' },
      area: {
        kind: 'Polygon',
        coordinates: [
          [59.9, 10.7],
          [59.95, 10.7],
          [59.95, 10.8],
        ],
      },
      done: false,
    });
    const included = await db.fetch({ collection: 'Card', objectId: 'crd0000002' });
    expect(included.board).toBe('brd0000002');
    const board = await db.fetch({ collection: 'Board', objectId: 'brd0000002' });
    expect(board).toMatchObject({
      title: 'Bugs',
      color: 'blue',
      archived: false,
      owner: 'usr0000002',
      position: 2.5,
    });
    expect('ACL' in board).toBe(false);
    const user = await db.fetch({ collection: '_User', objectId: 'usr0000001' });
    expect(user).toMatchObject({
      username: 'ada',
      emailVerified: true,
      createdAt: '2024-01-01T08:00:00.000Z',
    });
    expect((await db.fetch({ collection: 'Card', objectId: 'crd0000003' })).title).toBe(
      'Plan Q2 — ünïcode ✓',
    );
    expect((await db.integrityCheck()).ok).toBe(true);
  });

  it('relations from AddRelation operations and _Join rows land in junction tables', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await importAll(db);
    const relatedIds = async (className: string, objectId: string, key: string) =>
      (
        await db.query({
          collection: '_User',
          where: { $relatedTo: { object: { __type: 'Pointer', className, objectId }, key } },
        })
      ).results
        .map((r) => r.objectId)
        .sort();
    expect(await relatedIds('Card', 'crd0000001', 'watchers')).toEqual([
      'usr0000001',
      'usr0000002',
    ]);
    expect(await relatedIds('Card', 'crd0000003', 'watchers')).toEqual([]);
    expect(await relatedIds('Board', 'brd0000001', 'members')).toEqual([
      'usr0000001',
      'usr0000003',
    ]);
    expect(await relatedIds('Board', 'brd0000002', 'members')).toEqual(['usr0000002']);
  });

  it('imported pointers can be included and text-searched', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await importAll(db);
    const { results } = await db.query({
      collection: 'Card',
      where: { title: { $text: { $search: { $term: 'login' } } } },
      include: 'board.owner',
    });
    expect(results).toHaveLength(1);
    expect(results[0]!.board).toMatchObject({
      objectId: 'brd0000002',
      title: 'Bugs',
      owner: { username: 'bob' },
    });
  });

  it("imports Parse's MongoDB storage format (_id, _p_ pointers, $date, _acl)", async () => {
    const db = new LocalSQLAdapter(':memory:');
    await importAll(db);
    const result = await db.importRecords('Card', load('Card.mongo.json'));
    expect(result.imported).toBe(1);
    expect(await db.fetch({ collection: 'Card', objectId: 'crd0000010' })).toEqual({
      objectId: 'crd0000010',
      createdAt: '2024-04-01T10:00:00.000Z',
      updatedAt: '2024-04-02T11:00:00.000Z',
      title: 'From MongoDB',
      board: 'brd0000002',
      due: '2024-05-01T00:00:00.000Z',
      labels: ['mongo'],
      estimate: 8,
    });
  });

  it('an existing objectId fails by default; skip and replace are options', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await importAll(db);
    const error = await db.importRecords('Board', load('Board.json')).catch((e: unknown) => e);
    expect(BackendError.is(error) && error.code).toBe('DUPLICATE_VALUE');
    expect((error as BackendError).message).toMatch(/records\[0\]/);
    expect(
      await db.importRecords('Board', load('Board.json'), { onConflict: 'skip' }),
    ).toMatchObject({ imported: 0, skipped: 2 });
    const changed = {
      results: [
        { objectId: 'brd0000001', title: 'Renamed', createdAt: '2024-01-10T09:00:00.000Z' },
      ],
    };
    expect(await db.importRecords('Board', changed, { onConflict: 'replace' })).toMatchObject({
      imported: 1,
    });
    expect((await db.fetch({ collection: 'Board', objectId: 'brd0000001' })).title).toBe('Renamed');
    expect(await db.count({ collection: 'Board' })).toBe(2);
  });

  it('a bad record fails its batch (earlier batches stay) with a path naming the record', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const records = [
      { n: 1 },
      { n: 2 },
      { n: 3 },
      { n: { __type: 'Date', iso: 'never' } },
      { n: 5 },
    ];
    const progress: number[] = [];
    const error = await db
      .importRecords('Thing', records, { batchSize: 2, onProgress: (done) => progress.push(done) })
      .catch((e: unknown) => e);
    expect(BackendError.is(error) && error.code).toBe('INVALID_VALUE');
    expect((error as BackendError).message).toMatch(/records\[3\]/);
    expect(progress).toEqual([2]);
    expect(await db.count({ collection: 'Thing' })).toBe(2);
  });

  it('importRecords emits no change events and reports progress per batch', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const events: unknown[] = [];
    db.on('create', (e) => events.push(e));
    const progress: [number, number][] = [];
    await db.importRecords(
      'Thing',
      Array.from({ length: 25 }, (_, i) => ({ i })),
      {
        batchSize: 10,
        onProgress: (done, total) => progress.push([done, total]),
      },
    );
    expect(events).toEqual([]);
    expect(progress).toEqual([
      [10, 25],
      [20, 25],
      [25, 25],
    ]);
  });

  it('rows of changing shapes (simple, with nulls, nested values, new fields) all land intact', async () => {
    const db = new LocalSQLAdapter(':memory:');
    await db.createTable({
      name: 'Mix',
      columns: [
        { name: 's', type: 'String' },
        { name: 'n', type: 'Number' },
        { name: 'b', type: 'Boolean' },
      ],
    });
    const records = Array.from({ length: 700 }, (_, i) => {
      const r: Record<string, unknown> = { objectId: `mix${i}`, s: `s${i}`, n: i, b: i % 2 === 0 };
      if (i % 7 === 0) r.s = null;
      if (i % 11 === 0) r.extra = { i, when: { __type: 'Date', iso: '2024-01-01T00:00:00.000Z' } };
      if (i % 13 === 0) delete r.b;
      if (i % 17 === 0) r.createdAt = '2024-02-03T04:05:06.789Z';
      return r;
    });
    expect(await db.importRecords('Mix', records, { batchSize: 300 })).toMatchObject({
      imported: 700,
    });
    for (const i of [0, 1, 7, 11, 13, 17, 77, 143, 221, 699]) {
      const stored = await db.fetch({ collection: 'Mix', objectId: `mix${i}` });
      const expected: Record<string, unknown> = { n: i };
      if (i % 7 !== 0) expected.s = `s${i}`;
      if (i % 13 !== 0) expected.b = i % 2 === 0;
      if (i % 11 === 0)
        expected.extra = { i, when: { __type: 'Date', iso: '2024-01-01T00:00:00.000Z' } };
      expect(stored, `mix${i}`).toMatchObject(expected);
      if (i % 7 === 0) expect('s' in stored).toBe(false);
      if (i % 17 === 0) expect(stored.createdAt).toBe('2024-02-03T04:05:06.789Z');
    }
  });

  it('a duplicate objectId in the middle of a multi-row chunk names that record', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const records = Array.from({ length: 50 }, (_, i) => ({
      objectId: i === 30 ? 'dup5' : `dup${i}`,
      n: i,
    }));
    const error = await db.importRecords('Dup', records).catch((e: unknown) => e);
    expect(BackendError.is(error) && error.code).toBe('DUPLICATE_VALUE');
    expect((error as BackendError).message).toMatch(/^records\[30\]: /);
    expect(await db.count({ collection: 'Dup' })).toBe(0);
  });

  it('rows of a _Join collection need the Relation to exist', async () => {
    const db = new LocalSQLAdapter(':memory:');
    const error = await db
      .importRecords('_Join:members:Board', load('Join-members-Board.json'))
      .catch((e: unknown) => e);
    expect(BackendError.is(error) && error.code).toBe('INVALID_VALUE');
  });
});
