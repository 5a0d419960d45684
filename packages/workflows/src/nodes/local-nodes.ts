import {
  BackendError,
  describeValue,
  type FieldValue,
  type SortInput,
  type StoredRecord,
  type WhereInput,
} from '@localbackend/adapter';
import type {
  NodeBehavior,
  NodeContext,
  NodeDefinition,
  PortDefinition,
} from '../catalog/node-definition';
import { ANY_PORT, afterPass, autoRuns, errorMessage } from './node-helpers';

const RESULT_OUTPUTS: Readonly<Record<string, PortDefinition>> = {
  success: { type: 'signal', displayName: 'Success' },
  failure: { type: 'signal', displayName: 'Failure' },
  error: { type: 'string', displayName: 'Error' },
};

function parseObject(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new BackendError('INVALID_JSON', `${path}: not valid JSON (${errorMessage(error)})`, {
        details: { path },
      });
    }
    value = parsed;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected an object, got ${describeValue(value)}`,
      { details: { path } },
    );
  }
  return value as Record<string, unknown>;
}

function collectionOf(settings: Record<string, unknown>): string {
  const collection = settings['collection'];
  if (typeof collection !== 'string' || collection === '') {
    throw new BackendError(
      'INVALID_VALUE',
      `collection: expected a collection name, got ${describeValue(collection)}`,
      { details: { path: 'collection' } },
    );
  }
  return collection;
}

/** Plain JSON data for the adapter: Noodl objects become their fields. */
function plainData(node: NodeContext, data: Record<string, unknown>): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    out[key] = (node.run.objects.isObject(value) ? { ...value.data } : value) as FieldValue;
  }
  return out;
}

function actionNode(
  node: NodeContext,
  trigger: string,
  act: (settings: Record<string, unknown>, fields: Record<string, unknown>) => Promise<void>,
  state: { error: string | undefined },
): NodeBehavior {
  const settings: Record<string, unknown> = {};
  const fields: Record<string, unknown> = {};
  const go = afterPass(node, () => {
    node.run.track(act(settings, { ...fields })).then(
      () => {
        state.error = undefined;
        node.sendSignal('success');
      },
      (error: unknown) => {
        state.error = errorMessage(error);
        node.log('warn', state.error);
        node.flagOutputDirty('error');
        node.sendSignal('failure');
      },
    );
  });
  return {
    acceptInput: (name) => (name.startsWith('field-') ? ANY_PORT : undefined),
    setInput(name, value) {
      if (name.startsWith('field-')) fields[name.slice(6)] = value;
      else settings[name] = value;
    },
    signal(name) {
      if (name === trigger) go();
    },
  };
}

/**
 * `noodl.local.query` (Query Records, local database): reads records with a filter in any format
 * the adapter accepts (Parse, Noodl, shorthand or visual), sort, limit and skip. Outputs plain
 * records (JSON, dates as ISO strings). Without `fetch` connected it re-queries when an input
 * changes.
 *
 * @example
 * ```ts
 * catalog.get('noodl.local.query') === localQueryNode; // true
 * ```
 */
export const localQueryNode: NodeDefinition = {
  type: 'noodl.local.query',
  version: 1,
  displayName: 'Query Records (Local)',
  category: 'Local Database',
  description: 'Reads records from the local database.',
  inputs: {
    collection: { type: 'string', displayName: 'Collection' },
    where: { type: 'query-filter', displayName: 'Filter' },
    sort: { type: 'string', displayName: 'Sort', description: "'-createdAt,title' or an array" },
    limit: { type: 'number', displayName: 'Limit', default: 100 },
    skip: { type: 'number', displayName: 'Skip', default: 0 },
    fetch: { type: 'signal', displayName: 'Fetch' },
  },
  outputs: {
    results: { type: 'array', displayName: 'Results' },
    firstResult: { type: 'object', displayName: 'First Result' },
    count: { type: 'number', displayName: 'Count' },
    ...RESULT_OUTPUTS,
  },
  create(node): NodeBehavior {
    const settings: Record<string, unknown> = {};
    const state = { error: undefined as string | undefined };
    let results: StoredRecord[] = [];
    let sequence = 0;
    const fetch = afterPass(node, () => {
      const mine = ++sequence;
      node.run
        .track(
          (async () => {
            const collection = collectionOf(settings);
            const where = parseObject(settings['where'], 'where');
            const limit = settings['limit'];
            const skip = settings['skip'];
            return node.run.adapter.query({
              collection,
              ...(where === undefined ? {} : { where: where as WhereInput }),
              ...(settings['sort'] === undefined || settings['sort'] === ''
                ? {}
                : { sort: settings['sort'] as SortInput }),
              ...(limit === undefined || limit === '' ? {} : { limit: Number(limit) }),
              ...(skip === undefined || skip === '' ? {} : { skip: Number(skip) }),
            });
          })(),
        )
        .then(
          (result) => {
            if (mine !== sequence) return;
            results = result.results;
            state.error = undefined;
            node.flagOutputDirty('results');
            node.flagOutputDirty('firstResult');
            node.flagOutputDirty('count');
            node.sendSignal('success');
          },
          (error: unknown) => {
            if (mine !== sequence) return;
            state.error = errorMessage(error);
            node.log('warn', state.error);
            node.flagOutputDirty('error');
            node.sendSignal('failure');
          },
        );
    });
    return {
      setInput(name, value) {
        settings[name] = value;
        if (autoRuns(node, 'fetch')) fetch();
      },
      signal(name) {
        if (name === 'fetch') fetch();
      },
      getOutput(name) {
        if (name === 'results') return results;
        if (name === 'firstResult') return results[0];
        if (name === 'count') return results.length;
        if (name === 'error') return state.error;
        return undefined;
      },
    };
  },
};

/**
 * `noodl.local.insert` (Insert Record): creates a record from `data` (an object or JSON) and
 * `field-<name>` inputs on `run`.
 *
 * @example
 * ```ts
 * catalog.get('noodl.local.insert') === localInsertNode; // true
 * ```
 */
export const localInsertNode: NodeDefinition = {
  type: 'noodl.local.insert',
  version: 1,
  displayName: 'Insert Record',
  category: 'Local Database',
  description: 'Creates a record in the local database.',
  inputs: {
    collection: { type: 'string', displayName: 'Collection' },
    data: { type: 'object', displayName: 'Data' },
    run: { type: 'signal', displayName: 'Do' },
  },
  outputs: {
    record: { type: 'object', displayName: 'Record' },
    objectId: { type: 'string', displayName: 'Object Id' },
    ...RESULT_OUTPUTS,
  },
  dynamicPorts: [
    { pattern: 'field-<name>', plug: 'input', type: '*', description: 'A field of the new record' },
  ],
  create(node): NodeBehavior {
    const state = { error: undefined as string | undefined };
    let record: StoredRecord | undefined;
    const behavior = actionNode(
      node,
      'run',
      async (settings, fields) => {
        const collection = collectionOf(settings);
        const data = { ...(parseObject(settings['data'], 'data') ?? {}), ...fields };
        record = await node.run.adapter.create({ collection, data: plainData(node, data) });
        node.flagOutputDirty('record');
        node.flagOutputDirty('objectId');
      },
      state,
    );
    return {
      ...behavior,
      getOutput(name) {
        if (name === 'record') return record;
        if (name === 'objectId') return record?.objectId;
        if (name === 'error') return state.error;
        return undefined;
      },
    };
  },
};

/**
 * `noodl.local.update` (Update Record): saves `data` and `field-<name>` values into record
 * `objectId` on `run` (a partial update).
 *
 * @example
 * ```ts
 * catalog.get('noodl.local.update') === localUpdateNode; // true
 * ```
 */
export const localUpdateNode: NodeDefinition = {
  type: 'noodl.local.update',
  version: 1,
  displayName: 'Update Record',
  category: 'Local Database',
  description: 'Updates fields of a record in the local database.',
  inputs: {
    collection: { type: 'string', displayName: 'Collection' },
    objectId: { type: 'string', displayName: 'Object Id' },
    data: { type: 'object', displayName: 'Data' },
    run: { type: 'signal', displayName: 'Do' },
  },
  outputs: { record: { type: 'object', displayName: 'Record' }, ...RESULT_OUTPUTS },
  dynamicPorts: [
    { pattern: 'field-<name>', plug: 'input', type: '*', description: 'A field to set' },
  ],
  create(node): NodeBehavior {
    const state = { error: undefined as string | undefined };
    let record: StoredRecord | undefined;
    const behavior = actionNode(
      node,
      'run',
      async (settings, fields) => {
        const collection = collectionOf(settings);
        const objectId = settings['objectId'];
        if (typeof objectId !== 'string' || objectId === '') {
          throw new BackendError(
            'INVALID_VALUE',
            `objectId: expected a record id, got ${describeValue(objectId)}`,
            { details: { path: 'objectId' } },
          );
        }
        const data = { ...(parseObject(settings['data'], 'data') ?? {}), ...fields };
        record = await node.run.adapter.save({ collection, objectId, data: plainData(node, data) });
        node.flagOutputDirty('record');
      },
      state,
    );
    return {
      ...behavior,
      getOutput(name) {
        if (name === 'record') return record;
        if (name === 'error') return state.error;
        return undefined;
      },
    };
  },
};

/**
 * `noodl.local.delete` (Delete Record, local database): deletes record `objectId` on `run`.
 *
 * @example
 * ```ts
 * catalog.get('noodl.local.delete') === localDeleteNode; // true
 * ```
 */
export const localDeleteNode: NodeDefinition = {
  type: 'noodl.local.delete',
  version: 1,
  displayName: 'Delete Record (Local)',
  category: 'Local Database',
  description: 'Deletes a record from the local database.',
  inputs: {
    collection: { type: 'string', displayName: 'Collection' },
    objectId: { type: 'string', displayName: 'Object Id' },
    run: { type: 'signal', displayName: 'Do' },
  },
  outputs: RESULT_OUTPUTS,
  create(node): NodeBehavior {
    const state = { error: undefined as string | undefined };
    const behavior = actionNode(
      node,
      'run',
      async (settings) => {
        const collection = collectionOf(settings);
        const objectId = settings['objectId'];
        if (typeof objectId !== 'string' || objectId === '') {
          throw new BackendError(
            'INVALID_VALUE',
            `objectId: expected a record id, got ${describeValue(objectId)}`,
            { details: { path: 'objectId' } },
          );
        }
        await node.run.adapter.delete({ collection, objectId });
      },
      state,
    );
    return { ...behavior, getOutput: (name) => (name === 'error' ? state.error : undefined) };
  },
};
