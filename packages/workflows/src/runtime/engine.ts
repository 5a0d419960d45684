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
    const enter = options.enter;
    const generation = this.#generations.get(generationId);
    const own = this.#docIndex.get(docKey);
    const doc = this.#docs.get(docKey);
    const host: RunHost = {
      adapter: services.adapter,
      catalog: this.catalog,
      sandbox: this.sandbox,
      component: (name) => own?.get(name) ?? generation?.index.get(name),
      schema: () => services.schema(),
      config: () => services.config(),
      resolveSession: (token) => services.resolveSession(token),
      logIn: (username, password) => services.logIn(username, password),
      impersonate: (username, options) => services.impersonate(username, options),
      metadata: doc?.metadata ?? {},
      settings: doc?.settings ?? {},
      ...(enter === undefined ? {} : { enter }),
    };
    return executeRun(host, spec, options.cancel);
  }
}
