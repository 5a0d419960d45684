import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import { project, type ComponentSpec, type NodeSpec } from '../../test/support/build-workflow';
import { inlineRuntime } from '../../test/support/harness';

let runtime: WorkflowRuntime;
beforeAll(() => {
  runtime = inlineRuntime();
});
afterAll(async () => {
  await runtime.close();
});

/** A task template: reads its item (foreach), records it, fails for items with fail: true. */
const template: ComponentSpec = {
  name: '/#__cloud__/Tasks/Process',
  nodes: [
    {
      id: 'in',
      type: 'Component Inputs',
      ports: [
        { name: 'Do', plug: 'output', type: 'signal' },
        { name: 'Id', plug: 'output', type: 'string' },
        { name: 'label', plug: 'output', type: 'string' },
      ],
    },
    {
      id: 'f',
      type: 'JavaScriptFunction',
      parameters: {
        functionScript:
          'const log = Noodl.Objects.Request; log.active = (log.active || 0) + 1; log.peak = Math.max(log.peak || 0, log.active); await new Promise((r) => setTimeout(r, 2)); log.seen = [...(log.seen || []), Inputs.label + ":" + Inputs.id]; log.active--; if (Inputs.fail) Outputs.Failure(); else Outputs.Success();',
      },
      ports: [
        { name: 'out-Success', plug: 'output', type: 'signal' },
        { name: 'out-Failure', plug: 'output', type: 'signal' },
      ],
    },
    { id: 'item', type: 'Model2', parameters: { idSource: 'foreach' } },
    {
      id: 'out',
      type: 'Component Outputs',
      ports: [
        { name: 'Success', plug: 'input', type: 'signal' },
        { name: 'Failure', plug: 'input', type: 'signal' },
      ],
    },
  ],
  wires: [
    ['in', 'Do', 'f', 'run'],
    ['in', 'Id', 'f', 'in-id'],
    ['in', 'label', 'f', 'in-label'],
    ['item', 'prop-fail', 'f', 'in-fail'],
    ['f', 'out-Success', 'out', 'Success'],
    ['f', 'out-Failure', 'out', 'Failure'],
  ],
};

function main(name: string, runTasks: NodeSpec['parameters']): ComponentSpec {
  return {
    name: `/#__cloud__/${name}`,
    nodes: [
      { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
      {
        id: 'tasks',
        type: 'RunTasks',
        parameters: { taskTemplate: '/#__cloud__/Tasks/Process', ...runTasks },
      },
      { id: 'ok', type: 'Counter' },
      { id: 'ko', type: 'Counter' },
      { id: 'ab', type: 'Counter' },
      {
        id: 'report',
        type: 'JavaScriptFunction',
        parameters: {
          functionScript:
            'const l = Noodl.Objects.Request; Outputs.r = { seen: [...(l.seen || [])].sort(), peak: l.peak || 0, ok: Inputs.ok, ko: Inputs.ko, aborted: Inputs.ab }; Outputs.Done();',
        },
        ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
      },
      { id: 'res', type: 'noodl.cloud.response' },
    ],
    wires: [
      ['req', 'pm-items', 'tasks', 'items'],
      ['req', 'receive', 'tasks', 'run'],
      ['tasks', 'success', 'ok', 'increase'],
      ['tasks', 'failure', 'ko', 'increase'],
      ['tasks', 'aborted', 'ab', 'increase'],
      ['ok', 'currentCount', 'report', 'in-ok'],
      ['ko', 'currentCount', 'report', 'in-ko'],
      ['ab', 'currentCount', 'report', 'in-ab'],
      ['tasks', 'done', 'report', 'run'],
      ['tasks', 'aborted', 'report', 'run'],
      ['report', 'out-r', 'res', 'pm-r'],
      ['report', 'out-Done', 'res', 'send'],
    ],
  };
}

async function call(name: string, items: unknown[]): Promise<Record<string, unknown>> {
  const result = await runtime.run(name, { body: JSON.stringify({ items }) });
  return (JSON.parse(result.body) as { result: { r: Record<string, unknown> } }).result.r;
}

describe('RunTasks (Run Tasks)', () => {
  beforeAll(() => {
    runtime.load(
      project(
        main('all', { maxRunningTasks: 2 }),
        main('stop', { maxRunningTasks: 1, stopOnFailure: true }),
        template,
      ),
      { source: 'tasks' },
    );
  });

  it('runs the template once per item with Id and same-named inputs set, at most maxRunningTasks at once, then success and done', async () => {
    const items = [
      { id: 'a1', label: 'A' },
      { id: 'b2', label: 'B' },
      { id: 'c3', label: 'C' },
      { label: 'D' },
    ];
    const r = await call('all', items);
    expect((r['seen'] as string[]).slice(0, 3)).toEqual(['A:a1', 'B:b2', 'C:c3']);
    expect(r['seen']).toHaveLength(4);
    expect(r['peak']).toBe(2);
    expect(r).toMatchObject({ ok: 1, ko: 0 });
  });

  it('pulses failure then done when a task fails', async () => {
    const r = await call('all', [
      { id: 'x', label: 'X', fail: true },
      { id: 'y', label: 'Y' },
    ]);
    expect(r).toMatchObject({ ok: 0, ko: 1, seen: ['X:x', 'Y:y'] });
  });

  it('pulses success and done for an empty list', async () => {
    expect(await call('all', [])).toMatchObject({ ok: 1, ko: 0, seen: [] });
  });

  it('stops starting tasks on abort and pulses aborted at the next completion', async () => {
    runtime.load(
      project(
        {
          ...main('abortable', { maxRunningTasks: 1 }),
          nodes: [
            ...main('abortable', { maxRunningTasks: 1 }).nodes,
            {
              id: 'stop',
              type: 'JavaScriptFunction',
              parameters: {
                functionScript: 'await new Promise((r) => setTimeout(r, 1)); Outputs.Abort();',
              },
              ports: [{ name: 'out-Abort', plug: 'output', type: 'signal' }],
            },
          ],
          wires: [
            ...(main('abortable', { maxRunningTasks: 1 }).wires ?? []),
            ['req', 'receive', 'stop', 'run'],
            ['stop', 'out-Abort', 'tasks', 'abort'],
          ],
        },
        template,
      ),
      { source: 'abortable' },
    );
    const r = await call('abortable', [
      { id: 'a', label: 'A' },
      { id: 'b', label: 'B' },
      { id: 'c', label: 'C' },
      { id: 'd', label: 'D' },
    ]);
    expect(r).toMatchObject({ aborted: 1, ok: 0, ko: 0 });
    expect((r['seen'] as string[]).length).toBeLessThan(4);
  });

  it('with stopOnFailure starts no task after the first failure, then pulses failure and aborted once', async () => {
    const r = await call('stop', [
      { id: 'p', label: 'P' },
      { id: 'q', label: 'Q', fail: true },
      { id: 'r', label: 'R' },
    ]);
    expect(r).toMatchObject({ ko: 1, aborted: 1, seen: ['P:p', 'Q:q'] });
  });
});
