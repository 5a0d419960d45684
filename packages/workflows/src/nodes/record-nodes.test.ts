import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LocalSQLAdapter } from '@localbackend/sqlite';
import { MemoryRunStore } from '../records/run-store';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import type { NodeSpec, Wire } from '../../test/support/build-workflow';
import { callGraph, inlineRuntime, memoryAdapter } from '../../test/support/harness';

let adapter: LocalSQLAdapter;
let runtime: WorkflowRuntime;
const ids: Record<string, string> = {};

beforeAll(async () => {
  adapter = await memoryAdapter();
  runtime = inlineRuntime({ adapter, records: { store: new MemoryRunStore() } });
});
afterAll(async () => {
  await runtime.close();
  await adapter.disconnect();
});
beforeEach(async () => {
  for (const table of (await adapter.getSchema()).tables) await adapter.deleteTable(table.name);
  for (const [name, age, city] of [
    ['Ada', 36, 'London'],
    ['Bob', 17, 'Oslo'],
    ['Cy', 52, 'Oslo'],
  ] as const) {
    ids[name] = (
      await adapter.create({
        collection: 'Person',
        data: { name, age, city, born: new Date(Date.UTC(2026 - age, 0, 1)) },
      })
    ).objectId;
  }
});

const done = (id: string, script: string): NodeSpec => ({
  id,
  type: 'JavaScriptFunction',
  parameters: { functionScript: script },
  ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
});

async function answer(nodes: NodeSpec[], wires: Wire[], body: unknown = {}) {
  return callGraph(runtime, nodes, wires, body);
}

