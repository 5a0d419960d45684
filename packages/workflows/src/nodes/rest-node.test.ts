import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkflowRuntime } from '../runtime/workflow-runtime';
import type { NodeSpec, Wire } from '../../test/support/build-workflow';
import { callGraph, inlineRuntime } from '../../test/support/harness';

let runtime: WorkflowRuntime;
let server: Server;
let base = '';
const seen: { method: string; url: string; body: string; type: string | undefined }[] = [];

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void readBody(req).then((body) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        type: req.headers['content-type'],
      });
      if (req.url?.startsWith('/fail')) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"broken"}');
      } else if (req.url?.startsWith('/text')) {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('plain words');
      } else if (req.url?.startsWith('/slow')) {
        setTimeout(() => res.writeHead(200).end('late'), 2_000);
      } else {
        res
          .writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
          .end(JSON.stringify({ echo: req.url, got: body }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  runtime = inlineRuntime();
});
afterAll(async () => {
  await runtime.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function rest(parameters: Record<string, unknown>, extraWires: Wire[] = []): [NodeSpec[], Wire[]] {
  return [
    [{ id: 'r', type: 'REST2', parameters }],
    [
      ['req', 'receive', 'r', 'fetch'],
      ['r', 'out-result', 'res', 'pm-result'],
      ['r', 'success', 'res', 'send'],
      ...extraWires,
    ],
  ];
}

describe('REST2 (REST)', () => {
  it('GETs the resource with {key} replaced and query parameters from the request script, parsing JSON', async () => {
    const [nodes, wires] = rest(
      {
        resource: `${base}/items/{id}`,
        requestScript: 'Request.parameters.q = Inputs.q;',
        responseScript: 'Outputs.result = Response.content.echo + " " + Response.status;',
      },
      [
        ['req', 'pm-id', 'r', 'in-id'],
        ['req', 'pm-q', 'r', 'in-q'],
      ],
    );
    const { json } = await callGraph(runtime, nodes, wires, { id: '42', q: 'a b' });
    expect(json.result).toEqual({ result: '/items/42?q=a+b 200' });
  });

  it('POSTs JSON content set by the request script', async () => {
    const [nodes, wires] = rest({
      resource: `${base}/things`,
      method: 'POST',
      requestScript: 'Request.content = { hello: "world" };',
      responseScript: 'Outputs.result = Response.content.got;',
    });
    const { json } = await callGraph(runtime, nodes, wires);
    expect(json.result).toEqual({ result: '{"hello":"world"}' });
    expect(seen.at(-1)).toMatchObject({ method: 'POST', type: 'application/json' });
  });

  it('gives text responses to the response script as text', async () => {
    const [nodes, wires] = rest({
      resource: `${base}/text`,
      responseScript: 'Outputs.result = Response.content;',
    });
    const { json } = await callGraph(runtime, nodes, wires);
    expect(json.result).toEqual({ result: 'plain words' });
  });

  it('pulses failure for a non-2xx answer, a network error, or a script that throws', async () => {
    for (const parameters of [
      { resource: `${base}/fail` },
      { resource: 'http://127.0.0.1:1/unreachable' },
      { resource: `${base}/ok`, responseScript: 'throw new Error("bad script")' },
      { resource: 'not a url' },
    ]) {
      const { json } = await callGraph(
        runtime,
        [{ id: 'r', type: 'REST2', parameters }],
        [
          ['req', 'receive', 'r', 'fetch'],
          ['r', 'failure', 'res', 'send'],
        ],
      );
      expect(json).toEqual({ result: {} });
    }
  });

  it('pulses canceled on cancel', async () => {
    const { json } = await callGraph(
      runtime,
      [
        { id: 'r', type: 'REST2', parameters: { resource: `${base}/slow` } },
        {
          id: 'f',
          type: 'JavaScriptFunction',
          parameters: {
            functionScript: 'await new Promise((r) => setTimeout(r, 50)); Outputs.Cancel();',
          },
          ports: [{ name: 'out-Cancel', plug: 'output', type: 'signal' }],
        },
      ],
      [
        ['req', 'receive', 'r', 'fetch'],
        ['req', 'receive', 'f', 'run'],
        ['f', 'out-Cancel', 'r', 'cancel'],
        ['r', 'canceled', 'res', 'send'],
      ],
    );
    expect(json).toEqual({ result: {} });
  });
});
