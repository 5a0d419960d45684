import { BackendError, describeValue } from '@localbackend/adapter';
import type { SavedPort } from '../catalog/node-definition';
import {
  workflowEntryOf,
  type ComponentModel,
  type ConnectionModel,
  type NodeModel,
  type WorkflowEntry,
  type WorkflowModel,
} from './workflow-model';

/**
 * Most nodes one document may hold.
 *
 * @example
 * ```ts
 * if (count > MAX_NODES_PER_DOCUMENT) throw new BackendError('RESOURCE_LIMIT', 'too many nodes');
 * ```
 */
export const MAX_NODES_PER_DOCUMENT = 20_000;
/**
 * Deepest `children` nesting accepted.
 *
 * @example
 * ```ts
 * if (depth > MAX_NODE_DEPTH) throw new BackendError('RESOURCE_LIMIT', 'too deep');
 * ```
 */
export const MAX_NODE_DEPTH = 64;

/**
 * Node type names of the component boundary nodes.
 *
 * @example
 * ```ts
 * node.type === COMPONENT_INPUTS_TYPE; // 'Component Inputs'
 * ```
 */
export const COMPONENT_INPUTS_TYPE = 'Component Inputs';
/**
 * @see COMPONENT_INPUTS_TYPE
 *
 * @example
 * ```ts
 * node.type === COMPONENT_OUTPUTS_TYPE; // 'Component Outputs'
 * ```
 */
export const COMPONENT_OUTPUTS_TYPE = 'Component Outputs';

