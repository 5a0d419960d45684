import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import { callGraph, inlineRuntime } from '../../test/support/harness';
import { parseBody } from './cloud-nodes';

let runtime: WorkflowRuntime;
beforeAll(() => {
  runtime = inlineRuntime();
});
afterAll(async () => {
  await runtime.close();
});

describe('noodl.cloud.request (Request)', () => {
  it('sends every body key on its pm-* output (declared or not), auth false and fills Noodl.Objects.Request', async () => {
    const { json } = await callGraph(
      runtime,
      [
        {
          id: 'f',
          type: 'JavaScriptFunction',
          parameters: {
            functionScript:
              'const r = Noodl.Objects.Request; Outputs.request = { a: r.Authenticated, u: r.UserId === undefined, p: r.Parameters, h: r.Headers["x-custom"] }; Outputs.Done();',
          },
          ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
        },
      ],
      [
        ['req', 'pm-declared', 'res', 'pm-declared'],
        ['req', 'pm-Session Token', 'res', 'pm-spaced'],
        ['req', 'auth', 'res', 'pm-auth'],
        ['req', 'receive', 'f', 'run'],
        ['f', 'out-request', 'res', 'pm-request'],
        ['f', 'out-Done', 'res', 'send'],
      ],
      { declared: 1, 'Session Token': 'st', extra: [1, 2] },
      { 'X-Custom': 'yes' },
    );
    expect(json.result).toEqual({
      declared: 1,
      spaced: 'st',
      auth: false,
      request: {
        a: false,
        u: true,
        p: { declared: 1, 'Session Token': 'st', extra: [1, 2] },
        h: 'yes',
      },
    });
  });

  it('treats a body that is not JSON as {}', async () => {
    expect(parseBody('not json')).toEqual({});
    expect(parseBody('')).toEqual({});
    expect(parseBody(undefined)).toEqual({});
    const result = await runtime.run('missing', { body: 'not json' });
    expect(result.statusCode).toBe(404);
  });
});

describe('noodl.cloud.response (Response)', () => {
  it('answers 200 {"result":{…}} with only the values that were set, Noodl objects as fields + id and dates as ISO strings', async () => {
    const { body, statusCode } = await callGraph(
      runtime,
      [
        {
          id: 'f',
          type: 'JavaScriptFunction',
          parameters: {
            functionScript:
              'Outputs.obj = Noodl.Object.create({ id: "o1", name: "x" }); Outputs.when = new Date("2026-01-02T03:04:05.000Z"); Outputs.Done();',
          },
          ports: [{ name: 'out-Done', plug: 'output', type: 'signal' }],
        },
      ],
      [
        ['req', 'receive', 'f', 'run'],
        ['f', 'out-obj', 'res', 'pm-obj'],
        ['f', 'out-when', 'res', 'pm-when'],
        ['f', 'out-never', 'res', 'pm-never'],
        ['f', 'out-Done', 'res', 'send'],
      ],
    );
    expect(statusCode).toBe(200);
    expect(body).toBe(
      '{"result":{"obj":{"name":"x","id":"o1"},"when":"2026-01-02T03:04:05.000Z"}}',
    );
  });

  it('answers 400 {"error": errorMessage} with status failure, and {} without a message', async () => {
    const withMessage = await callGraph(
      runtime,
      [{ id: 'r2', type: 'noodl.cloud.response', parameters: { status: 'failure' } }],
      [
        ['req', 'pm-message', 'r2', 'errorMessage'],
        ['req', 'receive', 'r2', 'send'],
      ],
      { message: 'nope' },
    );
    expect(withMessage.statusCode).toBe(400);
    expect(withMessage.body).toBe('{"error":"nope"}');
    const without = await callGraph(
      runtime,
      [{ id: 'r2', type: 'noodl.cloud.response', parameters: { status: 'failure' } }],
      [['req', 'receive', 'r2', 'send']],
    );
    expect(without.statusCode).toBe(400);
    expect(without.body).toBe('{}');
    expect(without.status).toBe('failure');
  });

  it('applies pm-* values that arrive in the same pass as send before sending', async () => {
    const { json } = await callGraph(
      runtime,
      [],
      [
        ['req', 'receive', 'res', 'send'],
        ['req', 'pm-late', 'res', 'pm-late'],
      ],
      { late: 'here' },
    );
    expect(json.result).toEqual({ late: 'here' });
  });
});
