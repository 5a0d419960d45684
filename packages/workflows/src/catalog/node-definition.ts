import type { CloudStoreAdapter, SchemaDefinition } from '@localbackend/adapter';
import type { ObjectScope } from '../engine/object-scope';

/**
 * The type of a port. `signal` ports carry pulses (a `true` then a `false`); the others are
 * hints for the editor (`*` accepts anything), except that the engine never coerces values.
 *
 * @example
 * ```ts
 * const type: PortType = 'signal';
 * ```
 */
export type PortType =
  | '*'
  | 'string'
  | 'number'
  | 'boolean'
  | 'signal'
  | 'object'
  | 'array'
  | 'date'
  | 'color'
  | 'enum'
  | 'component'
  | 'query-filter'
  | 'json';

/**
 * One input or output of a node type.
 *
 * @example
 * ```ts
 * const port: PortDefinition = { type: 'string', displayName: 'Format', group: 'General' };
 * ```
 */
export interface PortDefinition {
  /** The port type. */
  readonly type: PortType;
  /** The label the editor shows. */
  readonly displayName?: string;
  /** The group the editor lists the port under. */
  readonly group?: string;
  /** One line on what the port does. */
  readonly description?: string;
  /**
   * The editor's default. The engine never applies it (a node starts from its own initial state
   * until a parameter or connection sets the input, as in Noodl).
   */
  readonly default?: unknown;
  /** Allowed values of an `enum` port. */
  readonly enum?: readonly string[];
  /** Parameters with a higher priority are applied first (Expression's `expression` has 1). */
  readonly inputPriority?: number;
  /** A parameter the editor uses that the node does not read at run time (e.g. `params`). */
  readonly editorOnly?: boolean;
}

/**
 * A family of ports a node creates on demand from their names (`in-<name>`, `pm-<name>`...).
 * Used by {@link NodeCatalog.list} so an editor can document them; the behaviour decides in
 * {@link NodeBehavior.acceptInput} / {@link NodeBehavior.acceptOutput}.
 *
 * @example
 * ```ts
 * const family: DynamicPortDefinition = { pattern: 'in-<name>', plug: 'input', type: '*', description: 'A script input' };
 * ```
 */
export interface DynamicPortDefinition {
  /** The naming pattern, `<name>` standing for the variable part. */
  readonly pattern: string;
  /** Whether the ports are inputs or outputs. */
  readonly plug: 'input' | 'output';
  /** Their type. */
  readonly type: PortType;
  /** What they are for. */
  readonly description: string;
}

/**
 * A JSON schema object (draft 2020-12 subset) describing a node's parameters.
 *
 * @example
 * ```ts
 * const schema: JsonSchema = { type: 'object', properties: { format: { type: 'string' } } };
 * ```
 */
export interface JsonSchema {
  readonly [keyword: string]: unknown;
}

/**
 * How a run was started: an HTTP call of a cloud function, a webhook, a schedule or a database
 * change. Passed to the entry node of the run ({@link NodeBehavior.start}).
 *
 * @example
 * ```ts
 * const start: RunStart = { kind: 'request', body: '{"a":1}', headers: {} };
 * ```
 */
export type RunStart =
  | {
      readonly kind: 'request';
      /** The raw JSON body. */
      readonly body: string;
      /** Lower-case header names. */
      readonly headers: Readonly<Record<string, string>>;
    }
  | {
      readonly kind: 'webhook';
      readonly body: string;
      readonly headers: Readonly<Record<string, string>>;
      readonly method: string;
      readonly query: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'schedule'; readonly firedAt: string }
  | {
      readonly kind: 'dbChange';
      readonly type: 'create' | 'save' | 'delete';
      readonly collection: string;
      readonly objectId: string;
      readonly object: Readonly<Record<string, unknown>>;
      readonly previous?: Readonly<Record<string, unknown>>;
    };

/**
 * The level of a log line.
 *
 * @example
 * ```ts
 * const level: LogLevel = 'warn';
 * ```
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The authenticated user of a run, as the session resolver returns it.
 *
 * @example
 * ```ts
 * const user: SessionUser = { objectId: 'u1', username: 'ada', email: 'ada@example.com' };
 * ```
 */
export interface SessionUser {
  readonly objectId: string;
  readonly [field: string]: unknown;
}

/**
 * What a running node can use: the run's data adapter, its object scope, its log, and helpers to
 * keep the run alive while asynchronous work is pending.
 *
 * @example
 * ```ts
 * const records = await node.run.track(node.run.adapter.query({ collection: 'Todo' }));
 * ```
 */
