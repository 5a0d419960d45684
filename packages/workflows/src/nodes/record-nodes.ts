import { BackendError, type AggregateSpec, type StoredRecord } from '@localbackend/adapter';
import { matches, parseWhere } from '@localbackend/query';
import type {
  NodeBehavior,
  NodeContext,
  NodeDefinition,
  PortDefinition,
} from '../catalog/node-definition';
import { visualFilterToWhere, visualSortToTerms } from '../engine/filters';
import { aggregateOrEmpty } from '../engine/noodl-api';
import type { NoodlObject } from '../engine/object-scope';
import type { GraphNode } from '../engine/graph-node';
import { idOf, recordArray, safeTable, serializeFields, storedToObject } from '../engine/records';
import {
  ANY_PORT,
  SIGNAL_PORT,
  afterPass,
  autoRuns,
  errorMessage,
  splitList,
} from './node-helpers';
import { filterContextOf, nodeFilter, reportFailure, setDotted, targetId } from './record-helpers';

const FAILURE_OUTPUTS: Readonly<Record<string, PortDefinition>> = {
  failure: { type: 'signal', displayName: 'Failure' },
  error: { type: 'string', displayName: 'Error' },
};

const FILTER_INPUTS: Readonly<Record<string, PortDefinition>> = {
  collectionName: { type: 'string', displayName: 'Class' },
  storageFilterType: {
    type: 'enum',
    enum: ['simple', 'json'],
    displayName: 'Filter',
    default: 'simple',
  },
  visualFilter: { type: 'query-filter', displayName: 'Filter' },
  storageJSONFilter: {
    type: 'string',
    displayName: 'JSON Filter',
    description:
      'A script calling where({...}) and sort([...]); $name reads storageFilterValue-name',
  },
};

/**
 * `DbCollection2` (Query Records): queries a collection with a visual or JSON filter, limit,
 * skip and count. Without `storageFetch` connected it re-queries whenever an input changes. No
 * limit means the adapter's default of 100.
 *
 * @example
 * ```ts
 * catalog.get('DbCollection2') === queryRecordsNode; // true
 * ```
 */
