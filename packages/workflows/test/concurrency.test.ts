import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSQLAdapter } from '@localbackend/sqlite';
import { WorkflowRuntime } from '../src/runtime/workflow-runtime';
import { project } from './support/build-workflow';
import { memoryAdapter } from './support/harness';

describe('500 concurrent runs (worker isolation, real SQLite)', () => {
  let adapter: LocalSQLAdapter;
  let runtime: WorkflowRuntime;
  beforeAll(async () => {
    adapter = await memoryAdapter();
    runtime = new WorkflowRuntime({ adapter });
    runtime.load(
      project({
        name: '/#__cloud__/orders/create',
        nodes: [
          { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
          { id: 'fmt', type: 'String Format', parameters: { format: 'order #{n} for {who}' } },
          { id: 'create', type: 'NewDbModelProperties', parameters: { collectionName: 'Order' } },
          { id: 'res', type: 'noodl.cloud.response' },
        ],
        wires: [
          ['req', 'pm-n', 'fmt', 'n'],
          ['req', 'pm-who', 'fmt', 'who'],
          ['req', 'pm-n', 'create', 'prop-n'],
          ['fmt', 'formatted', 'create', 'prop-label'],
          ['req', 'receive', 'create', 'store'],
          ['create', 'id', 'res', 'pm-id'],
          ['fmt', 'formatted', 'res', 'pm-label'],
          ['req', 'pm-n', 'res', 'pm-n'],
          ['create', 'created', 'res', 'send'],
        ],
      }),
      { source: 'orders' },
    );
    await runtime.start();
  });
  afterAll(async () => {
    await runtime.close();
    await adapter.disconnect();
  });

  it('answers 500 concurrent runs that read their input and write a record: 500 correct, independent responses and 500 records', async () => {
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, n) =>
        runtime.run('orders/create', { body: JSON.stringify({ n, who: `user${n % 7}` }) }),
      ),
    );
    const ids = new Set<string>();
    results.forEach((result, n) => {
      expect(result.statusCode).toBe(200);
      const { result: body } = JSON.parse(result.body) as {
        result: { id: string; n: number; label: string };
      };
      expect(body.n).toBe(n);
      expect(body.label).toBe(`order #${n} for user${n % 7}`);
      ids.add(body.id);
    });
    expect(ids.size).toBe(500);
    const stored = await adapter.query({ collection: 'Order', limit: 1000 });
    expect(stored.results).toHaveLength(500);
    for (const record of stored.results) {
      expect(ids.has(record.objectId)).toBe(true);
      expect(record['label']).toBe(
        `order #${record['n'] as number} for user${(record['n'] as number) % 7}`,
      );
    }
    expect(new Set(stored.results.map((r) => r['n'])).size).toBe(500);
    expect(await runtime.listRuns({ workflow: 'orders/create', limit: 1000 })).toHaveLength(500);
  });
});
