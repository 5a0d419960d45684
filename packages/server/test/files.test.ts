/**
 * Parse-compatible files over real HTTP: uploads (raw bytes, the SDK's JSON form, the Parse JS
 * SDK itself), downloads, deletes, limits, hostile names and crash safety.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { join } from 'node:path';
import Parse from 'parse/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DirectoryFileStore,
  MemoryFileStore,
  createApiRouter,
  createFileName,
  isStoredFileName,
  silentLogger,
} from '../src/index';
import { MASTER_KEY, request, sleep, startServer, tempDir, type TestServer } from './helpers';

const NAME = /^[0-9a-f]{32}_[A-Za-z0-9._-]+$/;

/** Every byte value, several times: a binary file that no text decoding survives. */
const BINARY = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7 + (i >> 8)) % 256));

function upload(
  url: string,
  filename: string,
  body: Buffer | string,
  contentType = 'application/octet-stream',
  headers: Record<string, string> = { 'X-Parse-Application-Id': 'files-app' },
) {
  return request(url, 'POST', `/files/${filename}`, {
    rawBody: body,
    headers: { ...headers, 'Content-Type': contentType },
  });
}

/** A request with a literal path (fetch would normalise `..`). */
function rawHttp(
  base: string,
  method: string,
  path: string,
  body?: Buffer,
  master = false,
): Promise<{ status: number; body: string; bytes: Buffer }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname,
        port,
        method,
        path,
        agent: false,
        headers: {
          'X-Parse-Application-Id': 'files-app',
          'Content-Type': 'text/plain',
          ...(master ? { 'X-Parse-Master-Key': MASTER_KEY } : {}),
          ...(body === undefined ? {} : { 'Content-Length': String(body.length) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, body: bytes.toString(), bytes });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function listFiles(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((n) => !n.startsWith('.')) : [];
}

describe('files on a SQLite file (directory store)', () => {
  let t: TestServer;
  let tmp: ReturnType<typeof tempDir>;
  let filesDir: string;

  beforeAll(async () => {
    tmp = tempDir();
    filesDir = join(tmp.dir, 'files');
    t = await startServer({ dbPath: join(tmp.dir, 'local.db'), appId: 'files-app' });
  });
  afterAll(async () => {
    await t.stop();
    tmp.remove();
  });

  it('stores nothing on disk until the first upload', () => {
    expect(existsSync(filesDir)).toBe(false);
  });

  it('raw upload answers 201 { name, url } with Location, and the download returns the exact bytes', async () => {
    const res = await upload(t.url, 'photo.png', BINARY, 'image/png');
    expect(res.status).toBe(201);
    expect(res.body.name).toMatch(NAME);
    expect(res.body.name.endsWith('_photo.png')).toBe(true);
    expect(res.body.url).toBe(`${t.url}/files/files-app/${res.body.name}`);
    expect(res.headers.get('location')).toBe(res.body.url);

    const download = await fetch(res.body.url);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(download.headers.get('content-length')).toBe(String(BINARY.length));
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('content-disposition')).toBeNull();
    expect(Buffer.from(await download.arrayBuffer()).equals(BINARY)).toBe(true);

    // On disk: the plain bytes under the stored name in dirname(dbPath)/files, no temp file left.
    expect(readFileSync(join(filesDir, res.body.name)).equals(BINARY)).toBe(true);
    expect(readdirSync(join(filesDir, '.tmp'))).toEqual([]);
  });

  it('a record keeps working when the backend moves: stored file urls are rebuilt for each request', async () => {
    const { body: file } = await upload(t.url, 'moved.txt', 'still here', 'text/plain');
    const stale = `http://127.0.0.1:1/files/files-app/${String(file.name)}`;
    const external = { __type: 'File', name: 'hosted.png', url: 'https://cdn.example/hosted.png' };
    const created = await request(t.url, 'POST', '/classes/Doc', {
      body: { file: { __type: 'File', name: file.name, url: stale }, other: external },
      headers: { 'X-Parse-Application-Id': 'files-app' },
    });
    expect(created.status).toBe(201);
    const id = String(created.body.objectId);
    const current = `${t.url}/files/files-app/${String(file.name)}`;
    const parse = await request(t.url, 'GET', `/classes/Doc/${id}`);
    expect(parse.body.file).toEqual({ __type: 'File', name: file.name, url: current });
    expect(parse.body.other).toEqual(external);
    const native = await request(t.url, 'GET', `/api/Doc?limit=5`);
    expect(native.body.results[0].file).toMatchObject({ name: file.name, url: current });
    expect(await (await fetch(parse.body.file.url)).text()).toBe('still here');
    // Under another name of the same machine, the url follows the Host header.
    const viaOtherHost = await new Promise<string>((resolve, reject) => {
      const { port } = new URL(t.url);
      const req = httpRequest(
        {
          hostname: '127.0.0.1',
          port,
          path: `/classes/Doc/${id}`,
          headers: { Host: `localhost:${port}` },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect((JSON.parse(viaOtherHost) as { file: { url: string } }).file.url).toBe(
      `http://localhost:${new URL(t.url).port}/files/files-app/${String(file.name)}`,
    );
  });

  it('HEAD answers the headers without a body', async () => {
    const { body } = await upload(t.url, 'h.bin', BINARY);
    const head = await fetch(body.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(BINARY.length));
    expect(head.headers.get('content-type')).toBe('application/octet-stream');
    expect(await head.text()).toBe('');
  });

  it('the same name uploaded twice gives two files', async () => {
    const a = await upload(t.url, 'same.txt', 'one', 'text/plain');
    const b = await upload(t.url, 'same.txt', 'two', 'text/plain');
    expect(a.body.name).not.toBe(b.body.name);
    expect(await (await fetch(a.body.url)).text()).toBe('one');
    expect(await (await fetch(b.body.url)).text()).toBe('two');
  });

  it('an aborted upload leaves no file and no temporary file', async () => {
    const before = listFiles(filesDir);
    const { hostname, port } = new URL(t.url);
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        hostname,
        port,
        method: 'POST',
        path: '/files/aborted.bin',
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': '100000' },
      });
      req.on('error', () => resolve());
      req.write(Buffer.alloc(50_000, 1));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await sleep(50);
    expect(listFiles(filesDir)).toEqual(before);
    expect(readdirSync(join(filesDir, '.tmp'))).toEqual([]);
    expect((await request(t.url, 'GET', '/health')).status).toBe(200);
  });

  it('a store write that fails removes its temporary files and reports INTERNAL', async () => {
    const store = new DirectoryFileStore(filesDir);
    const name = createFileName('blocked.txt');
    mkdirSync(join(filesDir, name)); // the final rename cannot replace a directory
    await expect(store.put(name, Buffer.from('x'), 'text/plain')).rejects.toMatchObject({
      code: 'INTERNAL',
    });
    expect(readdirSync(join(filesDir, '.tmp'))).toEqual([]);
    expect(existsSync(join(filesDir, '.meta', `${name}.json`))).toBe(false);
  });

  it('files survive a restart of the server', async () => {
    const { body } = await upload(t.url, 'keep.bin', BINARY);
    await t.server.stop();
    await t.server.start();
    // A fresh connection (fetch could reuse a pooled socket the old listener closed).
    const again = await rawHttp(t.server.url, 'GET', `/files/files-app/${body.name}`);
    expect(again.status).toBe(200);
    expect(again.bytes.equals(BINARY)).toBe(true);
    t = { server: t.server, url: t.server.url, stop: () => t.server.stop() };
  });
});

describe('files (memory store)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ maxFileBytes: 1000 });
  });
  afterAll(() => t.stop());

  it('the JSON form of the Parse JS SDK ({ base64, _ContentType, fileData, _ApplicationId }) is decoded', async () => {
    const res = await request(t.url, 'POST', '/files/hello.txt', {
      rawBody: JSON.stringify({
        base64: Buffer.from('hello, files').toString('base64'),
        _ContentType: 'text/plain',
        fileData: { metadata: {}, tags: {} },
        _ApplicationId: 'any-app',
        _ClientVersion: 'js8.6.2',
        _InstallationId: 'abc',
      }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(201);
    expect(res.body.url).toBe(`${t.url}/files/local/${res.body.name}`);
    const download = await fetch(res.body.url);
    expect(download.headers.get('content-type')).toBe('text/plain');
    expect(await download.text()).toBe('hello, files');
  });

  it('a data: URI in base64 gives the content type', async () => {
    const res = await request(t.url, 'POST', '/files/dot.png', {
      rawBody: JSON.stringify({
        base64: `data:image/png;base64,${BINARY.subarray(0, 300).toString('base64')}`,
        _ApplicationId: 'x',
      }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(201);
    const download = await fetch(res.body.url);
    expect(download.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await download.arrayBuffer()).equals(BINARY.subarray(0, 300))).toBe(true);
  });

  it('JSON text uploaded raw (not the SDK form) is stored as is', async () => {
    const text = '{"base64":"aGk=","note":"a JSON file, no application id"}';
    const res = await upload(t.url, 'data.json', text, 'application/json', {});
    expect(res.status).toBe(201);
    expect(await (await fetch(res.body.url)).text()).toBe(text);
  });

  it('bad base64 in the JSON form is INVALID_VALUE (400, Parse 111)', async () => {
    const res = await request(t.url, 'POST', '/files/x.txt', {
      rawBody: JSON.stringify({ base64: 'not base64 !!', _ApplicationId: 'x' }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 111, error: expect.stringContaining('body.base64') });
  });

  it('an empty upload is refused', async () => {
    const res = await upload(t.url, 'empty.txt', '', 'text/plain');
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(111);
  });

  it('uploads over maxFileBytes get 413 PAYLOAD_TOO_LARGE (Parse 116), raw or base64; the limit itself passes', async () => {
    const over = await upload(t.url, 'big.bin', Buffer.alloc(1001, 1));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ code: 116, error: expect.stringContaining('1000 bytes') });
    const overJson = await request(t.url, 'POST', '/files/big.bin', {
      rawBody: JSON.stringify({
        base64: Buffer.alloc(1001, 1).toString('base64'),
        _ApplicationId: 'x',
      }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(overJson.status).toBe(413);
    expect((await upload(t.url, 'fits.bin', Buffer.alloc(1000, 1))).status).toBe(201);
  });

  it('other routes keep their JSON body parsing', async () => {
    const created = await request(t.url, 'POST', '/classes/Note', {
      rawBody: JSON.stringify({ title: 'x', _ApplicationId: 'a' }),
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(created.status).toBe(201);
    const bad = await request(t.url, 'POST', '/classes/Note', {
      rawBody: 'not json',
      headers: { 'Content-Type': 'text/plain', 'X-Parse-Application-Id': 'a' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(107);
  });

  it('DELETE needs the master key (401, Parse 209); with it the file is gone (then 404, Parse 101)', async () => {
    const { body } = await upload(t.url, 'gone.txt', 'bye', 'text/plain');
    const refused = await request(t.url, 'DELETE', `/files/${body.name}`);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe(209);
    expect((await fetch(body.url)).status).toBe(200);
    const wrongKey = await request(t.url, 'DELETE', `/files/${body.name}`, {
      headers: { 'X-Parse-Master-Key': 'wrong' },
    });
    expect(wrongKey.status).toBe(401);
    const deleted = await request(t.url, 'DELETE', `/files/${body.name}`, { master: true });
    expect(deleted.status).toBe(200);
    const missing = await request(t.url, 'GET', `/files/local/${body.name}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe(101);
    expect((await request(t.url, 'DELETE', `/files/${body.name}`, { master: true })).status).toBe(
      404,
    );
  });

  it('active content (HTML, SVG, XML, JavaScript) is served as an attachment; images and text inline', async () => {
    const cases: [string, string, boolean][] = [
      ['page.html', 'text/html', true],
      ['page.html', 'text/html; charset=utf-8', true],
      ['pic.svg', 'image/svg+xml', true],
      ['data.xml', 'application/xml', true],
      ['app.js', 'text/javascript', true],
      ['page.xhtml', 'application/xhtml+xml', true],
      ['notes.txt', 'text/plain', false],
      ['pic.png', 'image/png', false],
    ];
    for (const [filename, type, attachment] of cases) {
      const { body } = await upload(t.url, filename, '<script>alert(1)</script>', type);
      const res = await fetch(body.url);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      const disposition = res.headers.get('content-disposition');
      if (attachment) {
        expect(disposition, type).toBe(`attachment; filename="${filename}"`);
      } else {
        expect(disposition, type).toBeNull();
      }
    }
  });

  it('a missing or malformed content type falls back to the extension, then octet-stream', async () => {
    const a = await upload(t.url, 'doc.pdf', 'x', 'bad type\u0001'.replace('\u0001', ''));
    expect((await fetch(a.body.url)).headers.get('content-type')).toBe('application/pdf');
    const b = await upload(t.url, 'noext', 'x', '');
    expect((await fetch(b.body.url)).headers.get('content-type')).toBe('application/octet-stream');
  });
});

describe('hostile file names', () => {
  let t: TestServer;
  let tmp: ReturnType<typeof tempDir>;
  let filesDir: string;
  beforeAll(async () => {
    tmp = tempDir();
    filesDir = join(tmp.dir, 'uploads');
    mkdirSync(join(tmp.dir, 'db'));
    t = await startServer({ dbPath: join(tmp.dir, 'db', 'local.db'), filesPath: filesDir });
  });
  afterAll(async () => {
    await t.stop();
    tmp.remove();
  });

  it('path traversal, separators, NUL and control characters are refused with INVALID_VALUE (400, Parse 111)', async () => {
    const refused = [
      '..',
      '.',
      '%2e%2e',
      '%2E%2E',
      '..%2F..%2Fescape.txt',
      '..%5C..%5Cescape.txt',
      '%2Fetc%2Fpasswd',
      'a%00.txt',
      'a%0Ab.txt',
      'C%3A%5Cwin.ini',
      'x'.repeat(10_000),
      'y'.repeat(129),
    ];
    // Sent literally (fetch would normalise `..` and `%2e%2e` away before they reach the server).
    for (const name of refused) {
      const res = await rawHttp(t.url, 'POST', `/files/${name}`, Buffer.from('evil'));
      expect(res.status, name.slice(0, 40)).toBe(400);
      expect(JSON.parse(res.body).code, name.slice(0, 40)).toBe(111);
    }
    for (const path of ['/files/../escape.txt', '/files/./x/../..', '/files/%2e%2e/escape.txt']) {
      const res = await rawHttp(t.url, 'POST', path, Buffer.from('evil'));
      expect([400, 404], path).toContain(res.status);
    }
    const bad = await rawHttp(t.url, 'POST', '/files/%E0%A4%A', Buffer.from('evil'));
    expect(bad.status).toBe(400);
    expect(listFiles(filesDir)).toEqual([]);
    expect(existsSync(join(tmp.dir, 'escape.txt'))).toBe(false);
    expect(listFiles(join(tmp.dir, 'db')).filter((n) => !n.startsWith('local.db'))).toEqual([]);
  });

  it('unicode, spaces and punctuation are replaced by "_" and stay inside the folder', async () => {
    const cases: [string, string][] = [
      ['café menü.png', 'caf__men_.png'],
      ['Photo 1 (copy).jpg', 'Photo_1__copy_.jpg'],
      ['日本.txt', '__.txt'],
      ['😀.gif', '_.gif'],
      ['a%b.txt', 'a_b.txt'],
      ['...hidden', '...hidden'],
      ['x'.repeat(128), 'x'.repeat(128)],
    ];
    for (const [original, sanitized] of cases) {
      const res = await upload(t.url, encodeURIComponent(original), 'ok', 'text/plain');
      expect(res.status, original).toBe(201);
      expect(res.body.name.slice(33), original).toBe(sanitized);
      expect(isStoredFileName(res.body.name)).toBe(true);
      expect(readFileSync(join(filesDir, res.body.name), 'utf8')).toBe('ok');
      expect(await (await fetch(res.body.url)).text()).toBe('ok');
    }
  });

  it('downloads and deletes of names that are not stored names are refused, never read', async () => {
    const paths = [
      '/files/local/..%2F..%2Fdb%2Flocal.db',
      '/files/local/%2e%2e',
      '/files/local/local.db',
      '/files/local/.meta',
      `/files/local/${'0'.repeat(32)}_${'a'.repeat(200)}`,
      `/files/local/${'0'.repeat(32)}_..`,
      '/files/local/%00',
    ];
    for (const path of paths) {
      const res = await rawHttp(t.url, 'GET', path);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.body).code).toBe(111);
      const del = await rawHttp(t.url, 'DELETE', path.replace('/local', ''), undefined, true);
      expect([400, 404], path).toContain(del.status);
    }
    const literal = await rawHttp(t.url, 'GET', '/files/local/../../db/local.db');
    expect(literal.status).toBe(404);
    expect(literal.body).not.toContain('SQLite');
    expect(existsSync(join(tmp.dir, 'db', 'local.db'))).toBe(true);
  });
});

describe('files through the Parse JS SDK', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer({ appId: 'sdk-files', parsePath: '/parse' });
    Parse.initialize('sdk-files', undefined, MASTER_KEY);
    (Parse as unknown as { serverURL: string }).serverURL = `${t.url}/parse`;
  });
  afterAll(() => t.stop());

  it('Parse.File({ base64 }).save(), a File field saved and read back, and its url fetched', async () => {
    const base64 = Buffer.from('Hello from Parse.File').toString('base64');
    const file = new Parse.File('hello.txt', { base64 });
    await file.save();
    expect(file.name()).toMatch(/^[0-9a-f]{32}_hello\.txt$/);
    expect(file.url()).toBe(`${t.url}/parse/files/sdk-files/${file.name()}`);

    const doc = new Parse.Object('Doc');
    doc.set('attachment', file);
    await doc.save();
    const read = await new Parse.Query('Doc').get(doc.id!);
    const stored = read.get('attachment') as Parse.File;
    expect(stored).toBeInstanceOf(Parse.File);
    expect(stored.name()).toBe(file.name());
    expect(stored.url()).toBe(file.url());

    const res = await fetch(stored.url()!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(await res.text()).toBe('Hello from Parse.File');
  });

  it('a Buffer-backed Parse.File is uploaded as raw bytes and can be destroyed with the master key', async () => {
    const file = new Parse.File('bytes.bin', [...BINARY.subarray(0, 512)], 'application/x-test');
    await file.save();
    const res = await fetch(file.url()!);
    expect(res.headers.get('content-type')).toBe('application/x-test');
    expect(Buffer.from(await res.arrayBuffer()).equals(BINARY.subarray(0, 512))).toBe(true);
    await file.destroy();
    expect((await fetch(file.url()!)).status).toBe(404);
  });

  it('the SDK reports a refused name as a ParseError', async () => {
    const file = new Parse.File('x'.repeat(200), { base64: 'aGk=' });
    await expect(file.save()).rejects.toMatchObject({ code: 111 });
  });
});

describe('default upload limit', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
  });
  afterAll(() => t.stop());

  it('is 20 MB: one byte more gets 413', async () => {
    const res = await upload(t.url, 'huge.bin', Buffer.alloc(20 * 1024 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe(116);
  });
});

describe('files in a composed router', () => {
  it('urls carry the mount point and parsePath; the given fileStore holds the bytes', async () => {
    const adapter = new LocalSQLAdapter(':memory:');
    await adapter.connect();
    const fileStore = new MemoryFileStore();
    const app = express();
    app.use(
      '/backend',
      createApiRouter({
        adapter,
        masterKey: MASTER_KEY,
        parsePath: '/parse',
        fileStore,
        maxFileBytes: 100,
        logger: silentLogger,
      }),
    );
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const res = await upload(`${base}/backend/parse`, 'a.txt', 'composed', 'text/plain');
      expect(res.status).toBe(201);
      expect(res.body.url).toBe(`${base}/backend/parse/files/local/${res.body.name}`);
      expect(fileStore.size).toBe(1);
      expect(await (await fetch(res.body.url)).text()).toBe('composed');
      // Outside parsePath there is no file route (the body is read as JSON there, so 400 or 404).
      expect([400, 404]).toContain(
        (await upload(`${base}/backend`, 'a.txt', 'x', 'text/plain')).status,
      );
      expect((await upload(`${base}/backend/parse`, 'b.bin', Buffer.alloc(101))).status).toBe(413);
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await adapter.disconnect();
    }
  });
});
