/**
 * The entry of a workflow worker thread: holds an {@link Engine}, runs the runs the main thread
 * sends, forwards their data calls to the main thread, and beats a shared heartbeat so the main
 * thread can tell a starved event loop from a busy one.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { BackendError } from '@localbackend/adapter';
import { NodeCatalog } from '../catalog/node-catalog';
import { builtInNodes } from '../nodes/built-in-nodes';
import { Engine, type EngineServices } from '../runtime/engine';
import { loadNodeModule } from '../runtime/node-modules';
import {
  CURRENT_RUN_SLOT,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_SLOT,
  fromWireError,
  toWireError,
  type CallMethod,
  type FromWorker,
  type ToWorker,
  type WorkerInit,
} from './protocol';
import { Outbox, type Batch } from './outbox';
import { RemoteAdapter } from './remote-adapter';
import { RunCancellation } from '../engine/run-context';
import { rememberJsonText } from '../engine/result-text';
import type { SessionUser } from '../catalog/node-definition';
import type { SchemaDefinition } from '@localbackend/adapter';

const port = parentPort;
if (port === null) throw new Error('the workflow worker entry must run in a worker thread');
const init = workerData as WorkerInit;
const beat = new Int32Array(init.heartbeat);
setInterval(() => Atomics.add(beat, HEARTBEAT_SLOT, 1), HEARTBEAT_INTERVAL_MS);

// User code may leave promises rejected without a handler; that must not kill the worker (and
// with it every run it holds). The run that owns such a promise logs its own failures.
process.on('unhandledRejection', () => {});

// Messages of one event-loop turn go out together (one wake-up of the main thread).
const outbox = new Outbox<FromWorker>((message) => port.postMessage(message));
const post = (message: FromWorker): void => outbox.push(message);

let nextCall = 0;
const calls = new Map<
  number,
  { slot: number; resolve: (value: unknown) => void; reject: (error: unknown) => void }
>();
const cancels = new Map<number, RunCancellation>();

// The schema is reused while the main thread's version is unchanged; config for configCacheMs.
let schemaCache: { version: number; value: Promise<SchemaDefinition> } | undefined;
let configCache: { at: number; value: Promise<Readonly<Record<string, unknown>>> } | undefined;

function schemaFor(slot: number, version: number): Promise<SchemaDefinition> {
  if (version !== 0 && schemaCache?.version === version) return schemaCache.value;
  const value = call(slot, 'schema', []) as Promise<SchemaDefinition>;
  if (version !== 0) {
    schemaCache = { version, value };
    value.catch(() => {
      if (schemaCache?.value === value) schemaCache = undefined;
    });
  }
  return value;
}

function configFor(slot: number): Promise<Readonly<Record<string, unknown>>> {
  if (configCache !== undefined && Date.now() - configCache.at < init.configCacheMs)
    return configCache.value;
  const value = call(slot, 'config', []) as Promise<Readonly<Record<string, unknown>>>;
  configCache = { at: Date.now(), value };
  value.catch(() => {
    if (configCache?.value === value) configCache = undefined;
  });
  return value;
}

function call(slot: number, method: CallMethod, args: readonly unknown[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const cid = ++nextCall;
    calls.set(cid, { slot, resolve, reject });
    outbox.push({ t: 'call', slot, cid, method, args }, (error) => {
      if (calls.delete(cid)) {
        reject(
          new BackendError(
            'INVALID_VALUE',
            `${method}: the arguments cannot be sent to the database (${error instanceof Error ? error.message : String(error)}); pass plain values`,
            { cause: error },
          ),
        );
      }
      return undefined;
    });
  });
}

/** The services of one run on this worker: calls forwarded to the main thread under its slot. */
class WorkerServices implements EngineServices {
  readonly adapter: RemoteAdapter;

  constructor(
    private readonly slot: number,
    private readonly schemaVersion: number,
  ) {
    this.adapter = new RemoteAdapter((method, args) => call(slot, method, args));
  }

