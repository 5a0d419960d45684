import type { StoredRecord } from '@localbackend/adapter';
import type { NodeBehavior, NodeDefinition } from '../catalog/node-definition';
import { safeTable, storedToObject } from '../engine/records';
import {
  DB_CHANGE_TRIGGER_TYPE,
  SCHEDULE_TRIGGER_TYPE,
  WEBHOOK_TRIGGER_TYPE,
} from '../triggers/trigger-types';
import { parseBody } from './cloud-nodes';

/**
 * `noodl.trigger.schedule` (Schedule Trigger): starts its workflow on a node-cron schedule
 * (five fields, or six with seconds first). Parameters are read when the workflow is loaded.
 *
 * @example
 * ```ts
 * catalog.get('noodl.trigger.schedule') === scheduleTriggerNode; // true
 * ```
 */
export const scheduleTriggerNode: NodeDefinition = {
  type: SCHEDULE_TRIGGER_TYPE,
  version: 1,
  displayName: 'Schedule Trigger',
  category: 'Triggers',
  description:
    'Runs the workflow on a cron schedule ("*/10 * * * * *" = every 10 seconds, "0 3 * * *" = 03:00 daily). Parameters are read when the workflow loads.',
  inputs: {
    cron: { type: 'string', displayName: 'Cron Expression', default: '0 * * * *' },
    enabled: { type: 'boolean', displayName: 'Enabled', default: true },
    timezone: {
      type: 'string',
      displayName: 'Time Zone',
      description: 'IANA name, e.g. Europe/Oslo; the server time zone when empty',
    },
  },
  outputs: {
    triggered: { type: 'signal', displayName: 'Triggered' },
    lastRun: { type: 'date', displayName: 'Last Run' },
  },
  create(node): NodeBehavior {
    let lastRun: Date | undefined;
    return {
      getOutput: (name) => (name === 'lastRun' ? lastRun : undefined),
      start(start) {
        if (start.kind !== 'schedule') return;
        lastRun = new Date(start.firedAt);
        node.flagOutputDirty('lastRun');
        node.sendSignal('triggered');
      },
    };
  },
};

/**
 * `noodl.trigger.dbChange` (Database Change Trigger): starts its workflow once per committed
 * create / save / delete in a collection.
 *
 * @example
 * ```ts
 * catalog.get('noodl.trigger.dbChange') === dbChangeTriggerNode; // true
 * ```
 */
export const dbChangeTriggerNode: NodeDefinition = {
  type: DB_CHANGE_TRIGGER_TYPE,
  version: 1,
  displayName: 'Database Change Trigger',
  category: 'Triggers',
  description:
    'Runs the workflow after every committed change of a collection (never for rolled-back work).',
  inputs: {
    collection: { type: 'string', displayName: 'Collection' },
    events: {
      type: 'enum',
      enum: ['all', 'create', 'save', 'delete'],
      displayName: 'Events',
      default: 'all',
    },
  },
  outputs: {
    triggered: { type: 'signal', displayName: 'Triggered' },
    eventType: { type: 'string', displayName: 'Event Type' },
    record: { type: 'object', displayName: 'Record' },
    recordId: { type: 'string', displayName: 'Record ID' },
    previous: { type: 'object', displayName: 'Previous Record' },
  },
  create(node): NodeBehavior {
    let eventType: string | undefined;
    let record: unknown;
    let recordId: string | undefined;
    let previous: unknown;
    return {
      getOutput(name) {
        if (name === 'eventType') return eventType;
        if (name === 'record') return record;
        if (name === 'recordId') return recordId;
        if (name === 'previous') return previous;
        return undefined;
      },
      async start(start) {
        if (start.kind !== 'dbChange') return;
        const table = await safeTable(node.run, start.collection);
        eventType = start.type;
        recordId = start.objectId;
        if (start.previous !== undefined) {
          // The previous state is a detached copy: it must not become the record's object.
          const copy = node.run.objects.get();
          for (const [key, value] of Object.entries(start.previous))
            if (key !== 'objectId') copy.set(key, value, { silent: true });
          copy.set('objectId', start.previous['objectId'], { silent: true });
          previous = copy;
        }
        record = storedToObject(node.run, start.collection, start.object as StoredRecord, table);
        node.flagOutputDirty('eventType');
        node.flagOutputDirty('recordId');
        node.flagOutputDirty('record');
        if (previous !== undefined) node.flagOutputDirty('previous');
        node.sendSignal('triggered');
      },
    };
  },
};

/**
 * `noodl.trigger.webhook` (Webhook Trigger): starts its workflow on an HTTP call of its path.
 * A Response node in the workflow answers the call; without one the call is answered
 * `202 {"result":{"accepted":true,"runId":...}}` at once.
 *
 * @example
 * ```ts
 * catalog.get('noodl.trigger.webhook') === webhookTriggerNode; // true
 * ```
 */
export const webhookTriggerNode: NodeDefinition = {
  type: WEBHOOK_TRIGGER_TYPE,
  version: 1,
  displayName: 'Webhook Trigger',
  category: 'Triggers',
  description:
    'Runs the workflow when its path is called over HTTP. A secret, when set, must arrive in the X-Webhook-Secret header or the secret query parameter.',
  inputs: {
    path: { type: 'string', displayName: 'Path', description: 'Defaults to the workflow name' },
    method: {
      type: 'enum',
      enum: ['POST', 'GET', 'PUT', 'PATCH', 'DELETE', 'ANY'],
      displayName: 'Method',
      default: 'POST',
    },
    secret: { type: 'string', displayName: 'Secret' },
  },
  outputs: {
    received: { type: 'signal', displayName: 'Received' },
    body: { type: '*', displayName: 'Body' },
    headers: { type: 'object', displayName: 'Headers' },
    query: { type: 'object', displayName: 'Query' },
    method: { type: 'string', displayName: 'Method' },
  },
  create(node): NodeBehavior {
    const values = new Map<string, unknown>();
    return {
      getOutput: (name) => values.get(name),
      start(start) {
        if (start.kind !== 'webhook') return;
        const body = parseBody(start.body);
        values.set('body', body);
        values.set('headers', { ...start.headers });
        values.set('query', { ...start.query });
        values.set('method', start.method);
        const request = node.run.objects.get('Request');
        request.set('Authenticated', false);
        request.set('Parameters', body);
        request.set('Headers', { ...start.headers });
        for (const name of ['body', 'headers', 'query', 'method']) node.flagOutputDirty(name);
        node.sendSignal('received');
      },
    };
  },
};
