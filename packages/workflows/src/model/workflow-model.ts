import type { SavedPort } from '../catalog/node-definition';

/**
 * One node of a normalised component (both input formats load into this shape).
 *
 * @example
 * ```ts
 * const node: NodeModel = { id: 'n1', type: 'String', parameters: { value: 'hi' }, ports: [], children: [] };
 * ```
 */
export interface NodeModel {
  readonly id: string;
  readonly type: string;
  readonly label?: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  /** `ports` and `dynamicports` together. */
  readonly ports: readonly SavedPort[];
  readonly children: readonly NodeModel[];
}

/**
 * A connection from an output port to an input port.
 *
 * @example
 * ```ts
 * const c: ConnectionModel = { fromId: 'a', fromPort: 'result', toId: 'b', toPort: 'value' };
 * ```
 */
export interface ConnectionModel {
  readonly fromId: string;
  readonly fromPort: string;
  readonly toId: string;
  readonly toPort: string;
}

/**
 * A normalised component: its node tree, its connections and its ports (the outputs of its
 * Component Inputs nodes are its inputs; the inputs of its Component Outputs nodes its outputs).
 *
 * @example
 * ```ts
 * model.components.find((c) => c.name === '/#__cloud__/hello')?.nodes.length;
 * ```
 */
export interface ComponentModel {
  readonly name: string;
  readonly nodes: readonly NodeModel[];
  readonly connections: readonly ConnectionModel[];
  readonly inputPorts: readonly SavedPort[];
  readonly outputPorts: readonly SavedPort[];
}

/**
 * The kind of a workflow component, from its name prefix.
 *
 * @example
 * ```ts
 * const kind: WorkflowKind = 'cloud'; // '/#__cloud__/...'
 * ```
 */
export type WorkflowKind = 'cloud' | 'local';

/**
 * A loaded workflow document: every component, plus the project metadata and settings.
 *
 * @example
 * ```ts
 * const doc = normalizeWorkflowDocument(JSON.parse(text), 'hello.workflow.json');
 * doc.functions; // [{ name: 'hello', component: '/#__cloud__/hello', kind: 'cloud' }]
 * ```
 */
export interface WorkflowModel {
  readonly components: readonly ComponentModel[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly settings: Readonly<Record<string, unknown>>;
  /** The callable workflows of the document (`/#__cloud__/<name>` and `/#__local__/<name>`). */
  readonly functions: readonly WorkflowEntry[];
}

/**
 * A callable workflow of a document.
 *
 * @example
 * ```ts
 * const entry: WorkflowEntry = { name: 'API/test/POST', component: '/#__cloud__/API/test/POST', kind: 'cloud' };
 * ```
 */
export interface WorkflowEntry {
  /** The name to `run()` it by: the component name without its prefix. */
  readonly name: string;
  /** The full component name. */
  readonly component: string;
  readonly kind: WorkflowKind;
}

/**
 * Prefix of cloud-function components.
 *
 * @example
 * ```ts
 * `${CLOUD_PREFIX}hello`; // '/#__cloud__/hello'
 * ```
 */
export const CLOUD_PREFIX = '/#__cloud__/';
/**
 * Prefix of local workflow components (triggers, webhooks).
 *
 * @example
 * ```ts
 * `${LOCAL_PREFIX}nightly`; // '/#__local__/nightly'
 * ```
 */
export const LOCAL_PREFIX = '/#__local__/';

/**
 * The workflow entry for a component name, or `undefined` when it is not a workflow.
 *
 * @example
 * ```ts
 * workflowEntryOf('/#__cloud__/Simple/No Auth OK'); // { name: 'Simple/No Auth OK', kind: 'cloud', ... }
 * ```
 */
export function workflowEntryOf(componentName: string): WorkflowEntry | undefined {
  if (componentName.startsWith(CLOUD_PREFIX) && componentName.length > CLOUD_PREFIX.length) {
    return {
      name: componentName.slice(CLOUD_PREFIX.length),
      component: componentName,
      kind: 'cloud',
    };
  }
  if (componentName.startsWith(LOCAL_PREFIX) && componentName.length > LOCAL_PREFIX.length) {
    return {
      name: componentName.slice(LOCAL_PREFIX.length),
      component: componentName,
      kind: 'local',
    };
  }
  return undefined;
}
