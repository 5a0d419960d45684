import type { CloudStoreAdapter, ErrorCode, SchemaDefinition } from '@localbackend/adapter';
import type { NodeCatalog } from '../catalog/node-catalog';
import type { LogLevel, RunStart, SessionUser } from '../catalog/node-definition';
import type { ComponentModel } from '../model/workflow-model';
import type { ScriptSandbox } from './script-sandbox';

/**
 * One log line of a run.
 *
 * @example
 * ```ts
 * const line: LogEntry = { at: new Date().toISOString(), level: 'info', message: 'hello', nodeId: 'n1', nodeType: 'JavaScriptFunction' };
 * ```
 */
export interface LogEntry {
  readonly at: string;
  readonly level: LogLevel;
  readonly message: string;
  readonly nodeId?: string;
  readonly nodeType?: string;
  readonly data?: unknown;
}

/**
 * An HTTP-style answer of a run.
 *
 * @example
 * ```ts
 * const response: RunResponse = { statusCode: 200, body: '{"result":{}}' };
 * ```
 */
export interface RunResponse {
  readonly statusCode: number;
  /** A JSON string. */
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * How a run ended, as the engine reports it.
 *
 * @example
 * ```ts
 * if (outcome.status === 'error') console.log(outcome.error?.code);
 * ```
 */
export interface RunOutcome {
  /** `success`: answered 2xx or finished; `failure`: a Response node with status failure; `error`: the run failed. */
  readonly status: 'success' | 'failure' | 'error';
  readonly response?: RunResponse;
  readonly error?: { readonly code: ErrorCode; readonly message: string };
  readonly logs: readonly LogEntry[];
}

/**
 * What the engine needs from its host (the worker or the in-process runner): data access,
 * services, the component lookup and the shared sandbox.
 *
 * @example
 * ```ts
 * const outcome = await executeRun(host, { runId: 'r1', workflow: 'hello', component: '/#__cloud__/hello', start });
 * ```
 */
export interface RunHost {
  readonly adapter: CloudStoreAdapter;
  readonly catalog: NodeCatalog;
  readonly sandbox: ScriptSandbox;
  /** Looks a component up by its full name (the run's own document first). */
  component(name: string): ComponentModel | undefined;
  schema(): Promise<SchemaDefinition>;
  config(): Promise<Readonly<Record<string, unknown>>>;
  resolveSession(token: string): Promise<SessionUser | undefined>;
  logIn(username: string, password: string): Promise<SessionUser>;
  impersonate(
    username: string,
    options: { installationId?: string; duration?: number },
  ): Promise<SessionUser>;
  /** Project metadata of the run's document (`Noodl.getMetaData`). */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Project settings of the run's document (`Noodl.getProjectSettings`). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Called whenever work of a run starts on this thread (worker attribution). */
  enter?(): void;
}

/**
 * Parameters of one run.
 *
 * @example
 * ```ts
 * const spec: RunSpec = { runId: 'r1', workflow: 'hello', component: '/#__cloud__/hello', start: { kind: 'request', body: '{}', headers: {} } };
 * ```
 */
export interface RunSpec {
  readonly runId: string;
  readonly workflow: string;
  readonly component: string;
  readonly start: RunStart;
  /** The node that starts the run (triggers, webhooks); Request runs find their node. */
  readonly entryNodeId?: string;
  /** The run fails with `TIMEOUT` after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** Lowest level kept in the run's log (default `info`). */
  readonly logLevel?: LogLevel;
  /** Most log lines kept per run (default 500). */
  readonly maxLogLines?: number;
}
