import cron from 'node-cron';
import { BackendError, describeValue, isValidCollectionName } from '@localbackend/adapter';
import type { NodeModel, WorkflowModel } from '../model/workflow-model';
import { workflowEntryOf } from '../model/workflow-model';

import {
  DB_CHANGE_TRIGGER_TYPE,
  SCHEDULE_TRIGGER_TYPE,
  WEBHOOK_TRIGGER_TYPE,
} from './trigger-types';

/**
 * Which changes a dbChange trigger listens to.
 *
 * @example
 * ```ts
 * const events: DbChangeEvents = 'create';
 * ```
 */
export type DbChangeEvents = 'all' | 'create' | 'save' | 'delete';

/**
 * A trigger found in a loaded workflow (its node's parameters, read at load time).
 *
 * @example
 * ```ts
 * const spec: TriggerSpec = { kind: 'schedule', workflow: 'nightly', component: '/#__local__/nightly', nodeId: 't1', cron: '0 3 * * *', enabled: true };
 * ```
 */
export type TriggerSpec =
  | {
      readonly kind: 'schedule';
      readonly workflow: string;
      readonly component: string;
      readonly nodeId: string;
      readonly cron: string;
      readonly timezone?: string;
      readonly enabled: boolean;
    }
  | {
      readonly kind: 'dbChange';
      readonly workflow: string;
      readonly component: string;
      readonly nodeId: string;
      readonly collection: string;
      readonly events: DbChangeEvents;
    }
  | {
      readonly kind: 'webhook';
      readonly workflow: string;
      readonly component: string;
      readonly nodeId: string;
      readonly path: string;
      readonly method: string;
      readonly secret?: string;
    };

function fail(source: string, component: string, node: NodeModel, message: string): BackendError {
  return new BackendError(
    'INVALID_VALUE',
    `${source}: ${component}: node ${node.id} (${node.type}): ${message}`,
    {
      details: { file: source, path: `${component}/${node.id}`, nodeType: node.type },
    },
  );
}

function walkDirect(nodes: readonly NodeModel[], visit: (node: NodeModel) => void): void {
  for (const node of nodes) {
    visit(node);
    walkDirect(node.children, visit);
  }
}

/**
 * Normalises a webhook path: leading `/` removed, at most 200 characters of `A-Z a-z 0-9 - _ . /`.
 *
 * @example
 * ```ts
 * normalizeWebhookPath('/hooks/github'); // 'hooks/github'
 * ```
 */
export function normalizeWebhookPath(path: string): string | undefined {
  const trimmed = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (
    trimmed === '' ||
    trimmed.length > 200 ||
    !/^[A-Za-z0-9._~\-/ ]+$/.test(trimmed) ||
    trimmed.split('/').includes('..')
  )
    return undefined;
  return trimmed;
}

/**
 * Finds the triggers of every workflow component of a document and validates their parameters
 * (cron expression, collection, webhook path). Throws `INVALID_VALUE` naming the node.
 *
 * @example
 * ```ts
 * const triggers = extractTriggers(model, 'nightly.workflow.json');
 * ```
 */
export function extractTriggers(model: WorkflowModel, source: string): TriggerSpec[] {
  const triggers: TriggerSpec[] = [];
  for (const component of model.components) {
    const entry = workflowEntryOf(component.name);
    if (entry === undefined) continue;
    walkDirect(component.nodes, (node) => {
      const p = node.parameters;
      if (node.type === SCHEDULE_TRIGGER_TYPE) {
        const expression = p['cron'] ?? '0 * * * *';
        if (typeof expression !== 'string' || !cron.validate(expression)) {
          throw fail(
            source,
            component.name,
            node,
            `invalid cron expression ${describeValue(expression)} (five or six fields: [second] minute hour day month weekday)`,
          );
        }
        const timezone = p['timezone'];
        if (timezone !== undefined && timezone !== '' && typeof timezone !== 'string') {
          throw fail(
            source,
            component.name,
            node,
            `timezone: expected an IANA time zone name, got ${describeValue(timezone)}`,
          );
        }
        if (typeof timezone === 'string' && timezone !== '') {
          try {
            new Intl.DateTimeFormat('en-US', { timeZone: timezone });
          } catch {
            throw fail(
              source,
              component.name,
              node,
              `timezone: unknown time zone ${JSON.stringify(timezone)}`,
            );
          }
        }
        triggers.push({
          kind: 'schedule',
          workflow: entry.name,
          component: component.name,
          nodeId: node.id,
          cron: expression,
          ...(typeof timezone === 'string' && timezone !== '' ? { timezone } : {}),
          enabled: p['enabled'] !== false && p['enabled'] !== 'false',
        });
      } else if (node.type === DB_CHANGE_TRIGGER_TYPE) {
        const collection = p['collection'];
        if (!isValidCollectionName(collection, { allowSystem: true })) {
          throw fail(
            source,
            component.name,
            node,
            `collection: expected a collection name, got ${describeValue(collection)}`,
          );
        }
        if ((collection as string).startsWith('_Workflow')) {
          throw fail(
            source,
            component.name,
            node,
            `collection: ${collection as string} holds the workflow runtime's own records and cannot trigger workflows`,
          );
        }
        const events = p['events'] ?? 'all';
        if (events !== 'all' && events !== 'create' && events !== 'save' && events !== 'delete') {
          throw fail(
            source,
            component.name,
            node,
            `events: expected all, create, save or delete, got ${describeValue(events)}`,
          );
        }
        triggers.push({
          kind: 'dbChange',
          workflow: entry.name,
          component: component.name,
          nodeId: node.id,
          collection: collection as string,
          events,
        });
      } else if (node.type === WEBHOOK_TRIGGER_TYPE) {
        const rawPath = p['path'] ?? entry.name;
        const path = typeof rawPath === 'string' ? normalizeWebhookPath(rawPath) : undefined;
        if (path === undefined) {
          throw fail(
            source,
            component.name,
            node,
            `path: expected a URL path of letters, digits and - _ . / ~, got ${describeValue(rawPath)}`,
          );
        }
        const method =
          typeof p['method'] === 'string' && p['method'] !== ''
            ? p['method'].toUpperCase()
            : 'POST';
        if (!['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) {
          throw fail(
            source,
            component.name,
            node,
            `method: expected ANY, GET, POST, PUT, PATCH or DELETE, got ${describeValue(p['method'])}`,
          );
        }
        const secret = p['secret'];
        triggers.push({
          kind: 'webhook',
          workflow: entry.name,
          component: component.name,
          nodeId: node.id,
          path,
          method,
          ...(typeof secret === 'string' && secret !== '' ? { secret } : {}),
        });
      }
    });
  }
  return triggers;
}
