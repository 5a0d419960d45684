import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import {
  BackendError,
  assertCollectionName,
  describeValue,
  isPlainRecord,
  toBackendError,
  type ChangeEvent,
  type ChangeEventType,
  type CloudStoreAdapter,
  type FilterNode,
  type StoredRecord,
  type TableSchema,
} from '@localbackend/adapter';
import { matches, parseWhere } from '@localbackend/query';
import { createConsoleLogger, type Logger } from './logger';
import { secretEquals } from './internal/auth';
import { assertJsonDepth } from './internal/json-depth';
import { isLoopbackAddress } from './internal/request-context';
import { safeLogger } from './internal/safe-logger';
import { assertNoHiddenKeys, canRead, withoutHidden } from './internal/acl';
import type { UserStore } from './user-store';

/**
 * Options of {@link attachRealtime}. Give `server` (the realtime channel then answers WebSocket
 * upgrades on it, on every path or on `path`) or `wss` (a `WebSocketServer` you created; its
 * `connection` events are served).
 *
 * @example
 * ```ts
 * const options: RealtimeOptions = { server: httpServer, adapter, masterKey: 'change-me', heartbeatIntervalMs: 30_000 };
 * ```
 */
export interface RealtimeOptions {
  /** An HTTP server to take WebSocket upgrades from. */
  readonly server?: HttpServer;
  /** A WebSocketServer to serve instead (its clients are not authenticated at upgrade). */
  readonly wss?: WebSocketServer;
  /** The store whose committed changes are broadcast (`adapter.on`). */
  readonly adapter: CloudStoreAdapter;
  /** Clients not on this machine must send it (`X-Parse-Master-Key` header or `?masterKey=`); without one they are refused. */
  readonly masterKey?: string;
  /** Clients on this machine need no master key (default `true`). */
  readonly trustLoopback?: boolean;
  /** A client with no subscriptions receives nothing (default `false`: it receives every change). */
  readonly requireSubscription?: boolean;
  /** Ping every client this often; a client that did not answer the previous ping is dropped (default 30 s; 0 turns it off). */
  readonly heartbeatIntervalMs?: number;
  /** Only upgrades to this path are served (default: every path). */
  readonly path?: string;
  /** Largest client message in bytes (default 1 MiB); larger ones get an `error` reply. */
  readonly maxMessageBytes?: number;
  /** Most subscriptions per client (default 100). */
  readonly maxSubscriptionsPerClient?: number;
  /** A client whose unsent data exceeds this many bytes is dropped as too slow (default 16 MiB). */
  readonly maxBufferedBytes?: number;
  /** Extra upgrade check (e.g. Host or Origin rules); return false to refuse with 403. */
  readonly verifyUpgrade?: (request: IncomingMessage) => boolean;
  /** Structured logs (default: JSON lines on stderr at `info`). */
  readonly logger?: Logger;
  /**
   * Resolves the `sessionToken` of `connect` / `subscribe` messages, so that a socket sees the
   * records its user may read (object ACLs). Without it, tokens are refused and sockets without
   * the master key see public records only.
   */
  readonly users?: UserStore;
}

/**
 * A running realtime channel, as returned by {@link attachRealtime}.
 *
 * @example
 * ```ts
 * const realtime = attachRealtime({ server, adapter });
 * console.log(realtime.clientCount);
 * await realtime.close(); // clients get close code 1001
 * ```
 */
export interface RealtimeHandle {
  /** The WebSocketServer in use. */
  readonly wss: WebSocketServer;
  /** Connected clients. */
  readonly clientCount: number;
  /** Subscriptions over all clients. */
  subscriptionCount(): number;
  /** Stops listening for changes and closes every client (default code 1001, "going away"). */
  close(options?: {
    readonly code?: number;
    readonly reason?: string;
    readonly timeoutMs?: number;
  }): Promise<void>;
}

/**
 * A message the server sends: replies (`subscribed`, `unsubscribed`, `pong`, `error`) and change
 * events (`create`, `save`, `delete`, and `enter` / `leave` when a save moves a record into or
 * out of a subscription's `where`).
 *
 * @example
 * ```ts
 * ws.on('message', (data) => {
 *   const message = JSON.parse(String(data)) as RealtimeServerMessage;
 *   if ('event' in message) console.log(message.event, message.data.objectId);
 * });
 * ```
 */
