import { BackendError } from '@localbackend/adapter';
import type { NodeBehavior, NodeDefinition } from '../catalog/node-definition';
import type { GraphNode } from '../engine/graph-node';
import type { ObjectScope } from '../engine/object-scope';
import { userToObject } from '../engine/records';
import { ANY_PORT, afterPass, errorMessage } from './node-helpers';

/**
 * Parses a request body: a JSON string (or an object), `{}` when it is not valid JSON.
 *
 * @example
 * ```ts
 * parseBody('{"a":1}'); // { a: 1 }
 * parseBody('nope'); // {}
 * ```
 */
export function parseBody(body: unknown): unknown {
  if (typeof body === 'string') {
    if (body === '') return {};
    try {
      return JSON.parse(body) as unknown;
    } catch {
      return {};
    }
  }
  return body ?? {};
}

/**
 * `noodl.cloud.request` (Request): the entry of a cloud function. Authenticates the session token,
 * fills `Noodl.Objects.Request`, sends every body parameter on `pm-<name>` and pulses `receive`.
 *
 * @example
 * ```ts
 * catalog.get('noodl.cloud.request') === requestNode; // true
 * ```
 */
export const requestNode: NodeDefinition = {
  type: 'noodl.cloud.request',
  version: 1,
  displayName: 'Request',
  category: 'Cloud Functions',
  description:
    'The start of a cloud function: receives the call, checks the session, and outputs the request parameters.',
  inputs: {
    allowNoAuth: { type: 'boolean', displayName: 'Allow Unauthenticated', default: false },
    params: {
      type: 'string',
      displayName: 'Parameters',
      editorOnly: true,
      description: 'Comma-separated parameter names (creates the pm-* outputs)',
    },
  },
  outputs: {
    receive: { type: 'signal', displayName: 'Received' },
    auth: { type: 'boolean', displayName: 'Authenticated' },
    userId: { type: 'string', displayName: 'User Id' },
  },
  dynamicPorts: [
    {
      pattern: 'pm-<name>',
      plug: 'output',
      type: '*',
      description: 'One output per request parameter',
    },
  ],
  create(node): NodeBehavior {
    let allowNoAuth = false;
    let auth = false;
    let userId: string | undefined;
    const params = new Map<string, unknown>();
    return {
      setInput(name, value) {
        if (name === 'allowNoAuth') allowNoAuth = value === true || value === 'true';
      },
      acceptOutput: (name) => (name.startsWith('pm-') ? ANY_PORT : undefined),
      getOutput(name) {
        if (name === 'auth') return auth;
        if (name === 'userId') return userId;
        if (name.startsWith('pm-')) return params.get(name.slice(3));
        return undefined;
      },
      async start(start) {
        if (start.kind !== 'request' && start.kind !== 'webhook') return;
        const run = node.run;
        const token = start.headers['x-parse-session-token'];
        const parsed = parseBody(start.body);
        if (typeof token === 'string' && token !== '') {
          const user = await run.resolveSession(token);
          if (user !== undefined) {
            auth = true;
            userId = user.objectId;
            run.currentUser = user;
            userToObject(run, user);
            node.flagOutputDirty('userId');
          }
        }
        if (!auth && !allowNoAuth) {
          throw new BackendError('UNAUTHORIZED', 'Unauthenticated requests not accepted.');
        }
        try {
          await run.config();
        } catch (error) {
          node.log('warn', `config could not be loaded: ${errorMessage(error)}`);
        }
        const request = run.objects.get('Request');
        request.set('Authenticated', auth);
        request.set('UserId', userId);
        request.set('Parameters', parsed);
        request.set('Headers', { ...start.headers });
        node.flagOutputDirty('auth');
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
            params.set(key, value);
            if (node.hasOutput(`pm-${key}`)) node.flagOutputDirty(`pm-${key}`);
          }
        }
        node.sendSignal('receive');
      },
    };
  },
};

/**
 * `{"result":{...}}` for the collected values, as `JSON.stringify` would write it (keys whose
 * value serialises to nothing are left out), with the scope's fast path for Noodl objects.
 *
 * @example
 * ```ts
 * resultJson(run.objects, { a: 1 }); // '{"result":{"a":1}}'
 * ```
 */
export function resultJson(objects: ObjectScope, result: Record<string, unknown>): string {
  let out = '{"result":{';
  let first = true;
  for (const key of Object.keys(result)) {
    const value = objects.json(result[key]);
    if (value === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${value}`;
    first = false;
  }
  return `${out}}}`;
}

/**
 * `noodl.cloud.response` (Response): answers the call on `send` — success: 200
 * `{"result":{...pm values}}`; failure: 400 `{"error": errorMessage}`. The first Response of a run
 * wins.
 *
 * @example
 * ```ts
 * catalog.get('noodl.cloud.response') === responseNode; // true
 * ```
 */
export const responseNode: NodeDefinition = {
  type: 'noodl.cloud.response',
  version: 1,
  displayName: 'Response',
  category: 'Cloud Functions',
  description: 'Ends a cloud function: sends the collected result values, or an error.',
  inputs: {
    params: {
      type: 'string',
      displayName: 'Parameters',
      editorOnly: true,
      description: 'Comma-separated result names (creates the pm-* inputs)',
    },
    status: {
      type: 'enum',
      enum: ['success', 'failure'],
      displayName: 'Status',
      default: 'success',
    },
    errorMessage: { type: 'string', displayName: 'Error Message' },
    send: { type: 'signal', displayName: 'Send' },
  },
  outputs: {},
  dynamicPorts: [
    { pattern: 'pm-<name>', plug: 'input', type: '*', description: 'One input per result value' },
  ],
  create(node): NodeBehavior {
    const result = Object.create(null) as Record<string, unknown>;
    let status: unknown;
    let errorText: unknown;
    const send = afterPass(node, () => {
      if (!(node as GraphNode).responseWired) {
        node.log(
          'warn',
          'this Response node is not connected to the request (it was created after the run started, e.g. inside a Run Tasks template); send ignored',
        );
        return;
      }
      if (status === undefined || status === 'success') {
        let body: string;
        try {
          body = resultJson(node.run.objects, result);
        } catch (error) {
          node.log('error', `the result cannot be serialised: ${errorMessage(error)}`);
          node.run.respond({
            statusCode: 500,
            body: JSON.stringify({
              error: `the result cannot be serialised: ${errorMessage(error)}`,
            }),
          });
          return;
        }
        node.run.respond({ statusCode: 200, body });
      } else {
        node.run.respond({
          statusCode: 400,
          body: JSON.stringify({
            error: errorText === undefined || errorText === null ? undefined : String(errorText),
          }),
        });
      }
    });
    return {
      acceptInput: (name) => (name.startsWith('pm-') ? ANY_PORT : undefined),
      setInput(name, value) {
        if (name === 'status') status = value;
        else if (name === 'errorMessage') errorText = value;
        else if (name.startsWith('pm-')) result[name.slice(3)] = value;
      },
      signal(name) {
        if (name === 'send') send();
      },
    };
  },
};
