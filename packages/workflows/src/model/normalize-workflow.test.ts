import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError } from '@localbackend/adapter';
import { MAX_NODE_DEPTH, normalizeWorkflowDocument } from './normalize-workflow';

const editorDoc = {
  components: [
    {
      name: '/#__cloud__/api/hello',
      graph: {
        roots: [
          {
            id: 'a',
            type: 'noodl.cloud.request',
            parameters: {},
            ports: [],
            dynamicports: [{ name: 'pm-x', plug: 'output', type: { name: 'string' } }],
            children: [{ id: 'a1', type: 'String', children: [] }],
          },
          {
            id: 'in',
            type: 'Component Inputs',
            ports: [{ name: 'Go', plug: 'outputs', type: 'signal' }],
          },
          {
            id: 'out',
            type: 'Component Outputs',
            ports: [{ name: 'Done', plug: 'input', type: 'signal' }],
          },
        ],
        connections: [
          { fromId: 'a', fromProperty: 'receive', toId: 'out', toProperty: 'Done' },
          { fromId: 'in', fromProperty: 'Extra', toId: 'a1', toProperty: 'value' },
        ],
      },
    },
    { name: '/#__local__/jobs/nightly', graph: { roots: [], connections: [] } },
    { name: '/Shared/Helper', graph: { roots: [], connections: [] } },
  ],
};

describe('normalizeWorkflowDocument', () => {
  it('loads the editor project format: node tree, ports ∪ dynamicports, connections, component ports and workflow entries', () => {
    const model = normalizeWorkflowDocument(editorDoc, 'doc.json');
    const api = model.components[0]!;
    expect(api.nodes[0]).toMatchObject({
      id: 'a',
      type: 'noodl.cloud.request',
      ports: [{ name: 'pm-x', plug: 'output', type: 'string' }],
      children: [{ id: 'a1', type: 'String' }],
    });
    expect(api.connections[0]).toEqual({
      fromId: 'a',
      fromPort: 'receive',
      toId: 'out',
      toPort: 'Done',
    });
    expect(api.inputPorts.map((p) => p.name)).toEqual(['Go', 'Extra']);
    expect(api.outputPorts.map((p) => p.name)).toEqual(['Done']);
    expect(model.functions).toEqual([
      { name: 'api/hello', component: '/#__cloud__/api/hello', kind: 'cloud' },
      { name: 'jobs/nightly', component: '/#__local__/jobs/nightly', kind: 'local' },
    ]);
  });

  it('loads the runtime export format, also with nodes listed flat and children given by id', () => {
    const model = normalizeWorkflowDocument({
      components: [
        {
          name: '/#__cloud__/x',
          ports: [{ name: 'In', plug: 'input', type: '*' }],
          nodes: [
            { id: 'p', type: 'String', children: ['c'] },
            { id: 'c', type: 'Number' },
          ],
          connections: [
            { sourceId: 'p', sourcePort: 'savedValue', targetId: 'c', targetPort: 'value' },
          ],
        },
      ],
      metadata: { dbCollections: [] },
      settings: { x: 1 },
    });
    const component = model.components[0]!;
    expect(component.nodes).toHaveLength(1);
    expect(component.nodes[0]!.children[0]!.id).toBe('c');
    expect(component.connections).toEqual([
      { fromId: 'p', fromPort: 'savedValue', toId: 'c', toPort: 'value' },
    ]);
    expect(component.inputPorts.map((p) => p.name)).toEqual(['In']);
    expect(model.metadata).toEqual({ dbCollections: [] });
    expect(model.settings).toEqual({ x: 1 });
  });

  it.each([
    [null, /doc: document: expected an object with components, got null/],
    [{ components: 'x' }, /doc: components: expected an array of components, got "x"/],
    [
      { components: [{ name: 7 }] },
      /doc: components\[0\]\.name: expected a non-empty string, got 7/,
    ],
    [
      { components: [{ name: 'a' }] },
      /doc: components\[0\]: expected a component with graph\.roots/,
    ],
    [
      { components: [{ name: 'a', graph: { roots: [{ id: 'n' }] } }] },
      /doc: components\[0\]\.graph\.roots\[0\]\.type: expected a node type name, got undefined/,
    ],
    [
      {
        components: [
          {
            name: 'a',
            graph: {
              roots: [
                { id: 'n', type: 'X' },
                { id: 'n', type: 'Y' },
              ],
            },
          },
        ],
      },
      /components\[0\]\.graph\.roots\[1\]\.id: duplicate node id "n"/,
    ],
    [
      {
        components: [
          { name: 'a', graph: { roots: [], connections: [{ fromId: 'a', fromProperty: 1 }] } },
        ],
      },
      /components\[0\]\.graph\.connections\[0\]\.fromProperty: expected a non-empty string, got 1/,
    ],
    [
      {
        components: [
          {
            name: 'a',
            graph: { roots: [{ id: 'n', type: 'X', ports: [{ name: 'p', plug: 'sideways' }] }] },
          },
        ],
      },
      /roots\[0\]\.ports\[0\]\.plug: expected "input", "output" or "input\/output", got "sideways"/,
    ],
    [
      { components: [{ name: 'a', graph: { roots: [{ id: 'n', type: 'X', parameters: [] }] } }] },
      /roots\[0\]\.parameters: expected an object, got an array of 0/,
    ],
    [
      {
        components: [
          { name: 'a', graph: { roots: [] } },
          { name: 'a', graph: { roots: [] } },
        ],
      },
      /components\[1\]\.name: duplicate component "a"/,
    ],
  ])('refuses %j with a message naming the file and the path', (input, message) => {
    let error: unknown;
    try {
      normalizeWorkflowDocument(input, 'doc');
    } catch (e) {
      error = e;
    }
    expect(BackendError.is(error)).toBe(true);
    expect((error as BackendError).code).toBe('INVALID_VALUE');
    expect((error as Error).message).toMatch(message);
  });

  it('refuses children nested deeper than the limit without overflowing the stack', () => {
    let node: Record<string, unknown> = { id: 'leaf', type: 'X' };
    for (let i = 0; i < 10_000; i++) node = { id: `n${i}`, type: 'X', children: [node] };
    expect(() =>
      normalizeWorkflowDocument({ components: [{ name: 'a', graph: { roots: [node] } }] }, 'deep'),
    ).toThrow(new RegExp(`nest deeper than ${MAX_NODE_DEPTH} levels`));
  });

  it('never throws anything but a BackendError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          normalizeWorkflowDocument({ components: [value] }, 'fuzz');
          normalizeWorkflowDocument(value, 'fuzz');
        } catch (error) {
          return BackendError.is(error);
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });
});
