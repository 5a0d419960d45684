import { afterEach, describe, expect, it } from 'vitest';
import { MemoryRunStore } from '../records/run-store';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import { project, runtimeExport, type ComponentSpec } from '../../test/support/build-workflow';
import { callGraph, inlineRuntime } from '../../test/support/harness';

const fn = (
  id: string,
  script: string,
  extra: Record<string, unknown> = {},
  signals: string[] = [],
) => ({
  id,
  type: 'JavaScriptFunction',
  parameters: { functionScript: script, ...extra },
  ports: signals.map((s) => ({ name: `out-${s}`, plug: 'output' as const, type: 'signal' })),
});

describe('execution model (NOODL-RUNTIME §2)', () => {
  let runtime: WorkflowRuntime;
  afterEach(async () => {
    await runtime.close();
  });

  it('delivers initial output values at connection time, so targets see them before anything runs', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [
        { id: 'num', type: 'Number' },
        { id: 'fmt', type: 'String Format', parameters: { format: 'n={n}' } },
      ],
      [
        ['num', 'savedValue', 'fmt', 'n'],
        ['fmt', 'formatted', 'res', 'pm-text'],
        ['req', 'receive', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ text: 'n=0' });
  });

  it('applies parameters before connections: a connected value wins over the parameter', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [
        { id: 'str', type: 'String', parameters: { value: 'from-connection' } },
        { id: 'fmt', type: 'String Format', parameters: { format: '{a}', a: 'from-parameter' } },
      ],
      [
        ['str', 'savedValue', 'fmt', 'a'],
        ['fmt', 'formatted', 'res', 'pm-text'],
        ['req', 'receive', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ text: 'from-connection' });
  });

  it('never propagates undefined', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [fn('f', 'Outputs.a = undefined; Outputs.b = null; Outputs.Done();', {}, ['Done'])],
      [
        ['f', 'out-a', 'res', 'pm-a'],
        ['f', 'out-b', 'res', 'pm-b'],
        ['f', 'out-Done', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ b: null });
  });

  it('fires a signal input once per pulse (edge-triggered), twice for two pulses from two sources', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [
        { id: 'counter', type: 'Counter' },
        fn('one', 'Outputs.Go();', { 'in-x': 1 }, ['Go']),
        fn('two', 'Outputs.Go();', { 'in-x': 1 }, ['Go']),
        fn('report', 'Outputs.count = Inputs.count; Outputs.Done();', {}, ['Done']),
      ],
      [
        ['one', 'out-Go', 'counter', 'increase'],
        ['two', 'out-Go', 'counter', 'increase'],
        ['counter', 'currentCount', 'report', 'in-count'],
        ['req', 'receive', 'report', 'run'],
        ['report', 'out-count', 'res', 'pm-count'],
        ['report', 'out-Done', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ count: 2 });
  });

  it('starts Expression variables at 0 ("Hello " + Name is "Hello 0" until Name arrives)', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [{ id: 'e', type: 'Expression', parameters: { expression: '"Hello " + Name' } }],
      [
        ['e', 'result', 'res', 'pm-text'],
        ['req', 'receive', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ text: 'Hello 0' });
  });

  it('runs a Function at start-up when run is not connected, and only on run when it is', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [
        fn('auto', 'Noodl.Objects.Request.autoRuns = (Noodl.Objects.Request.autoRuns || 0) + 1;'),
        fn(
          'onRun',
          'Noodl.Objects.Request.triggered = (Noodl.Objects.Request.triggered || 0) + 1; Outputs.Done();',
          {},
          ['Done'],
        ),
        fn(
          'report',
          'Outputs.auto = Noodl.Objects.Request.autoRuns; Outputs.triggered = Noodl.Objects.Request.triggered; Outputs.Done();',
          {},
          ['Done'],
        ),
      ],
      [
        ['req', 'receive', 'onRun', 'run'],
        ['onRun', 'out-Done', 'report', 'run'],
        ['report', 'out-auto', 'res', 'pm-auto'],
        ['report', 'out-triggered', 'res', 'pm-triggered'],
        ['report', 'out-Done', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ auto: 1, triggered: 1 });
  });

  it('sends a Function output only when the value changed (!==)', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [
        fn('f', 'Outputs.v = 1; Outputs.v = 1; Outputs.v = 2; Outputs.v = 2; Outputs.Done();', {}, [
          'Done',
        ]),
        { id: 'counter', type: 'Counter' },
        fn('report', 'Outputs.n = Inputs.n; Outputs.Done();', {}, ['Done']),
        fn('tick', 'Outputs.Tick();', { 'in-v': 0 }, ['Tick']),
      ],
      [
        ['req', 'receive', 'f', 'run'],
        ['f', 'out-v', 'tick', 'in-v'],
        ['tick', 'out-Tick', 'counter', 'increase'],
        ['counter', 'currentCount', 'report', 'in-n'],
        ['f', 'out-Done', 'report', 'run'],
        ['report', 'out-n', 'res', 'pm-n'],
        ['report', 'out-Done', 'res', 'send'],
      ],
    );
    // tick runs at start-up (in-v parameter), then for 1 and 2 (collapsed or not, at most 3).
    expect(json.result?.['n']).toBeGreaterThanOrEqual(2);
    expect(json.result?.['n']).toBeLessThanOrEqual(3);
  });

  it('breaks an endless graph cycle with the cycle guard: work is deferred to later frames and the run still answers', async () => {
    const store = new MemoryRunStore();
    runtime = inlineRuntime({ records: { store } });
    const result = await callGraph(
      runtime,
      [{ id: 'counter', type: 'Counter' }],
      [
        ['req', 'receive', 'counter', 'increase'],
        ['counter', 'countChanged', 'counter', 'increase'],
        ['req', 'receive', 'res', 'send'],
      ],
    );
    expect(result.statusCode).toBe(200);
    const run = await runtime.getRun(result.runId);
    expect(run?.logs.some((l) => l.message.includes('cycle detected'))).toBe(true);
  });

  it('gives each run its own object scope: concurrent runs never see each other', async () => {
    runtime = inlineRuntime();
    runtime.load(
      project({
        name: '/#__cloud__/scoped',
        nodes: [
          { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
          fn(
            'f',
            'Noodl.Variables.count = (Noodl.Variables.count || 0) + 1; Noodl.Objects.shared.value = Inputs.v; await new Promise((r) => setTimeout(r, 5)); Outputs.count = Noodl.Variables.count; Outputs.v = Noodl.Objects.shared.value; Outputs.Done();',
            {},
            ['Done'],
          ),
          { id: 'res', type: 'noodl.cloud.response' },
        ],
        wires: [
          ['req', 'pm-v', 'f', 'in-v'],
          ['req', 'receive', 'f', 'run'],
          ['f', 'out-count', 'res', 'pm-count'],
          ['f', 'out-v', 'res', 'pm-v'],
          ['f', 'out-Done', 'res', 'send'],
        ],
      }),
      { source: 'scoped' },
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runtime.run('scoped', { body: JSON.stringify({ v: i }) }),
      ),
    );
    results.forEach((r, i) => expect(JSON.parse(r.body)).toEqual({ result: { count: 1, v: i } }));
  });

  it('lets the first Response win; later sends are ignored', async () => {
    runtime = inlineRuntime();
    const { json } = await callGraph(
      runtime,
      [
        {
          id: 'res2',
          type: 'noodl.cloud.response',
          parameters: { status: 'failure', errorMessage: 'second' },
        },
        fn('f', 'Outputs.First(); Outputs.Second();', { 'in-x': 1 }, ['First', 'Second']),
        { id: 's', type: 'String', parameters: { value: 'first' } },
      ],
      [
        ['s', 'savedValue', 'res', 'pm-who'],
        ['req', 'receive', 'res', 'send'],
        ['req', 'receive', 'res2', 'send'],
      ],
    );
    expect(json).toEqual({ result: { who: 'first' } });
  });

  it('fails a function that can no longer answer (no Response signalled) with 500 at once, not after the timeout', async () => {
    runtime = inlineRuntime({ timeoutMs: 20_000 });
    const started = Date.now();
    const result = await callGraph(runtime, [], []);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result.statusCode).toBe(500);
    expect(result.error?.code).toBe('SCRIPT_FAILED');
    expect(result.json.error).toMatch(/without sending a response/);
  });

  it('times out a function whose Response never comes with TIMEOUT', async () => {
    runtime = inlineRuntime({ timeoutMs: 300 });
    const result = await callGraph(
      runtime,
      [fn('f', 'await new Promise((r) => setTimeout(r, 10_000));')],
      [],
    );
    expect(result.statusCode).toBe(500);
    expect(result.error?.code).toBe('TIMEOUT');
  });

  it('skips unknown node types and drops connections to missing ports, logging both, and still runs', async () => {
    const store = new MemoryRunStore();
    runtime = inlineRuntime({ records: { store } });
    const result = await callGraph(
      runtime,
      [
        { id: 'alien', type: 'Some.Unknown.Node' },
        { id: 's', type: 'String', parameters: { value: 'ok' } },
      ],
      [
        ['alien', 'x', 'res', 'pm-x'],
        ['s', 'noSuchOutput', 'res', 'pm-y'],
        ['s', 'savedValue', 'res', 'pm-s'],
        ['req', 'receive', 'res', 'send'],
      ],
    );
    expect(result.json).toEqual({ result: { s: 'ok' } });
    const messages = (await runtime.getRun(result.runId))!.logs.map((l) => l.message).join('\n');
    expect(messages).toMatch(/unknown node type "Some.Unknown.Node"/);
    expect(messages).toMatch(/has no output "noSuchOutput"/);
  });

  it('rejects unauthenticated requests unless allowNoAuth is set (400, Noodl message)', async () => {
    runtime = inlineRuntime();
    runtime.load(
      project({
        name: '/#__cloud__/private',
        nodes: [
          { id: 'req', type: 'noodl.cloud.request' },
          { id: 'res', type: 'noodl.cloud.response' },
        ],
        wires: [['req', 'receive', 'res', 'send']],
      }),
      { source: 'private' },
    );
    const result = await runtime.run('private', { body: '{}' });
    expect(result.statusCode).toBe(400);
    expect(result.body).toBe('{"error":"Unauthenticated requests not accepted."}');
    expect(result.error?.code).toBe('UNAUTHORIZED');
  });

  it('authenticates x-parse-session-token through the user service (auth, userId, Noodl.Users.Current)', async () => {
    runtime = inlineRuntime({
      users: {
        resolveSession: async (token) =>
          token === 'r:good' ? { objectId: 'u1', username: 'ada' } : undefined,
      },
    });
    runtime.load(
      project({
        name: '/#__cloud__/me',
        nodes: [
          { id: 'req', type: 'noodl.cloud.request' },
          fn(
            'f',
            'Outputs.name = Noodl.Users.Current.Properties.username; Outputs.id = Noodl.Users.Current.UserId; Outputs.Done();',
            {},
            ['Done'],
          ),
          { id: 'res', type: 'noodl.cloud.response' },
        ],
        wires: [
          ['req', 'receive', 'f', 'run'],
          ['req', 'auth', 'res', 'pm-auth'],
          ['req', 'userId', 'res', 'pm-userId'],
          ['f', 'out-name', 'res', 'pm-name'],
          ['f', 'out-id', 'res', 'pm-id'],
          ['f', 'out-Done', 'res', 'send'],
        ],
      }),
      { source: 'me' },
    );
    const ok = await runtime.run('me', {
      body: '{}',
      headers: { 'X-Parse-Session-Token': 'r:good' },
    });
    expect(JSON.parse(ok.body)).toEqual({
      result: { auth: true, userId: 'u1', name: 'ada', id: 'u1' },
    });
    const bad = await runtime.run('me', {
      body: '{}',
      headers: { 'x-parse-session-token': 'r:bad' },
    });
    expect(bad.statusCode).toBe(400);
  });

  const subComponent: ComponentSpec = {
    name: '/#__cloud__/Lib/Greeter',
    nodes: [
      {
        id: 'in',
        type: 'Component Inputs',
        ports: [
          { name: 'Name', plug: 'output', type: 'string' },
          { name: 'Go', plug: 'output', type: 'signal' },
        ],
      },
      { id: 'fmt', type: 'String Format', parameters: { format: 'Hi {name}' } },
      { id: 'cond', type: 'Condition', parameters: { condition: true } },
      {
        id: 'out',
        type: 'Component Outputs',
        ports: [
          { name: 'Greeting', plug: 'input', type: 'string' },
          { name: 'Done', plug: 'input', type: 'signal' },
        ],
      },
    ],
    wires: [
      ['in', 'Name', 'fmt', 'name'],
      ['fmt', 'formatted', 'out', 'Greeting'],
      ['in', 'Go', 'cond', 'eval'],
      ['cond', 'ontrue', 'out', 'Done'],
    ],
  };
  const caller = (format: 'project' | 'export'): Record<string, unknown> => {
    const main: ComponentSpec = {
      name: '/#__cloud__/greet',
      nodes: [
        { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
        { id: 'g', type: '/#__cloud__/Lib/Greeter' },
        { id: 'res', type: 'noodl.cloud.response' },
      ],
      wires: [
        ['req', 'pm-name', 'g', 'Name'],
        ['req', 'receive', 'g', 'Go'],
        ['g', 'Greeting', 'res', 'pm-greeting'],
        ['g', 'Done', 'res', 'send'],
      ],
    };
    return format === 'project' ? project(main, subComponent) : runtimeExport(main, subComponent);
  };

  it.each(['project', 'export'] as const)(
    'runs sub-components through Component Inputs/Outputs, values and signals (%s format)',
    async (format) => {
      runtime = inlineRuntime();
      runtime.load(caller(format), { source: 'greet' });
      const result = await runtime.run('greet', { body: '{"name":"Ada"}' });
      expect(result.body).toBe('{"result":{"greeting":"Hi Ada"}}');
    },
  );

  it('counts a trigger connected through Component Inputs as connected only when the instance input is connected', async () => {
    runtime = inlineRuntime();
    const inner: ComponentSpec = {
      name: '/#__cloud__/Lib/Probe',
      nodes: [
        {
          id: 'in',
          type: 'Component Inputs',
          ports: [{ name: 'Run', plug: 'output', type: 'signal' }],
        },
        fn('f', 'Noodl.Objects.Request.ran = (Noodl.Objects.Request.ran || 0) + 1;'),
      ],
      wires: [['in', 'Run', 'f', 'run']],
    };
    runtime.load(
      project(
        {
          name: '/#__cloud__/probe',
          nodes: [
            { id: 'req', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
            { id: 'p', type: '/#__cloud__/Lib/Probe' },
            fn('report', 'Outputs.ran = Noodl.Objects.Request.ran || 0; Outputs.Done();', {}, [
              'Done',
            ]),
            { id: 'res', type: 'noodl.cloud.response' },
          ],
          wires: [
            ['req', 'receive', 'report', 'run'],
            ['report', 'out-ran', 'res', 'pm-ran'],
            ['report', 'out-Done', 'res', 'send'],
          ],
        },
        inner,
      ),
      { source: 'probe' },
    );
    // The instance's Run input is not connected, so the inner Function auto-runs at start-up.
    expect(JSON.parse((await runtime.run('probe', { body: '{}' })).body)).toEqual({
      result: { ran: 1 },
    });
  });
});