export const queryRecordsNode: NodeDefinition = {
  type: 'DbCollection2',
  version: 1,
  displayName: 'Query Records',
  category: 'Cloud Data',
  description: 'Reads the records of a class that match a filter.',
  inputs: {
    ...FILTER_INPUTS,
    visualSort: { type: 'array', displayName: 'Sort' },
    storageEnableLimit: { type: 'boolean', displayName: 'Use Limit', default: false },
    storageLimit: { type: 'number', displayName: 'Limit', default: 10 },
    storageSkip: { type: 'number', displayName: 'Skip', default: 0 },
    storageEnableCount: { type: 'boolean', displayName: 'Fetch Total Count', default: false },
    storageFetch: { type: 'signal', displayName: 'Do' },
  },
  outputs: {
    items: { type: 'array', displayName: 'Items' },
    firstItemId: { type: 'string', displayName: 'First Record Id' },
    isEmpty: { type: 'boolean', displayName: 'Is Empty' },
    count: { type: 'number', displayName: 'Count' },
    storageTotalCount: { type: 'number', displayName: 'Total Count' },
    fetched: { type: 'signal', displayName: 'Success' },
    ...FAILURE_OUTPUTS,
  },
  dynamicPorts: [
    {
      pattern: 'qp-<input>',
      plug: 'input',
      type: '*',
      description: 'A value used by the visual filter',
    },
    {
      pattern: 'storageFilterValue-<name>',
      plug: 'input',
      type: '*',
      description: 'A value used by the JSON filter ($name)',
    },
  ],
  create(node): NodeBehavior {
    const settings: Record<string, unknown> = {};
    const visualInputs: Record<string, unknown> = {};
    const jsonValues: Record<string, unknown> = {};
    const state = { error: undefined as string | undefined };
    let items: unknown[] | undefined;
    /** The rows of `items` (its length and first id while its objects are deferred). */
    let rows: readonly StoredRecord[] = [];
    let total: number | undefined;
    let sequence = 0;
    const fetch = afterPass(node, () => {
      const mine = ++sequence;
      const run = node.run;
      const className = settings['collectionName'];
      void run
        .track(
          (async () => {
            if (typeof className !== 'string' || className === '')
              throw new BackendError('INVALID_VALUE', 'No class name specified');
            const table = await safeTable(run, className);
            const ctx = filterContextOf(node, table);
            const { where, sort: jsonSort } = nodeFilter(
              node,
              {
                type: settings['storageFilterType'],
                visual: settings['visualFilter'],
                visualInputs,
                json: settings['storageJSONFilter'],
                jsonValues,
              },
              ctx,
            );
            const sort =
              settings['storageFilterType'] === 'json'
                ? jsonSort
                : visualSortToTerms(settings['visualSort']);
            const limitEnabled = settings['storageEnableLimit'] === true;
            const limit = Number(settings['storageLimit'] ?? 10);
            const skip = Number(settings['storageSkip'] ?? 0);
            const count = settings['storageEnableCount'] === true;
            const result = await run.adapter.query({
              collection: className,
              where,
              ...(sort === undefined ? {} : { sort }),
              ...(limitEnabled
                ? {
                    limit: Number.isFinite(limit) ? limit : 10,
                    skip: Number.isFinite(skip) ? skip : 0,
                  }
                : {}),
              ...(count ? { count: true } : {}),
            });
            return { result, table, className, count };
          })(),
        )
        .then(
          ({ result, table, className: cls, count }) => {
            if (mine !== sequence) return;
            // Objects are created when something needs them: a list that only reaches
            // Response nodes is written out from the rows' JSON text (see recordArray).
            items = recordArray(run, cls, result, table, true);
            rows = result.results;
            state.error = undefined;
            if (count) {
              total = result.count ?? items.length;
              node.flagOutputDirty('storageTotalCount');
            }
            node.flagOutputDirty('firstItemId');
            node.flagOutputDirty('isEmpty');
            node.flagOutputDirty('items');
            node.flagOutputDirty('count');
            node.sendSignal('fetched');
          },
          (error: unknown) => {
            if (mine !== sequence) return;
            items = run.objects.newArray([]);
            rows = [];
            node.flagOutputDirty('items');
            node.flagOutputDirty('count');
            node.flagOutputDirty('isEmpty');
            reportFailure(node, state, error);
          },
        );
    });
    return {
      acceptInput: (name) =>
        name.startsWith('qp-') || name.startsWith('storageFilterValue-') ? ANY_PORT : undefined,
      setInput(name, value) {
        if (name.startsWith('qp-')) visualInputs[name.slice(3)] = value;
        else if (name.startsWith('storageFilterValue-'))
          jsonValues[name.slice('storageFilterValue-'.length)] = value;
        else settings[name] = value;
        if (autoRuns(node, 'storageFetch')) fetch();
      },
      signal(name) {
        if (name === 'storageFetch') fetch();
      },
      getOutput(name) {
        switch (name) {
          case 'items':
            if (items === undefined) return (items = node.run.objects.newArray([]));
            // Deferred objects stay deferred only while every receiver is a Response value.
            if (!(node as GraphNode).feedsOnly('items', 'noodl.cloud.response', 'pm-'))
              node.run.objects.settleArray(items);
            return items;
          case 'firstItemId':
            return node.run.objects.isDeferred(items) ? rows[0]?.objectId : idOf(items?.[0]);
          case 'isEmpty':
            return (node.run.objects.isDeferred(items) ? rows.length : (items?.length ?? 0)) === 0;
          case 'count':
            return node.run.objects.isDeferred(items) ? rows.length : (items?.length ?? 0);
          case 'storageTotalCount':
            return total;
          case 'error':
            return state.error;
          default:
            return undefined;
        }
      },
    };
  },
};

/**
 * Shared shape of nodes that act on one record on `store` ("Do").
 */
function recordTarget(node: NodeContext): {
  settings: Record<string, unknown>;
  id(): string | undefined;
  className(): string | undefined;
} {
  const settings: Record<string, unknown> = {};
  return {
    settings,
    id: () => targetId(node, settings['idSource'], settings['modelId']),
    className: () => {
      const given = settings['collectionName'];
      if (typeof given === 'string' && given !== '') return given;
      const id = targetId(node, settings['idSource'], settings['modelId']);
      return id === undefined ? undefined : node.run.objects.classOf(id);
    },
  };
}

/**
 * `DbModel2` (Record): one record's fields. Without `fetch` connected it binds to the run's
 * in-memory object of `modelId` (no database access) and forwards its changes; with `fetch`
 * connected it reads the record on `fetch`.
 *
 * @example
 * ```ts
 * catalog.get('DbModel2') === recordNode; // true
 * ```
 */
