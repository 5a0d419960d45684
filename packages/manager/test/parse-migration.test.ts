/**
 * Acceptance (issue 7): migration from a real Parse Server (parse-server from npm) running on a
 * PostgreSQL cluster this test starts on 127.0.0.1 from the machine's binaries (test/pg-cluster.sh).
 * Schema and 1,000+ records with pointers, relations, dates, files, objects, arrays and GeoPoints
 * arrive intact; re-running creates no duplicates and picks up changes made at the source.
 * Skipped, with the reason, where the PostgreSQL binaries are absent.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BackendManager,
  PortAllocator,
  migrateFromParse,
  type MigrationProgress,
} from '../src/index';
import { ensureBuilt } from './helpers/built';
import { api } from './helpers/http';
import { runCli } from './helpers/run-cli';

const script = fileURLToPath(new URL('./pg-cluster.sh', import.meta.url));
const parseFixture = fileURLToPath(new URL('./fixtures/parse-server.mjs', import.meta.url));
const available = spawnSync('bash', [script, 'available'], { encoding: 'utf8' });
const pgMissing =
  available.status !== 0 ? `PostgreSQL binaries not found (${available.stderr.trim()})` : undefined;
if (pgMissing !== undefined) {
  console.warn(
    `[parse-migration] skipped: ${pgMissing}. Install postgresql (initdb, pg_ctl) or set PG_BIN.`,
  );
}

const APP_ID = 'migrate-app';
const MASTER_KEY = 'migrate-master-key';
const BOOKS = 1050;
const AUTHORS = 25;
const TAGS = 15;

let pgDir: string;
let parseDir: string | undefined;
let root: string;
let parse: ChildProcess | undefined;
let serverURL: string;
let manager: BackendManager;

async function parseRequest(
  method: string,
  route: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${serverURL}${route}`, {
    method,
    headers: {
      'X-Parse-Application-Id': APP_ID,
      'X-Parse-Master-Key': MASTER_KEY,
      'content-type': 'application/json',
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok)
    throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

async function batch(requests: { method: string; path: string; body?: unknown }[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 100) {
    const results = (await parseRequest('POST', '/batch', {
      requests: requests.slice(i, i + 100),
    })) as unknown as { error?: unknown }[];
    const failed = results.filter((r) => r.error !== undefined);
    if (failed.length > 0) throw new Error(`batch: ${JSON.stringify(failed.slice(0, 3))}`);
  }
}

const pointer = (className: string, objectId: string) => ({
  __type: 'Pointer',
  className,
  objectId,
});
const tagsOf = (i: number): string[] =>
  i % 4 === 0 ? [] : Array.from({ length: (i % 3) + 1 }, (_, k) => `tag${(i + k * 5) % TAGS}`);

async function seed(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await parseRequest('POST', '/users', {
      username: `user${i}`,
      password: `secret-${i}`,
      email: `user${i}@example.com`,
    });
  }
  await batch(
    Array.from({ length: TAGS }, (_, i) => ({
      method: 'POST',
      path: '/parse/classes/Tag',
      body: { objectId: `tag${i}`, label: `Tag ${i}` },
    })),
  );
  await batch(
    Array.from({ length: AUTHORS }, (_, i) => ({
      method: 'POST',
      path: '/parse/classes/Author',
      body: {
        objectId: `author${i}`,
        name: `Author ${i}`,
        born: { __type: 'Date', iso: new Date(Date.UTC(1950 + i, i % 12, 1 + i)).toISOString() },
      },
    })),
  );
  await batch(
    Array.from({ length: BOOKS }, (_, i) => ({
      method: 'POST',
      path: '/parse/classes/Book',
      body: {
        objectId: `book${String(i).padStart(5, '0')}`,
        title: `Book ${i}`,
        pages: 100 + i,
        price: Math.round(i * 1.25 * 100) / 100,
        inStock: i % 2 === 0,
        published: {
          __type: 'Date',
          iso: new Date(Date.UTC(2000, 0, 1) + i * 86_400_000).toISOString(),
        },
        author: pointer('Author', `author${i % AUTHORS}`),
        cover: {
          __type: 'File',
          name: `cover-${i}.png`,
          url: `http://files.example/cover-${i}.png`,
        },
        meta: { isbn: `978-${i}`, dims: { w: 13, h: 20 } },
        keywords: ['fiction', `k${i % 7}`],
        ...(i % 10 === 0
          ? { location: { __type: 'GeoPoint', latitude: 59.9 + i / 10_000, longitude: 10.7 } }
          : {}),
        ...(tagsOf(i).length > 0
          ? { tags: { __op: 'AddRelation', objects: tagsOf(i).map((t) => pointer('Tag', t)) } }
          : {}),
      },
    })),
  );
}

beforeAll(async () => {
  if (pgMissing !== undefined) return;
  ensureBuilt();
  const ports = new PortAllocator({ start: 28_000, end: 28_999 });
  const pgPort = await ports.allocate();
  const parsePort = await ports.allocate();
  // Directly under the temp dir: the postgres user must be able to reach it.
  pgDir = path.join(os.tmpdir(), `lb-pg-${randomBytes(4).toString('hex')}`);
  execFileSync('bash', [script, 'start', pgDir, String(pgPort)], { stdio: 'pipe' });
  parse = spawn(
    process.execPath,
    [
      parseFixture,
      String(parsePort),
      `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
      APP_ID,
      MASTER_KEY,
    ],
    {
      // Parse Server writes log files into <cwd>/logs: keep them in a temp dir.
      cwd: parseDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let errors = '';
  parse.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
  await new Promise<void>((resolve, reject) => {
    parse!.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    parse!.once('exit', (code) => reject(new Error(`parse-server exited with ${code}: ${errors}`)));
  });
  serverURL = `http://127.0.0.1:${parsePort}/parse`;
  await seed();
  root = mkdtempSync(path.join(os.tmpdir(), 'lb-migrate-'));
  manager = new BackendManager({ root, mode: 'in-process', basePort: 28_500, maxPort: 28_999 });
}, 180_000);

afterAll(async () => {
  if (pgMissing !== undefined) return;
  await manager?.stopAll();
  if (parse !== undefined && parse.exitCode === null) {
    parse.kill('SIGTERM');
    await new Promise((r) => parse!.on('close', r));
  }
  spawnSync('bash', [script, 'stop', pgDir], { stdio: 'pipe' });
  rmSync(pgDir, { recursive: true, force: true });
  rmSync(`${pgDir}.initdb.log`, { force: true });
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
  if (parseDir !== undefined) rmSync(parseDir, { recursive: true, force: true });
}, 60_000);

async function localRelated(port: number, book: string): Promise<string[]> {
  const where = JSON.stringify({ $relatedTo: { object: pointer('Book', book), key: 'tags' } });
  const reply = await api(
    port,
    'GET',
    `/classes/Tag?where=${encodeURIComponent(where)}&limit=100`,
    undefined,
    { 'X-Parse-Application-Id': 'localbackend' },
  );
  return (reply.body['results'] as { objectId: string }[]).map((r) => r.objectId).sort();
}

describe.skipIf(pgMissing !== undefined)(
  'migrateFromParse against a real Parse Server on PostgreSQL',
  () => {
    let backendId: string;

    it('imports the schema and every record with pointers, relations, dates, files, objects, arrays and GeoPoints', async () => {
      const progress: MigrationProgress[] = [];
      const result = await migrateFromParse(
        { serverURL, appId: APP_ID, masterKey: MASTER_KEY },
        { manager, pageSize: 300, onProgress: (p) => progress.push(p) },
      );
      backendId = result.backendId;
      expect(result.created).toBe(true);
      const byClass = Object.fromEntries(result.classes.map((c) => [c.className, c]));
      expect(byClass['Book']).toMatchObject({ source: BOOKS, imported: BOOKS, local: BOOKS });
      expect(byClass['Author']).toMatchObject({ source: AUTHORS, local: AUTHORS });
      expect(byClass['Tag']).toMatchObject({ source: TAGS, local: TAGS });
      expect(byClass['_User']).toMatchObject({ source: 3, local: 3 });
      const expectedPairs = Array.from({ length: BOOKS }, (_, i) => tagsOf(i).length).reduce(
        (a, b) => a + b,
        0,
      );
      expect(byClass['Book']!.relations).toEqual({ tags: expectedPairs });
      // Parse internals and fields localbackend does not keep (ACLs, password hashes) are reported.
      expect(result.skipped.map((s) => s.name)).toEqual(
        expect.arrayContaining(['Book.ACL', '_User.password']),
      );
      // Progress: schema, records per class (monotonic, ending at the total), relations, done.
      expect(progress[0]).toMatchObject({ phase: 'schema' });
      expect(progress.at(-1)).toMatchObject({ phase: 'done' });
      const bookProgress = progress
        .filter((p) => p.phase === 'records' && p.className === 'Book')
        .map((p) => p.done);
      expect(bookProgress).toEqual([...bookProgress].sort((a, b) => a - b));
      expect(bookProgress.at(-1)).toBe(BOOKS);
      expect(
        progress.some(
          (p) => p.phase === 'relations' && p.className === 'Book.tags' && p.done === BOOKS,
        ),
      ).toBe(true);

      const config = await manager.getBackend(backendId);
      expect(config.migratedFrom).toMatchObject({ kind: 'parse', serverURL, appId: APP_ID });
      const schema = JSON.parse(await manager.exportSchema(backendId, 'json')) as {
        tables: { name: string; columns: { name: string; type: string; targetClass?: string }[] }[];
      };
      const book = schema.tables.find((t) => t.name === 'Book')!;
      const columns = Object.fromEntries(book.columns.map((c) => [c.name, c]));
      expect(columns['author']).toMatchObject({ type: 'Pointer', targetClass: 'Author' });
      expect(columns['tags']).toMatchObject({ type: 'Relation', targetClass: 'Tag' });
      expect(columns['published']?.type).toBe('Date');
      expect(columns['cover']?.type).toBe('File');
      expect(columns['location']?.type).toBe('GeoPoint');

      // Served by the backend: Parse-wire reads give back what Parse had.
      const { port } = await manager.startBackend(backendId);
      const headers = { 'X-Parse-Application-Id': 'localbackend' };
      const count = await api(port!, 'GET', '/classes/Book?count=1&limit=0', undefined, headers);
      expect(count.body['count']).toBe(BOOKS);
      const source = await parseRequest('GET', '/classes/Book/book00010');
      const local = await api(
        port!,
        'GET',
        '/classes/Book/book00010?include=author',
        undefined,
        headers,
      );
      expect(local.body).toMatchObject({
        objectId: 'book00010',
        title: 'Book 10',
        pages: 110,
        price: source['price'],
        inStock: true,
        createdAt: source['createdAt'],
        updatedAt: source['updatedAt'],
        published: source['published'],
        cover: { __type: 'File', name: 'cover-10.png' },
        meta: { isbn: '978-10', dims: { w: 13, h: 20 } },
        keywords: ['fiction', 'k3'],
        location: source['location'],
        author: { objectId: 'author10', name: 'Author 10' },
      });
      const users = JSON.parse(await manager.exportData(backendId, 'json')) as {
        data: Record<string, Record<string, unknown>[]>;
      };
      const user = users.data['_User']!.find((u) => u['username'] === 'user1')!;
      expect(user).toMatchObject({ username: 'user1', email: 'user1@example.com' });
      expect(Object.keys(user).filter((k) => /password|hashed/i.test(k))).toEqual([]);
      const author = await api(port!, 'GET', '/classes/Author/author3', undefined, headers);
      expect(author.body['born']).toEqual(
        (await parseRequest('GET', '/classes/Author/author3'))['born'],
      );
      for (const i of [1, 2, 3, 4, 7, 99, 1049]) {
        const id = `book${String(i).padStart(5, '0')}`;
        expect(await localRelated(port!, id), id).toEqual([...tagsOf(i)].sort());
      }
      await manager.stopBackend(backendId);
    });

    it('re-running fills the same backend without duplicates and picks up changes at the source', async () => {
      await parseRequest('PUT', '/classes/Book/book00000', {
        title: 'Book 0 (2nd edition)',
        tags: { __op: 'AddRelation', objects: [pointer('Tag', 'tag14')] },
      });
      await parseRequest('POST', '/classes/Book', {
        objectId: 'bookNEW01',
        title: 'New book',
        author: pointer('Author', 'author1'),
      });
      const cli = await runCli(
        [
          'migrate-parse',
          '--server-url',
          serverURL,
          '--app-id',
          APP_ID,
          '--master-key',
          MASTER_KEY,
          '--json',
        ],
        { LOCALBACKEND_ROOT: root },
        120_000,
      );
      expect(cli.code, cli.stderr).toBe(0);
      const result = JSON.parse(cli.stdout) as {
        backendId: string;
        created: boolean;
        classes: { className: string; local: number; source: number }[];
      };
      expect(result.backendId).toBe(backendId);
      expect(result.created).toBe(false);
      expect(result.classes.find((c) => c.className === 'Book')).toMatchObject({
        source: BOOKS + 1,
        local: BOOKS + 1,
      });
      expect((await manager.listBackends()).filter((b) => b.error === undefined)).toHaveLength(1);

      const exported = JSON.parse(await manager.exportData(backendId, 'json')) as {
        data: Record<string, { objectId: string; title?: string }[]>;
        relations: Record<string, Record<string, [string, string][]>>;
      };
      const ids = exported.data['Book']!.map((b) => b.objectId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(BOOKS + 1);
      expect(exported.data['Book']!.find((b) => b.objectId === 'book00000')?.title).toBe(
        'Book 0 (2nd edition)',
      );
      const pairs = exported.relations['Book']!['tags']!;
      expect(new Set(pairs.map(([a, b]) => `${a}>${b}`)).size).toBe(pairs.length);
      const expectedPairs =
        Array.from({ length: BOOKS }, (_, i) => tagsOf(i).length).reduce((a, b) => a + b, 0) + 1;
      expect(pairs).toHaveLength(expectedPairs);
      expect(pairs).toContainEqual(['book00000', 'tag14']);
    });

    it('reports a wrong master key as UNAUTHORIZED and an unreachable server as UNAVAILABLE (exit codes 7 and 5)', async () => {
      await expect(
        migrateFromParse({ serverURL, appId: APP_ID, masterKey: 'wrong' }, { manager }),
      ).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
      const wrong = await runCli(
        ['migrate-parse', '--server-url', serverURL, '--app-id', APP_ID, '--master-key', 'nope'],
        { LOCALBACKEND_ROOT: root },
      );
      expect(wrong.code).toBe(7);
      const down = await runCli(
        [
          'migrate-parse',
          '--server-url',
          'http://127.0.0.1:1/parse',
          '--app-id',
          'x',
          '--master-key',
          'y',
        ],
        { LOCALBACKEND_ROOT: root },
      );
      expect(down.code).toBe(5);
      await expect(
        migrateFromParse({ serverURL: 'ftp://x', appId: 'a', masterKey: 'b' }, { manager }),
      ).rejects.toMatchObject({ code: 'INVALID_VALUE' });
    });
  },
);
