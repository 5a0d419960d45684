import {
  BackendError,
  type AggregateSpec,
  type FieldList,
  type SortInput,
} from '@localbackend/adapter';
import type { RunServices } from '../catalog/node-definition';
import { recordsFilterToWhere, type FilterContext } from './filters';
import type { NoodlObject } from './object-scope';
import { idOf, safeTable, serializeFields, storedToObject, userToObject } from './records';

const API = Symbol('localbackend.workflows.noodlApi');

function filterContext(run: RunServices, table: FilterContext['table']): FilterContext {
  return {
    classOf: (id) => run.objects.classOf(id),
    table,
    warn: (message) => run.log('warn', message),
  };
}

function asError(error: unknown): Error {
  if (error instanceof Error) return error;
  return new Error(typeof error === 'string' ? error : String(error));
}

function classFor(
  run: RunServices,
  objectOrId: unknown,
  options: unknown,
): { id: string; className: string } {
  const id = idOf(objectOrId);
  if (id === undefined)
    throw new BackendError('INVALID_VALUE', 'Missing record id: expected a record or a record id');
  const given =
    typeof options === 'object' && options !== null
      ? (options as { className?: unknown }).className
      : undefined;
  const className = typeof given === 'string' && given !== '' ? given : run.objects.classOf(id);
  if (className === undefined) throw new BackendError('INVALID_VALUE', 'No class name specified');
  return { id, className };
}

function listOption(value: unknown): FieldList | undefined {
  if (typeof value === 'string' || Array.isArray(value)) return value as FieldList;
  return undefined;
}

/**
 * The `Noodl` object of Function nodes in the cloud (NOODL-RUNTIME §4): `Object`, `Objects`,
 * `Variables`, `Records`, `Users`, `Files`, `getProjectSettings()`, `getMetaData(key)`, over the
 * run's object scope and the adapter. One per run.
 *
 * @example
 * ```ts
 * const Noodl = noodlApi(run);
 * const todos = await Noodl.Records.query('Todo', { done: { equalTo: false } });
 * ```
 */