export const recordNode: NodeDefinition = {
  type: 'DbModel2',
  version: 1,
  displayName: 'Record',
  category: 'Cloud Data',
  description:
    "A record's properties: bound to the run's object, or fetched from the database on Fetch.",
  inputs: {
    collectionName: { type: 'string', displayName: 'Class' },
    modelId: { type: 'string', displayName: 'Id' },
    idSource: {
      type: 'enum',
      enum: ['explicit', 'foreach'],
      displayName: 'Id Source',
      default: 'explicit',
    },
    fetch: { type: 'signal', displayName: 'Fetch' },
  },
  outputs: {
    id: { type: 'string', displayName: 'Id' },
    changed: { type: 'signal', displayName: 'Changed' },
    fetched: { type: 'signal', displayName: 'Fetched' },
    ...FAILURE_OUTPUTS,
  },
  dynamicPorts: [
    { pattern: 'prop-<field>', plug: 'output', type: '*', description: 'A field of the record' },
    {
      pattern: 'changed-<field>',
      plug: 'output',
      type: 'signal',
      description: 'Pulses when the field changes',
    },
  ],
  create(node): NodeBehavior {
    return boundObjectBehavior(node, { fetchesFromDatabase: true });
  },
};

/**
 * The behaviour shared by Record (`DbModel2`) and Object (`Model2`): bind to an object of the run,
 * re-send its `prop-*` outputs and forward its changes.
 */
function boundObjectBehavior(
  node: NodeContext,
  options: { fetchesFromDatabase: boolean; propertyInputs?: boolean },
): NodeBehavior {
  const target = recordTarget(node);
  const state = { error: undefined as string | undefined };
  const props = new Set<string>();
  const pendingWrites = new Map<string, unknown>();
  let bound: NoodlObject | undefined;
  let unbind: (() => void) | undefined;

  const resend = (): void => {
    node.flagOutputDirty('id');
    for (const prop of props) node.flagOutputDirty(`prop-${prop}`);
  };
  const bind = (object: NoodlObject, listen: boolean): void => {
    unbind?.();
    unbind = undefined;
    bound = object;
    if (listen) {
      const listener = (event: { name?: string }): void => {
        if (event.name === undefined) return;
        if (props.has(event.name)) node.flagOutputDirty(`prop-${event.name}`);
        node.sendSignal(`changed-${event.name}`);
        node.sendSignal('changed');
      };
      object.on('change', listener);
      unbind = () => object.off('change', listener);
    }
    resend();
  };
  const writeProps = afterPass(node, () => {
    if (bound === undefined) return;
    for (const [name, value] of pendingWrites)
      if (bound.get(name) !== value) bound.set(name, value);
    pendingWrites.clear();
  });
  const fetch = (): void => {
    const run = node.run;
    if (target.settings['idSource'] === 'foreach') {
      const item = node.graph.forEachItem();
      if (run.objects.isObject(item)) bind(item, false);
      node.sendSignal('fetched');
      return;
    }
    const id = target.id();
    if (id === undefined) {
      reportFailure(node, state, 'Missing Id.');
      return;
    }
    if (!options.fetchesFromDatabase) {
      bind(run.objects.get(id), true);
      node.sendSignal('fetched');
      return;
    }
    const className = target.className();
    run
      .track(
        (async () => {
          if (className === undefined)
            throw new BackendError('INVALID_VALUE', 'No class name specified');
          const table = await safeTable(run, className);
          return storedToObject(
            run,
            className,
            await run.adapter.fetch({ collection: className, objectId: id }),
            table,
          );
        })(),
      )
      .then(
        (object) => {
          bind(object, false);
          node.sendSignal('fetched');
        },
        (error: unknown) => reportFailure(node, state, error),
      );
  };
  const bindAtOnce = afterPass(node, () => {
    const run = node.run;
    if (target.settings['idSource'] === 'foreach') {
      const item = node.graph.forEachItem();
      if (run.objects.isObject(item)) bind(item, true);
      if (options.fetchesFromDatabase) node.sendSignal('fetched');
      return;
    }
    const id = target.id();
    if (id === undefined) return;
    bind(run.objects.get(id), true);
    node.sendSignal('fetched');
  });

  return {
    acceptInput(name) {
      if (name.startsWith('prop-')) return ANY_PORT;
      return undefined;
    },
    acceptOutput(name) {
      if (name.startsWith('prop-')) {
        props.add(name.slice(5));
        return ANY_PORT;
      }
      if (name.startsWith('changed-')) return SIGNAL_PORT;
      return undefined;
    },
    setInput(name, value) {
      if (name.startsWith('prop-')) {
        if (options.propertyInputs === true) {
          pendingWrites.set(name.slice(5), value);
          writeProps();
        }
        return;
      }
      target.settings[name] = value;
      if ((name === 'modelId' || name === 'idSource') && !node.isInputConnected('fetch'))
        bindAtOnce();
    },
    signal(name) {
      if (name === 'fetch') fetch();
    },
    getOutput(name) {
      if (name === 'id') return bound?.id;
      if (name === 'error') return state.error;
      if (name.startsWith('prop-')) return bound?.get(name.slice(5));
      return undefined;
    },
    dispose() {
      unbind?.();
    },
  };
}