export interface RunServices {
  /** The execution record id of this run. */
  readonly runId: string;
  /** The workflow (function) name. */
  readonly workflow: string;
  /** How this run was started. */
  readonly start: RunStart;
  /** Data access (master-key rights). In worker isolation this forwards to the host's adapter. */
  readonly adapter: CloudStoreAdapter;
  /** The run's Noodl objects (`Noodl.Objects`, records, `Request`). */
  readonly objects: ObjectScope;
  /** Aborted when the run ends (response sent, timeout, failure). */
  readonly signal: AbortSignal;
  /** True once the run has ended; late work should stop. */
  readonly ended: boolean;
  /** The live schema (cached); used to convert values as Noodl does. */
  schema(): Promise<SchemaDefinition>;
  /** Keeps the run alive until `work` settles; returns `work`. */
  track<T>(work: Promise<T>): Promise<T>;
  /** Writes a log line of this run. */
  log(level: LogLevel, message: string, data?: unknown, nodeId?: string, nodeType?: string): void;
  /** The config parameters (the store behind the server's `/config`). */
  config(): Promise<Readonly<Record<string, unknown>>>;
  /** Resolves a session token to its user, or `undefined`. */
  resolveSession(token: string): Promise<SessionUser | undefined>;
  /** Logs a user in (the host's user service); rejects when not available. */
  logIn(username: string, password: string): Promise<SessionUser>;
  /** Creates or reuses a session for a user (the host's user service). */
  impersonate(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser>;
  /** The authenticated user of the run, set by the Request node. */
  currentUser: SessionUser | undefined;
  /** Sends the run's response (first call wins). Returns false when it was not the first. */
  respond(response: {
    statusCode: number;
    body: string;
    headers?: Record<string, string>;
  }): boolean;
  /** Runs a script in the sandbox with the sync time limit; see `ScriptSandbox`. */
  readonly sandbox: SandboxServices;
}

/**
 * The script sandbox a run offers to code nodes (Function, Expression, REST, JSON filters).
 *
 * @example
 * ```ts
 * const fn = node.run.sandbox.compile('return a + b', ['a', 'b'], 'my-node');
 * ```
 */
export interface SandboxServices {
  /**
   * Compiles `body` as a function of `params` in the sandbox (cached by source). Throws a
   * SyntaxError-carrying `BackendError` (`INVALID_VALUE`) when it does not compile.
   */
  compile(
    body: string,
    params: readonly string[],
    label: string,
    options?: { async?: boolean; expression?: boolean },
  ): SandboxFunction;
  /** Sandbox globals for this run: `console`, `setTimeout`, `setImmediate`, `fetch`, `require`. */
  globals(nodeId: string, nodeType: string): Readonly<Record<string, unknown>>;
}

/**
 * A compiled sandbox function: call it with `this` and arguments; the synchronous part runs under
 * the sandbox time limit (a runaway loop fails the run with `TIMEOUT`).
 *
 * @example
 * ```ts
 * const result = fn.call(thisObject, [1, 2]);
 * ```
 */
export interface SandboxFunction {
  call(thisArg: unknown, args: readonly unknown[]): unknown;
}

/**
 * The handle a node implementation gets: identity, output sending, scheduling and the run.
 *
 * @example
 * ```ts
 * const create = (node: NodeContext): NodeBehavior => ({
 *   setInput(name, value) { if (name === 'value') { current = value; node.flagOutputDirty('result'); } },
 *   getOutput: () => current,
 * });
 * let current: unknown;
 * ```
 */
export interface NodeContext {
  /** The node id in the workflow. */
  readonly id: string;
  /** The node type name. */
  readonly type: string;
  /** The node's ports as saved in the workflow (`ports` and `dynamicports`). */
  readonly savedPorts: readonly SavedPort[];
  /** The node's saved parameters (read-only; they arrive through `setInput` too). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The run this node belongs to. */
  readonly run: RunServices;
  /** Queues `value` on every input connected to output `port` (`undefined` is never sent). */
  sendValue(port: string, value: unknown): void;
  /** Sends the current value of output `port` (from `getOutput`). */
  flagOutputDirty(port: string): void;
  /** Pulses output `port` (a `true` then a `false` on every connected input). */
  sendSignal(port: string): void;
  /** Runs `fn` after the current input pass (marks the node dirty). */
  afterInputs(fn: () => void): void;
  /** True when input `name` has a connection that counts (the auto-run rule). */
  isInputConnected(name: string): boolean;
  /** Registers an input port at run time (normally done through `acceptInput`). */
  registerInput(name: string, port: PortDefinition): void;
  /** Registers an output port at run time (normally done through `acceptOutput`). */
  registerOutput(name: string, port: PortDefinition): void;
  /** True when the node has an output `name`. */
  hasOutput(name: string): boolean;
  /** Logs a line attributed to this node. */
  log(level: LogLevel, message: string, data?: unknown): void;
  /** Engine hooks of special nodes (component instances, Run Tasks); `undefined` for others. */
  readonly graph: GraphServices;
}

/**
 * A port as saved in a workflow file.
 *
 * @example
 * ```ts
 * const port: SavedPort = { name: 'out-Done', plug: 'output', type: 'signal' };
 * ```
 */
export interface SavedPort {
  readonly name: string;
  readonly plug: 'input' | 'output' | 'input/output';
  readonly type: string;
  readonly displayName?: string;
  readonly group?: string;
}

/**
 * Graph-level services for nodes that create components at run time (Run Tasks) or that look
 * through component boundaries (`idSource: 'foreach'`).
 *
 * @example
 * ```ts
 * const item = node.graph.forEachItem();
 * ```
 */
export interface GraphServices {
  /** The Run Tasks item of the nearest enclosing task instance, if any. */
  forEachItem(): unknown;
  /** Creates an instance of a component as a child of this node's scope. */
  createComponent(componentName: string, options: ComponentInstanceOptions): ComponentHandle;
}

/**
 * Options of {@link GraphServices.createComponent}.
 *
 * @example
 * ```ts
 * const options: ComponentInstanceOptions = { forEachItem: obj, forcedConnectedInputs: ['Do'] };
 * ```
 */
export interface ComponentInstanceOptions {
  /** The item `idSource: 'foreach'` nodes inside bind to. */
  readonly forEachItem?: unknown;
  /** Inputs that count as connected inside (Run Tasks forces `Do`). */
  readonly forcedConnectedInputs?: readonly string[];
  /** Called with every value the component sends on an output. */
  readonly onOutput?: (name: string, value: unknown) => void;
}

/**
 * A component created at run time.
 *
 * @example
 * ```ts
 * handle.setInput('Do', true); handle.setInput('Do', false); handle.dispose();
 * ```
 */
export interface ComponentHandle {
  /** The component's input port names. */
  readonly inputNames: readonly string[];
  /** The component's output port names. */
  readonly outputNames: readonly string[];
  /** Queues a value on one of its inputs. */
  setInput(name: string, value: unknown): void;
  /** Deletes the instance and its nodes. */
  dispose(): void;
}

/**
 * What a node does: the engine calls these. All members are optional.
 *
 * @example
 * ```ts
 * const behavior: NodeBehavior = {
 *   setInput(name, value) { console.log(name, value); },
 *   signal(name) { console.log('pulse on', name); },
 * };
 * ```
 */
export interface NodeBehavior {
  /** A value arrived on a non-signal input (one call per queued value, in passes). */
  setInput?(name: string, value: unknown): void;
  /** A signal input went from false to true. */
  signal?(name: string): void;
  /** The current value of an output. */
  getOutput?(name: string): unknown;
  /** Declares a dynamic input the first time `name` is used, or `undefined` to refuse it. */
  acceptInput?(name: string): PortDefinition | undefined;
  /** Declares a dynamic output the first time `name` is used, or `undefined` to refuse it. */
  acceptOutput?(name: string): PortDefinition | undefined;
  /** This node starts the run (Request, webhook and trigger nodes). Called on the tick after start-up. */
  start?(start: RunStart): void | Promise<void>;
  /** The node is deleted (run ended or its component removed). */
  dispose?(): void;
}

/**
 * A node type: a versioned definition with its ports, its parameter schema and its
 * implementation. Register custom ones with `WorkflowRuntime.registerNode()`.
 *
 * @example
 * ```ts
 * import { defineNode } from '@localbackend/workflows';
 *
 * export default defineNode({
 *   type: 'acme.upper', version: 1, displayName: 'Upper Case', category: 'Strings',
 *   inputs: { value: { type: 'string' } },
 *   outputs: { result: { type: 'string' } },
 *   module: import.meta.url,
 *   create(node) {
 *     let result = '';
 *     return {
 *       setInput(_name, value) { result = String(value).toUpperCase(); node.flagOutputDirty('result'); },
 *       getOutput: () => result,
 *     };
 *   },
 * });
 * ```
 */
export interface NodeDefinition {
  /** The type name saved in workflow files (`String Format`, `noodl.cloud.request`...). */
  readonly type: string;
  /** The definition's version (bump when ports or behaviour change). */
  readonly version: number;
  /** The name the editor shows. */
  readonly displayName: string;
  /** The palette category. */
  readonly category: string;
  /** One paragraph on what the node does. */
  readonly description?: string;
  /** Static inputs. */
  readonly inputs?: Readonly<Record<string, PortDefinition>>;
  /** Static outputs. */
  readonly outputs?: Readonly<Record<string, PortDefinition>>;
  /** Families of dynamic ports (documentation for the editor). */
  readonly dynamicPorts?: readonly DynamicPortDefinition[];
  /** JSON schema of the parameters; derived from the non-signal inputs when absent. */
  readonly parameterSchema?: JsonSchema;
  /**
   * For worker isolation: the URL or absolute path of an ES module that exports this definition
   * (as its default export, or any named export with the same `type`), so worker threads can load
   * it. Typically `import.meta.url`.
   */
  readonly module?: string;
  /** Creates the behaviour of one node instance. */
  create(node: NodeContext): NodeBehavior;
}

/**
 * Identity helper that gives a node definition its type (and checks it at compile time).
 *
 * @example
 * ```ts
 * const node = defineNode({ type: 'acme.noop', version: 1, displayName: 'No-op', category: 'Utilities', create: () => ({}) });
 * ```
 */
export function defineNode(definition: NodeDefinition): NodeDefinition {
  return definition;
}
