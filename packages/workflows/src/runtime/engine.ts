import type { CloudStoreAdapter, SchemaDefinition } from '@localbackend/adapter';
import type { NodeCatalog } from '../catalog/node-catalog';
import type { SessionUser } from '../catalog/node-definition';
import { executeRun, type RunCancellation } from '../engine/run-context';
import type { RunHost, RunOutcome, RunSpec } from '../engine/run-types';
import { ScriptSandbox } from '../engine/script-sandbox';
import type { ComponentModel, WorkflowModel } from '../model/workflow-model';

/**
 * What the engine asks its environment for during a run: data and the host services. In worker
 * isolation these are forwarded to the main thread.
 *
 * @example
 * ```ts
 * const services: EngineServices = { adapter, schema: () => adapter.getSchema(), config: async () => ({}), resolveSession: async () => undefined, logIn: () => Promise.reject(new Error('no')), impersonate: () => Promise.reject(new Error('no')) };
 * ```
 */
export interface EngineServices {
  readonly adapter: CloudStoreAdapter;
  schema(): Promise<SchemaDefinition>;
  config(): Promise<Readonly<Record<string, unknown>>>;
  resolveSession(token: string): Promise<SessionUser | undefined>;
  logIn(username: string, password: string): Promise<SessionUser>;
  impersonate(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser>;
}

interface Generation {
  readonly docKeys: readonly string[];
  readonly index: Map<string, ComponentModel>;
}

const NO_RECORD: Readonly<Record<string, unknown>> = Object.freeze({});

/** What one run sees of its engine and services (one object per run, methods on the prototype). */
class EngineRunHost implements RunHost {
  readonly enter: (() => void) | undefined;

  constructor(
    private readonly services: EngineServices,
    readonly catalog: NodeCatalog,
    readonly sandbox: ScriptSandbox,
    private readonly own: Map<string, ComponentModel> | undefined,
    private readonly generation: Generation | undefined,
    readonly metadata: Readonly<Record<string, unknown>>,
    readonly settings: Readonly<Record<string, unknown>>,
    enter: (() => void) | undefined,
  ) {
    this.enter = enter;
  }

  get adapter(): CloudStoreAdapter {
    return this.services.adapter;
  }

  component(name: string): ComponentModel | undefined {
    return this.own?.get(name) ?? this.generation?.index.get(name);
  }

  schema(): Promise<SchemaDefinition> {
    return this.services.schema();
  }

  config(): Promise<Readonly<Record<string, unknown>>> {
    return this.services.config();
  }

  resolveSession(token: string): Promise<SessionUser | undefined> {
    return this.services.resolveSession(token);
  }

  logIn(username: string, password: string): Promise<SessionUser> {
    return this.services.logIn(username, password);
  }

  impersonate(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser> {
    return this.services.impersonate(username, options);
  }
}

/**
 * Holds loaded workflow documents and generations (snapshots of which documents are live) and
 * executes runs against them. One per thread: the main thread in `isolation: 'none'`, each worker
 * otherwise.
 *
 * @example
 * ```ts
 * const engine = new Engine(catalog, { scriptTimeoutMs: 1000 });
 * engine.addDocument('a@1', model);
 * engine.setGeneration(1, ['a@1']);
 * const outcome = await engine.execute(1, 'a@1', spec, services);
 * ```
 */
export class Engine {
  readonly sandbox: ScriptSandbox;
  readonly #docs = new Map<string, WorkflowModel>();
  readonly #docIndex = new Map<string, Map<string, ComponentModel>>();
  readonly #generations = new Map<number, Generation>();

  constructor(
    readonly catalog: NodeCatalog,
    options: { readonly scriptTimeoutMs?: number } = {},
  ) {
    this.sandbox = new ScriptSandbox(
      options.scriptTimeoutMs === undefined ? {} : { timeoutMs: options.scriptTimeoutMs },
    );
  }

  /** Adds a document version under a unique key. */
  addDocument(key: string, model: WorkflowModel): void {
    this.#docs.set(key, model);
    this.#docIndex.set(key, new Map(model.components.map((c) => [c.name, c])));
  }

  /** Forgets a document version. */
  removeDocument(key: string): void {
    this.#docs.delete(key);
    this.#docIndex.delete(key);
  }

  /** Declares a generation: the documents live at one moment, earlier keys winning on name clashes. */
  setGeneration(id: number, docKeys: readonly string[]): void {
    const index = new Map<string, ComponentModel>();
    for (const key of docKeys) {
      for (const [name, component] of this.#docIndex.get(key) ?? [])
        if (!index.has(name)) index.set(name, component);
    }
    this.#generations.set(id, { docKeys, index });
  }

  /** Forgets a generation. */
  dropGeneration(id: number): void {
    this.#generations.delete(id);
  }

  /** Number of documents and generations held (leak checks). */
  get size(): { documents: number; generations: number } {
    return { documents: this.#docs.size, generations: this.#generations.size };
  }

  /** Runs one workflow run in a generation; components resolve in the run's own document first. */
  execute(
    generationId: number,
    docKey: string,
    spec: RunSpec,
    services: EngineServices,
    options: { readonly enter?: () => void; readonly cancel?: RunCancellation } = {},
  ): Promise<RunOutcome> {
    const doc = this.#docs.get(docKey);
    const host = new EngineRunHost(
      services,
      this.catalog,
      this.sandbox,
      this.#docIndex.get(docKey),
      this.#generations.get(generationId),
      doc?.metadata ?? NO_RECORD,
      doc?.settings ?? NO_RECORD,
      options.enter,
    );
    return executeRun(host, spec, options.cancel);
  }
}