/**
 * Builds a behaviour for a node that acts on `store` ("Do") with `prop-*` values.
 */
function storeAction(
  node: NodeContext,
  act: (ctx: {
    settings: Record<string, unknown>;
    props: Map<string, unknown>;
    target: ReturnType<typeof recordTarget>;
    state: { error: string | undefined; id: string | undefined };
  }) => Promise<void>,
): NodeBehavior {
  const target = recordTarget(node);
  const props = new Map<string, unknown>();
  const state = { error: undefined as string | undefined, id: undefined as string | undefined };
  const run = afterPass(node, () => {
    node.run
      .track(act({ settings: target.settings, props, target, state }))
      .catch((error: unknown) => reportFailure(node, state, error));
  });
  return {
    acceptInput(name) {
      if (name.startsWith('prop-') || name.startsWith('acl-')) return ANY_PORT;
      return undefined;
    },
    setInput(name, value) {
      if (name.startsWith('prop-')) props.set(name.slice(5), value);
      else target.settings[name] = value;
    },
    signal(name) {
      if (name === 'store') run();
    },
    getOutput(name) {
      if (name === 'id') return state.id;
      if (name === 'error') return state.error;
      return undefined;
    },
  };
}

const STORE_INPUTS: Readonly<Record<string, PortDefinition>> = {
  collectionName: { type: 'string', displayName: 'Class' },
  modelId: { type: 'string', displayName: 'Id' },
  idSource: {
    type: 'enum',
    enum: ['explicit', 'foreach'],
    displayName: 'Id Source',
    default: 'explicit',
  },
  store: { type: 'signal', displayName: 'Do' },
};

const ACL_INPUTS: Readonly<Record<string, PortDefinition>> = {
  accessControl: {
    type: 'array',
    displayName: 'Access Control',
    description: 'Accepted for compatibility; localbackend does not enforce ACLs',
  },
};

/**
 * `NewDbModelProperties` (Create New Record): creates a record from its `prop-*` values (and the
 * fields of `sourceObjectId`, explicit values winning) on `store`.
 *
 * @example
 * ```ts
 * catalog.get('NewDbModelProperties') === createRecordNode; // true
 * ```
 */
export const createRecordNode: NodeDefinition = {
  type: 'NewDbModelProperties',
  version: 1,
  displayName: 'Create New Record',
  category: 'Cloud Data',
  description: 'Creates a record from the property values on Do.',
  inputs: {
    collectionName: { type: 'string', displayName: 'Class' },
    sourceObjectId: { type: 'string', displayName: 'Source Object Id' },
    store: { type: 'signal', displayName: 'Do' },
    ...ACL_INPUTS,
  },
  outputs: {
    id: { type: 'string', displayName: 'Id' },
    created: { type: 'signal', displayName: 'Success' },
    ...FAILURE_OUTPUTS,
  },
  dynamicPorts: [
    {
      pattern: 'prop-<field>',
      plug: 'input',
      type: '*',
      description: 'A field value of the new record',
    },
  ],
  create(node) {
    return storeAction(node, async ({ settings, props, state }) => {
      const run = node.run;
      const className = settings['collectionName'];
      if (typeof className !== 'string' || className === '')
        throw new BackendError('INVALID_VALUE', 'No class name specified');
      const fields: Record<string, unknown> = {};
      const source = idOf(settings['sourceObjectId']);
      if (source !== undefined && run.objects.exists(source))
        Object.assign(fields, run.objects.get(source).data);
      for (const [name, value] of props) fields[name] = value;
      const table = await safeTable(run, className);
      const stored = await run.adapter.create({
        collection: className,
        data: serializeFields(run, fields, table),
      });
      storedToObject(run, className, stored, table);
      state.id = stored.objectId;
      state.error = undefined;
      node.flagOutputDirty('id');
      node.sendSignal('created');
    });
  },
};

/**
 * `SetDbModelProperties` (Set Record Properties): writes its `prop-*` values into the record's
 * object and saves them (`storeProperties: 'all'` saves every field; `storeType: 'local'` only
 * changes the object).
 *
 * @example
 * ```ts
 * catalog.get('SetDbModelProperties') === setRecordNode; // true
 * ```
 */
