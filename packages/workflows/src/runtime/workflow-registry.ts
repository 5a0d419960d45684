import type { WorkflowEntry, WorkflowModel } from '../model/workflow-model';
import type { TriggerSpec } from '../triggers/trigger-spec';

/**
 * One loaded version of a workflow document.
 *
 * @example
 * ```ts
 * const doc: LoadedDocument = registry.document('api.workflow.json')!;
 * doc.key; // 'api.workflow.json#3'
 * ```
 */
export interface LoadedDocument {
  /** The document's identity (a file path or the `source` given to `load`). */
  readonly source: string;
  /** This version's unique key. */
  readonly key: string;
  readonly model: WorkflowModel;
  readonly loadedAt: string;
  readonly triggers: readonly TriggerSpec[];
  readonly warnings: readonly string[];
}

/**
 * A snapshot of the live documents. Runs keep the generation they started in, so a reload never
 * changes a run in flight.
 *
 * @example
 * ```ts
 * const found = registry.current.functions.get('hello');
 * ```
 */
export interface Generation {
  readonly id: number;
  /** Newest first (a newer document wins on a name clash). */
  readonly docs: readonly LoadedDocument[];
  readonly functions: ReadonlyMap<
    string,
    { readonly doc: LoadedDocument; readonly entry: WorkflowEntry }
  >;
}

/**
 * Receives the documents and generations that become live or dead (the engine or the pool).
 *
 * @example
 * ```ts
 * const registry = new WorkflowRegistry(pool satisfies RegistrySink);
 * ```
 */
export interface RegistrySink {
  setDocument(key: string, model: WorkflowModel): void;
  deleteDocument(key: string): void;
  setGeneration(id: number, docKeys: readonly string[]): void;
  deleteGeneration(id: number): void;
}

/**
 * The loaded workflow documents, their generations and the reference counts that keep an old
 * generation (and its documents) alive while runs that started in it are in flight.
 *
 * @example
 * ```ts
 * const registry = new WorkflowRegistry(engine);
 * registry.put({ source: 'a', key: 'a#1', model, loadedAt, triggers: [], warnings: [] });
 * ```
 */
export class WorkflowRegistry {
  readonly #sink: RegistrySink;
  readonly #docs = new Map<string, LoadedDocument>();
  readonly #refs = new Map<number, number>();
  readonly #live = new Map<number, Generation>();
  #current: Generation;
  #nextGeneration = 0;
  #nextVersion = 0;

  constructor(sink: RegistrySink) {
    this.#sink = sink;
    this.#current = this.#makeGeneration();
    this.#live.set(this.#current.id, this.#current);
    this.#sink.setGeneration(this.#current.id, []);
  }

  /** The generation new runs start in. */
  get current(): Generation {
    return this.#current;
  }

  /** A new unique version key for a source. */
  nextKey(source: string): string {
    this.#nextVersion++;
    return `${source}#${this.#nextVersion}`;
  }

  /** The loaded version of a source. */
  document(source: string): LoadedDocument | undefined {
    return this.#docs.get(source);
  }

  /** Every loaded document, oldest first. */
  documents(): LoadedDocument[] {
    return [...this.#docs.values()];
  }

  /** Adds or replaces a document (atomically: one new generation); returns the replaced version. */
  put(doc: LoadedDocument): LoadedDocument | undefined {
    const previous = this.#docs.get(doc.source);
    this.#docs.delete(doc.source);
    this.#docs.set(doc.source, doc);
    this.#sink.setDocument(doc.key, doc.model);
    this.#advance();
    return previous;
  }

  /** Removes a document; returns it. */
  remove(source: string): LoadedDocument | undefined {
    const previous = this.#docs.get(source);
    if (previous === undefined) return undefined;
    this.#docs.delete(source);
    this.#advance();
    return previous;
  }

  /** A run starts in `generation`. */
  acquire(generation: Generation): void {
    this.#refs.set(generation.id, (this.#refs.get(generation.id) ?? 0) + 1);
  }

  /** A run that started in `generation` ended. */
  release(generation: Generation): void {
    const count = (this.#refs.get(generation.id) ?? 1) - 1;
    if (count > 0) {
      this.#refs.set(generation.id, count);
      return;
    }
    this.#refs.delete(generation.id);
    // Only a superseded generation can become garbage.
    if (generation !== this.#current) this.#collect();
  }

  /** Live generations and documents (leak checks). */
  get liveCounts(): { generations: number; documents: number } {
    const keys = new Set<string>();
    for (const g of this.#live.values()) for (const d of g.docs) keys.add(d.key);
    return { generations: this.#live.size, documents: keys.size };
  }

  #makeGeneration(): Generation {
    const docs = [...this.#docs.values()].reverse();
    const functions = new Map<string, { doc: LoadedDocument; entry: WorkflowEntry }>();
    for (const doc of docs) {
      for (const entry of doc.model.functions) {
        const existing = functions.get(entry.name);
        // Newer documents win; within a name, cloud functions win over local workflows.
        if (
          existing === undefined ||
          (existing.doc === doc && existing.entry.kind === 'local' && entry.kind === 'cloud')
        ) {
          functions.set(entry.name, { doc, entry });
        }
      }
    }
    this.#nextGeneration++;
    return { id: this.#nextGeneration, docs, functions };
  }

  #advance(): void {
    const next = this.#makeGeneration();
    this.#sink.setGeneration(
      next.id,
      next.docs.map((d) => d.key),
    );
    this.#live.set(next.id, next);
    this.#current = next;
    this.#collect();
  }

  #collect(): void {
    const liveKeys = new Set<string>();
    for (const [id, generation] of [...this.#live]) {
      if (generation !== this.#current && (this.#refs.get(id) ?? 0) === 0) {
        this.#live.delete(id);
        this.#sink.deleteGeneration(id);
        continue;
      }
      for (const doc of generation.docs) liveKeys.add(doc.key);
    }
    for (const key of [...this.#knownKeys]) {
      if (!liveKeys.has(key)) {
        this.#knownKeys.delete(key);
        this.#sink.deleteDocument(key);
      }
    }
    for (const key of liveKeys) this.#knownKeys.add(key);
  }

  readonly #knownKeys = new Set<string>();
}
