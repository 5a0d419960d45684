import type { NodeDefinition } from '../../../src/catalog/node-definition';
declare const shoutNode: NodeDefinition;
export default shoutNode;