export const setRecordNode: NodeDefinition = {
  type: 'SetDbModelProperties',
  version: 1,
  displayName: 'Set Record Properties',
  category: 'Cloud Data',
  description: 'Writes property values into a record and saves it on Do.',
  inputs: {
    ...STORE_INPUTS,
    storeProperties: {
      type: 'enum',
      enum: ['specified', 'all'],
      displayName: 'Properties to store',
      default: 'specified',
    },
    storeType: {
      type: 'enum',
      enum: ['cloud', 'local'],
      displayName: 'Store to',
      default: 'cloud',
    },
    ...ACL_INPUTS,
  },
  outputs: {
    id: { type: 'string', displayName: 'Id' },
    stored: { type: 'signal', displayName: 'Success' },
    ...FAILURE_OUTPUTS,
  },
  dynamicPorts: [
    {
      pattern: 'prop-<field>',
      plug: 'input',
      type: '*',
      description: 'A field value to write (dotted names write into objects)',
    },
  ],
  create(node) {
    return storeAction(node, async ({ settings, props, target, state }) => {
      const run = node.run;
      const id = target.id();
      if (id === undefined) throw new BackendError('INVALID_VALUE', 'Missing Record Id');
      const object = run.objects.get(id);
      for (const [name, value] of props) setDotted(object, name, value);
      state.id = id;
      node.flagOutputDirty('id');
      if (settings['storeType'] === 'local') {
        node.sendSignal('stored');
        return;
      }
      const className = target.className();
      if (className === undefined)
        throw new BackendError('INVALID_VALUE', 'No class name specified');
      const table = await safeTable(run, className);
      const fields: Record<string, unknown> = {};
      if (settings['storeProperties'] === 'all') Object.assign(fields, object.data);
      else
        for (const name of props.keys()) {
          const head = name.split('.')[0]!;
          fields[head] = object.get(head);
        }
      const stored = await run.adapter.save({
        collection: className,
        objectId: id,
        data: serializeFields(run, fields, table),
      });
      object.set('updatedAt', stored.updatedAt);
      state.error = undefined;
      node.sendSignal('stored');
    });
  },
};

/**
 * `DeleteDbModelProperties` (Delete Record): deletes the record on `store`.
 *
 * @example
 * ```ts
 * catalog.get('DeleteDbModelProperties') === deleteRecordNode; // true
 * ```
 */
export const deleteRecordNode: NodeDefinition = {
  type: 'DeleteDbModelProperties',
  version: 1,
  displayName: 'Delete Record',
  category: 'Cloud Data',
  description: 'Deletes a record on Do.',
  inputs: STORE_INPUTS,
  outputs: {
    id: { type: 'string', displayName: 'Id' },
    deleted: { type: 'signal', displayName: 'Success' },
    ...FAILURE_OUTPUTS,
  },
  create(node) {
    return storeAction(node, async ({ target, state }) => {
      const run = node.run;
      const id = target.id();
      if (id === undefined) throw new BackendError('INVALID_VALUE', 'Missing Record Id');
      const className = target.className();
      if (className === undefined)
        throw new BackendError('INVALID_VALUE', 'No class name specified');
      await run.adapter.delete({ collection: className, objectId: id });
      state.id = id;
      state.error = undefined;
      node.flagOutputDirty('id');
      run.objects.get(id).notify('delete');
      node.sendSignal('deleted');
    });
  },
};

function relationNode(kind: 'add' | 'remove'): NodeDefinition {
  const success = kind === 'add' ? 'relationAdded' : 'relationRemoved';
  return {
    type: kind === 'add' ? 'AddDbModelRelation' : 'RemoveDbModelRelation',
    version: 1,
    displayName: kind === 'add' ? 'Add Record Relation' : 'Remove Record Relation',
    category: 'Cloud Data',
    description: `${kind === 'add' ? 'Adds a record to' : 'Removes a record from'} a Relation field on Do. The target's class is the one it was loaded from in this run.`,
    inputs: {
      ...STORE_INPUTS,
      relationProperty: { type: 'string', displayName: 'Relation' },
      targetId: { type: 'string', displayName: 'Target Record Id' },
    },
    outputs: {
      id: { type: 'string', displayName: 'Id' },
      [success]: { type: 'signal', displayName: 'Success' },
      ...FAILURE_OUTPUTS,
    },
    create(node) {
      return storeAction(node, async ({ settings, target, state }) => {
        const run = node.run;
        const id = target.id();
        if (id === undefined) throw new BackendError('INVALID_VALUE', 'Missing Record Id');
        const targetRecord = idOf(settings['targetId']);
        if (targetRecord === undefined)
          throw new BackendError('INVALID_VALUE', 'Missing target record id');
        const key = settings['relationProperty'];
        if (typeof key !== 'string' || key === '')
          throw new BackendError('INVALID_VALUE', 'Missing relation property');
        const className = target.className();
        if (className === undefined)
          throw new BackendError('INVALID_VALUE', 'No class name specified');
        const targetClass = run.objects.classOf(targetRecord);
        const options = {
          collection: className,
          objectId: id,
          key,
          targetObjectId: targetRecord,
          ...(targetClass === undefined ? {} : { targetClass }),
        };
        if (kind === 'add') await run.adapter.addRelation(options);
        else await run.adapter.removeRelation(options);
        state.id = id;
        state.error = undefined;
        node.flagOutputDirty('id');
        node.sendSignal(success);
      });
    },
  };
}

