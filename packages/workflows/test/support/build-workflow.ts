/**
 * Builders for workflow documents in the editor's project format (what the Noodl editor saves),
 * so tests read like the graphs they describe.
 */

export interface NodeSpec {
  readonly id: string;
  readonly type: string;
  readonly parameters?: Record<string, unknown>;
  readonly ports?: { name: string; plug: 'input' | 'output'; type: string }[];
  readonly children?: NodeSpec[];
}

/** `[fromId, fromPort, toId, toPort]`. */
export type Wire = readonly [string, string, string, string];

export interface ComponentSpec {
  readonly name: string;
  readonly nodes: readonly NodeSpec[];
  readonly wires?: readonly Wire[];
}

function node(spec: NodeSpec): Record<string, unknown> {
  return {
    id: spec.id,
    type: spec.type,
    x: 0,
    y: 0,
    parameters: spec.parameters ?? {},
    ports: [],
    dynamicports: spec.ports ?? [],
    children: (spec.children ?? []).map(node),
  };
}

/** A component in the editor project format. */
export function component(spec: ComponentSpec): Record<string, unknown> {
  return {
    name: spec.name,
    id: `id-${spec.name}`,
    graph: {
      roots: spec.nodes.map(node),
      connections: (spec.wires ?? []).map(([fromId, fromProperty, toId, toProperty]) => ({
        fromId,
        fromProperty,
        toId,
        toProperty,
      })),
      visualRoots: [],
    },
  };
}

/** A document (editor project format) of components. */
export function project(...components: ComponentSpec[]): Record<string, unknown> {
  return { components: components.map(component) };
}

/** The same document in the runtime export format (`nodes`, `sourceId/sourcePort/...`). */
export function runtimeExport(...components: ComponentSpec[]): Record<string, unknown> {
  return {
    components: components.map((c) => ({
      name: c.name,
      ports: [],
      nodes: c.nodes.map((n) => {
        const { dynamicports, ...rest } = node(n) as { dynamicports: unknown[]; ports: unknown[] };
        return { ...rest, ports: dynamicports };
      }),
      connections: (c.wires ?? []).map(([sourceId, sourcePort, targetId, targetPort]) => ({
        sourceId,
        sourcePort,
        targetId,
        targetPort,
      })),
    })),
    metadata: {},
    settings: {},
  };
}

/**
 * A cloud function: Request (no auth) -> Function(script, run on receive) -> Response with the
 * given result outputs (`out-<name>` -> `pm-<name>`), sent on the Function's `Done` signal.
 */
export function scriptFunction(
  name: string,
  script: string,
  results: readonly string[] = ['value'],
): ComponentSpec {
  return {
    name: `/#__cloud__/${name}`,
    nodes: [
      { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
      {
        id: 'fn',
        type: 'JavaScriptFunction',
        parameters: { functionScript: script },
        ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
      },
      { id: 'res', type: 'noodl.cloud.response' },
    ],
    wires: [
      ['req', 'receive', 'fn', 'run'],
      ...results.map((r): Wire => ['fn', `out-${r}`, 'res', `pm-${r}`]),
      ['fn', 'out-Done', 'res', 'send'],
    ],
  };
}
