import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryRunStore } from '../records/run-store';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import type { NodeSpec, Wire } from '../../test/support/build-workflow';
import { callGraph, inlineRuntime } from '../../test/support/harness';
import { expressionVariables, signalOutputsOf } from './code-nodes';

let runtime: WorkflowRuntime;
beforeAll(() => {
  runtime = inlineRuntime({ records: { store: new MemoryRunStore() } });
});
afterAll(async () => {
  await runtime.close();
});

const fn = (
  id: string,
  script: string,
  parameters: Record<string, unknown> = {},
  signals: string[] = ['Done'],
): NodeSpec => ({
  id,
  type: 'JavaScriptFunction',
  parameters: { functionScript: script, ...parameters },
  ports: signals.map((s) => ({ name: `out-${s}`, plug: 'output' as const, type: 'signal' })),
});

/** Runs a Function on receive and answers with its outputs on Done. */
async function runScript(
  script: string,
  outputs: string[],
  body: unknown = {},
  extra: { nodes?: NodeSpec[]; wires?: Wire[] } = {},
) {
  return callGraph(
    runtime,
    [fn('f', script), ...(extra.nodes ?? [])],
    [
      ['req', 'receive', 'f', 'run'],
      ...outputs.map((o): Wire => ['f', `out-${o}`, 'res', `pm-${o}`]),
      ['f', 'out-Done', 'res', 'send'],
      ...(extra.wires ?? []),
    ],
    body,
  );
}

