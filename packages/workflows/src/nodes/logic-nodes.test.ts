import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import type { NodeSpec, Wire } from '../../test/support/build-workflow';
import { callGraph, inlineRuntime } from '../../test/support/harness';
import { formatDate } from './logic-nodes';

let runtime: WorkflowRuntime;
beforeAll(() => {
  runtime = inlineRuntime();
});
afterAll(async () => {
  await runtime.close();
});

/** Runs `nodes` and answers with the values wired to `pm-*`, sent on receive. */
async function result(
  nodes: NodeSpec[],
  wires: Wire[],
  body: unknown = {},
): Promise<Record<string, unknown> | undefined> {
  const { json } = await callGraph(
    runtime,
    nodes,
    [...wires, ['req', 'receive', 'res', 'send']],
    body,
  );
  return json.result;
}

const sig = (id: string, ...names: string[]): NodeSpec => ({
  id,
  type: 'JavaScriptFunction',
  parameters: { functionScript: names.map((n) => `Outputs.${n}();`).join(' ') },
  ports: names.map((n) => ({ name: `out-${n}`, plug: 'output' as const, type: 'signal' })),
});

describe('Condition', () => {
  it('pulses ontrue/onfalse and outputs result/isfalse after each arrival when eval is not connected', async () => {
    expect(
      await result(
        [
          { id: 'c', type: 'Condition' },
          { id: 'n', type: 'Counter' },
        ],
        [
          ['req', 'pm-flag', 'c', 'condition'],
          ['c', 'ontrue', 'n', 'increase'],
          ['c', 'onfalse', 'n', 'decrease'],
          ['c', 'result', 'res', 'pm-result'],
          ['c', 'isfalse', 'res', 'pm-isfalse'],
          ['n', 'currentCount', 'res', 'pm-count'],
        ],
        { flag: true },
      ),
    ).toEqual({ result: true, isfalse: false, count: 1 });
  });

  it('evaluates only on eval when eval is connected', async () => {
    expect(
      await result(
        [
          { id: 'c', type: 'Condition', parameters: { condition: true } },
          { id: 'n', type: 'Counter' },
        ],
        [
          ['req', 'pm-never', 'c', 'eval'],
          ['c', 'ontrue', 'n', 'increase'],
          ['n', 'currentCount', 'res', 'pm-count'],
        ],
      ),
    ).toEqual({ count: 0 });
  });
});

describe('And / Or / Inverter', () => {
  it('And is true when every input is truthy; Or when any is; Inverter negates', async () => {
    expect(
      await result(
        [
          { id: 'and', type: 'And', parameters: { 'input 0': true, 'input 1': 1 } },
          { id: 'and2', type: 'And', parameters: { 'input 0': true, 'input 1': 0 } },
          { id: 'or', type: 'Or', parameters: { 'input 0': false, 'input 1': 'x' } },
          { id: 'inv', type: 'Inverter', parameters: { value: false } },
        ],
        [
          ['and', 'result', 'res', 'pm-and'],
          ['and2', 'result', 'res', 'pm-and2'],
          ['or', 'result', 'res', 'pm-or'],
          ['inv', 'result', 'res', 'pm-inv'],
        ],
      ),
    ).toEqual({ and: true, and2: false, or: true, inv: true });
  });

  it('And without any input set outputs nothing; Inverter of undefined stays undefined', async () => {
    expect(
      await result(
        [
          { id: 'and', type: 'And' },
          { id: 'inv', type: 'Inverter' },
        ],
        [
          ['and', 'result', 'res', 'pm-and'],
          ['inv', 'result', 'res', 'pm-inv'],
        ],
      ),
    ).toEqual({});
  });
});

describe('String / Number / Boolean', () => {
  it('cast their value (Boolean("false") is true, as in Noodl) and String has a length', async () => {
    expect(
      await result(
        [
          { id: 's', type: 'String', parameters: { value: 42 } },
          { id: 'n', type: 'Number', parameters: { value: '3.5' } },
          { id: 'b', type: 'Boolean', parameters: { value: 'false' } },
        ],
        [
          ['s', 'savedValue', 'res', 'pm-s'],
          ['s', 'length', 'res', 'pm-len'],
          ['n', 'savedValue', 'res', 'pm-n'],
          ['b', 'savedValue', 'res', 'pm-b'],
        ],
      ),
    ).toEqual({ s: '42', len: 2, n: 3.5, b: true });
  });

  it('latches the value until Set when saveValue is connected, then pulses stored', async () => {
    expect(
      await result(
        [
          { id: 's', type: 'String', parameters: { value: 'initial' } },
          { id: 'stored', type: 'Counter' },
          sig('go', 'Set'),
        ],
        [
          ['req', 'pm-text', 's', 'value'],
          ['req', 'receive', 's', 'saveValue'],
          ['s', 'stored', 'stored', 'increase'],
          ['s', 'savedValue', 'res', 'pm-value'],
          ['stored', 'currentCount', 'res', 'pm-stored'],
        ],
        { text: 'latched' },
      ),
    ).toEqual({ value: 'latched', stored: 1 });
  });
});

