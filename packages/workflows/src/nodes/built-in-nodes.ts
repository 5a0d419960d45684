import type { NodeDefinition } from '../catalog/node-definition';
import { componentInputsNode, componentOutputsNode } from '../engine/instantiate';
import { requestNode, responseNode } from './cloud-nodes';
import { expressionNode, functionNode } from './code-nodes';
import { dbChangeTriggerNode, scheduleTriggerNode, webhookTriggerNode } from './trigger-nodes';
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

/**
 * Every node type shipped with `@localbackend/workflows`.
 *
 * @example
 * ```ts
 * builtInNodes.map((n) => n.type).includes('Expression'); // true
 * ```
 */
export const builtInNodes: readonly NodeDefinition[] = [
  requestNode,
  responseNode,
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
  componentInputsNode,
  componentOutputsNode,
  scheduleTriggerNode,
  dbChangeTriggerNode,
  webhookTriggerNode,
];