describe('JavaScriptFunction (Function)', () => {
  it('reads Inputs from in-* ports and the request, writes Outputs, and pulses a signal output', async () => {
    const { json } = await runScript(
      'Outputs.sum = Inputs.a + Inputs.b; Outputs.Done();',
      ['sum'],
      { a: 2, b: 3 },
      {
        wires: [
          ['req', 'pm-a', 'f', 'in-a'],
          ['req', 'pm-b', 'f', 'in-b'],
        ],
      },
    );
    expect(json.result).toEqual({ sum: 5 });
  });

  it('propagates outputs set after an await (async scripts)', async () => {
    const { json } = await runScript(
      'await new Promise((r) => setTimeout(r, 5)); Outputs.late = "yes"; Outputs.Done();',
      ['late'],
    );
    expect(json.result).toEqual({ late: 'yes' });
  });

  it('treats Outputs.X() calls in the script as signals even when the port is not marked', async () => {
    expect([
      ...signalOutputsOf('Outputs.Done(); Outputs["Other Thing"](); Outputs.value = 1'),
    ]).toEqual(['Done', 'Other Thing']);
    const { json } = await callGraph(
      runtime,
      [
        {
          id: 'f',
          type: 'JavaScriptFunction',
          parameters: { functionScript: 'Outputs.v = 7; Outputs.Finished();' },
        },
      ],
      [
        ['req', 'receive', 'f', 'run'],
        ['f', 'out-v', 'res', 'pm-v'],
        ['f', 'out-Finished', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ v: 7 });
  });

  it('keeps `this` per node across executions', async () => {
    const { json } = await callGraph(
      runtime,
      [
        fn(
          'f',
          'this.n = (this.n || 0) + 1; Outputs.n = this.n; if (this.n === 2) Outputs.Done();',
        ),
        { id: 'c', type: 'Counter' },
      ],
      [
        ['req', 'receive', 'f', 'run'],
        ['req', 'receive', 'c', 'increase'],
        ['c', 'countChanged', 'f', 'run'],
        ['f', 'out-n', 'res', 'pm-n'],
        ['f', 'out-Done', 'res', 'send'],
      ],
    );
    expect(json.result).toEqual({ n: 2 });
  });

  it('logs a thrown error and sends nothing (the run then fails for lack of a response)', async () => {
    const result = await runScript('throw new Error("boom");', []);
    expect(result.statusCode).toBe(500);
    const run = await runtime.getRun(result.runId);
    expect(
      run?.logs.some(
        (l) => l.level === 'error' && l.message.includes('Error in JS node run code. boom'),
      ),
    ).toBe(true);
  });

  it('never runs a script with a syntax error, and says so in the log', async () => {
    const result = await runScript('Outputs.x = ;', []);
    const run = await runtime.getRun(result.runId);
    expect(run?.logs.some((l) => /does not compile/.test(l.message))).toBe(true);
  });

  it('gives scripts console (all levels), setTimeout/clearTimeout, setImmediate, and a require that only logs', async () => {
    const result = await runScript(
      'console.log("l", {a: 1}); console.warn("w"); console.error("e"); console.debug("d"); const t = setTimeout(() => { Outputs.bad = 1; }, 1); clearTimeout(t); require("fs"); setImmediate(() => { Outputs.ok = 1; Outputs.Done(); });',
      ['ok', 'bad'],
    );
    expect(result.json.result).toEqual({ ok: 1 });
    const levels = (await runtime.getRun(result.runId))!.logs.map((l) => `${l.level}:${l.message}`);
    expect(levels).toEqual(expect.arrayContaining(['info:l {"a":1}', 'warn:w', 'error:e']));
    expect(levels.some((l) => l.includes('require("fs") is not available'))).toBe(true);
  });

  it('fails the run with TIMEOUT when the synchronous part of a script never ends (script time limit)', async () => {
    const tight = inlineRuntime({ scriptTimeoutMs: 100 });
    tight.load(
      {
        components: [
          {
            name: '/#__cloud__/spin',
            graph: {
              roots: [
                { id: 'r', type: 'noodl.cloud.request', parameters: { allowNoAuth: true } },
                {
                  id: 'f',
                  type: 'JavaScriptFunction',
                  parameters: { functionScript: 'for(;;){}' },
                },
              ],
              connections: [{ fromId: 'r', fromProperty: 'receive', toId: 'f', toProperty: 'run' }],
            },
          },
        ],
      },
      { source: 'spin' },
    );
    const result = await tight.run('spin', { body: '{}' });
    expect(result.error?.code).toBe('TIMEOUT');
    await tight.close();
  });
});

describe('Expression', () => {
  it('extracts variables outside strings, before the first dot, without helpers, keywords and JS globals', () => {
    expect(expressionVariables('"Hello " + Name + params.param1')).toEqual(['Name', 'params']);
    expect(expressionVariables("a * 2 + sqrt(b) - min(c, 1e5) + 'x y z'")).toEqual(['a', 'b', 'c']);
    expect(expressionVariables('typeof x === "string" ? JSON.stringify(x) : Date.now()')).toEqual([
      'x',
    ]);
    expect(expressionVariables('`${first} and ${second}` + obj.method().other')).toEqual([
      'first',
      'second',
      'obj',
    ]);
    expect(expressionVariables('({ key: value })')).toEqual(['value']);
  });

  it('evaluates with math helpers, outputs result/isTrue/isFalse and fires one of isTrueEv/isFalseEv per evaluation', async () => {
    const { json } = await callGraph(
      runtime,
      [
        { id: 'e', type: 'Expression', parameters: { expression: 'max(a, b) * 2 + round(pi)' } },
        { id: 't', type: 'Counter' },
        { id: 'f', type: 'Counter' },
      ],
      [
        ['req', 'pm-a', 'e', 'a'],
        ['req', 'pm-b', 'e', 'b'],
        ['e', 'result', 'res', 'pm-result'],
        ['e', 'isTrue', 'res', 'pm-isTrue'],
        ['e', 'isFalse', 'res', 'pm-isFalse'],
        ['e', 'isTrueEv', 't', 'increase'],
        ['e', 'isFalseEv', 'f', 'increase'],
        ['t', 'currentCount', 'res', 'pm-trueEvents'],
        ['f', 'currentCount', 'res', 'pm-falseEvents'],
        ['req', 'receive', 'res', 'send'],
      ],
      { a: 4, b: 9 },
    );
    // Two evaluations: at start-up (a = b = 0: 3, truthy) and once for both request values.
    expect(json.result).toEqual({
      result: 21,
      isTrue: true,
      isFalse: false,
      trueEvents: 2,
      falseEvents: 0,
    });
  });

  it('evaluates only on run when run is connected, and yields 0 for an expression that throws', async () => {
    const { json } = await callGraph(
      runtime,
      [
        { id: 'e', type: 'Expression', parameters: { expression: 'x + 1' } },
        { id: 'bad', type: 'Expression', parameters: { expression: 'nothing.at.all()' } },
      ],
      [
        ['req', 'pm-x', 'e', 'x'],
        ['req', 'pm-never', 'e', 'run'],
        ['e', 'result', 'res', 'pm-result'],
        ['bad', 'result', 'res', 'pm-bad'],
        ['req', 'receive', 'res', 'send'],
      ],
      { x: 10 },
    );
    expect(json.result).toEqual({ result: 0, bad: 0 });
  });
});
