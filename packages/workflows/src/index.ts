/**
 * `@localbackend/workflows`: {@link WorkflowRuntime} runs the Noodl editor's visual node graphs as
 * backend logic — cloud functions, webhooks, schedules and database-change triggers — with
 * Noodl's execution model and node types, a versioned node catalog, execution records, hot
 * reload and worker-thread isolation of runaway workflows.
 *
 * @packageDocumentation
 */
export {
  WorkflowRuntime,
  type Isolation,
  type LoadResult,
  type RunOptions,
  type RunRequest,
  type RunResult,
  type WebhookRequest,
  type WorkflowInfo,
  type WorkflowRuntimeEvents,
  type WorkflowRuntimeListener,
  type WorkflowRuntimeOptions,
} from './runtime/workflow-runtime';
export { WorkflowWatcher, type WatchOptions, type WatchTarget } from './runtime/workflow-watcher';
export {
  adapterConfigSource,
  adapterUserService,
  type ConfigSource,
  type UserService,
} from './runtime/host-services';
export {
  defineNode,
  type ComponentHandle,
  type ComponentInstanceOptions,
  type DynamicPortDefinition,
  type GraphServices,
  type JsonSchema,
  type LogLevel,
  type NodeBehavior,
  type NodeContext,
  type NodeDefinition,
  type PortDefinition,
  type PortType,
  type RunServices,
  type RunStart,
  type SandboxFunction,
  type SandboxServices,
  type SavedPort,
  type SessionUser,
} from './catalog/node-definition';
export { NodeCatalog, deriveParameterSchema, type NodeDescriptor } from './catalog/node-catalog';
export { builtInNodes } from './nodes/built-in-nodes';
export {
  NoodlArray,
  ObjectScope,
  type NoodlObject,
  type ObjectEvent,
  type SetOptions,
} from './engine/object-scope';
export {
  normalizeWorkflowDocument,
  MAX_NODES_PER_DOCUMENT,
  MAX_NODE_DEPTH,
} from './model/normalize-workflow';
export {
  CLOUD_PREFIX,
  LOCAL_PREFIX,
  type ComponentModel,
  type ConnectionModel,
  type NodeModel,
  type WorkflowEntry,
  type WorkflowKind,
  type WorkflowModel,
} from './model/workflow-model';
export type { TriggerSpec, DbChangeEvents } from './triggers/trigger-spec';
export {
  AdapterRunStore,
  MemoryRunStore,
  LOG_COLLECTION,
  RUN_COLLECTION,
  type RunFilter,
  type RunLogRecord,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type RunTrigger,
  type RunWrite,
} from './records/run-store';
export type { PoolEvent } from './pool/worker-pool';