/**
 * `AddDbModelRelation` (Add Record Relation).
 *
 * @example
 * ```ts
 * catalog.get('AddDbModelRelation') === addRelationNode; // true
 * ```
 */
export const addRelationNode = relationNode('add');
/**
 * `RemoveDbModelRelation` (Remove Record Relation).
 *
 * @example
 * ```ts
 * catalog.get('RemoveDbModelRelation') === removeRelationNode; // true
 * ```
 */
export const removeRelationNode = relationNode('remove');

function plainRecord(run: NodeContext['run'], value: unknown): Record<string, unknown> | undefined {
  if (run.objects.isObject(value)) {
    const out: Record<string, unknown> = { objectId: value.id, createdAt: '', updatedAt: '' };
    for (const [key, v] of Object.entries(value.data)) out[key] = plainValue(run, v);
    return out;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const out: Record<string, unknown> = { createdAt: '', updatedAt: '' };
    for (const [key, v] of Object.entries(value as Record<string, unknown>))
      out[key] = plainValue(run, v);
    if (out['objectId'] === undefined && typeof out['id'] === 'string') out['objectId'] = out['id'];
    return out;
  }
  return undefined;
}

function plainValue(run: NodeContext['run'], value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (run.objects.isObject(value)) return value.data;
  return value;
}

/**
 * `FilterDBModels` (Filter Records): filters and sorts an array of records in memory with a visual
 * filter (the same semantics as the database, through `@localbackend/query`'s `matches`).
 *
 * @example
 * ```ts
 * catalog.get('FilterDBModels') === filterRecordsNode; // true
 * ```
 */
export const filterRecordsNode: NodeDefinition = {
  type: 'FilterDBModels',
  version: 1,
  displayName: 'Filter Records',
  category: 'Cloud Data',
  description: 'Filters an array of records in memory.',
  inputs: {
    items: { type: 'array', displayName: 'Items' },
    collectionName: { type: 'string', displayName: 'Class' },
    visualFilter: { type: 'query-filter', displayName: 'Filter' },
    visualSorting: { type: 'array', displayName: 'Sort' },
    filterEnableLimit: { type: 'boolean', displayName: 'Use Limit', default: false },
    filterLimit: { type: 'number', displayName: 'Limit', default: 10 },
    filterSkip: { type: 'number', displayName: 'Skip', default: 0 },
    enabled: { type: 'boolean', displayName: 'Enabled', default: true },
    filter: { type: 'signal', displayName: 'Filter' },
  },
  outputs: {
    items: { type: 'array', displayName: 'Items' },
    firstItemId: { type: 'string', displayName: 'First Record Id' },
    count: { type: 'number', displayName: 'Count' },
    modified: { type: 'signal', displayName: 'Filtered' },
  },
  dynamicPorts: [
    {
      pattern: 'fp-<input>',
      plug: 'input',
      type: '*',
      description: 'A value used by the visual filter',
    },
  ],
  create(node): NodeBehavior {
    const settings: Record<string, unknown> = {};
    const inputs: Record<string, unknown> = {};
    let result: unknown[] | undefined;
    const filter = afterPass(node, () => {
      const run = node.run;
      const source = Array.isArray(settings['items']) ? (settings['items'] as unknown[]) : [];
      if (settings['enabled'] === false) {
        result = run.objects.newArray(source);
      } else {
        let matched: unknown[];
        try {
          const where = visualFilterToWhere(
            settings['visualFilter'],
            inputs,
            filterContextOf(node, undefined),
          );
          const node_ = where === undefined ? undefined : parseWhere(where);
          matched =
            node_ === undefined
              ? [...source]
              : source.filter((item) => {
                  const record = plainRecord(run, item);
                  return record !== undefined && matches(record, node_);
                });
        } catch (error) {
          node.log('warn', `Filter Records: ${errorMessage(error)}`);
          matched = [];
        }
        const sort = visualSortToTerms(settings['visualSorting']);
        if (sort !== undefined) matched.sort(compareBy(run, sort));
        if (settings['filterEnableLimit'] === true) {
          const skip = Number(settings['filterSkip'] ?? 0) || 0;
          const limit = Number(settings['filterLimit'] ?? 10) || 0;
          matched = matched.slice(skip, skip + limit);
        }
        result = run.objects.newArray(matched);
      }
      node.flagOutputDirty('items');
      node.flagOutputDirty('firstItemId');
      node.flagOutputDirty('count');
      node.sendSignal('modified');
    });
    return {
      acceptInput: (name) => (name.startsWith('fp-') ? ANY_PORT : undefined),
      setInput(name, value) {
        if (name.startsWith('fp-')) inputs[name.slice(3)] = value;
        else settings[name] = value;
        if (autoRuns(node, 'filter')) filter();
      },
      signal(name) {
        if (name === 'filter') filter();
      },
      getOutput(name) {
        if (name === 'items') return result;
        if (name === 'firstItemId') return idOf(result?.[0]);
        if (name === 'count') return result?.length ?? 0;
        return undefined;
      },
    };
  },
};