function invalid(source: string, path: string, expected: string, received: unknown): BackendError {
  const where = path === '' ? 'document' : path;
  return new BackendError(
    'INVALID_VALUE',
    `${source}: ${where}: expected ${expected}, got ${describeValue(received)}`,
    { details: { file: source, path: where, expected, received: describeValue(received) } },
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function portTypeName(type: unknown): string {
  if (typeof type === 'string') return type;
  if (isObject(type) && typeof type['name'] === 'string') return type['name'];
  return '*';
}

function normalizePort(raw: unknown, source: string, path: string): SavedPort {
  if (!isObject(raw)) throw invalid(source, path, 'a port object { name, plug, type }', raw);
  const name = raw['name'];
  if (typeof name !== 'string' || name === '') {
    throw invalid(source, `${path}.name`, 'a non-empty string', name);
  }
  let plug = raw['plug'];
  if (plug === 'outputs') plug = 'output';
  if (plug === 'inputs') plug = 'input';
  if (plug !== 'input' && plug !== 'output' && plug !== 'input/output') {
    throw invalid(source, `${path}.plug`, '"input", "output" or "input/output"', plug);
  }
  const port: SavedPort = {
    name,
    plug,
    type: portTypeName(raw['type']),
    ...(typeof raw['displayName'] === 'string' ? { displayName: raw['displayName'] } : {}),
    ...(typeof raw['group'] === 'string' ? { group: raw['group'] } : {}),
  };
  return port;
}

function normalizePorts(raw: unknown, source: string, path: string): SavedPort[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid(source, path, 'an array of ports', raw);
  return raw.map((port, i) => normalizePort(port, source, `${path}[${i}]`));
}

interface NormalizeState {
  readonly source: string;
  count: number;
  readonly ids: Set<string>;
  readonly byId: Map<string, Record<string, unknown>> | undefined;
}

function normalizeNode(
  raw: unknown,
  state: NormalizeState,
  path: string,
  depth: number,
): NodeModel {
  if (depth > MAX_NODE_DEPTH) {
    throw new BackendError(
      'RESOURCE_LIMIT',
      `${state.source}: ${path}: nodes nest deeper than ${MAX_NODE_DEPTH} levels`,
      { details: { file: state.source, path } },
    );
  }
  if (!isObject(raw)) throw invalid(state.source, path, 'a node object { id, type }', raw);
  state.count++;
  if (state.count > MAX_NODES_PER_DOCUMENT) {
    throw new BackendError(
      'RESOURCE_LIMIT',
      `${state.source}: more than ${MAX_NODES_PER_DOCUMENT} nodes in one document`,
      { details: { file: state.source, path } },
    );
  }
  const id = raw['id'];
  if (typeof id !== 'string' || id === '')
    throw invalid(state.source, `${path}.id`, 'a non-empty string', id);
  if (state.ids.has(id)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${state.source}: ${path}.id: duplicate node id ${JSON.stringify(id)}`,
      {
        details: { file: state.source, path: `${path}.id`, received: id },
      },
    );
  }
  state.ids.add(id);
  const type = raw['type'];
  const typeName =
    typeof type === 'string'
      ? type
      : isObject(type) && typeof type['name'] === 'string'
        ? type['name']
        : undefined;
  if (typeName === undefined || typeName === '') {
    throw invalid(state.source, `${path}.type`, 'a node type name', type);
  }
  const parameters = raw['parameters'] ?? {};
  if (!isObject(parameters))
    throw invalid(state.source, `${path}.parameters`, 'an object', parameters);
  const ports = [
    ...normalizePorts(raw['ports'], state.source, `${path}.ports`),
    ...normalizePorts(raw['dynamicports'], state.source, `${path}.dynamicports`),
  ];
  const rawChildren = raw['children'] ?? [];
  if (!Array.isArray(rawChildren))
    throw invalid(state.source, `${path}.children`, 'an array', rawChildren);
  const children = rawChildren.map((child, i) => {
    const childPath = `${path}.children[${i}]`;
    if (typeof child === 'string') {
      const found = state.byId?.get(child);
      if (found === undefined)
        throw invalid(state.source, childPath, 'the id of a node of the component', child);
      return normalizeNode(found, state, childPath, depth + 1);
    }
    return normalizeNode(child, state, childPath, depth + 1);
  });
  return {
    id,
    type: typeName,
    ...(typeof raw['label'] === 'string' ? { label: raw['label'] } : {}),
    parameters: { ...parameters },
    ports,
    children,
  };
}

function normalizeConnection(raw: unknown, source: string, path: string): ConnectionModel {
  if (!isObject(raw)) throw invalid(source, path, 'a connection object', raw);
  const fromId = raw['fromId'] ?? raw['sourceId'];
  const fromPort = raw['fromProperty'] ?? raw['sourcePort'];
  const toId = raw['toId'] ?? raw['targetId'];
  const toPort = raw['toProperty'] ?? raw['targetPort'];
  const editor = 'fromId' in raw;
  const names = editor
    ? ['fromId', 'fromProperty', 'toId', 'toProperty']
    : ['sourceId', 'sourcePort', 'targetId', 'targetPort'];
  const values = [fromId, fromPort, toId, toPort];
  for (let i = 0; i < 4; i++) {
    if (typeof values[i] !== 'string' || values[i] === '') {
      throw invalid(source, `${path}.${names[i]!}`, 'a non-empty string', values[i]);
    }
  }
  return {
    fromId: fromId as string,
    fromPort: fromPort as string,
    toId: toId as string,
    toPort: toPort as string,
  };
}

function walk(nodes: readonly NodeModel[], visit: (node: NodeModel) => void): void {
  for (const node of nodes) {
    visit(node);
    walk(node.children, visit);
  }
}

function addPort(list: SavedPort[], port: SavedPort): void {
  if (!list.some((p) => p.name === port.name)) list.push(port);
}

function normalizeComponent(
  raw: unknown,
  source: string,
  path: string,
  total: { count: number },
): ComponentModel {
  if (!isObject(raw))
    throw invalid(source, path, 'a component object { name, graph | nodes }', raw);
  const name = raw['name'];
  if (typeof name !== 'string' || name === '')
    throw invalid(source, `${path}.name`, 'a non-empty string', name);
  let rawNodes: unknown;
  let rawConnections: unknown;
  let nodesPath: string;
  let connectionsPath: string;
  let byId: Map<string, Record<string, unknown>> | undefined;
  if (raw['graph'] !== undefined) {
    const graph = raw['graph'];
    if (!isObject(graph))
      throw invalid(source, `${path}.graph`, 'an object { roots, connections }', graph);
    rawNodes = graph['roots'] ?? [];
    rawConnections = graph['connections'] ?? [];
    nodesPath = `${path}.graph.roots`;
    connectionsPath = `${path}.graph.connections`;
  } else if (raw['nodes'] !== undefined) {
    rawNodes = raw['nodes'];
    rawConnections = raw['connections'] ?? [];
    nodesPath = `${path}.nodes`;
    connectionsPath = `${path}.connections`;
  } else {
    throw invalid(
      source,
      path,
      'a component with graph.roots (editor format) or nodes (runtime export)',
      raw,
    );
  }
  if (!Array.isArray(rawNodes)) throw invalid(source, nodesPath, 'an array of nodes', rawNodes);
  if (!Array.isArray(rawConnections)) {
    throw invalid(source, connectionsPath, 'an array of connections', rawConnections);
  }
  // A runtime export may list nodes flat and reference children by id: the roots are the nodes
  // nobody lists as a child.
  let roots: { node: unknown; index: number }[] = rawNodes.map((node, index) => ({ node, index }));
  const childIds = new Set<string>();
  for (const node of rawNodes) {
    if (isObject(node) && Array.isArray(node['children'])) {
      for (const child of node['children']) if (typeof child === 'string') childIds.add(child);
    }
  }
  if (childIds.size > 0) {
    byId = new Map();
    for (const node of rawNodes) {
      if (isObject(node) && typeof node['id'] === 'string') byId.set(node['id'], node);
    }
    roots = roots.filter(
      ({ node }) => !(isObject(node) && typeof node['id'] === 'string' && childIds.has(node['id'])),
    );
  }
  const state: NormalizeState = { source, count: total.count, ids: new Set(), byId };
  const nodes = roots.map(({ node, index }) =>
    normalizeNode(node, state, `${nodesPath}[${index}]`, 1),
  );
  total.count = state.count;
  const connections = rawConnections.map((c, i) =>
    normalizeConnection(c, source, `${connectionsPath}[${i}]`),
  );

  const inputPorts: SavedPort[] = [];
  const outputPorts: SavedPort[] = [];
  for (const port of normalizePorts(raw['ports'], source, `${path}.ports`)) {
    if (port.plug === 'input' || port.plug === 'input/output')
      addPort(inputPorts, { ...port, plug: 'input' });
    if (port.plug === 'output' || port.plug === 'input/output')
      addPort(outputPorts, { ...port, plug: 'output' });
  }
  const boundary = new Map<string, string>();
  walk(nodes, (node) => {
    if (node.type === COMPONENT_INPUTS_TYPE) {
      boundary.set(node.id, 'in');
      for (const port of node.ports)
        if (port.plug !== 'input') addPort(inputPorts, { ...port, plug: 'input' });
    } else if (node.type === COMPONENT_OUTPUTS_TYPE) {
      boundary.set(node.id, 'out');
      for (const port of node.ports)
        if (port.plug !== 'output') addPort(outputPorts, { ...port, plug: 'output' });
    }
  });
  for (const c of connections) {
    if (boundary.get(c.fromId) === 'in')
      addPort(inputPorts, { name: c.fromPort, plug: 'input', type: '*' });
    if (boundary.get(c.toId) === 'out')
      addPort(outputPorts, { name: c.toPort, plug: 'output', type: '*' });
  }
  return { name, nodes, connections, inputPorts, outputPorts };
}

/**
 * Loads a workflow document in either format the editor produces — the project format
 * (`components[].graph.roots`, connections `fromId/fromProperty/toId/toProperty`) or the runtime
 * export (`components[].nodes`, connections `sourceId/sourcePort/targetId/targetPort`) — into one
 * normalised {@link WorkflowModel}. A bare component object is accepted as a one-component
 * document. Throws `INVALID_VALUE` naming the file and the path of the first problem.
 *
 * @example
 * ```ts
 * const model = normalizeWorkflowDocument(JSON.parse(text), 'api.workflow.json');
 * model.functions.map((f) => f.name); // ['API/test/POST']
 * ```
 */
export function normalizeWorkflowDocument(raw: unknown, source = 'workflow'): WorkflowModel {
  if (!isObject(raw)) throw invalid(source, '', 'an object with components', raw);
  let rawComponents: unknown = raw['components'];
  if (rawComponents === undefined && typeof raw['name'] === 'string') rawComponents = [raw];
  if (!Array.isArray(rawComponents)) {
    throw invalid(source, 'components', 'an array of components', rawComponents);
  }
  const total = { count: 0 };
  const components = rawComponents.map((c, i) =>
    normalizeComponent(c, source, `components[${i}]`, total),
  );
  const seen = new Set<string>();
  for (const [i, component] of components.entries()) {
    if (seen.has(component.name)) {
      throw new BackendError(
        'INVALID_VALUE',
        `${source}: components[${i}].name: duplicate component ${JSON.stringify(component.name)}`,
        { details: { file: source, path: `components[${i}].name`, received: component.name } },
      );
    }
    seen.add(component.name);
  }
  const metadata = isObject(raw['metadata']) ? raw['metadata'] : {};
  const settings = isObject(raw['settings']) ? raw['settings'] : {};
  const functions: WorkflowEntry[] = [];
  for (const component of components) {
    const entry = workflowEntryOf(component.name);
    if (entry !== undefined) functions.push(entry);
  }
  return { components, metadata, settings, functions };
}
