import type { NodeBehavior, NodeDefinition, SandboxFunction } from '../catalog/node-definition';
import { ANY_PORT, afterPass, errorMessage, savedPortType } from './node-helpers';
import { scriptOutputs, signalOutputsOf } from './code-nodes';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * `REST2` (REST): an outbound HTTP request on `fetch`. `{key}` placeholders of `resource` are
 * replaced by `in-key`; `requestScript(Inputs, Outputs, Request)` may set `Request.content`,
 * `headers`, `parameters` (query string), `resource`, `method`; `responseScript(Inputs, Outputs,
 * Response)` reads `Response.status` and `Response.content` (JSON parsed when the response is
 * JSON, text otherwise). Pulses `success` for 2xx, else `failure`; `cancel` aborts.
 *
 * @example
 * ```ts
 * catalog.get('REST2') === restNode; // true
 * ```
 */
export const restNode: NodeDefinition = {
  type: 'REST2',
  version: 1,
  displayName: 'REST',
  category: 'Cloud Functions',
  description: 'Sends an HTTP request and exposes the response through a script.',
  inputs: {
    resource: {
      type: 'string',
      displayName: 'Resource',
      description: 'URL; {key} is replaced by input in-key (as is, not encoded)',
    },
    method: {
      type: 'enum',
      enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      displayName: 'Method',
      default: 'GET',
    },
    requestScript: { type: 'string', displayName: 'Request' },
    responseScript: { type: 'string', displayName: 'Response' },
    fetch: { type: 'signal', displayName: 'Fetch' },
    cancel: { type: 'signal', displayName: 'Cancel' },
  },
  outputs: {
    success: { type: 'signal', displayName: 'Success' },
    failure: { type: 'signal', displayName: 'Failure' },
    canceled: { type: 'signal', displayName: 'Canceled' },
  },
  dynamicPorts: [
    {
      pattern: 'in-<name>',
      plug: 'input',
      type: '*',
      description: 'A script input (also fills {name} in the resource)',
    },
    { pattern: 'out-<name>', plug: 'output', type: '*', description: 'A script output' },
  ],
  create(node): NodeBehavior {
    const settings: Record<string, unknown> = {};
    const inputs: Record<string, unknown> = {};
    const self: Record<string, unknown> = {};
    const signals = new Set([
      ...signalOutputsOf(node.parameters['requestScript']),
      ...signalOutputsOf(node.parameters['responseScript']),
    ]);
    const isSignal = (name: string) =>
      signals.has(name) || savedPortType(node, `out-${name}`) === 'signal';
    const outputs = scriptOutputs(node, isSignal);
    let controller: AbortController | undefined;

    const script = (
      name: 'requestScript' | 'responseScript',
      params: readonly string[],
    ): SandboxFunction | undefined => {
      const text = settings[name];
      if (typeof text !== 'string' || text.trim() === '') return undefined;
      return node.run.sandbox.compile(text, params, `REST ${name} ${node.id}`);
    };

    const send = afterPass(node, () => {
      const run = node.run;
      let resource = typeof settings['resource'] === 'string' ? settings['resource'] : '';
      for (const [key, value] of Object.entries(inputs)) {
        resource = resource.split(`{${key}}`).join(String(value ?? ''));
      }
      const method =
        typeof settings['method'] === 'string' && METHODS.has(settings['method'].toUpperCase())
          ? settings['method'].toUpperCase()
          : 'GET';
      const request: {
        resource: string;
        method: string;
        headers: Record<string, string>;
        parameters: Record<string, unknown>;
        content?: unknown;
      } = {
        resource,
        method,
        headers: {},
        parameters: {},
      };
      try {
        script('requestScript', ['Inputs', 'Outputs', 'Request'])?.call(self, [
          inputs,
          outputs,
          request,
        ]);
      } catch (error) {
        node.log('error', `REST request script failed: ${errorMessage(error)}`);
        node.sendSignal('failure');
        return;
      }
      let url: URL;
      try {
        url = new URL(request.resource);
      } catch {
        node.log('error', `REST: ${JSON.stringify(request.resource)} is not an absolute URL`);
        node.sendSignal('failure');
        return;
      }
      for (const [key, value] of Object.entries(request.parameters ?? {}))
        url.searchParams.append(key, String(value));
      const headers: Record<string, string> = { ...request.headers };
      let body: string | undefined;
      if (request.content !== undefined) {
        body =
          typeof request.content === 'string' ? request.content : JSON.stringify(request.content);
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['Content-Type'] = 'application/json';
      }
      controller?.abort();
      const mine = new AbortController();
      controller = mine;
      const onRunEnd = () => mine.abort();
      run.signal.addEventListener('abort', onRunEnd, { once: true });
      run
        .track(
          (async () => {
            const response = await fetch(url, {
              method: request.method,
              headers,
              ...(body === undefined ? {} : { body }),
              signal: mine.signal,
            });
            const type = response.headers.get('content-type') ?? '';
            const text = await response.text();
            let content: unknown = text;
            if (/[/+]json\b/i.test(type)) {
              try {
                content = JSON.parse(text) as unknown;
              } catch {
                content = text;
              }
            }
            return { status: response.status, content };
          })(),
        )
        .then(
          ({ status, content }) => {
            run.signal.removeEventListener('abort', onRunEnd);
            if (controller === mine) controller = undefined;
            try {
              script('responseScript', ['Inputs', 'Outputs', 'Response'])?.call(self, [
                inputs,
                outputs,
                { status, content, request },
              ]);
            } catch (error) {
              node.log('error', `REST response script failed: ${errorMessage(error)}`);
              node.sendSignal('failure');
              return;
            }
            node.sendSignal(status >= 200 && status < 300 ? 'success' : 'failure');
          },
          (error: unknown) => {
            run.signal.removeEventListener('abort', onRunEnd);
            if (controller === mine) controller = undefined;
            if (mine.signal.aborted && !run.ended) {
              node.sendSignal('canceled');
              return;
            }
            node.log('warn', `REST request failed: ${errorMessage(error)}`);
            node.sendSignal('failure');
          },
        );
    });

    return {
      acceptInput: (name) => (name.startsWith('in-') ? ANY_PORT : undefined),
      acceptOutput: (name) =>
        name.startsWith('out-')
          ? isSignal(name.slice(4))
            ? { type: 'signal' }
            : ANY_PORT
          : undefined,
      setInput(name, value) {
        if (name.startsWith('in-')) inputs[name.slice(3)] = value;
        else settings[name] = value;
      },
      signal(name) {
        if (name === 'fetch') send();
        else if (name === 'cancel') controller?.abort();
      },
      getOutput: (name) =>
        name.startsWith('out-') && !isSignal(name.slice(4)) ? outputs[name.slice(4)] : undefined,
    };
  },
};
