import type {
  GraphServices,
  LogLevel,
  NodeBehavior,
  NodeContext,
  NodeDefinition,
  PortDefinition,
  RunServices,
  SavedPort,
} from '../catalog/node-definition';
import type { Scheduler } from './scheduler';

/**
 * Repetitions of one node's update loop before it is flagged cyclic (Noodl: 100).
 *
 * @example
 * ```ts
 * if (repetitions >= MAX_UPDATE_REPETITIONS) deferToNextFrame();
 * ```
 */
export const MAX_UPDATE_REPETITIONS = 100;
/**
 * Input passes in one update before the node is flagged cyclic.
 *
 * @example
 * ```ts
 * if (passes >= MAX_PASSES_PER_UPDATE) deferToNextFrame();
 * ```
 */
export const MAX_PASSES_PER_UPDATE = 2_000;
/**
 * Values one output may send in one iteration before further sends are deferred (Noodl: 500).
 *
 * @example
 * ```ts
 * if (sentThisIteration > MAX_SENDS_PER_ITERATION) deferToNextFrame();
 * ```
 */
export const MAX_SENDS_PER_ITERATION = 500;

/**
 * A connection between two node instances.
 *
 * @example
 * ```ts
 * const edge: Edge = source.connectTo('result', target, 'value');
 * ```
 */
export interface Edge {
  readonly source: GraphNode;
  readonly fromPort: string;
  readonly target: GraphNode;
  readonly toPort: string;
}

/**
 * What a graph node needs from its run.
 *
 * @example
 * ```ts
 * const node = new GraphNode(runContext satisfies NodeHost, 'n1', definition, {}, [], undefined);
 * ```
 */
export interface NodeHost {
  readonly services: RunServices;
  readonly scheduler: Scheduler;
  readonly ended: boolean;
  graphServicesFor(node: GraphNode): GraphServices;
}

/**
 * Roles with engine-level behaviour.
 *
 * @example
 * ```ts
 * const role: NodeRole = 'componentInputs';
 * ```
 */
export type NodeRole = 'plain' | 'instance' | 'componentInputs' | 'componentOutputs';

const NO_NAMES: ReadonlySet<string> = new Set();
const NO_NODES: readonly GraphNode[] = [];

/**
 * One node instance of a run: input queues, dirty state, the update algorithm of
 * NOODL-RUNTIME §2.6 and the output side of §2.4-2.5. Implements {@link NodeContext} for its
 * behaviour.
 *
 * @example
 * ```ts
 * const node = new GraphNode(host, model.id, definition, model.parameters, model.ports, owner);
 * node.queueInput('value', 42);
 * ```
 */
export class GraphNode implements NodeContext {
  readonly type: string;
  behavior: NodeBehavior = {};
  role: NodeRole = 'plain';
  /** The component instance node that contains this node (undefined for a run's root). */
  readonly owner: GraphNode | undefined;
  /** For instance nodes: inputs that always count as connected (Run Tasks' `Do`). */
  forcedConnected: ReadonlySet<string> = NO_NAMES;
  /** For instance nodes: the Run Tasks item of this task. */
  forEachItem: unknown = undefined;
  /** True once the run wired this Response node to the request. */
  responseWired = false;
  /** Engine state of a component instance node (see instantiate.ts). */
  instanceState: unknown = undefined;
  /** Cached graph services of this node. */
  graphServices: GraphServices | undefined = undefined;

  deleted = false;
  dirty = false;
  dirtyReporting = false;

  readonly #inputs = new Map<string, PortDefinition>();
  readonly #outputs = new Map<string, PortDefinition>();
  readonly #queues = new Map<string, unknown[]>();
  readonly #incoming = new Map<string, Edge[]>();
  readonly #outgoing = new Map<string, Edge[]>();
  // Created on first use: most nodes never receive a signal or send many values.
  #signalState: Map<string, boolean> | undefined;
  #signalled: Set<string> | undefined;
  #sendCounts: Map<string, { iteration: number; count: number }> | undefined;
  #after: (() => void)[] = [];
  #updating = false;
  #firstUpdateDone = false;
  #cyclicWarned = false;
  /** Extra nodes updated after this one's passes (an instance's Component Outputs). */
  postUpdate: readonly GraphNode[] = NO_NODES;
  /** Extra nodes dirtied with this one (an instance's Component Inputs/Outputs). */
  dirtyWith: readonly GraphNode[] = NO_NODES;

