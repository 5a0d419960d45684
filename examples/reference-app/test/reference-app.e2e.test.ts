/**
 * End to end: the built app runs as a child process exactly as `pnpm start` runs it (a
 * BackendManager supervising the backend's own child process, embedded SQLite in a temporary data
 * dir, the three workflows), and is driven by Debian's Chromium through playwright-core, by the
 * official Parse JS SDK and by a raw WebSocket client.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Parse from 'parse/node';
import type { Locator, Page } from 'playwright-core';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalSQLAdapter } from '@localbackend/sqlite';
import { freePort, startApp, type AppProcess } from './support/app-process';
import { launchBrowser, type TestBrowser } from './support/browser';
import { appDir, resultsDir } from './support/paths';

interface Todo {
  objectId: string;
  title: string;
  done?: boolean;
  updatedAt: string;
}

let dataDir: string;
let app: AppProcess;
let browser: TestBrowser;
let pageA: Page;
let pageB: Page;
const pageErrors: string[] = [];

async function appEnv(): Promise<Record<string, string>> {
  return {
    REFERENCE_APP_DATA_DIR: dataDir,
    REFERENCE_APP_PORT: String(await freePort()),
    REFERENCE_APP_BACKEND_PORT: String(await freePort()),
    // The cleanup schedule runs every second here (every 10 minutes by default).
    REFERENCE_APP_CLEANUP_CRON: '* * * * * *',
    REFERENCE_APP_LOG: 'warn',
  };
}

async function rest<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${app.backendUrl}${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json = (await response.json()) as T;
  if (!response.ok)
    throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

const where = (filter: unknown) => encodeURIComponent(JSON.stringify(filter));

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(app.url);
  await page.locator('#live.on').waitFor();
  await page.locator('body[data-todos]').waitFor();
  return page;
}

const row = (page: Page, title: string): Locator =>
  page.locator('#todos li', { has: page.locator('.title', { hasText: title }) });

async function addTodo(
  page: Page,
  title: string,
  options: { list?: string; due?: string } = {},
): Promise<Todo> {
  const posted = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/Todo',
  );
  await page.fill('#title', title);
  await page.selectOption('#list', options.list === undefined ? '' : { label: options.list });
  await page.fill('#due', options.due ?? '');
  await page.click('#add-form button[type=submit]');
  const response = await posted;
  expect(response.status()).toBe(201);
  return (await response.json()) as Todo;
}

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lb-reference-app-'));
  [app, browser] = await Promise.all([appEnv().then((env) => startApp(env)), launchBrowser()]);
  [pageA, pageB] = await Promise.all([openPage(), openPage()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop('SIGKILL').catch(() => undefined);
  if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
});

describe('the page in two browser windows', () => {
  it('shows the seeded data and the live status', async () => {
    expect(app.output()).toContain('(created now)');
    await expect.poll(() => row(pageA, 'Open this page in a second window').count()).toBe(1);
    await expect
      .poll(() => row(pageA, 'Open this page in a second window').locator('.badge').textContent())
      .toBe('Inbox');
    expect(await pageB.locator('#live').textContent()).toBe('live');
    expect(await pageA.locator('#list option').allTextContents()).toEqual([
      'No list',
      'Inbox',
      'Work',
    ]);
  });

  it('a todo added in one window appears in the other within 1 s', async () => {
    const created = await addTodo(pageA, 'Buy milk', { list: 'Inbox', due: '2026-12-24' });
    const start = Date.now();
    await row(pageB, 'Buy milk').waitFor({ timeout: 5000 });
    expect(Date.now() - start).toBeLessThan(1000);
    await expect
      .poll(() => row(pageB, 'Buy milk').locator('.meta').textContent())
      .toBe('Inbox due 2026-12-24');
    expect(await row(pageB, 'Buy milk').getAttribute('data-id')).toBe(created.objectId);
    expect(await pageA.inputValue('#title')).toBe('');
  });

  it('toggling in one window updates the other within 1 s', async () => {
    let start = Date.now();
    await row(pageA, 'Buy milk').locator('input[type=checkbox]').check();
    await pageB.locator('#todos li.done', { hasText: 'Buy milk' }).waitFor({ timeout: 5000 });
    expect(Date.now() - start).toBeLessThan(1000);
    const [todo] = (
      await rest<{ results: Todo[] }>('GET', `/api/Todo?where=${where({ title: 'Buy milk' })}`)
    ).results;
    expect(todo?.done).toBe(true);
    start = Date.now();
    await row(pageB, 'Buy milk').locator('input[type=checkbox]').uncheck();
    await pageA.locator('#todos li:not(.done)', { hasText: 'Buy milk' }).waitFor({ timeout: 5000 });
    expect(Date.now() - start).toBeLessThan(1000);
  });

  it('deleting in one window removes the todo from the other within 1 s', async () => {
    const id = await row(pageA, 'Buy milk').getAttribute('data-id');
    const start = Date.now();
    await row(pageB, 'Buy milk').locator('button.delete').click();
    await row(pageA, 'Buy milk').waitFor({ state: 'detached', timeout: 5000 });
    expect(Date.now() - start).toBeLessThan(1000);
    await expect(
      rest('GET', `/api/Todo/${id}`).then(
        () => 'found',
        (e: Error) => e.message,
      ),
    ).resolves.toMatch(/404.*NOT_FOUND/);
  });

  it('the audit workflow wrote one AuditLog row per change', async () => {
    const id = (
      await rest<{ results: { todoId: string }[] }>(
        'GET',
        `/api/AuditLog?where=${where({ 'todo.title': 'Buy milk', action: 'create' })}`,
      )
    ).results[0]?.todoId;
    expect(id).toBeDefined();
    await expect
      .poll(
        async () =>
          (
            await rest<{ results: { action: string }[] }>(
              'GET',
              `/api/AuditLog?where=${where({ todoId: id })}&sort=createdAt`,
            )
          ).results.map((r) => r.action),
        { timeout: 5000 },
      )
      .toEqual(['create', 'save', 'save', 'delete']);
  });

  it('"Complete all" runs the completeAll workflow and both windows show the result', async () => {
    await addTodo(pageA, 'Walk the dog');
    await addTodo(pageB, 'Water the plants', { list: 'Work' });
    const open = (
      await rest<{ results: Todo[] }>('GET', `/api/Todo?where=${where({ done: { $ne: true } })}`)
    ).results.length;
    expect(open).toBe(3);
    const answered = pageB.waitForResponse((r) => r.url().endsWith('/functions/completeAll'));
    await pageB.click('#complete-all');
    expect(await (await answered).json()).toEqual({ result: { completed: 3 } });
    await expect
      .poll(() => pageB.locator('#notice').textContent())
      .toBe('completeAll marked 3 todos done.');
    for (const page of [pageA, pageB]) {
      await expect
        .poll(() => page.locator('#todos li:not(.done)').count(), { timeout: 5000 })
        .toBe(0);
      await expect.poll(() => page.locator('#summary').textContent()).toBe('0 open · 3 in all');
    }
  });

  it('shows a server error to the user (toggling a todo another client deleted)', async () => {
    const pageC = await browser.newPage();
    let forward = true;
    // Hold back this window's live updates so that it does not learn about the deletion.
    await pageC.routeWebSocket(/.*/, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        if (forward) ws.send(message);
      });
    });
    await pageC.goto(app.url);
    await pageC.locator('#live.on').waitFor();
    const stale = await rest<Todo>('POST', '/api/Todo', { title: 'Stale in one window' });
    await row(pageC, 'Stale in one window').waitFor({ timeout: 5000 });
    forward = false;
    await rest('DELETE', `/api/Todo/${stale.objectId}`);
    // click(), not check(): the page undoes the tick as soon as the server refuses it.
    await row(pageC, 'Stale in one window').locator('input[type=checkbox]').click();
    await pageC.locator('#error').waitFor({ state: 'visible' });
    await expect
      .poll(() => pageC.locator('#error-text').textContent())
      .toBe(`Todo/${stale.objectId}: no such record (NOT_FOUND)`);
    // The failed toggle is undone on the page.
    await expect
      .poll(() => row(pageC, 'Stale in one window').locator('input').isChecked())
      .toBe(false);
    await pageC.click('#error-close');
    await pageC.locator('#error').waitFor({ state: 'hidden' });
    await pageC.close();
  });

  it('saves a screenshot of the page with data (test-results/todos.png)', async () => {
    await addTodo(pageA, 'Write the quarterly report', { list: 'Work', due: '2026-12-18' });
    await addTodo(pageA, 'Book train tickets', { list: 'Inbox', due: '2026-12-20' });
    await addTodo(pageB, 'Call the plumber');
    await row(pageA, 'Call the plumber').waitFor({ timeout: 5000 });
    await row(pageA, 'Walk the dog').locator('input[type=checkbox]').uncheck();
    await pageA.locator('#todos li:not(.done)', { hasText: 'Walk the dog' }).waitFor();
    await expect.poll(() => pageA.locator('#summary').textContent()).toBe('4 open · 6 in all');
    mkdirSync(resultsDir, { recursive: true });
    const file = path.join(resultsDir, 'todos.png');
    await pageA.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
  });
});

