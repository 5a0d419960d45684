/**
 * Shared helpers of the server integration tests: a real LocalBackendServer on an ephemeral
 * port over a real LocalSQLAdapter, an HTTP helper on fetch, and a WebSocket test client.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { LocalBackendServer, silentLogger, type LocalBackendServerOptions } from '../src/index';

export const MASTER_KEY = 'test-master-key-0123456789';

export interface TestServer {
  readonly server: LocalBackendServer;
  readonly url: string;
  stop(): Promise<void>;
}

/** A started server on port 0 over an in-memory SQLite store (or the options' store). */
export async function startServer(
  options: Partial<LocalBackendServerOptions> = {},
): Promise<TestServer> {
  const server = new LocalBackendServer({
    port: 0,
    masterKey: MASTER_KEY,
    logger: silentLogger,
    ...(options.adapter === undefined && options.dbPath === undefined
      ? { dbPath: ':memory:' }
      : {}),
    ...options,
  } as LocalBackendServerOptions);
  await server.start();
  return { server, url: server.url, stop: () => server.stop() };
}

/** A temporary directory removed by the returned function. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lb-server-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  readonly body: any;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Sent as is (no JSON encoding). */
  readonly rawBody?: string | Buffer;
  readonly headers?: Record<string, string>;
  readonly master?: boolean;
}

/** One HTTP request; the body is JSON-encoded; the answer is parsed when it is JSON. */
export async function request(
  url: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.master === true) headers['X-Parse-Master-Key'] = MASTER_KEY;
  let body: string | Buffer | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['Content-Type'] ??= 'application/json';
  }
  const response = await fetch(`${url}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

/** Builds `?a=..&b=..` with JSON encoding for objects. */
export function qs(params: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    search.set(key, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return `?${search.toString()}`;
}

/** A WebSocket client that records every message. */
export class TestClient {
  readonly ws: WebSocket;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  readonly messages: any[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  #waiters: { predicate: (m: any) => boolean; resolve: (m: any) => void }[] = [];
  closeCode: number | undefined;
  readonly closed: Promise<number>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const message: unknown = JSON.parse(String(data));
      this.messages.push(message);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.predicate(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
  }

  static connect(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
      const client = new TestClient(ws);
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (already received or coming) that matches. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  next(predicate: (m: any) => boolean, timeoutMs = 3000): Promise<any> {
    const found = this.messages.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages)}`,
            ),
          ),
        timeoutMs,
      );
      this.#waiters.push({
        predicate,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Sends and waits for the reply carrying the same requestId. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  async call(message: Record<string, unknown>): Promise<any> {
    const requestId = `r${Math.random().toString(36).slice(2)}`;
    this.send({ ...message, requestId });
    return this.next((m) => m.requestId === requestId);
  }

  /** Change events received so far. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test convenience
  events(): any[] {
    return this.messages.filter((m) => 'event' in m);
  }

  close(): Promise<number> {
    this.ws.close();
    return this.closed;
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A Parse-style request function: the given app headers, an optional session token, and every
 * response text recorded in `seen` (for leak checks).
 */
export function parseCaller(
  appHeaders: Readonly<Record<string, string>>,
  seen: string[],
): (
  t: TestServer,
  method: string,
  path: string,
  options?: RequestOptions & { token?: string },
) => Promise<HttpResult> {
  return async (t, method, path, options = {}) => {
    const headers: Record<string, string> = { ...appHeaders, ...(options.headers ?? {}) };
    if (options.token !== undefined) headers['X-Parse-Session-Token'] = options.token;
    const res = await request(t.url, method, path, { ...options, headers });
    seen.push(res.text);
    return res;
  };
}