export type RealtimeServerMessage =
  | {
      readonly type: 'subscribed';
      readonly collection: string;
      readonly requestId?: string | number;
    }
  | {
      readonly type: 'unsubscribed';
      readonly collection: string;
      readonly requestId?: string | number;
    }
  | { readonly type: 'pong'; readonly requestId?: string | number }
  | {
      readonly type: 'connected';
      /** The user the socket now reads as (absent: anonymous). */
      readonly userId?: string;
      readonly requestId?: string | number;
    }
  | {
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      readonly requestId?: string | number;
    }
  | {
      readonly event: ChangeEventType | 'enter' | 'leave';
      readonly data: {
        readonly collection: string;
        readonly objectId: string;
        readonly object: StoredRecord;
      };
      readonly timestamp: number;
    };

/**
 * A message a client sends.
 *
 * @example
 * ```ts
 * const subscribe: RealtimeClientMessage = { type: 'subscribe', collection: 'Todo', where: { done: false }, requestId: 1 };
 * ws.send(JSON.stringify(subscribe));
 * ```
 */
export type RealtimeClientMessage =
  | {
      readonly type: 'subscribe';
      readonly collection: string;
      readonly where?: Readonly<Record<string, unknown>>;
      /** Authenticates the socket as this session's user (as `connect` does). */
      readonly sessionToken?: string;
      readonly requestId?: string | number;
    }
  | {
      /** Authenticates the socket (`sessionToken`), or makes it anonymous again (`null`). */
      readonly type: 'connect';
      readonly sessionToken: string | null;
      readonly requestId?: string | number;
    }
  | {
      readonly type: 'unsubscribe';
      readonly collection: string;
      readonly requestId?: string | number;
    }
  | { readonly type: 'ping'; readonly requestId?: string | number };

interface Subscription {
  /** Parsed without a schema, so that columns added later (auto schema) still match. */
  readonly where: FilterNode | undefined;
}

interface Client {
  readonly ws: WebSocket;
  readonly master: boolean;
  /** The user of the socket's session (`connect` / `subscribe` with `sessionToken`). */
  userId: string | undefined;
  readonly subs: Map<string, Subscription>;
  alive: boolean;
  queue: Promise<void>;
}

const EVENTS: readonly ChangeEventType[] = ['create', 'save', 'delete'];
const CLIENT_TYPES = ['subscribe', 'unsubscribe', 'ping', 'connect'];

function requestIdOf(message: unknown): string | number | undefined {
  if (!isPlainRecord(message)) return undefined;
  const id = message.requestId;
  if (typeof id === 'number' && Number.isFinite(id)) return id;
  if (typeof id === 'string' && id.length <= 128) return id;
  return undefined;
}