describe('the same backend through the Parse JS SDK', () => {
  beforeAll(() => {
    const config = JSON.parse(
      readFileSync(path.join(dataDir, 'todo-app', 'config.json'), 'utf8'),
    ) as {
      settings: { appId: string };
    };
    Parse.initialize(config.settings.appId);
    (Parse as unknown as { serverURL: string }).serverURL = app.backendUrl;
  });

  it('creates a todo with a Pointer, a Relation and a Date that the page shows within 1 s', async () => {
    const work = await new Parse.Query('List').equalTo('name', 'Work').first();
    const urgent = await new Parse.Query('Tag').equalTo('name', 'urgent').first();
    expect(work).toBeDefined();
    expect(urgent).toBeDefined();
    const todo = new Parse.Object('Todo');
    todo.set({
      title: 'Sent by the Parse SDK',
      done: false,
      due: new Date('2026-12-31T00:00:00Z'),
    });
    todo.set('list', work);
    todo.relation('tags').add(urgent!);
    await todo.save();
    const start = Date.now();
    await row(pageA, 'Sent by the Parse SDK').waitFor({ timeout: 5000 });
    expect(Date.now() - start).toBeLessThan(1000);
    await expect
      .poll(() => row(pageA, 'Sent by the Parse SDK').locator('.meta').textContent())
      .toBe('Work due 2026-12-31');

    const found = await new Parse.Query('Todo').equalTo('list', work).include('list').find();
    expect(found.map((t) => t.get('title')).sort()).toEqual([
      'Sent by the Parse SDK',
      'Water the plants',
      'Write the quarterly report',
    ]);
    expect(found[0]!.get('list').get('name')).toBe('Work');
    const fetched = await new Parse.Query('Todo').get(todo.id!);
    expect(fetched.get('due')).toEqual(new Date('2026-12-31T00:00:00Z'));
    const tags = await fetched.relation('tags').query().find();
    expect(tags.map((t) => t.get('name'))).toEqual(['urgent']);
  });

  it('runs the completeAll workflow with Parse.Cloud.run', async () => {
    const open = await new Parse.Query('Todo').notEqualTo('done', true).count();
    expect(open).toBe(5);
    expect(await Parse.Cloud.run('completeAll')).toEqual({ completed: 5 });
    expect(await new Parse.Query('Todo').notEqualTo('done', true).count()).toBe(0);
    await expect
      .poll(() => pageB.locator('#summary').textContent(), { timeout: 5000 })
      .toBe('0 open · 7 in all');
  });

  it('reports errors with Parse codes', async () => {
    await expect(new Parse.Query('Todo').get('AAAAAAAAAA')).rejects.toMatchObject({ code: 101 });
    await expect(new Parse.Object('Todo').save({ done: false })).rejects.toMatchObject({
      code: 142,
    });
  });
});