function compareBy(
  run: NodeContext['run'],
  terms: readonly string[],
): (a: unknown, b: unknown) => number {
  const keys = terms.map((t) =>
    t.startsWith('-') ? { field: t.slice(1), dir: -1 } : { field: t, dir: 1 },
  );
  const read = (item: unknown, field: string): unknown => {
    const value = run.objects.isObject(item)
      ? field === 'objectId' || field === 'id'
        ? item.id
        : item.get(field)
      : (item as Record<string, unknown> | null)?.[field];
    return value instanceof Date ? value.getTime() : value;
  };
  return (a, b) => {
    for (const { field, dir } of keys) {
      const x = read(a, field);
      const y = read(b, field);
      if (x === y) continue;
      if (x === undefined || x === null) return -dir;
      if (y === undefined || y === null) return dir;
      return (x as number) < (y as number) ? -dir : dir;
    }
    return 0;
  };
}

/**
 * `noodl.cloud.aggregate` (Aggregate Records): `min max sum avg` of number fields and `distinct`
 * of string fields over the matching records, one `agg-<name>` output per aggregate.
 *
 * @example
 * ```ts
 * catalog.get('noodl.cloud.aggregate') === aggregateNode; // true
 * ```
 */
export const aggregateNode: NodeDefinition = {
  type: 'noodl.cloud.aggregate',
  version: 1,
  displayName: 'Aggregate Records',
  category: 'Cloud Data',
  description:
    'Computes aggregates (min, max, sum, avg, distinct) over the records that match a filter.',
  inputs: {
    ...FILTER_INPUTS,
    aggregates: {
      type: 'string',
      displayName: 'Aggregates',
      description: 'Comma-separated aggregate names',
    },
    storageFetch: { type: 'signal', displayName: 'Do' },
  },
  outputs: { fetched: { type: 'signal', displayName: 'Success' }, ...FAILURE_OUTPUTS },
  dynamicPorts: [
    {
      pattern: 'aggprop-<aggregate>',
      plug: 'input',
      type: 'string',
      description: 'The field of an aggregate',
    },
    {
      pattern: 'aggop-<aggregate>',
      plug: 'input',
      type: 'enum',
      description: 'min | max | sum | avg | distinct',
    },
    {
      pattern: 'agg-<aggregate>',
      plug: 'output',
      type: '*',
      description: 'The value of an aggregate',
    },
    {
      pattern: 'qp-<input>',
      plug: 'input',
      type: '*',
      description: 'A value used by the visual filter',
    },
    {
      pattern: 'storageFilterValue-<name>',
      plug: 'input',
      type: '*',
      description: 'A value used by the JSON filter ($name)',
    },
  ],
  create(node): NodeBehavior {
    const settings: Record<string, unknown> = {};
    const visualInputs: Record<string, unknown> = {};
    const jsonValues: Record<string, unknown> = {};
    const fields = new Map<string, unknown>();
    const ops = new Map<string, unknown>();
    const state = { error: undefined as string | undefined };
    let values: Record<string, unknown> = {};
    let sequence = 0;
    const fetch = afterPass(node, () => {
      const mine = ++sequence;
      const run = node.run;
      run
        .track(
          (async () => {
            const className = settings['collectionName'];
            if (typeof className !== 'string' || className === '')
              throw new BackendError('INVALID_VALUE', 'No class name specified');
            const table = await safeTable(run, className);
            const aggregates: Record<string, AggregateSpec> = {};
            for (const name of splitList(settings['aggregates'])) {
              const field = fields.get(name);
              if (typeof field !== 'string' || field === '') {
                node.log('warn', `aggregate ${name} has no field (aggprop-${name}); skipped`);
                continue;
              }
              const column = table?.columns.find((c) => c.name === field);
              if (
                table !== undefined &&
                column === undefined &&
                field !== 'createdAt' &&
                field !== 'updatedAt'
              ) {
                node.log('warn', `aggregate ${name}: ${className} has no field ${field}; skipped`);
                continue;
              }
              const op = ops.get(name) ?? (column?.type === 'String' ? 'distinct' : 'avg');
              if (
                op !== 'min' &&
                op !== 'max' &&
                op !== 'sum' &&
                op !== 'avg' &&
                op !== 'distinct'
              ) {
                node.log('warn', `aggregate ${name}: unknown operation ${String(op)}; skipped`);
                continue;
              }
              aggregates[name] = { [op]: field } as AggregateSpec;
            }
            const { where } = nodeFilter(
              node,
              {
                type: settings['storageFilterType'],
                visual: settings['visualFilter'],
                visualInputs,
                json: settings['storageJSONFilter'],
                jsonValues,
              },
              filterContextOf(node, table),
            );
            if (Object.keys(aggregates).length === 0) return {};
            return aggregateOrEmpty(run, className, where, aggregates);
          })(),
        )
        .then(
          (result) => {
            if (mine !== sequence) return;
            values = result;
            state.error = undefined;
            for (const name of splitList(settings['aggregates']))
              node.flagOutputDirty(`agg-${name}`);
            node.sendSignal('fetched');
          },
          (error: unknown) => {
            if (mine === sequence) reportFailure(node, state, error);
          },
        );
    });
    return {
      acceptInput(name) {
        if (name.startsWith('qp-') || name.startsWith('storageFilterValue-')) return ANY_PORT;
        if (name.startsWith('aggprop-') || name.startsWith('aggop-') || name.startsWith('aggtype-'))
          return { type: 'string' };
        return undefined;
      },
      acceptOutput: (name) => (name.startsWith('agg-') ? ANY_PORT : undefined),
      setInput(name, value) {
        if (name.startsWith('qp-')) visualInputs[name.slice(3)] = value;
        else if (name.startsWith('storageFilterValue-'))
          jsonValues[name.slice('storageFilterValue-'.length)] = value;
        else if (name.startsWith('aggprop-')) fields.set(name.slice(8), value);
        else if (name.startsWith('aggop-')) ops.set(name.slice(6), value);
        else if (name.startsWith('aggtype-')) return;
        else settings[name] = value;
        if (autoRuns(node, 'storageFetch')) fetch();
      },
      signal(name) {
        if (name === 'storageFetch') fetch();
      },
      getOutput(name) {
        if (name === 'error') return state.error;
        if (name.startsWith('agg-')) return values[name.slice(4)];
        return undefined;
      },
    };
  },
};