export function noodlApi(
  run: RunServices & {
    readonly metadata?: Readonly<Record<string, unknown>>;
    readonly settings?: Readonly<Record<string, unknown>>;
  },
): Record<string, unknown> {
  const holder = run as unknown as Record<symbol, Record<string, unknown> | undefined>;
  const cached = holder[API];
  if (cached !== undefined) return cached;
  const objects = run.objects;
  const adapter = run.adapter;

  const ObjectApi = {
    get: (id?: unknown) => objects.get(id),
    create: (data?: unknown) => objects.create(data),
    exists: (id: unknown) => objects.exists(id),
    instanceOf: (value: unknown) => objects.isObject(value),
    guid: () => objects.guid(),
  };

  const Objects = new Proxy(Object.create(null) as Record<string, unknown>, {
    get: (_t, prop) => (typeof prop === 'string' ? objects.get(prop) : undefined),
    set: (_t, prop, value) => {
      if (typeof prop === 'string' && typeof value === 'object' && value !== null) {
        const target = objects.get(prop);
        for (const [key, v] of Object.entries(value as Record<string, unknown>))
          if (key !== 'id') target.set(key, v);
      }
      return true;
    },
    has: (_t, prop) => typeof prop === 'string' && objects.exists(prop),
  });

  const track = <T>(work: () => Promise<T>): Promise<T> =>
    run.track(
      (async () => {
        try {
          return await work();
        } catch (error) {
          throw asError(error);
        }
      })(),
    );

  const Records = {
    query: (className: unknown, filter?: unknown, options: Record<string, unknown> = {}) =>
      track(async () => {
        if (typeof className !== 'string' || className === '')
          throw new BackendError('INVALID_VALUE', 'No class name specified');
        const table = await safeTable(run, className);
        const where = recordsFilterToWhere(filter, filterContext(run, table));
        const opts = options ?? {};
        const result = await adapter.query({
          collection: className,
          where,
          ...(typeof opts['limit'] === 'number' ? { limit: opts['limit'] } : {}),
          ...(typeof opts['skip'] === 'number' ? { skip: opts['skip'] } : {}),
          ...(opts['sort'] !== undefined ? { sort: opts['sort'] as SortInput } : {}),
          ...(listOption(opts['include']) !== undefined
            ? { include: listOption(opts['include'])! }
            : {}),
          ...(listOption(opts['select']) !== undefined
            ? { select: listOption(opts['select'])! }
            : {}),
          ...(opts['count'] === true ? { count: true } : {}),
        });
        const records = result.results.map((r) => storedToObject(run, className, r, table));
        return opts['count'] === true
          ? { results: records, count: result.count ?? records.length }
          : records;
      }),
    count: (className: unknown, filter?: unknown) =>
      track(async () => {
        if (typeof className !== 'string' || className === '')
          throw new BackendError('INVALID_VALUE', 'No class name specified');
        const table = await safeTable(run, className);
        return adapter.count({
          collection: className,
          where: recordsFilterToWhere(filter, filterContext(run, table)),
        });
      }),
    distinct: (className: unknown, property: unknown, filter?: unknown) =>
      track(async () => {
        if (typeof className !== 'string' || className === '')
          throw new BackendError('INVALID_VALUE', 'No class name specified');
        if (typeof property !== 'string' || property === '')
          throw new BackendError('INVALID_VALUE', 'distinct: expected a property name');
        const table = await safeTable(run, className);
        return adapter.distinct({
          collection: className,
          field: property,
          where: recordsFilterToWhere(filter, filterContext(run, table)),
        });
      }),
    aggregate: (className: unknown, group: unknown, filter?: unknown) =>
      track(async () => {
        if (typeof className !== 'string' || className === '')
          throw new BackendError('INVALID_VALUE', 'No class name specified');
        if (typeof group !== 'object' || group === null)
          throw new BackendError(
            'INVALID_VALUE',
            'aggregate: a group { name: { sum | avg | max | min | distinct: field } } is required',
          );
        const aggregates: Record<string, AggregateSpec> = {};
        for (const [name, spec] of Object.entries(group as Record<string, unknown>)) {
          if (typeof spec !== 'object' || spec === null) continue;
          const s = spec as Record<string, unknown>;
          const op = (['avg', 'sum', 'max', 'min', 'distinct'] as const).find(
            (o) => typeof s[o] === 'string',
          );
          if (op === undefined) continue;
          aggregates[name] = { [op]: s[op] as string } as AggregateSpec;
        }
        if (Object.keys(aggregates).length === 0) return {};
        const table = await safeTable(run, className);
        const where = recordsFilterToWhere(filter, filterContext(run, table));
        return aggregateOrEmpty(run, className, where, aggregates);
      }),
    fetch: (objectOrId: unknown, options?: Record<string, unknown>) =>
      track(async () => {
        const { id, className } = classFor(run, objectOrId, options);
        const include = listOption(options?.['include']);
        const stored = await adapter.fetch({
          collection: className,
          objectId: id,
          ...(include === undefined ? {} : { include }),
        });
        return storedToObject(run, className, stored, await safeTable(run, className));
      }),
    create: (className: unknown, properties?: unknown, _options?: unknown) =>
      track(async () => {
        if (typeof className !== 'string' || className === '')
          throw new BackendError('INVALID_VALUE', 'No class name specified');
        const table = await safeTable(run, className);
        const data = serializeFields(run, (properties ?? {}) as Record<string, unknown>, table);
        const stored = await adapter.create({ collection: className, data });
        return storedToObject(run, className, stored, table);
      }),
    save: (objectOrId: unknown, properties?: unknown, options?: Record<string, unknown>) =>
      track(async () => {
        const { id, className } = classFor(run, objectOrId, options);
        const object = objects.get(id);
        const props =
          typeof properties === 'object' && properties !== null
            ? (properties as Record<string, unknown>)
            : undefined;
        if (props !== undefined)
          for (const [key, value] of Object.entries(props))
            if (key !== 'id') object.set(key, value);
        const table = await safeTable(run, className);
        const data = serializeFields(run, props ?? object.data, table);
        const stored = await adapter.save({ collection: className, objectId: id, data });
        object.set('updatedAt', new Date(stored.updatedAt));
        return undefined;
      }),
    increment: (objectOrId: unknown, fields: unknown, options?: Record<string, unknown>) =>
      track(async () => {
        const { id, className } = classFor(run, objectOrId, options);
        if (typeof fields !== 'object' || fields === null)
          throw new BackendError('INVALID_VALUE', 'increment: expected { field: amount }');
        const amounts: Record<string, number> = {};
        for (const [key, value] of Object.entries(fields as Record<string, unknown>))
          amounts[key] = Number(value);
        const stored = await adapter.increment({
          collection: className,
          objectId: id,
          fields: amounts,
        });
        storedToObject(run, className, stored, await safeTable(run, className));
        return undefined;
      }),
    delete: (objectOrId: unknown, options?: Record<string, unknown>) =>
      track(async () => {
        const { id, className } = classFor(run, objectOrId, options);
        await adapter.delete({ collection: className, objectId: id });
        objects.get(id).notify('delete');
        return undefined;
      }),
    addRelation: (options: Record<string, unknown>) => track(() => relation(run, 'add', options)),
    removeRelation: (options: Record<string, unknown>) =>
      track(() => relation(run, 'remove', options)),
  };

  const Users = {
    get Current() {
      const user = run.currentUser;
      if (user === undefined) return undefined;
      const properties = userToObject(run, user);
      return {
        UserId: user.objectId,
        Properties: properties,
        save: () =>
          track(async () => {
            const table = await safeTable(run, '_User');
            const data = serializeFields(run, properties.data, table);
            delete data['sessionToken'];
            await adapter.save({ collection: '_User', objectId: user.objectId, data });
            return undefined;
          }),
        fetch: () =>
          track(async () => {
            const stored = await adapter.fetch({ collection: '_User', objectId: user.objectId });
            return storedToObject(run, '_User', stored, await safeTable(run, '_User'));
          }),
      };
    },
    logIn: (username: unknown, password?: unknown) =>
      track(async () => {
        const u =
          typeof username === 'object' && username !== null
            ? (username as Record<string, unknown>)
            : { username, password };
        const user = await run.logIn(String(u['username'] ?? ''), String(u['password'] ?? ''));
        return userToObject(run, user);
      }),
    impersonate: (username: unknown, options: Record<string, unknown> = {}) =>
      track(async () => {
        const user = await run.impersonate(String(username ?? ''), {
          ...(typeof options['installationId'] === 'string'
            ? { installationId: options['installationId'] }
            : {}),
          ...(typeof options['duration'] === 'number' ? { duration: options['duration'] } : {}),
        });
        return userToObject(run, user);
      }),
  };

  const Files = {
    delete: (_name: unknown) =>
      Promise.reject(
        new BackendError(
          'UNSUPPORTED',
          'Noodl.Files.delete is not available: localbackend has no file store yet',
        ),
      ),
  };

  const api: Record<string, unknown> = {
    Object: ObjectApi,
    Objects,
    get Variables(): NoodlObject {
      return objects.get('--ndl--global-variables');
    },
    Records,
    Users,
    Files,
    getProjectSettings: () => ({ ...(run.settings ?? {}) }),
    getMetaData: (key?: unknown) =>
      typeof key === 'string' ? run.metadata?.[key] : { ...(run.metadata ?? {}) },
  };
  holder[API] = api;
  return api;
}

