import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSQLAdapter } from '@localbackend/sqlite';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import { callGraph, inlineRuntime, memoryAdapter } from '../../test/support/harness';

let adapter: LocalSQLAdapter;
let runtime: WorkflowRuntime;
beforeAll(async () => {
  adapter = await memoryAdapter();
  runtime = inlineRuntime({ adapter });
});
afterAll(async () => {
  await runtime.close();
  await adapter.disconnect();
});

describe('noodl.local.* (local database nodes)', () => {
  it('inserts from data and field-* inputs, updates, queries with any filter format, and deletes', async () => {
    const inserted = await callGraph(
      runtime,
      [
        {
          id: 'i',
          type: 'noodl.local.insert',
          parameters: { collection: 'Note', data: '{"title":"first","n":1}' },
        },
      ],
      [
        ['req', 'pm-tag', 'i', 'field-tag'],
        ['req', 'receive', 'i', 'run'],
        ['i', 'objectId', 'res', 'pm-id'],
        ['i', 'record', 'res', 'pm-record'],
        ['i', 'success', 'res', 'send'],
      ],
      { tag: 'x' },
    );
    const id = inserted.json.result?.['id'] as string;
    expect(inserted.json.result?.['record']).toMatchObject({
      objectId: id,
      title: 'first',
      n: 1,
      tag: 'x',
    });

    const updated = await callGraph(
      runtime,
      [{ id: 'u', type: 'noodl.local.update', parameters: { collection: 'Note', data: { n: 2 } } }],
      [
        ['req', 'pm-id', 'u', 'objectId'],
        ['req', 'receive', 'u', 'run'],
        ['u', 'record', 'res', 'pm-record'],
        ['u', 'success', 'res', 'send'],
      ],
      { id },
    );
    expect(updated.json.result?.['record']).toMatchObject({ n: 2, title: 'first' });

    await adapter.create({ collection: 'Note', data: { title: 'second', n: 5 } });
    const queried = await callGraph(
      runtime,
      [
        {
          id: 'q',
          type: 'noodl.local.query',
          parameters: { collection: 'Note', where: { n: { greaterThan: 1 } }, sort: '-n' },
        },
      ],
      [
        ['q', 'results', 'res', 'pm-results'],
        ['q', 'count', 'res', 'pm-count'],
        ['q', 'success', 'res', 'send'],
      ],
    );
    expect((queried.json.result?.['results'] as { title: string }[]).map((r) => r.title)).toEqual([
      'second',
      'first',
    ]);
    expect(queried.json.result?.['count']).toBe(2);

    await callGraph(
      runtime,
      [{ id: 'd', type: 'noodl.local.delete', parameters: { collection: 'Note' } }],
      [
        ['req', 'pm-id', 'd', 'objectId'],
        ['req', 'receive', 'd', 'run'],
        ['d', 'success', 'res', 'send'],
      ],
      { id },
    );
    expect(await adapter.count({ collection: 'Note' })).toBe(1);
  });

  it('pulses failure with a clear error for bad input (missing collection, invalid JSON data, bad filter)', async () => {
    for (const [type, parameters, pattern] of [
      ['noodl.local.insert', { data: '{}' }, /collection: expected a collection name/],
      ['noodl.local.insert', { collection: 'Note', data: '{oops' }, /data: not valid JSON/],
      ['noodl.local.update', { collection: 'Note' }, /objectId: expected a record id/],
      ['noodl.local.query', { collection: 'Note', where: { n: { $bogus: 1 } } }, /bogus/],
    ] as const) {
      const trigger = type === 'noodl.local.query' ? 'fetch' : 'run';
      const { json } = await callGraph(
        runtime,
        [{ id: 'x', type, parameters }],
        [
          ['req', 'receive', 'x', trigger],
          ['x', 'error', 'res', 'pm-error'],
          ['x', 'failure', 'res', 'send'],
        ],
      );
      expect(String(json.result?.['error'])).toMatch(pattern);
    }
  });
});