  constructor(
    private readonly host: NodeHost,
    readonly id: string,
    readonly definition: NodeDefinition,
    readonly parameters: Readonly<Record<string, unknown>>,
    readonly savedPorts: readonly SavedPort[],
    owner: GraphNode | undefined,
  ) {
    this.type = definition.type;
    this.owner = owner;
  }

  /** Creates the behaviour (called once by the instantiator). */
  init(): void {
    this.behavior = this.definition.create(this);
  }

  get run(): RunServices {
    return this.host.services;
  }

  get graph(): GraphServices {
    return this.host.graphServicesFor(this);
  }

  // ---- ports ---------------------------------------------------------------------------------

  /** The input port `name`, registering a dynamic one if the behaviour accepts it. */
  ensureInput(name: string): PortDefinition | undefined {
    const known = this.#inputs.get(name);
    if (known !== undefined) return known;
    const declared = this.definition.inputs?.[name];
    const port =
      declared !== undefined && Object.hasOwn(this.definition.inputs!, name)
        ? declared
        : this.behavior.acceptInput?.(name);
    if (port !== undefined) this.#inputs.set(name, port);
    return port;
  }

  /** The output port `name`, registering a dynamic one if the behaviour accepts it. */
  ensureOutput(name: string): PortDefinition | undefined {
    const known = this.#outputs.get(name);
    if (known !== undefined) return known;
    const declared = this.definition.outputs?.[name];
    const port =
      declared !== undefined && Object.hasOwn(this.definition.outputs!, name)
        ? declared
        : this.behavior.acceptOutput?.(name);
    if (port !== undefined) this.#outputs.set(name, port);
    return port;
  }

  registerInput(name: string, port: PortDefinition): void {
    this.#inputs.set(name, port);
  }

  registerOutput(name: string, port: PortDefinition): void {
    this.#outputs.set(name, port);
  }

  hasOutput(name: string): boolean {
    return this.ensureOutput(name) !== undefined;
  }

  // ---- connections ---------------------------------------------------------------------------

  /** Adds an edge from this node's output to another node's input, delivering the current value. */
  connectTo(fromPort: string, target: GraphNode, toPort: string): Edge {
    const edge: Edge = { source: this, fromPort, target, toPort };
    let out = this.#outgoing.get(fromPort);
    if (out === undefined) this.#outgoing.set(fromPort, (out = []));
    out.push(edge);
    let incoming = target.#incoming.get(toPort);
    if (incoming === undefined) target.#incoming.set(toPort, (incoming = []));
    incoming.push(edge);
    // Connection-time delivery (§2.4): a pulse if the output is mid-signal, else the current value.
    if (this.#signalled?.has(fromPort) === true && this.#updating) {
      target.queueInput(toPort, true);
      target.queueInput(toPort, false);
    } else {
      const value = this.#currentOutput(fromPort);
      if (value !== undefined) target.queueInput(toPort, value);
    }
    return edge;
  }

  /** Removes all edges of this node (it is being deleted). */
  disconnectAll(): void {
    for (const edges of this.#outgoing.values()) {
      for (const edge of edges) {
        const list = edge.target.#incoming.get(edge.toPort);
        if (list !== undefined) {
          const i = list.indexOf(edge);
          if (i >= 0) list.splice(i, 1);
        }
      }
    }
    for (const edges of this.#incoming.values()) {
      for (const edge of edges) {
        const list = edge.source.#outgoing.get(edge.fromPort);
        if (list !== undefined) {
          const i = list.indexOf(edge);
          if (i >= 0) list.splice(i, 1);
        }
      }
    }
    this.#outgoing.clear();
    this.#incoming.clear();
  }