function masterKeyOf(request: IncomingMessage): string | undefined {
  const header = request.headers['x-parse-master-key'];
  if (typeof header === 'string') return header;
  const url = request.url ?? '';
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get('masterKey') ?? undefined;
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function refuse(socket: Duplex, status: number, text: string, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Serves the realtime protocol (ARCHITECTURE §7) on a WebSocket server: clients send
 * `subscribe {collection, where?, requestId?}`, `unsubscribe {collection}` and `ping`; the server
 * answers `subscribed`, `unsubscribed`, `pong` or `error {code, message}` (bad messages never close
 * the socket) and pushes every committed change as `{event, data: {collection, objectId, object},
 * timestamp}`. A client without subscriptions receives every change of user collections (unless
 * `requireSubscription`); a `where` is evaluated with `@localbackend/query`'s `matches()`, and a
 * save that moves a record into or out of it arrives as `enter` / `leave`. Dead clients are
 * dropped by heartbeat pings. Events come from `adapter.on`, so rolled-back writes send nothing.
 * Changes of system collections (`_User`, `_Session`, `_Config`...) are never sent to anyone.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { attachRealtime } from '@localbackend/server';
 *
 * const server = createServer(app).listen(8577, '127.0.0.1');
 * const realtime = attachRealtime({ server, adapter, masterKey: 'change-me' });
 * // browser: new WebSocket('ws://127.0.0.1:8577').send(JSON.stringify({ type: 'subscribe', collection: 'Todo' }))
 * await realtime.close();
 * ```
 */
export function attachRealtime(options: RealtimeOptions): RealtimeHandle {
  const logger = safeLogger(options.logger ?? createConsoleLogger());
  const { adapter } = options;
  if (options.server === undefined && options.wss === undefined) {
    throw new BackendError('INVALID_CONFIG', 'attachRealtime: give `server` or `wss`', {
      details: { path: 'server' },
    });
  }
  const ownWss = options.wss === undefined;
  const maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
  const wss =
    options.wss ??
    new WebSocketServer({
      noServer: true,
      maxPayload: Math.max(maxMessageBytes * 4, 16 * 1024 * 1024),
      perMessageDeflate: false,
    });
  const trustLoopback = options.trustLoopback ?? true;
  const maxSubs = options.maxSubscriptionsPerClient ?? 100;
  const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  const clients = new Set<Client>();
  let closed = false;

  const isMaster = (request: IncomingMessage | undefined): boolean => {
    if (request === undefined || options.masterKey === undefined) return false;
    const given = masterKeyOf(request);
    return given !== undefined && secretEquals(given, options.masterKey);
  };

  /** Why an upgrade is refused, or undefined when it is allowed. */
  const refusal = (request: IncomingMessage): [number, string, string, string] | undefined => {
    const given = masterKeyOf(request);
    if (
      given !== undefined &&
      (options.masterKey === undefined || !secretEquals(given, options.masterKey))
    ) {
      return [401, 'Unauthorized', 'UNAUTHORIZED', 'unauthorized: the master key is not valid'];
    }
    const loopback = trustLoopback && isLoopbackAddress(request.socket.remoteAddress);
    if (!loopback && !isMaster(request)) {
      return [
        401,
        'Unauthorized',
        'UNAUTHORIZED',
        'unauthorized: clients on other machines need the master key',
      ];
    }
    if (options.verifyUpgrade !== undefined) {
      let ok = false;
      try {
        ok = options.verifyUpgrade(request);
      } catch {
        ok = false;
      }
      if (!ok) return [403, 'Forbidden', 'FORBIDDEN', 'forbidden: this client may not connect'];
    }
    return undefined;
  };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (options.path !== undefined && pathOf(request) !== options.path) {
      if (options.server !== undefined && options.server.listenerCount('upgrade') <= 1) {
        refuse(
          socket,
          404,
          'Not Found',
          'ROUTE_NOT_FOUND',
          `no WebSocket endpoint at ${pathOf(request).slice(0, 100)}`,
        );
      }
      return;
    }
    if (closed) {
      refuse(socket, 503, 'Service Unavailable', 'UNAVAILABLE', 'the server is stopping');
      return;
    }
    const refused = refusal(request);
    if (refused !== undefined) {
      refuse(socket, ...refused);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };

  const send = (client: Client, data: Buffer | string): void => {
    const { ws } = client;
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.bufferedAmount > maxBuffered) {
      logger.warn('realtime client too slow; dropped', { buffered: ws.bufferedAmount });
      ws.terminate();
      return;
    }
    ws.send(data, { binary: false });
  };
  const reply = (client: Client, message: RealtimeServerMessage): void =>
    send(client, JSON.stringify(message));
  const replyError = (
    client: Client,
    error: unknown,
    requestId: string | number | undefined,
  ): void => {
    const err = toBackendError(error, 'Internal server error');
    const message = err.code === 'INTERNAL' ? 'Internal server error' : err.message;
    reply(
      client,
      requestId === undefined
        ? { type: 'error', code: err.code, message }
        : { type: 'error', code: err.code, message, requestId },
    );
  };

  // The latest schema, read synchronously while matching events (refreshed in the background).
  let tables = new Map<string, TableSchema>();
  let tablesAt = 0;
  let refreshing: Promise<void> | undefined;
  const refreshSchema = (): Promise<void> => {
    refreshing ??= adapter
      .getSchema()
      .then(
        (schema) => {
          tables = new Map(schema.tables.map((t) => [t.name, t]));
          tablesAt = Date.now();
        },
        () => undefined,
      )
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };
  const tableSchema = async (collection: string): Promise<TableSchema | undefined> => {
    if (Date.now() - tablesAt > 2000 || !tables.has(collection)) await refreshSchema();
    return tables.get(collection);
  };
  /** The cached schema for matching; a record with a field it lacks triggers a refresh. */
  const schemaFor = (event: ChangeEvent): TableSchema | undefined => {
    const table = tables.get(event.collection);
    if (table === undefined || Date.now() - tablesAt > 2000) {
      void refreshSchema();
      return table;
    }
    for (const key of Object.keys(event.object)) {
      if (key === 'objectId' || key === 'createdAt' || key === 'updatedAt') continue;
      if (!table.columns.some((c) => c.name === key)) {
        void refreshSchema(); // a column added since (auto schema); see safeMatches
        break;
      }
    }
    return table;
  };

  /** Makes `client` read as the user of `token`; a bad token is refused (the socket keeps its viewer). */
  const authenticateSocket = async (
    client: Client,
    token: unknown,
    path: string,
  ): Promise<void> => {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) {
      throw new BackendError('INVALID_VALUE', `${path}: expected a session token string`, {
        details: { path },
      });
    }
    const session = options.users === undefined ? undefined : await options.users.session(token);
    if (session === undefined) {
      throw new BackendError('UNAUTHORIZED', `${path}: Invalid session token`, {
        details: { path },
      });
    }
    client.userId = session.user.objectId;
  };

  const handleMessage = async (client: Client, data: RawData, isBinary: boolean): Promise<void> => {
    let requestId: string | number | undefined;
    try {
      await handleMessageOrThrow(client, data, isBinary, (id) => {
        requestId = id;
      });
    } catch (error) {
      replyError(client, error, requestId);
    }
  };

  const handleMessageOrThrow = async (
    client: Client,
    data: RawData,
    isBinary: boolean,
    setRequestId: (id: string | number | undefined) => void,
  ): Promise<void> => {
    const size = Array.isArray(data)
      ? data.reduce((n, b) => n + b.length, 0)
      : (data as Buffer | ArrayBuffer).byteLength;
    if (isBinary)
      throw new BackendError(
        'INVALID_JSON',
        'message: binary frames are not supported; send JSON text',
      );
    if (size > maxMessageBytes) {
      throw new BackendError('PAYLOAD_TOO_LARGE', `message: larger than ${maxMessageBytes} bytes`);
    }
    const text = Array.isArray(data)
      ? Buffer.concat(data).toString('utf8')
      : Buffer.from(data as Buffer).toString('utf8');
    assertJsonDepth(text, 'message');
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      throw new BackendError('INVALID_JSON', 'message: not valid JSON');
    }
    if (!isPlainRecord(message)) {
      throw new BackendError(
        'INVALID_JSON',
        `message: expected a JSON object, got ${describeValue(message)}`,
      );
    }
    const requestId = requestIdOf(message);
    setRequestId(requestId);
    if (typeof message.type !== 'string' || !CLIENT_TYPES.includes(message.type)) {
      throw new BackendError(
        'INVALID_VALUE',
        `message.type: expected subscribe, unsubscribe, ping or connect, got ${describeValue(message.type)}`,
        { details: { path: 'message.type', expected: 'subscribe | unsubscribe | ping | connect' } },
      );
    }
    if (message.type === 'ping') {
      reply(client, requestId === undefined ? { type: 'pong' } : { type: 'pong', requestId });
      return;
    }
    if (message.type === 'connect') {
      const token = message.sessionToken;
      if (token === null || token === undefined || token === '') client.userId = undefined;
      else await authenticateSocket(client, token, 'message.sessionToken');
      const userId = client.userId;
      reply(client, {
        type: 'connected',
        ...(userId === undefined ? {} : { userId }),
        ...(requestId === undefined ? {} : { requestId }),
      });
      return;
    }
    if (message.type === 'subscribe' && message.sessionToken !== undefined) {
      await authenticateSocket(client, message.sessionToken, 'message.sessionToken');
    }
    const collection = message.collection;
    assertCollectionName(collection, 'message.collection', { allowSystem: true });
    if (collection.startsWith('_') && !client.master) {
      throw new BackendError(
        'FORBIDDEN',
        `message.collection: the system collection ${collection} needs the master key`,
      );
    }
    if (message.type === 'unsubscribe') {
      client.subs.delete(collection);
      reply(
        client,
        requestId === undefined
          ? { type: 'unsubscribed', collection }
          : { type: 'unsubscribed', collection, requestId },
      );
      return;
    }
    if (!client.subs.has(collection) && client.subs.size >= maxSubs) {
      throw new BackendError(
        'RESOURCE_LIMIT',
        `message: at most ${maxSubs} subscriptions per connection`,
      );
    }
    let where: FilterNode | undefined;
    if (message.where !== undefined && message.where !== null) {
      if (!isPlainRecord(message.where)) {
        throw new BackendError(
          'INVALID_QUERY',
          `message.where: expected a filter object, got ${describeValue(message.where)}`,
          {
            details: { path: 'message.where' },
          },
        );
      }
      if (!client.master) assertNoHiddenKeys(message.where, 'message.where');
      const schema = await tableSchema(collection);
      // Validate against today's columns (types, operators); keep a schema-free form for
      // matching, so that fields added later by auto-schema writes are seen.
      parseWhere(message.where, { schema, unknownFields: 'missing', path: 'where' });
      where = parseWhere(message.where, { path: 'where' });
      try {
        matches({ objectId: '', createdAt: '', updatedAt: '' }, where, { schema });
      } catch (error) {
        const err = toBackendError(error);
        if (err.code === 'UNSUPPORTED') {
          throw new BackendError(
            'UNSUPPORTED',
            `message.where: this filter cannot be evaluated on change events (${err.message})`,
            { details: { path: 'message.where' } },
          );
        }
      }
    }
    client.subs.set(collection, { where });
    reply(
      client,
      requestId === undefined
        ? { type: 'subscribed', collection }
        : { type: 'subscribed', collection, requestId },
    );
  };

  const onConnection = (ws: WebSocket, request?: IncomingMessage): void => {
    if (closed) {
      ws.close(1001, 'server stopping');
      return;
    }
    if (options.wss !== undefined && request !== undefined) {
      // A user-provided WebSocketServer did not run our upgrade checks.
      const refused = refusal(request);
      if (refused !== undefined) {
        ws.close(1008, refused[3].slice(0, 120));
        return;
      }
    }
    const client: Client = {
      ws,
      master: isMaster(request),
      userId: undefined,
      subs: new Map(),
      alive: true,
      queue: Promise.resolve(),
    };
    clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      client.alive = true;
      client.queue = client.queue.then(() => handleMessage(client, data, isBinary));
    });
    ws.on('close', () => {
      clients.delete(client);
      client.subs.clear();
    });
    ws.on('error', (error) => {
      logger.debug('realtime client error', { error: error.message });
    });
  };
  wss.on('connection', onConnection);

  const broadcast = (event: ChangeEvent): void => {
    // System collections (`_User`, `_Session`, `_Config`, `_WorkflowRun`...) are never
    // broadcast: they hold password hashes, session tokens and other internals.
    if (clients.size === 0 || event.collection.startsWith('_')) return;
    const messages = new Map<string, Buffer>();
    // `leave` for a viewer who lost read access carries the record as that viewer last saw it.
    const message = (kind: string, before = false): Buffer => {
      const cacheKey = before ? `${kind}:before` : kind;
      let data = messages.get(cacheKey);
      if (data === undefined) {
        const object = withoutHidden(before ? (event.previous ?? event.object) : event.object);
        data = Buffer.from(
          JSON.stringify({
            event: kind,
            data: { collection: event.collection, objectId: event.objectId, object },
            timestamp: Date.now(),
          }),
        );
        messages.set(cacheKey, data);
      }
      return data;
    };
    let schema: { table: TableSchema | undefined } | undefined;
    for (const client of clients) {
      try {
        // Object ACLs: what this socket may read now and before the change.
        const viewer = { master: client.master, userId: client.userId };
        const readNow = canRead(event.object, viewer);
        const readBefore =
          event.type === 'save' && event.previous !== undefined
            ? canRead(event.previous, viewer)
            : readNow;
        if (!readNow && !readBefore) continue;
        if (client.subs.size === 0) {
          if (options.requireSubscription === true) continue;
          if (readNow && readBefore) send(client, message(event.type));
          else if (readNow) send(client, message('enter'));
          else send(client, message('leave', true));
          continue;
        }
        const sub = client.subs.get(event.collection);
        if (sub === undefined) continue;
        schema ??= { table: schemaFor(event) };
        if (readNow && readBefore) {
          const kind = eventKind(event, sub, schema.table);
          if (kind !== undefined) send(client, message(kind));
        } else if (readNow) {
          // Read access gained: the record enters the view (when it matches).
          if (sub.where === undefined || safeMatches(event.object, sub.where, schema.table)) {
            send(client, message('enter'));
          }
        } else if (
          sub.where === undefined ||
          safeMatches(event.previous ?? event.object, sub.where, schema.table)
        ) {
          // Read access lost: never the new data, only that it left.
          send(client, message('leave', true));
        }
      } catch (error) {
        logger.debug('realtime delivery failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };
  const listeners = new Map<ChangeEventType, (event: ChangeEvent) => void>();
  for (const type of EVENTS) {
    const listener = (event: ChangeEvent): void => {
      try {
        broadcast(event);
      } catch (error) {
        logger.error('realtime broadcast failed', {
          error: error instanceof Error ? error.message : String(error),
        });
      }
    };
    listeners.set(type, listener);
    adapter.on(type, listener);
  }
  options.server?.on('upgrade', onUpgrade);

  const heartbeatMs = options.heartbeatIntervalMs ?? 30_000;
  const heartbeat =
    heartbeatMs > 0
      ? setInterval(() => {
          for (const client of clients) {
            if (!client.alive) {
              client.ws.terminate();
              clients.delete(client);
              continue;
            }
            client.alive = false;
            try {
              client.ws.ping();
            } catch {
              client.ws.terminate();
            }
          }
        }, heartbeatMs)
      : undefined;
  heartbeat?.unref();

  return {
    wss,
    get clientCount() {
      return clients.size;
    },
    subscriptionCount() {
      let n = 0;
      for (const client of clients) n += client.subs.size;
      return n;
    },
    async close(closeOptions = {}) {
      if (closed) return;
      closed = true;
      if (heartbeat !== undefined) clearInterval(heartbeat);
      for (const [type, listener] of listeners) adapter.off(type, listener);
      options.server?.off('upgrade', onUpgrade);
      wss.off('connection', onConnection);
      const code = closeOptions.code ?? 1001;
      const reason = closeOptions.reason ?? 'server stopping';
      const pending = [...clients].map(
        (client) =>
          new Promise<void>((resolve) => {
            if (client.ws.readyState === WebSocket.CLOSED) {
              resolve();
              return;
            }
            client.ws.once('close', () => resolve());
            client.ws.close(code, reason);
          }),
      );
      const timeoutMs = closeOptions.timeoutMs ?? 2000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      for (const client of clients) client.ws.terminate();
      clients.clear();
      if (ownWss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

function safeMatches(
  record: StoredRecord,
  where: FilterNode,
  schema: TableSchema | undefined,
): boolean {
  try {
    return matches(record, where, { schema });
  } catch (error) {
    // A field the schema does not have (yet): judge the record on its own values.
    if (schema !== undefined && toBackendError(error).code === 'INVALID_FIELD_NAME') {
      return safeMatches(record, where, undefined);
    }
    return false;
  }
}

/** What a change means for one subscription (undefined: nothing to send). */
function eventKind(
  event: ChangeEvent,
  sub: Subscription,
  schema: TableSchema | undefined,
): string | undefined {
  if (sub.where === undefined) return event.type;
  const now = safeMatches(event.object, sub.where, schema);
  if (event.type !== 'save') return now ? event.type : undefined;
  if (event.previous === undefined) return now ? 'save' : undefined;
  const before = safeMatches(event.previous, sub.where, schema);
  if (now && before) return 'save';
  if (now) return 'enter';
  if (before) return 'leave';
  return undefined;
}
