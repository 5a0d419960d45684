import { describe, expect, it } from 'vitest';
import { NodeCatalog } from '../src/catalog/node-catalog';
import { defineNode } from '../src/catalog/node-definition';
import { builtInNodes } from '../src/nodes/built-in-nodes';
import { WorkflowRuntime } from '../src/runtime/workflow-runtime';
import shoutNode from './support/custom-nodes/shout-node.mjs';
import { project } from './support/build-workflow';

const ISSUE_6_NODES = [
  'noodl.cloud.request',
  'noodl.cloud.response',
  'JavaScriptFunction',
  'Expression',
  'Condition',
  'String Format',
  'String',
  'Number',
  'Boolean',
  'And',
  'Or',
  'Inverter',
  'DbCollection2',
  'DbModel2',
  'NewDbModelProperties',
  'SetDbModelProperties',
  'DeleteDbModelProperties',
  'AddDbModelRelation',
  'RemoveDbModelRelation',
  'FilterDBModels',
  'noodl.cloud.aggregate',
  'Model2',
  'NewModel',
  'SetModelProperties',
  'DbConfig',
  'RunTasks',
  'REST2',
  'Component Inputs',
  'Component Outputs',
  'Substring',
  'Counter',
  'Unique Id',
  'Boolean To String',
  'Date To String',
  'noodl.local.query',
  'noodl.local.insert',
  'noodl.local.update',
  'noodl.local.delete',
  'noodl.trigger.schedule',
  'noodl.trigger.dbChange',
  'noodl.trigger.webhook',
];

const shoutDoc = project({
  name: '/#__cloud__/shout',
  nodes: [
    { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
    { id: 's', type: 'acme.shout' },
    { id: 'res', type: 'noodl.cloud.response' },
  ],
  wires: [
    ['req', 'pm-text', 's', 'text'],
    ['s', 'shouted', 'res', 'pm-text'],
    ['req', 'receive', 'res', 'send'],
  ],
});

describe('node catalog', () => {
  it('lists every built-in node of issue 6 as a versioned, serialisable descriptor with a parameter schema', () => {
    const runtime = new WorkflowRuntime({ isolation: 'none' });
    const nodes = runtime.listNodes();
    expect(nodes.map((n) => n.type).sort()).toEqual([...ISSUE_6_NODES].sort());
    for (const node of nodes) {
      expect(node).toMatchObject({
        version: 1,
        builtIn: true,
        parameterSchema: { type: 'object' },
      });
      expect(typeof node.displayName).toBe('string');
      expect(typeof node.category).toBe('string');
      expect(JSON.parse(JSON.stringify(node))).toEqual(node);
    }
    const query = nodes.find((n) => n.type === 'DbCollection2')!;
    expect(query.parameterSchema).toMatchObject({
      properties: {
        collectionName: { type: 'string', title: 'Class' },
        storageFilterType: { enum: ['simple', 'json'] },
      },
      patternProperties: { '^qp-': expect.any(Object), '^storageFilterValue-': expect.any(Object) },
    });
    expect(query.inputs['storageFetch']).toEqual({ type: 'signal', displayName: 'Do' });
  });

  it('refuses malformed definitions and lower versions with clear errors', () => {
    const catalog = new NodeCatalog(builtInNodes);
    expect(() => catalog.register({ type: 'x' } as never)).toThrow(
      /node definition x\.version: expected an integer >= 1, got undefined/,
    );
    expect(() => catalog.register({ ...shoutNode, create: 'nope' } as never)).toThrow(
      /acme\.shout\.create: expected a function/,
    );
    catalog.register(shoutNode);
    expect(() => catalog.register(shoutNode)).toThrow(/already registered with version 1/);
    catalog.register(defineNode({ ...shoutNode, version: 2 }));
    expect(catalog.get('acme.shout')?.version).toBe(2);
    expect(catalog.list().find((n) => n.type === 'acme.shout')?.builtIn).toBe(false);
  });

  it('registers a custom node in-process (isolation: none)', async () => {
    const runtime = new WorkflowRuntime({ isolation: 'none' });
    runtime.registerNode(defineNode({ ...shoutNode, module: undefined }));
    runtime.load(shoutDoc, { source: 'shout' });
    expect((await runtime.run('shout', { body: '{"text":"hi"}' })).body).toBe(
      '{"result":{"text":"HI!"}}',
    );
    await runtime.close();
  });

  it('registers a custom node from its module so worker threads can run it', async () => {
    const runtime = new WorkflowRuntime({ workers: 1, nodes: [shoutNode] });
    expect(runtime.listNodes().some((n) => n.type === 'acme.shout' && !n.builtIn)).toBe(true);
    runtime.load(shoutDoc, { source: 'shout' });
    expect((await runtime.run('shout', { body: '{"text":"hey"}' })).body).toBe(
      '{"result":{"text":"HEY!"}}',
    );
    expect(() => runtime.registerNode(defineNode({ ...shoutNode, type: 'late.node' }))).toThrow(
      /before the workers start/,
    );
    await runtime.close();
  });

  it('asks for a module when a custom node is registered for worker isolation without one', () => {
    const runtime = new WorkflowRuntime();
    expect(() => runtime.registerNode(defineNode({ ...shoutNode, module: undefined }))).toThrow(
      /needs `module`/,
    );
  });
});
