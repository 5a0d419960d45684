import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_KEY, request, sleep, startServer, TestClient, type TestServer } from './helpers';

let t: TestServer;
const create = async (collection: string, body: Record<string, unknown>): Promise<string> => {
  const res = await request(t.url, 'POST', `/api/${collection}`, { body });
  expect(res.status).toBe(201);
  return res.body.objectId as string;
};
const save = (collection: string, id: string, body: Record<string, unknown>) =>
  request(t.url, 'PUT', `/api/${collection}/${id}`, { body });

beforeAll(async () => {
  t = await startServer({ heartbeatIntervalMs: 150 });
});
afterAll(() => t.stop());

describe('realtime subscriptions', () => {
  it('delivers per collection, per filter, with enter/leave, to several clients at once', async () => {
    const all = await TestClient.connect(t.url);
    const todo = await TestClient.connect(t.url);
    const open = await TestClient.connect(t.url);
    expect((await todo.call({ type: 'subscribe', collection: 'Todo' })).type).toBe('subscribed');
    const sub = await open.call({
      type: 'subscribe',
      collection: 'Todo',
      where: { done: false, priority: { $gte: 2 } },
    });
    expect(sub).toMatchObject({ type: 'subscribed', collection: 'Todo' });

    const id = await create('Todo', { title: 'a', done: false, priority: 3 });
    const ev = await open.next((m) => m.event === 'create');
    expect(ev.data).toMatchObject({
      collection: 'Todo',
      objectId: id,
      object: { title: 'a', done: false },
    });
    expect(typeof ev.timestamp).toBe('number');
    await todo.next((m) => m.event === 'create' && m.data.objectId === id);
    await all.next((m) => m.event === 'create' && m.data.objectId === id);

    const other = await create('Other', { x: 1 });
    await all.next((m) => m.event === 'create' && m.data.objectId === other);

    await save('Todo', id, { done: true });
    await todo.next((m) => m.event === 'save' && m.data.object.done === true);
    const leave = await open.next((m) => m.event === 'leave');
    expect(leave.data.objectId).toBe(id);

    await save('Todo', id, { title: 'still done' });
    await todo.next((m) => m.event === 'save' && m.data.object.title === 'still done');

    await save('Todo', id, { done: false });
    await open.next((m) => m.event === 'enter');
    await save('Todo', id, { priority: 5 });
    await open.next((m) => m.event === 'save' && m.data.object.priority === 5);

    const low = await create('Todo', { title: 'low', done: false, priority: 1 });
    await todo.next((m) => m.event === 'create' && m.data.objectId === low);

    await request(t.url, 'DELETE', `/api/Todo/${id}`);
    await open.next((m) => m.event === 'delete' && m.data.objectId === id);
    await todo.next((m) => m.event === 'delete' && m.data.objectId === id);
    await all.next((m) => m.event === 'delete' && m.data.objectId === id);

    expect(open.events().map((e) => e.event)).toEqual([
      'create',
      'leave',
      'enter',
      'save',
      'delete',
    ]);
    expect(todo.events().every((e) => e.data.collection === 'Todo')).toBe(true);
    expect(todo.events().some((e) => e.data.objectId === other)).toBe(false);
    expect(open.events().some((e) => e.data.objectId === low)).toBe(false);
    await Promise.all([all.close(), todo.close(), open.close()]);
  });

  it('matches fields added after subscribing, dates and pointers', async () => {
    await create('Late', { title: 'exists already' });
    const c = await TestClient.connect(t.url);
    await c.call({ type: 'subscribe', collection: 'Late', where: { colour: 'red' } });
    const red = await create('Late', { colour: 'red' });
    await create('Late', { colour: 'blue' });
    await c.next((m) => m.event === 'create' && m.data.objectId === red);
    const missing = await TestClient.connect(t.url);
    await missing.call({
      type: 'subscribe',
      collection: 'Late',
      where: { shape: { $exists: false } },
    });
    const plain = await create('Late', { colour: 'green' });
    await missing.next((m) => m.event === 'create' && m.data.objectId === plain);
    await missing.close();

    const owner = await create('Owner', { name: 'o' });
    const due = await TestClient.connect(t.url);
    await due.call({
      type: 'subscribe',
      collection: 'Task',
      where: {
        due: { $lt: { __type: 'Date', iso: '2026-06-01T00:00:00.000Z' } },
        owner: { __type: 'Pointer', className: 'Owner', objectId: owner },
      },
    });
    const ptr = { __type: 'Pointer', className: 'Owner', objectId: owner };
    const early = await create('Task', {
      due: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' },
      owner: ptr,
    });
    const late = await create('Task', {
      due: { __type: 'Date', iso: '2026-12-01T00:00:00.000Z' },
      owner: ptr,
    });
    await due.next((m) => m.event === 'create' && m.data.objectId === early);
    await save('Task', late, { due: { __type: 'Date', iso: '2026-02-01T00:00:00.000Z' } });
    await due.next((m) => m.event === 'enter' && m.data.objectId === late);
    expect(c.events().map((e) => e.data.objectId)).toEqual([red]);
    await Promise.all([c.close(), due.close()]);
  });

  it('refuses filters that cannot be evaluated on events ($relatedTo)', async () => {
    const c = await TestClient.connect(t.url);
    const reply = await c.call({
      type: 'subscribe',
      collection: 'Tag',
      where: {
        $relatedTo: {
          object: { __type: 'Pointer', className: 'Post', objectId: 'p1' },
          key: 'tags',
        },
      },
    });
    expect(reply).toMatchObject({ type: 'error', code: 'UNSUPPORTED' });
    await c.close();
  });

  it('unsubscribe stops delivery; a client with subscriptions gets only those', async () => {
    const c = await TestClient.connect(t.url);
    await c.call({ type: 'subscribe', collection: 'A' });
    await c.call({ type: 'subscribe', collection: 'B' });
    expect(t.server.realtime!.subscriptionCount()).toBeGreaterThanOrEqual(2);
    expect(await c.call({ type: 'unsubscribe', collection: 'A' })).toMatchObject({
      type: 'unsubscribed',
      collection: 'A',
    });
    const a = await create('A', { v: 1 });
    const b = await create('B', { v: 1 });
    await c.next((m) => m.event === 'create' && m.data.objectId === b);
    await sleep(50);
    expect(c.events().some((e) => e.data.objectId === a)).toBe(false);
    await c.close();
  });

  it('answers ping with pong and bad messages with error replies without closing', async () => {
    const c = await TestClient.connect(t.url);
    expect(await c.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
    const bad: [unknown, string][] = [
      ['not json', 'INVALID_JSON'],
      ['[1,2]', 'INVALID_JSON'],
      ['"text"', 'INVALID_JSON'],
      [{ type: 'explode' }, 'INVALID_VALUE'],
      [{ type: 'subscribe' }, 'INVALID_COLLECTION_NAME'],
      [{ type: 'subscribe', collection: 'Bad Name' }, 'INVALID_COLLECTION_NAME'],
      [{ type: 'subscribe', collection: 'T', where: { a: { $nope: 1 } } }, 'UNKNOWN_OPERATOR'],
      [{ type: 'subscribe', collection: 'T', where: 'x' }, 'INVALID_QUERY'],
      [{ type: 'subscribe', collection: '_Config' }, 'FORBIDDEN'],
      ['{"a":' + '['.repeat(500), 'INVALID_JSON'],
    ];
    for (const [message, code] of bad) {
      const before = c.messages.length;
      c.send(message);
      const reply = await c.next((m) => m.type === 'error' && c.messages.indexOf(m) >= before);
      expect(reply.code, JSON.stringify(message).slice(0, 60)).toBe(code);
      expect(typeof reply.message).toBe('string');
    }
    const withId = await c.call({ type: 'subscribe', collection: 'T', where: { a: { $nope: 1 } } });
    expect(withId.type).toBe('error');
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    await c.next((m) => m.type === 'error' && /binary/.test(m.message));
    expect(await c.call({ type: 'ping' })).toMatchObject({ type: 'pong' });
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    await c.close();
  });

  it('sends no event for a rolled-back transaction', async () => {
    const c = await TestClient.connect(t.url);
    await c.call({ type: 'subscribe', collection: 'Rb' });
    const res = await request(t.url, 'POST', '/api/_batch', {
      body: {
        transaction: true,
        requests: [
          { method: 'POST', path: '/api/Rb', body: { objectId: 'rolledback', v: 1 } },
          { method: 'POST', path: '/api/Rb', body: { objectId: 'rolledback', v: 2 } },
        ],
      },
    });
    expect(res.status).toBe(409);
    const marker = await create('Rb', { v: 'marker' });
    await c.next((m) => m.data?.objectId === marker);
    expect(c.events().map((e) => e.data.objectId)).toEqual([marker]);
    await c.close();
  });

  it('keeps system collections out of catch-all delivery', async () => {
    const c = await TestClient.connect(t.url);
    await request(t.url, 'PUT', '/config', {
      body: { params: { x: 1 } },
      headers: { 'X-Parse-Master-Key': MASTER_KEY },
    });
    const marker = await create('Visible', { v: 1 });
    await c.next((m) => m.data?.objectId === marker);
    expect(c.events().some((e) => e.data.collection.startsWith('_'))).toBe(false);
    await c.close();
  });
});

describe('realtime connection management', () => {
  it('forgets disconnected clients and their subscriptions', async () => {
    const before = t.server.realtime!.clientCount;
    const clients = await Promise.all([1, 2, 3, 4, 5].map(() => TestClient.connect(t.url)));
    await Promise.all(clients.map((c) => c.call({ type: 'subscribe', collection: 'Gone' })));
    expect(t.server.realtime!.clientCount).toBe(before + 5);
    await Promise.all(clients.map((c) => c.close()));
    await sleep(50);
    expect(t.server.realtime!.clientCount).toBe(before);
    await create('Gone', { v: 1 });
  });

  it('drops a client that stops answering heartbeats', async () => {
    const before = t.server.realtime!.clientCount;
    const socket = connect(t.server.getPort(), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    const head = await new Promise<string>((resolve) =>
      socket.once('data', (d) => resolve(String(d))),
    );
    expect(head).toMatch(/^HTTP\/1\.1 101/);
    expect(t.server.realtime!.clientCount).toBe(before + 1);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await closed; // pings are never answered: dropped after two heartbeat intervals
    expect(t.server.realtime!.clientCount).toBe(before);
  });

  it('a live client survives many heartbeats', async () => {
    const c = await TestClient.connect(t.url);
    await sleep(600);
    expect(c.ws.readyState).toBe(c.ws.OPEN);
    await c.close();
  });
});

describe('requireSubscription', () => {
  it('sends nothing to clients without subscriptions', async () => {
    const s = await startServer({ requireSubscription: true });
    try {
      const idle = await TestClient.connect(s.url);
      const subscribed = await TestClient.connect(s.url);
      await subscribed.call({ type: 'subscribe', collection: 'Q' });
      const res = await request(s.url, 'POST', '/api/Q', { body: { v: 1 } });
      await subscribed.next((m) => m.data?.objectId === res.body.objectId);
      await sleep(50);
      expect(idle.events()).toEqual([]);
      await Promise.all([idle.close(), subscribed.close()]);
    } finally {
      await s.stop();
    }
  });
});