describe('String Format', () => {
  it('fills {name} placeholders, empty for missing inputs, and inserts values literally ($& stays $&)', async () => {
    expect(
      await result(
        [
          {
            id: 'f',
            type: 'String Format',
            parameters: { format: '{a}-{b}-{missing}', a: 'x', b: 'cost $& $1' },
          },
        ],
        [['f', 'formatted', 'res', 'pm-text']],
      ),
    ).toEqual({ text: 'x-cost $& $1-' });
  });
});

describe('Substring', () => {
  it('takes start..end, and to the end when end was never set', async () => {
    expect(
      await result(
        [
          { id: 'a', type: 'Substring', parameters: { string: 'abcdef', start: 1, end: 3 } },
          { id: 'b', type: 'Substring', parameters: { string: 'abcdef', start: 2 } },
        ],
        [
          ['a', 'result', 'res', 'pm-a'],
          ['b', 'result', 'res', 'pm-b'],
        ],
      ),
    ).toEqual({ a: 'bc', b: 'cdef' });
  });
});

describe('Counter', () => {
  it('starts at the first startValue, respects limits and resets to the start value', async () => {
    expect(
      await result(
        [
          {
            id: 'c',
            type: 'Counter',
            parameters: { startValue: 5, limitsEnabled: true, limitsMin: 4, limitsMax: 6 },
          },
          sig('up', 'A', 'B', 'C'),
          { id: 'r', type: 'Counter', parameters: { startValue: 10 } },
          sig('down', 'A'),
        ],
        [
          ['up', 'out-A', 'c', 'increase'],
          ['up', 'out-B', 'c', 'increase'],
          ['up', 'out-C', 'c', 'increase'],
          ['c', 'currentCount', 'res', 'pm-limited'],
          ['down', 'out-A', 'r', 'decrease'],
          ['r', 'currentCount', 'res', 'pm-down'],
        ],
      ),
    ).toEqual({ limited: 6, down: 9 });
    expect(
      await result(
        [{ id: 'c', type: 'Counter', parameters: { startValue: 3 } }, sig('s', 'Up', 'Reset')],
        [
          ['s', 'out-Up', 'c', 'increase'],
          ['s', 'out-Reset', 'c', 'reset'],
          ['c', 'currentCount', 'res', 'pm-count'],
        ],
      ),
    ).toEqual({ count: 3 });
  });
});

describe('Unique Id', () => {
  it('has a 10-character id at creation and a new one on new', async () => {
    const out = await result(
      [
        { id: 'u', type: 'Unique Id' },
        { id: 'v', type: 'Unique Id' },
      ],
      [
        ['u', 'guid', 'res', 'pm-a'],
        ['v', 'guid', 'res', 'pm-b'],
      ],
    );
    expect(out?.['a']).toMatch(/^[A-Za-z0-9]{10}$/);
    expect(out?.['a']).not.toBe(out?.['b']);
  });
});

describe('Boolean To String / Date To String', () => {
  it('select a string by a boolean and format dates in UTC', async () => {
    expect(
      await result(
        [
          {
            id: 'b',
            type: 'Boolean To String',
            parameters: { trueString: 'yes', falseString: 'no', input: true },
          },
          {
            id: 'd',
            type: 'Date To String',
            parameters: {
              formatString: '{year}-{monthNumber}-{date} {weekdayShort}',
              input: '2026-03-04T05:06:07Z',
            },
          },
        ],
        [
          ['b', 'currentValue', 'res', 'pm-b'],
          ['d', 'currentValue', 'res', 'pm-d'],
        ],
      ),
    ).toEqual({ b: 'yes', d: '2026-03-04 Wed' });
    expect(
      formatDate(
        new Date('2026-12-31T23:59:58Z'),
        '{date} {month} {year} {hours}:{minutes}:{seconds} {unknown}',
      ),
    ).toBe('31 December 2026 23:59:58 {unknown}');
  });
});
