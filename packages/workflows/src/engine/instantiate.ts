import type {
  ComponentInstanceOptions,
  NodeBehavior,
  NodeContext,
  NodeDefinition,
  PortDefinition,
} from '../catalog/node-definition';
import type { ComponentModel, NodeModel } from '../model/workflow-model';
import { COMPONENT_INPUTS_TYPE, COMPONENT_OUTPUTS_TYPE } from '../model/normalize-workflow';
import { GraphNode } from './graph-node';
import type { RunContext } from './run-context';

/**
 * Deepest nesting of component instances (guards against a component containing itself).
 *
 * @example
 * ```ts
 * if (depth > MAX_COMPONENT_DEPTH) skip();
 * ```
 */
export const MAX_COMPONENT_DEPTH = 32;

const ANY: PortDefinition = { type: '*' };

/** Per-instance state shared by an instance node and its boundary nodes. */
interface InstanceState {
  readonly inputs: Map<string, unknown>;
  readonly outputs: Map<string, unknown>;
  readonly inputNames: ReadonlySet<string>;
  readonly outputNames: ReadonlySet<string>;
  readonly boundaryIn: GraphNode[];
  readonly boundaryOut: GraphNode[];
  readonly inner: GraphNode[];
  readonly onOutput: ((name: string, value: unknown) => void) | undefined;
}

function stateOf(node: NodeContext): InstanceState | undefined {
  const owner = (node as GraphNode).owner;
  return owner === undefined ? undefined : (owner.instanceState as InstanceState | undefined);
}

/**
 * The `Component Inputs` node: one output per component input, re-sending the value the instance
 * received (NOODL-RUNTIME §2.9).
 *
 * @example
 * ```ts
 * catalog.get('Component Inputs') === componentInputsNode; // true
 * ```
 */
export const componentInputsNode: NodeDefinition = {
  type: COMPONENT_INPUTS_TYPE,
  version: 1,
  displayName: 'Component Inputs',
  category: 'Component Utilities',
  description:
    'Inside a component: exposes the values and signals the component instance receives, one output per input port of the component.',
  dynamicPorts: [
    {
      pattern: '<name>',
      plug: 'output',
      type: '*',
      description: 'One output per component input port',
    },
  ],
  create(node): NodeBehavior {
    return {
      acceptOutput: () => ANY,
      getOutput: (name) => stateOf(node)?.inputs.get(name),
    };
  },
};

/**
 * The `Component Outputs` node: every value it receives becomes the instance's output of the same
 * name (NOODL-RUNTIME §2.9).
 *
 * @example
 * ```ts
 * catalog.get('Component Outputs') === componentOutputsNode; // true
 * ```
 */
export const componentOutputsNode: NodeDefinition = {
  type: COMPONENT_OUTPUTS_TYPE,
  version: 1,
  displayName: 'Component Outputs',
  category: 'Component Utilities',
  description:
    'Inside a component: every value or signal sent to one of its inputs becomes the component output of that name.',
  dynamicPorts: [
    {
      pattern: '<name>',
      plug: 'input',
      type: '*',
      description: 'One input per component output port',
    },
  ],
  create(node): NodeBehavior {
    return {
      acceptInput: () => ANY,
      setInput(name, value) {
        const state = stateOf(node);
        const owner = (node as GraphNode).owner;
        if (state === undefined || owner === undefined) return;
        state.outputs.set(name, value);
        if (state.outputNames.has(name)) owner.flagOutputDirty(name);
        state.onOutput?.(name, value);
      },
    };
  },
};

const instanceDefinitions = new WeakMap<ComponentModel, NodeDefinition>();
const portNames = new WeakMap<
  ComponentModel,
  { readonly inputs: ReadonlySet<string>; readonly outputs: ReadonlySet<string> }
>();

/** The input and output port names of a component (models are immutable: computed once). */
function portNamesOf(component: ComponentModel): {
  readonly inputs: ReadonlySet<string>;
  readonly outputs: ReadonlySet<string>;
} {
  let names = portNames.get(component);
  if (names === undefined) {
    names = {
      inputs: new Set(component.inputPorts.map((p) => p.name)),
      outputs: new Set(component.outputPorts.map((p) => p.name)),
    };
    portNames.set(component, names);
  }
  return names;
}

function instanceDefinition(component: ComponentModel): NodeDefinition {
  let definition = instanceDefinitions.get(component);
  if (definition !== undefined) return definition;
  definition = {
    type: component.name,
    version: 1,
    displayName: component.name,
    category: 'Components',
    create(node): NodeBehavior {
      const state = (): InstanceState | undefined =>
        (node as GraphNode).instanceState as InstanceState | undefined;
      return {
        acceptInput: (name) => (state()?.inputNames.has(name) === true ? ANY : undefined),
        acceptOutput: (name) => (state()?.outputNames.has(name) === true ? ANY : undefined),
        setInput(name, value) {
          const s = state();
          if (s === undefined) return;
          s.inputs.set(name, value);
          for (const boundary of s.boundaryIn) boundary.sendValue(name, value);
        },
        getOutput: (name) => state()?.outputs.get(name),
        dispose() {
          const s = state();
          if (s === undefined) return;
          for (const inner of s.inner) inner.dispose();
        },
      };
    },
  };
  instanceDefinitions.set(component, definition);
  return definition;
}

/**
 * Creates a component instance node and its inner graph (steps 1-4 of NOODL-RUNTIME §2.2 for the
 * inner graph). The caller applies the instance node's own parameters and connections, then
 * enables its dirty-reporting.
 *
 * @example
 * ```ts
 * const root = instantiateComponent(run, component, undefined, {}, 0);
 * root.enableDirtyReporting();
 * ```
 */