/**
 * Runs an aggregate; `{}` when no record matches (Noodl's "not exactly one row").
 *
 * @example
 * ```ts
 * await aggregateOrEmpty(run, 'Order', {}, { total: { sum: 'price' } }); // { total: 42 }
 * ```
 */
export async function aggregateOrEmpty(
  run: RunServices,
  className: string,
  where: Record<string, unknown>,
  aggregates: Readonly<Record<string, AggregateSpec>>,
): Promise<Record<string, unknown>> {
  const [count, values] = await Promise.all([
    run.adapter.count({ collection: className, where }),
    run.adapter.aggregate({ collection: className, where, aggregates }),
  ]);
  return count === 0 ? {} : values;
}

async function relation(
  run: RunServices,
  kind: 'add' | 'remove',
  options: Record<string, unknown>,
): Promise<undefined> {
  if (typeof options !== 'object' || options === null)
    throw new BackendError('INVALID_VALUE', `${kind}Relation: expected an options object`);
  const recordId = idOf(options['record'] ?? options['recordId']);
  const targetId = idOf(options['targetRecord'] ?? options['targetRecordId']);
  const key = options['key'];
  if (recordId === undefined)
    throw new BackendError('INVALID_VALUE', `${kind}Relation: record or recordId is required`);
  if (targetId === undefined)
    throw new BackendError(
      'INVALID_VALUE',
      `${kind}Relation: targetRecord or targetRecordId is required`,
    );
  if (typeof key !== 'string' || key === '')
    throw new BackendError(
      'INVALID_VALUE',
      `${kind}Relation: key (the relation field) is required`,
    );
  const className =
    typeof options['className'] === 'string' ? options['className'] : run.objects.classOf(recordId);
  if (className === undefined) throw new BackendError('INVALID_VALUE', 'No class name specified');
  const targetClass =
    typeof options['targetClassName'] === 'string'
      ? options['targetClassName']
      : run.objects.classOf(targetId);
  const relationOptions = {
    collection: className,
    objectId: recordId,
    key,
    targetObjectId: targetId,
    ...(targetClass === undefined ? {} : { targetClass }),
  };
  if (kind === 'add') await run.adapter.addRelation(relationOptions);
  else await run.adapter.removeRelation(relationOptions);
  return undefined;
}
