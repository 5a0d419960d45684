import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import type { NodeSpec } from '../../test/support/build-workflow';
import { callGraph, inlineRuntime } from '../../test/support/harness';

let runtime: WorkflowRuntime;
beforeAll(() => {
  runtime = inlineRuntime();
});
afterAll(async () => {
  await runtime.close();
});

const done = (id: string, script: string): NodeSpec => ({
  id,
  type: 'JavaScriptFunction',
  parameters: { functionScript: script },
  ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
});

describe('Model2 (Object)', () => {
  it('binds modelId Request to the run request object and outputs its properties', async () => {
    const { json } = await callGraph(
      runtime,
      [{ id: 'o', type: 'Model2', parameters: { modelId: 'Request' } }],
      [
        ['o', 'prop-Parameters', 'res', 'pm-params'],
        ['o', 'prop-Authenticated', 'res', 'pm-auth'],
        ['o', 'id', 'res', 'pm-id'],
        ['req', 'receive', 'res', 'send'],
      ],
      { q: 1 },
    );
    expect(json.result).toEqual({ params: { q: 1 }, auth: false, id: 'Request' });
  });

  it('writes prop-* inputs into the bound object and forwards changes made elsewhere', async () => {
    const { json } = await callGraph(
      runtime,
      [
        { id: 'o', type: 'Model2', parameters: { modelId: 'thing', 'prop-color': 'red' } },
        { id: 'c', type: 'Counter' },
        done(
          'f',
          'Noodl.Objects.thing.size = 3; Outputs.color = Noodl.Objects.thing.color; Outputs.Done();',
        ),
      ],
      [
        ['req', 'receive', 'f', 'run'],
        ['o', 'changed', 'c', 'increase'],
        ['o', 'prop-size', 'res', 'pm-size'],
        ['f', 'out-color', 'res', 'pm-color'],
        ['c', 'currentCount', 'res', 'pm-changes'],
        ['f', 'out-Done', 'res', 'send'],
      ],
    );
    expect(json.result).toMatchObject({ size: 3, color: 'red' });
    expect(json.result?.['changes']).toBeGreaterThanOrEqual(1);
  });
});

describe('NewModel (Create New Object) and SetModelProperties (Set Object Properties)', () => {
  it('creates an object with a new id and only the listed properties; resets typed properties without a value', async () => {
    const { json } = await callGraph(
      runtime,
      [
        {
          id: 'n',
          type: 'NewModel',
          parameters: {
            properties: 'name,tags,flag',
            'prop-name': 'x',
            'prop-tags': '["a","b"]',
            'type-tags': 'array',
            'prop-ignored': 1,
          },
        },
        {
          id: 's',
          type: 'SetModelProperties',
          parameters: { properties: 'name,flag', 'type-flag': 'boolean', 'prop-name': 'y' },
        },
        done(
          'f',
          'const o = Noodl.Objects[Inputs.id]; Outputs.obj = { name: o.name, tags: [...o.tags], flag: o.flag, ignored: o.ignored }; Outputs.Done();',
        ),
      ],
      [
        ['req', 'receive', 'n', 'new'],
        ['n', 'id', 's', 'modelId'],
        ['n', 'created', 's', 'store'],
        ['n', 'id', 'f', 'in-id'],
        ['s', 'stored', 'f', 'run'],
        ['f', 'out-obj', 'res', 'pm-obj'],
        ['f', 'out-Done', 'res', 'send'],
        ['n', 'id', 'res', 'pm-id'],
      ],
    );
    expect(json.result?.['obj']).toEqual({ name: 'y', tags: ['a', 'b'], flag: false });
    expect(json.result?.['id']).toMatch(/^[A-Za-z0-9]{10}$/);
  });
});