  /**
   * True when every edge from output `port` ends at an input starting with `inputPrefix` of a
   * node of type `type` (also when there is no edge).
   */
  feedsOnly(port: string, type: string, inputPrefix: string): boolean {
    const edges = this.#outgoing.get(port);
    if (edges === undefined) return true;
    for (const edge of edges) {
      if (edge.target.type !== type || !edge.toPort.startsWith(inputPrefix)) return false;
    }
    return true;
  }

  isInputConnected(name: string): boolean {
    const edges = this.#incoming.get(name);
    if (edges === undefined) return false;
    for (const edge of edges) {
      if (edge.source.role === 'componentInputs') {
        const instance = edge.source.owner;
        if (instance === undefined) continue;
        if (instance.forcedConnected.has(edge.fromPort) || instance.isInputConnected(edge.fromPort))
          return true;
      } else {
        return true;
      }
    }
    return false;
  }

  // ---- values in -----------------------------------------------------------------------------

  /** Queues a value on an input (§2.4, with first-update collapsing of §2.6). */
  queueInput(name: string, value: unknown): void {
    if (this.deleted || this.host.ended) return;
    let queue = this.#queues.get(name);
    if (queue === undefined) this.#queues.set(name, (queue = []));
    // First-update collapsing (§2.6): a chain of initial values collapses to the last one. Signal
    // inputs never collapse: dropping the `false` of a pulse would leave the input stuck high.
    if (
      !this.#firstUpdateDone &&
      queue.length > 0 &&
      queue[0] !== true &&
      this.#inputs.get(name)?.type !== 'signal'
    ) {
      queue.length = 0;
    }
    queue.push(value);
    this.markDirty();
  }

  /** Marks the node dirty and reports it to the scheduler. */
  markDirty(): void {
    if (this.deleted) return;
    if (!this.dirty) {
      this.dirty = true;
      if (this.dirtyReporting) this.host.scheduler.nodeDirty(this);
    }
    for (const other of this.dirtyWith) other.markDirty();
  }

  /** Turns dirty-reporting on (step 4 of §2.2) and reports a pending dirty state. */
  enableDirtyReporting(): void {
    this.dirtyReporting = true;
    if (this.dirty) this.host.scheduler.nodeDirty(this);
  }

  afterInputs(fn: () => void): void {
    if (this.deleted) return;
    this.#after.push(fn);
    // Registering a callback marks the node dirty so the callback runs even without inputs.
    if (!this.dirty) {
      this.dirty = true;
      if (this.dirtyReporting) this.host.scheduler.nodeDirty(this);
    }
  }

  /** Pulls the upstream nodes before this node's passes. */
  #updateUpstream(): void {
    if (this.role === 'componentInputs') {
      this.owner?.update();
      return;
    }
    if (this.#incoming.size === 0) return;
    const nodes: GraphNode[] = [];
    for (const edges of this.#incoming.values()) for (const edge of edges) nodes.push(edge.source);
    for (const source of nodes) source.update();
  }

  /** The update algorithm of §2.6. */
  update(): void {
    if (this.#updating || !this.dirty || this.deleted || this.host.ended) return;
    this.#updating = true;
    try {
      this.#updateUpstream();
      let repetitions = 0;
      let passes = 0;
      while (this.dirty && !this.deleted && !this.host.ended) {
        this.dirty = false;
        passes += this.#runPasses(MAX_PASSES_PER_UPDATE - passes);
        repetitions++;
        if (
          this.dirty &&
          (repetitions >= MAX_UPDATE_REPETITIONS || passes >= MAX_PASSES_PER_UPDATE)
        ) {
          this.#flagCyclic();
          break;
        }
      }
      for (const node of this.postUpdate) node.update();
    } finally {
      this.#updating = false;
      this.#firstUpdateDone = true;
    }
  }

  #flagCyclic(): void {
    if (!this.#cyclicWarned) {
      this.#cyclicWarned = true;
      this.log(
        'warn',
        'cycle detected: the node keeps changing within one update; the rest of its work continues in the next frame',
      );
    }
    // Deferred, never dropped: the node stays dirty and is re-listed in the next frame.
    this.host.scheduler.nextFrame(() => {
      if (!this.deleted) this.host.scheduler.nodeDirty(this);
    });
  }

  #runPasses(limit: number): number {
    let count = 0;
    for (;;) {
      if (count >= limit || this.deleted || this.host.ended) return count;
      this.#signalled?.clear();
      let any = false;
      for (const [name, queue] of this.#queues) {
        if (queue.length === 0) continue;
        any = true;
        const value = queue.shift();
        this.#applyInput(name, value);
        if (this.deleted || this.host.ended) return count + 1;
      }
      if (this.#after.length > 0) {
        any = true;
        const callbacks = this.#after;
        this.#after = [];
        for (const fn of callbacks) {
          try {
            fn();
          } catch (error) {
            this.#reportError(error);
          }
          if (this.deleted || this.host.ended) return count + 1;
        }
      }
      if (!any) return count;
      count++;
    }
  }