describe('the realtime protocol with a raw WebSocket client', () => {
  function connect(): Promise<{
    socket: WebSocket;
    next: (match: (m: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
  }> {
    const socket = new WebSocket(app.backendUrl.replace(/^http/, 'ws'));
    const inbox: Record<string, unknown>[] = [];
    const waiters: {
      match: (m: Record<string, unknown>) => boolean;
      resolve: (m: Record<string, unknown>) => void;
    }[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      const waiter = waiters.find((w) => w.match(message));
      if (waiter === undefined) inbox.push(message);
      else {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    });
    const next = (match: (m: Record<string, unknown>) => boolean) => {
      const index = inbox.findIndex(match);
      if (index >= 0) return Promise.resolve(inbox.splice(index, 1)[0]!);
      return new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching message within 5 s')), 5000);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    };
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve({ socket, next }));
      socket.once('error', reject);
    });
  }

  it('subscribes with a filter and receives create, leave, enter and delete events', async () => {
    const { socket, next } = await connect();
    socket.send(
      JSON.stringify({
        type: 'subscribe',
        collection: 'Todo',
        where: { done: false },
        requestId: 'open',
      }),
    );
    expect(await next((m) => m['type'] === 'subscribed')).toMatchObject({ requestId: 'open' });
    const todo = await rest<Todo>('POST', '/api/Todo', { title: 'Over the wire', done: false });
    const created = await next((m) => m['event'] === 'create');
    expect(created).toMatchObject({
      event: 'create',
      data: {
        collection: 'Todo',
        objectId: todo.objectId,
        object: { title: 'Over the wire', done: false },
      },
    });
    expect(created['timestamp']).toEqual(expect.any(Number));
    await rest('PUT', `/api/Todo/${todo.objectId}`, { done: true });
    expect(await next((m) => typeof m['event'] === 'string')).toMatchObject({
      event: 'leave',
      data: { objectId: todo.objectId },
    });
    await rest('PUT', `/api/Todo/${todo.objectId}`, { done: false });
    expect(await next((m) => typeof m['event'] === 'string')).toMatchObject({
      event: 'enter',
      data: { objectId: todo.objectId },
    });
    await rest('DELETE', `/api/Todo/${todo.objectId}`);
    expect(await next((m) => typeof m['event'] === 'string')).toMatchObject({
      event: 'delete',
      data: { objectId: todo.objectId },
    });
    socket.close();
  });

  it('answers pings, keeps the connection after a bad message, and sends every change without subscriptions', async () => {
    const { socket, next } = await connect();
    socket.send(JSON.stringify({ type: 'ping', requestId: 'p1' }));
    expect(await next((m) => m['type'] === 'pong')).toMatchObject({ requestId: 'p1' });
    socket.send('this is not JSON');
    expect(await next((m) => m['type'] === 'error')).toMatchObject({
      type: 'error',
      code: expect.any(String),
    });
    socket.send(JSON.stringify({ type: 'subscribe', collection: 'No such!' }));
    expect(await next((m) => m['type'] === 'error')).toMatchObject({ type: 'error' });
    socket.send(JSON.stringify({ type: 'ping', requestId: 'p2' }));
    expect(await next((m) => m['type'] === 'pong')).toMatchObject({ requestId: 'p2' });
    // No subscription: the audit workflow's AuditLog row arrives too. Earlier tests'
    // audit rows are written asynchronously and may still be arriving, so the
    // predicates pick the events of this todo only.
    type Change = { collection?: string; objectId?: string; object?: { todoId?: string } };
    const todo = await rest<Todo>('POST', '/api/Todo', { title: 'Audited live', done: true });
    expect(
      await next((m) => {
        const data = m['data'] as Change | undefined;
        return data?.collection === 'Todo' && data.objectId === todo.objectId;
      }),
    ).toMatchObject({
      event: 'create',
    });
    expect(
      await next((m) => {
        const data = m['data'] as Change | undefined;
        return data?.collection === 'AuditLog' && data.object?.todoId === todo.objectId;
      }),
    ).toMatchObject({
      event: 'create',
      data: { object: { action: 'create', todoId: todo.objectId } },
    });
    socket.close();
  });
});