describe('DbCollection2 (Query Records)', () => {
  it('queries with a visual filter whose value comes from a qp-* input, sorted, on storageFetch', async () => {
    const { json } = await answer(
      [
        {
          id: 'q',
          type: 'DbCollection2',
          parameters: {
            collectionName: 'Person',
            visualFilter: {
              combinator: 'and',
              rules: [
                { property: 'age', operator: 'greater than', input: 'minAge' },
                { property: 'city', operator: 'equal to', value: 'Oslo' },
              ],
            },
            visualSort: [{ property: 'age', order: 'descending' }],
          },
        },
        done(
          'names',
          'Outputs.names = Inputs.items.map((p) => p.name); Outputs.ages = Inputs.items.map((p) => p.get("age")); Outputs.Done();',
        ),
      ],
      [
        ['req', 'pm-min', 'q', 'qp-minAge'],
        ['req', 'receive', 'q', 'storageFetch'],
        ['q', 'items', 'names', 'in-items'],
        ['q', 'fetched', 'names', 'run'],
        ['q', 'count', 'res', 'pm-count'],
        ['q', 'isEmpty', 'res', 'pm-isEmpty'],
        ['q', 'firstItemId', 'res', 'pm-first'],
        ['names', 'out-names', 'res', 'pm-names'],
        ['names', 'out-ages', 'res', 'pm-ages'],
        ['names', 'out-Done', 'res', 'send'],
      ],
      { min: 10 },
    );
    expect(json.result).toEqual({
      count: 2,
      isEmpty: false,
      first: ids['Cy'],
      names: ['Cy', 'Bob'],
      ages: [52, 17],
    });
  });

  it('runs a JSON filter with where(), sort(), Inputs and $name values; limit, skip and total count', async () => {
    const { json } = await answer(
      [
        {
          id: 'q',
          type: 'DbCollection2',
          parameters: {
            collectionName: 'Person',
            storageFilterType: 'json',
            storageJSONFilter:
              '// adults only\nwhere({ age: { greaterThan: $min } });\nsort(["name"]); /* by name */',
            storageEnableLimit: true,
            storageLimit: 1,
            storageSkip: 1,
            storageEnableCount: true,
          },
        },
        done('r', 'Outputs.names = Inputs.items.map((p) => p.name); Outputs.Done();'),
      ],
      [
        ['req', 'pm-min', 'q', 'storageFilterValue-min'],
        ['req', 'receive', 'q', 'storageFetch'],
        ['q', 'items', 'r', 'in-items'],
        ['q', 'fetched', 'r', 'run'],
        ['q', 'storageTotalCount', 'res', 'pm-total'],
        ['r', 'out-names', 'res', 'pm-names'],
        ['r', 'out-Done', 'res', 'send'],
      ],
      { min: 18 },
    );
    expect(json.result).toEqual({ total: 2, names: ['Cy'] });
  });

  it('sends records that go straight to a Response as their objects would be written, and a record changed through Noodl.Objects before the send shows the change', async () => {
    const wires: Wire[] = [
      ['req', 'receive', 'q', 'storageFetch'],
      ['q', 'items', 'res', 'pm-items'],
      ['q', 'count', 'res', 'pm-count'],
      ['q', 'firstItemId', 'res', 'pm-first'],
      ['q', 'isEmpty', 'res', 'pm-isEmpty'],
    ];
    const query = {
      id: 'q',
      type: 'DbCollection2',
      parameters: {
        collectionName: 'Person',
        visualSort: [{ property: 'age', order: 'ascending' }],
      },
    };
    const direct = await answer([query], [...wires, ['q', 'fetched', 'res', 'send']]);
    // The same list passed through a Function node (objects created at once) answers the same.
    const through = await answer(
      [query, done('f', 'Outputs.items = Inputs.items; Outputs.Done();')],
      [
        ...wires.filter((w) => w[1] !== 'items'),
        ['q', 'items', 'f', 'in-items'],
        ['q', 'fetched', 'f', 'run'],
        ['f', 'out-items', 'res', 'pm-items'],
        ['f', 'out-Done', 'res', 'send'],
      ],
    );
    expect(direct.json).toEqual(through.json);
    expect(direct.json.result).toMatchObject({ count: 3, first: ids['Bob'], isEmpty: false });
    const items = direct.json.result?.['items'] as Record<string, unknown>[];
    expect(items.map((p) => [p['name'], p['id']])).toEqual([
      ['Bob', ids['Bob']],
      ['Ada', ids['Ada']],
      ['Cy', ids['Cy']],
    ]);
    const changed = await answer(
      [query, done('f', 'Noodl.Objects[Inputs.id].name = "Robert"; Outputs.Done();')],
      [
        ...wires,
        ['q', 'firstItemId', 'f', 'in-id'],
        ['q', 'fetched', 'f', 'run'],
        ['f', 'out-Done', 'res', 'send'],
      ],
    );
    expect(
      (changed.json.result?.['items'] as Record<string, unknown>[]).map((p) => p['name']),
    ).toEqual(['Robert', 'Ada', 'Cy']);
  });

  it('returns records as Noodl objects with Date fields as Dates (by the schema)', async () => {
    const { json } = await answer(
      [
        {
          id: 'q',
          type: 'DbCollection2',
          parameters: {
            collectionName: 'Person',
            visualFilter: {
              combinator: 'and',
              rules: [{ property: 'name', operator: 'equal to', value: 'Ada' }],
            },
          },
        },
        done(
          'r',
          'const p = Inputs.items[0]; Outputs.types = [p.born instanceof Date || Object.prototype.toString.call(p.born) === "[object Date]", typeof p.createdAt.getTime, p.id === p.getId()]; Outputs.Done();',
        ),
      ],
      [
        ['q', 'items', 'r', 'in-items'],
        ['q', 'fetched', 'r', 'run'],
        ['r', 'out-types', 'res', 'pm-types'],
        ['r', 'out-Done', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ types: [true, 'function', true] });
  });

  it('pulses failure and sets error for a missing class or a bad filter', async () => {
    const { json } = await answer(
      [
        {
          id: 'q',
          type: 'DbCollection2',
          parameters: {
            collectionName: 'Person',
            storageFilterType: 'json',
            storageJSONFilter: 'where({ a: 1, b: 2 })',
          },
        },
      ],
      [
        ['q', 'failure', 'res', 'send'],
        ['q', 'error', 'res', 'pm-error'],
      ],
    );
    expect(json.result?.['error']).toMatch(/Filter must only have one key found a,b/);
  });
});

describe('DbModel2 (Record)', () => {
  it('binds to the in-memory object without fetch connected, and reads the database on fetch', async () => {
    const { json } = await answer(
      [
        { id: 'mem', type: 'DbModel2', parameters: { collectionName: 'Person' } },
        { id: 'db', type: 'DbModel2', parameters: { collectionName: 'Person' } },
      ],
      [
        ['req', 'pm-id', 'mem', 'modelId'],
        ['req', 'pm-id', 'db', 'modelId'],
        ['req', 'receive', 'db', 'fetch'],
        ['mem', 'prop-name', 'res', 'pm-memoryName'],
        ['db', 'prop-name', 'res', 'pm-name'],
        ['db', 'prop-age', 'res', 'pm-age'],
        ['db', 'id', 'res', 'pm-id'],
        ['db', 'fetched', 'res', 'send'],
      ],
      { id: ids['Bob'] },
    );
    expect(json.result).toEqual({ name: 'Bob', age: 17, id: ids['Bob'], memoryName: 'Bob' });
  });

  it('fails with Missing Id. when fetched without an id, and with the adapter message for an unknown id', async () => {
    const missing = await answer(
      [{ id: 'db', type: 'DbModel2', parameters: { collectionName: 'Person' } }],
      [
        ['req', 'receive', 'db', 'fetch'],
        ['db', 'error', 'res', 'pm-error'],
        ['db', 'failure', 'res', 'send'],
      ],
    );
    expect(missing.json.result).toEqual({ error: 'Missing Id.' });
    const unknown = await answer(
      [
        {
          id: 'db',
          type: 'DbModel2',
          parameters: { collectionName: 'Person', modelId: 'nope123456' },
        },
      ],
      [
        ['req', 'receive', 'db', 'fetch'],
        ['db', 'error', 'res', 'pm-error'],
        ['db', 'failure', 'res', 'send'],
      ],
    );
    expect(String(unknown.json.result?.['error'])).toMatch(/nope123456|not found|does not exist/i);
  });
});

describe('Create / Set / Delete Record', () => {
  it('creates a record from prop-* values on Do and outputs its id', async () => {
    const { json } = await answer(
      [
        {
          id: 'c',
          type: 'NewDbModelProperties',
          parameters: { collectionName: 'Person', 'prop-city': 'Paris' },
        },
      ],
      [
        ['req', 'pm-name', 'c', 'prop-name'],
        ['req', 'receive', 'c', 'store'],
        ['c', 'id', 'res', 'pm-id'],
        ['c', 'created', 'res', 'send'],
      ],
      { name: 'Dee' },
    );
    const stored = await adapter.fetch({
      collection: 'Person',
      objectId: String(json.result?.['id']),
    });
    expect(stored).toMatchObject({ name: 'Dee', city: 'Paris' });
  });

  it('fails Create New Record without a class: No class name specified', async () => {
    const { json } = await answer(
      [{ id: 'c', type: 'NewDbModelProperties' }],
      [
        ['req', 'receive', 'c', 'store'],
        ['c', 'error', 'res', 'pm-error'],
        ['c', 'failure', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ error: 'No class name specified' });
  });

  it('saves only the specified properties (dotted names write into objects), or writes locally only', async () => {
    await answer(
      [
        {
          id: 's',
          type: 'SetDbModelProperties',
          parameters: { collectionName: 'Person', 'prop-age': 37, 'prop-address.city': 'Bath' },
        },
      ],
      [
        ['req', 'pm-id', 's', 'modelId'],
        ['req', 'receive', 's', 'store'],
        ['s', 'stored', 'res', 'send'],
      ],
      { id: ids['Ada'] },
    );
    expect(await adapter.fetch({ collection: 'Person', objectId: ids['Ada']! })).toMatchObject({
      name: 'Ada',
      age: 37,
      address: { city: 'Bath' },
    });
    await answer(
      [
        {
          id: 's',
          type: 'SetDbModelProperties',
          parameters: { collectionName: 'Person', storeType: 'local', 'prop-age': 99 },
        },
      ],
      [
        ['req', 'pm-id', 's', 'modelId'],
        ['req', 'receive', 's', 'store'],
        ['s', 'stored', 'res', 'send'],
      ],
      { id: ids['Ada'] },
    );
    expect((await adapter.fetch({ collection: 'Person', objectId: ids['Ada']! }))['age']).toBe(37);
  });

  it('fails Set Record Properties without an id: Missing Record Id', async () => {
    const { json } = await answer(
      [{ id: 's', type: 'SetDbModelProperties', parameters: { collectionName: 'Person' } }],
      [
        ['req', 'receive', 's', 'store'],
        ['s', 'error', 'res', 'pm-error'],
        ['s', 'failure', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ error: 'Missing Record Id' });
  });

  it('deletes a record on Do', async () => {
    await answer(
      [{ id: 'd', type: 'DeleteDbModelProperties', parameters: { collectionName: 'Person' } }],
      [
        ['req', 'pm-id', 'd', 'modelId'],
        ['req', 'receive', 'd', 'store'],
        ['d', 'deleted', 'res', 'send'],
      ],
      { id: ids['Cy'] },
    );
    expect(await adapter.count({ collection: 'Person' })).toBe(2);
  });
});

describe('Add / Remove Record Relation', () => {
  it('relates records loaded in the run (the target class comes from the run) and removes them again', async () => {
    await adapter.create({
      collection: 'Team',
      objectId: 'team000001',
      data: { name: 'Red', members: { __type: 'Relation', className: 'Person' } },
    });
    const graph = (type: string, success: string): [NodeSpec[], Wire[]] => [
      [
        {
          id: 'team',
          type: 'DbModel2',
          parameters: { collectionName: 'Team', modelId: 'team000001' },
        },
        { id: 'who', type: 'DbModel2', parameters: { collectionName: 'Person' } },
        {
          id: 'rel',
          type,
          parameters: {
            collectionName: 'Team',
            relationProperty: 'members',
            modelId: 'team000001',
          },
        },
      ],
      [
        ['req', 'receive', 'team', 'fetch'],
        ['team', 'fetched', 'who', 'fetch'],
        ['req', 'pm-id', 'who', 'modelId'],
        ['req', 'pm-id', 'rel', 'targetId'],
        ['who', 'fetched', 'rel', 'store'],
        ['rel', success, 'res', 'send'],
      ],
    ];
    await answer(...graph('AddDbModelRelation', 'relationAdded'), { id: ids['Ada'] });
    const related = await adapter.query({
      collection: 'Person',
      where: {
        $relatedTo: {
          object: { __type: 'Pointer', className: 'Team', objectId: 'team000001' },
          key: 'members',
        },
      },
    });
    expect(related.results.map((r) => r['name'])).toEqual(['Ada']);
    await answer(...graph('RemoveDbModelRelation', 'relationRemoved'), { id: ids['Ada'] });
    expect(
      (
        await adapter.query({
          collection: 'Person',
          where: {
            $relatedTo: {
              object: { __type: 'Pointer', className: 'Team', objectId: 'team000001' },
              key: 'members',
            },
          },
        })
      ).results,
    ).toEqual([]);
  });
});

describe('FilterDBModels (Filter Records)', () => {
  it('filters and sorts records in memory with the same semantics as the database', async () => {
    const { json } = await answer(
      [
        { id: 'q', type: 'DbCollection2', parameters: { collectionName: 'Person' } },
        {
          id: 'f',
          type: 'FilterDBModels',
          parameters: {
            visualFilter: {
              combinator: 'or',
              rules: [
                { property: 'age', operator: 'less than or equal to', input: 'max' },
                { property: 'name', operator: 'contain', value: 'c' },
              ],
            },
            visualSorting: [{ property: 'age', order: 'ascending' }],
          },
        },
        done('r', 'Outputs.names = Inputs.items.map((p) => p.name); Outputs.Done();'),
      ],
      [
        ['q', 'items', 'f', 'items'],
        ['req', 'pm-max', 'f', 'fp-max'],
        ['req', 'receive', 'f', 'filter'],
        ['f', 'items', 'r', 'in-items'],
        ['f', 'modified', 'r', 'run'],
        ['f', 'count', 'res', 'pm-count'],
        ['r', 'out-names', 'res', 'pm-names'],
        ['r', 'out-Done', 'res', 'send'],
      ],
      { max: 36 },
    );
    expect(json.result).toEqual({ count: 3, names: ['Bob', 'Ada', 'Cy'] });
  });
});

describe('noodl.cloud.aggregate (Aggregate Records)', () => {
  it('computes min/max/sum/avg of numbers and distinct of strings (default op by field type), {} when nothing matches', async () => {
    const { json } = await answer(
      [
        {
          id: 'a',
          type: 'noodl.cloud.aggregate',
          parameters: {
            collectionName: 'Person',
            aggregates: 'oldest,total,cities,average,ghost',
            'aggprop-oldest': 'age',
            'aggop-oldest': 'max',
            'aggprop-total': 'age',
            'aggop-total': 'sum',
            'aggprop-cities': 'city',
            'aggprop-average': 'age',
          },
        },
      ],
      [
        ['a', 'agg-oldest', 'res', 'pm-oldest'],
        ['a', 'agg-total', 'res', 'pm-total'],
        ['a', 'agg-cities', 'res', 'pm-cities'],
        ['a', 'agg-average', 'res', 'pm-average'],
        ['a', 'fetched', 'res', 'send'],
      ],
    );
    expect(json.result?.['oldest']).toBe(52);
    expect(json.result?.['total']).toBe(105);
    expect(json.result?.['average']).toBe(35);
    expect([...(json.result?.['cities'] as string[])].sort()).toEqual(['London', 'Oslo']);
    const none = await answer(
      [
        {
          id: 'a',
          type: 'noodl.cloud.aggregate',
          parameters: {
            collectionName: 'Person',
            aggregates: 'm',
            'aggprop-m': 'age',
            'aggop-m': 'max',
            visualFilter: {
              combinator: 'and',
              rules: [{ property: 'age', operator: 'greater than', value: 1000 }],
            },
          },
        },
      ],
      [
        ['a', 'agg-m', 'res', 'pm-m'],
        ['a', 'fetched', 'res', 'send'],
      ],
    );
    expect(none.json.result).toEqual({});
  });
});

describe('DbConfig (Config)', () => {
  it('outputs a config parameter from the config source', async () => {
    const configured = inlineRuntime({
      adapter,
      config: async () => ({ greeting: 'hello', limit: 3 }),
    });
    const { json } = await callGraph(
      configured,
      [{ id: 'c', type: 'DbConfig', parameters: { configKey: 'greeting' } }],
      [
        ['c', 'value', 'res', 'pm-value'],
        ['req', 'receive', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ value: 'hello' });
    await configured.close();
  });

  it('reads the server config store layout (_Config/params json) by default', async () => {
    await adapter.create({
      collection: '_Config',
      objectId: 'params',
      data: {
        json: JSON.stringify({
          params: { mode: 'dark', since: { __type: 'Date', iso: '2026-01-01T00:00:00.000Z' } },
          masterKeyOnly: {},
        }),
      },
    });
    const fresh = inlineRuntime({ adapter });
    const { json } = await callGraph(
      fresh,
      [
        { id: 'c', type: 'DbConfig', parameters: { configKey: 'mode' } },
        { id: 'd', type: 'DbConfig', parameters: { configKey: 'since' } },
      ],
      [
        ['c', 'value', 'res', 'pm-mode'],
        ['d', 'value', 'res', 'pm-since'],
        ['req', 'receive', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ mode: 'dark', since: '2026-01-01T00:00:00.000Z' });
    await fresh.close();
    await adapter.delete({ collection: '_Config', objectId: 'params' });
  });
});