  #applyInput(name: string, value: unknown): void {
    const port = this.#inputs.get(name);
    try {
      if (port?.type === 'signal' && this.role === 'plain') {
        const now =
          value === true ||
          (value !== false && value !== undefined && value !== null && value !== 0 && value !== '');
        const states = (this.#signalState ??= new Map());
        const before = states.get(name) ?? false;
        states.set(name, now);
        if (now && !before) this.behavior.signal?.(name);
        return;
      }
      this.behavior.setInput?.(name, value);
    } catch (error) {
      this.#reportError(error, name);
    }
  }

  #reportError(error: unknown, input?: string): void {
    const message = error instanceof Error ? error.message : String(error);
    this.log(
      'error',
      input === undefined ? `node error: ${message}` : `node error on input ${input}: ${message}`,
    );
  }

  // ---- values out ----------------------------------------------------------------------------

  #currentOutput(port: string): unknown {
    try {
      return this.behavior.getOutput?.(port);
    } catch (error) {
      this.#reportError(error);
      return undefined;
    }
  }

  #guardSend(port: string): boolean {
    const iteration = this.host.scheduler.iteration;
    const counts = (this.#sendCounts ??= new Map());
    let entry = counts.get(port);
    if (entry === undefined) {
      entry = { iteration, count: 0 };
      counts.set(port, entry);
    } else if (entry.iteration !== iteration) {
      entry.iteration = iteration;
      entry.count = 0;
    }
    entry.count++;
    return entry.count > MAX_SENDS_PER_ITERATION;
  }

  sendValue(port: string, value: unknown): void {
    if (value === undefined || this.deleted || this.host.ended) return;
    const edges = this.#outgoing.get(port);
    if (edges === undefined || edges.length === 0) return;
    if (this.#guardSend(port)) {
      if (!this.#cyclicWarned) {
        this.#cyclicWarned = true;
        this.log(
          'warn',
          `cycle detected: output ${port} sent more than ${MAX_SENDS_PER_ITERATION} values in one iteration; later values are deferred to the next frame`,
        );
      }
      this.host.scheduler.nextFrame(() => this.sendValue(port, value));
      return;
    }
    for (const edge of [...edges]) edge.target.queueInput(edge.toPort, value);
  }

  flagOutputDirty(port: string): void {
    this.sendValue(port, this.#currentOutput(port));
  }

  sendSignal(port: string): void {
    if (this.deleted || this.host.ended) return;
    (this.#signalled ??= new Set()).add(port);
    const edges = this.#outgoing.get(port);
    if (edges === undefined) return;
    for (const edge of [...edges]) {
      edge.target.queueInput(edge.toPort, true);
      edge.target.queueInput(edge.toPort, false);
    }
  }

  log(level: LogLevel, message: string, data?: unknown): void {
    this.host.services.log(level, message, data, this.id, this.type);
  }

  /** Deletes the node: no more updates, edges removed, behaviour disposed. */
  dispose(): void {
    if (this.deleted) return;
    this.deleted = true;
    try {
      this.behavior.dispose?.();
    } catch (error) {
      this.#reportError(error);
    }
    this.disconnectAll();
  }
}