describe('scripts/watch-changes.mjs (the README tour)', () => {
  it('prints a change written with the REST API', async () => {
    const watcher = spawn(
      process.execPath,
      [path.join(appDir, 'scripts', 'watch-changes.mjs'), app.backendUrl, 'Todo'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    watcher.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    try {
      await expect.poll(() => out, { timeout: 5000 }).toContain('watching');
      const todo = await rest<Todo>('POST', '/api/Todo', { title: 'Hello from curl' });
      await expect
        .poll(() => out, { timeout: 5000 })
        .toMatch(new RegExp(`create +Todo/${todo.objectId} .*"title":"Hello from curl"`));
    } finally {
      watcher.kill('SIGINT');
    }
  });
});

describe('the cleanup schedule', () => {
  it('deletes done todos unchanged for more than a day and keeps the others', async () => {
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString();
    // Records with an old updatedAt can only be imported (the API always stamps "now").
    const db = new LocalSQLAdapter(path.join(dataDir, 'todo-app', 'data', 'local.db'));
    await db.importRecords('Todo', [
      {
        objectId: 'OldDone001',
        title: 'Old and done',
        done: true,
        createdAt: twoDaysAgo,
        updatedAt: twoDaysAgo,
      },
      {
        objectId: 'OldOpen001',
        title: 'Old but open',
        done: false,
        createdAt: twoDaysAgo,
        updatedAt: twoDaysAgo,
      },
    ]);
    await db.disconnect();
    const recent = await rest<Todo>('POST', '/api/Todo', { title: 'Done just now', done: true });
    await expect
      .poll(
        async () =>
          (
            await rest<{ results: Todo[] }>(
              'GET',
              `/api/Todo?where=${where({ objectId: { $in: ['OldDone001', 'OldOpen001', recent.objectId] } })}`,
            )
          ).results
            .map((t) => t.title)
            .sort(),
        { timeout: 5000, interval: 200 },
      )
      .toEqual(['Done just now', 'Old but open']);
  });
});

describe('stopping and starting again', () => {
  it('Ctrl-C stops the backend child process cleanly and loses nothing; a restart reuses the data', async () => {
    const backendDir = path.join(dataDir, 'todo-app');
    const { pid } = JSON.parse(readFileSync(path.join(backendDir, 'run.json'), 'utf8')) as {
      pid: number;
    };
    expect(() => process.kill(pid, 0)).not.toThrow();
    const before = await rest<{ results: Todo[] }>('GET', '/api/Todo?sort=createdAt&limit=1000');
    // A write right before the signal must survive too.
    await rest('POST', '/api/Todo', { title: 'Written just before Ctrl-C' });

    expect(await app.stop('SIGINT')).toBe(0);
    expect(app.output()).toContain('Stopped cleanly.');
    await expect
      .poll(() => {
        try {
          process.kill(pid, 0);
          return 'alive';
        } catch {
          return 'gone';
        }
      })
      .toBe('gone');
    expect(existsSync(path.join(backendDir, 'run.json'))).toBe(false);

    const db = new LocalSQLAdapter(path.join(backendDir, 'data', 'local.db'), { readonly: true });
    const titles = (
      await db.query({ collection: 'Todo', sort: 'createdAt', limit: 1000 })
    ).results.map((t) => t['title']);
    expect(titles).toEqual([...before.results.map((t) => t.title), 'Written just before Ctrl-C']);
    expect((await db.integrityCheck()).ok).toBe(true);
    await db.disconnect();

    app = await startApp(await appEnv());
    expect(app.output()).not.toContain('(created now)');
    const after = await rest<{ results: Todo[] }>('GET', '/api/Todo?sort=createdAt&limit=1000');
    expect(after.results.map((t) => t.title)).toEqual(titles);
    expect((await rest<{ results: unknown[] }>('GET', '/api/List')).results).toHaveLength(2);
    expect(await app.stop('SIGTERM')).toBe(0);
  });
});