/**
 * `DbConfig` (Config): one config parameter (the store behind the server's `/config`, master-key
 * values included). `useDevValue` is ignored: localbackend answers like the deployed backend.
 *
 * @example
 * ```ts
 * catalog.get('DbConfig') === configNode; // true
 * ```
 */
export const configNode: NodeDefinition = {
  type: 'DbConfig',
  version: 1,
  displayName: 'Config',
  category: 'Cloud Data',
  description: 'Outputs a config parameter.',
  inputs: {
    configKey: { type: 'string', displayName: 'Parameter' },
    useDevValue: {
      type: 'boolean',
      displayName: 'Use dev value',
      description: 'Ignored by localbackend',
    },
    devValue: { type: '*', displayName: 'Dev value', description: 'Ignored by localbackend' },
  },
  outputs: { value: { type: '*', displayName: 'Value' } },
  create(node): NodeBehavior {
    let key: string | undefined;
    let value: unknown;
    let sequence = 0;
    return {
      setInput(name, v) {
        if (name !== 'configKey') return;
        key = typeof v === 'string' ? v : undefined;
        const mine = ++sequence;
        if (key === undefined) return;
        const wanted = key;
        node.run.config().then(
          (config) => {
            if (mine !== sequence) return;
            value = Object.hasOwn(config, wanted) ? config[wanted] : undefined;
            node.flagOutputDirty('value');
          },
          (error: unknown) => node.log('warn', `config could not be read: ${errorMessage(error)}`),
        );
      },
      getOutput: (name) => (name === 'value' ? value : undefined),
    };
  },
};