export function instantiateComponent(
  run: RunContext,
  component: ComponentModel,
  owner: GraphNode | undefined,
  options: ComponentInstanceOptions,
  depth: number,
  id = owner === undefined ? 'root' : `${owner.id}/${component.name}#${run.objects.guid()}`,
  parameters: Readonly<Record<string, unknown>> = {},
): GraphNode {
  const instance = new GraphNode(run, id, instanceDefinition(component), parameters, [], owner);
  instance.role = 'instance';
  if (options.forcedConnectedInputs !== undefined && options.forcedConnectedInputs.length > 0)
    instance.forcedConnected = new Set(options.forcedConnectedInputs);
  instance.forEachItem = options.forEachItem;
  const names = portNamesOf(component);
  const state: InstanceState = {
    inputs: new Map(),
    outputs: new Map(),
    inputNames: names.inputs,
    outputNames: names.outputs,
    boundaryIn: [],
    boundaryOut: [],
    inner: [],
    onOutput: options.onOutput,
  };
  instance.instanceState = state;
  instance.init();
  run.registerNode(instance);

  // 1. Create the nodes, depth-first in JSON order.
  const byId = new Map<string, GraphNode>();
  const create = (models: readonly NodeModel[]): void => {
    for (const model of models) {
      const node = createNode(run, model, instance, depth);
      if (node !== undefined) {
        byId.set(model.id, node);
        state.inner.push(node);
        if (node.role === 'componentInputs') state.boundaryIn.push(node);
        if (node.role === 'componentOutputs') state.boundaryOut.push(node);
      }
      create(model.children);
    }
  };
  create(component.nodes);
  if (state.boundaryIn.length > 0 || state.boundaryOut.length > 0) {
    instance.dirtyWith = [...state.boundaryIn, ...state.boundaryOut];
    instance.postUpdate = state.boundaryOut;
  }

  // 2. Parameters (queued only).
  for (const node of state.inner) applyParameters(node);

  // 3. Connections (each delivers the source's current value).
  for (const c of component.connections) {
    const from = byId.get(c.fromId);
    const to = byId.get(c.toId);
    if (from === undefined || to === undefined) {
      run.log(
        'warn',
        `connection ${c.fromId}.${c.fromPort} -> ${c.toId}.${c.toPort} dropped: node ${from === undefined ? c.fromId : c.toId} does not exist`,
        undefined,
        undefined,
        component.name,
      );
      continue;
    }
    if (from.ensureOutput(c.fromPort) === undefined) {
      run.log(
        'warn',
        `connection dropped: ${from.type} has no output ${JSON.stringify(c.fromPort)}`,
        undefined,
        from.id,
        from.type,
      );
      continue;
    }
    if (to.ensureInput(c.toPort) === undefined) {
      run.log(
        'warn',
        `connection dropped: ${to.type} has no input ${JSON.stringify(c.toPort)}`,
        undefined,
        to.id,
        to.type,
      );
      continue;
    }
    from.connectTo(c.fromPort, to, c.toPort);
  }

  // 4. Dirty-reporting on.
  for (const node of state.inner) node.enableDirtyReporting();
  return instance;
}

function createNode(
  run: RunContext,
  model: NodeModel,
  owner: GraphNode,
  depth: number,
): GraphNode | undefined {
  const catalog = run.catalog;
  const definition = catalog.get(model.type);
  if (definition !== undefined) {
    const node = new GraphNode(run, model.id, definition, model.parameters, model.ports, owner);
    if (definition.type === COMPONENT_INPUTS_TYPE) node.role = 'componentInputs';
    if (definition.type === COMPONENT_OUTPUTS_TYPE) node.role = 'componentOutputs';
    try {
      node.init();
    } catch (error) {
      run.log(
        'error',
        `node could not be created: ${(error as Error)?.message ?? String(error)}`,
        undefined,
        model.id,
        model.type,
      );
      return undefined;
    }
    run.registerNode(node);
    return node;
  }
  const component = run.component(model.type);
  if (component !== undefined) {
    if (depth + 1 > MAX_COMPONENT_DEPTH) {
      run.log(
        'error',
        `component ${model.type} nests deeper than ${MAX_COMPONENT_DEPTH} levels (does it contain itself?); skipped`,
        undefined,
        model.id,
        model.type,
      );
      return undefined;
    }
    return instantiateComponent(run, component, owner, {}, depth + 1, model.id, model.parameters);
  }
  run.log(
    'warn',
    `unknown node type ${JSON.stringify(model.type)}; node skipped`,
    undefined,
    model.id,
    model.type,
  );
  return undefined;
}

/** Applies a node's parameters in priority order (NOODL-RUNTIME §2.3). */
function applyParameters(node: GraphNode): void {
  const parameters = node.parameters;
  // Common case: no parameter has a priority, so they are queued in their own order.
  let prioritized = false;
  for (const name in parameters) {
    if (!Object.hasOwn(parameters, name)) continue;
    const port = node.ensureInput(name);
    if ((port?.inputPriority ?? 0) !== 0) {
      prioritized = true;
      break;
    }
  }
  if (!prioritized) {
    for (const name in parameters) {
      if (!Object.hasOwn(parameters, name)) continue;
      const value = parameters[name];
      if (value === undefined || node.ensureInput(name) === undefined) continue;
      node.queueInput(name, value);
    }
    return;
  }
  const entries = Object.entries(parameters).map(([name, value], index) => {
    const port = node.ensureInput(name);
    return { name, value, port, index };
  });
  entries.sort(
    (a, b) => (b.port?.inputPriority ?? 0) - (a.port?.inputPriority ?? 0) || a.index - b.index,
  );
  for (const { name, value, port } of entries) {
    if (port === undefined || value === undefined) continue;
    node.queueInput(name, value);
  }
}