  schema(): Promise<SchemaDefinition> {
    return schemaFor(this.slot, this.schemaVersion);
  }

  config(): Promise<Readonly<Record<string, unknown>>> {
    return configFor(this.slot);
  }

  resolveSession(token: string): Promise<SessionUser | undefined> {
    return call(this.slot, 'resolveSession', [token]) as Promise<SessionUser | undefined>;
  }

  logIn(username: string, password: string): Promise<SessionUser> {
    return call(this.slot, 'logIn', [username, password]) as Promise<SessionUser>;
  }

  impersonate(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser> {
    return call(this.slot, 'impersonate', [username, options]) as Promise<SessionUser>;
  }

  /** Marks this run as the one the worker is working on (watchdog attribution). */
  readonly enter = (): void => {
    Atomics.store(beat, CURRENT_RUN_SLOT, this.slot);
  };
}

async function main(): Promise<void> {
  const catalog = new NodeCatalog(builtInNodes);
  for (const specifier of init.nodeModules) {
    const url =
      specifier.startsWith('file:') || /^[a-z]+:/i.test(specifier)
        ? specifier
        : pathToFileURL(specifier).href;
    for (const definition of await loadNodeModule(url))
      catalog.register(definition, { replace: true });
  }
  const engine = new Engine(catalog, { scriptTimeoutMs: init.scriptTimeoutMs });

  port!.on('message', (message: ToWorker | Batch<ToWorker>) => {
    if (message.t === 'batch') for (const m of message.messages) onMessage(m);
    else onMessage(message);
  });
  post({ t: 'ready', nodeTypes: catalog.definitions().map((d) => d.type) });

  function onMessage(message: ToWorker): void {
    switch (message.t) {
      case 'doc':
        engine.addDocument(message.key, message.model);
        return;
      case 'undoc':
        engine.removeDocument(message.key);
        return;
      case 'gen':
        engine.setGeneration(message.id, message.docKeys);
        return;
      case 'ungen':
        engine.dropGeneration(message.id);
        return;
      case 'reply': {
        const pending = calls.get(message.cid);
        if (pending === undefined) return;
        calls.delete(message.cid);
        Atomics.store(beat, CURRENT_RUN_SLOT, pending.slot);
        if (!message.ok) pending.reject(fromWireError(message.error));
        else if ('json' in message) {
          const value: unknown = JSON.parse(message.json);
          // Query results keep their text: records passed on untouched are written from it.
          if (message.json.startsWith('{"results":')) rememberJsonText(value, message.json);
          pending.resolve(value);
        } else pending.resolve(message.value);
        return;
      }
      case 'cancel':
        cancels.get(message.slot)?.cancel(fromWireError(message.reason));
        return;
      case 'run': {
        const { slot } = message;
        const cancellation = new RunCancellation();
        cancels.set(slot, cancellation);
        const services = new WorkerServices(slot, message.schemaVersion);
        const enter = services.enter;
        enter();
        engine
          .execute(message.gen, message.docKey, message.spec, services, {
            enter,
            cancel: cancellation,
          })
          .then(
            (outcome) =>
              outbox.push({ t: 'done', slot, outcome }, (error) => ({
                t: 'done',
                slot,
                outcome: {
                  status: 'error',
                  error: {
                    code: 'INTERNAL',
                    message: `the outcome of the run cannot be sent: ${error instanceof Error ? error.message : String(error)}`,
                  },
                  logs: [],
                },
              })),
            (error: unknown) =>
              post({
                t: 'done',
                slot,
                outcome: {
                  status: 'error',
                  error: toWireError(error) as { code: 'INTERNAL'; message: string },
                  logs: [],
                },
              }),
          )
          .finally(() => {
            cancels.delete(slot);
            if (Atomics.load(beat, CURRENT_RUN_SLOT) === slot)
              Atomics.store(beat, CURRENT_RUN_SLOT, 0);
          });
        return;
      }
    }
  }
}

main().catch((error: unknown) => {
  post({ t: 'initError', message: error instanceof Error ? error.message : String(error) });
});
