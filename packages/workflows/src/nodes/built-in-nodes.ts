import type { NodeDefinition } from '../catalog/node-definition';
import { componentInputsNode, componentOutputsNode } from '../engine/instantiate';
import { requestNode, responseNode } from './cloud-nodes';
import { expressionNode, functionNode } from './code-nodes';
import { localDeleteNode, localInsertNode, localQueryNode, localUpdateNode } from './local-nodes';
import {
  andNode,
  booleanNode,
  booleanToStringNode,
  conditionNode,
  counterNode,
  dateToStringNode,
  inverterNode,
  numberNode,
  orNode,
  stringFormatNode,
  stringNode,
  substringNode,
  uniqueIdNode,
} from './logic-nodes';
import { createObjectNode, objectNode, setObjectNode } from './object-nodes';
import {
  addRelationNode,
  aggregateNode,
  configNode,
  createRecordNode,
  deleteRecordNode,
  filterRecordsNode,
  queryRecordsNode,
  recordNode,
  removeRelationNode,
  setRecordNode,
} from './record-nodes';
import { restNode } from './rest-node';
import { runTasksNode } from './run-tasks-node';
import { dbChangeTriggerNode, scheduleTriggerNode, webhookTriggerNode } from './trigger-nodes';

/**
 * Every node type shipped with `@localbackend/workflows`: Noodl's cloud nodes and the new local
 * database and trigger nodes.
 *
 * @example
 * ```ts
 * builtInNodes.map((n) => n.type).includes('Expression'); // true
 * ```
 */
export const builtInNodes: readonly NodeDefinition[] = [
  requestNode,
  responseNode,
  aggregateNode,
  functionNode,
  expressionNode,
  conditionNode,
  andNode,
  orNode,
  inverterNode,
  stringNode,
  numberNode,
  booleanNode,
  stringFormatNode,
  substringNode,
  counterNode,
  uniqueIdNode,
  booleanToStringNode,
  dateToStringNode,
  queryRecordsNode,
  recordNode,
  createRecordNode,
  setRecordNode,
  deleteRecordNode,
  addRelationNode,
  removeRelationNode,
  filterRecordsNode,
  configNode,
  objectNode,
  createObjectNode,
  setObjectNode,
  runTasksNode,
  restNode,
  componentInputsNode,
  componentOutputsNode,
  localQueryNode,
  localInsertNode,
  localUpdateNode,
  localDeleteNode,
  scheduleTriggerNode,
  dbChangeTriggerNode,
  webhookTriggerNode,
];
