import { aclApplies, assertNoHiddenParams, restrict, withClientPaths } from './acl';
import {
  BackendError,
  describeValue,
  isPlainRecord,
  isSystemFieldName,
  isValidFieldName,
  type AggregateSpec,
  type TableSchema,
} from '@localbackend/adapter';
import { matches, parseWhere } from '@localbackend/query';
import type { ApiDeps } from './api-deps';
import { emptyIfMissing, encodeRecords, isSystemCollection } from './parse-operations';
import { parseClientJson } from './json-depth';
import { parseInteger, parseWhereParam, single } from './params';
import { SECRET_USER_FIELDS, USER_CLASS } from './users/user-fields';

/**
 * An aggregate of `_User` may not name a secret field anywhere (group, distinct, match, sort,
 * project...): the values would come back in the results.
 */
function assertNoUserSecrets(params: Params): void {
  const names = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 100) return;
    if (typeof value === 'string') {
      names.add(value);
      const text = value.trim();
      if (text.startsWith('{') || text.startsWith('[')) {
        try {
          visit(JSON.parse(text), depth + 1);
        } catch {
          // Not JSON: judged as the string it is.
        }
      }
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
      return;
    }
    if (isPlainRecord(value)) {
      for (const key of Object.keys(value)) {
        names.add(key);
        visit(value[key], depth + 1);
      }
    }
  };
  visit(params, 0);
  for (const name of names) {
    const field = (name.startsWith('$') ? name.slice(1) : name).split('.')[0]!;
    if (SECRET_USER_FIELDS.has(field)) {
      throw new BackendError(
        'FORBIDDEN',
        `Permission denied: the field ${field} of _User cannot be aggregated`,
        { details: { path: 'query', field } },
      );
    }
  }
}

type Params = Readonly<Record<string, unknown>>;
type Row = Record<string, unknown>;
type Where = Record<string, unknown>;

/** Keys that tune Parse's aggregate but change nothing here. */
const META_KEYS = new Set([
  'hint',
  'explain',
  'readPreference',
  'includeReadPreference',
  'subqueryReadPreference',
  'rawValues',
  'rawFieldNames',
  'comment',
]);
/** Stage names, `$`-prefixed or in the older form Noodl sends (`match`, `group`). */
const STAGES = new Set(['$match', '$group', '$sort', '$skip', '$limit', '$project', '$count']);
const ACCUMULATORS = new Set(['$sum', '$avg', '$min', '$max', '$addToSet', '$count']);
const MAX_STAGES = 50;
const MAX_GROUPS = 10_000;

function invalid(path: string, message: string, expected?: string): BackendError {
  return new BackendError('INVALID_QUERY', `${path}: ${message}`, {
    details: expected === undefined ? { path } : { path, expected },
  });
}

function unsupported(path: string, message: string): BackendError {
  return new BackendError('UNSUPPORTED', `${path}: ${message}`, { details: { path } });
}

/** `{f: v}` in a stage value given as JSON text (query string) or a value (JSON body). */
function stageValue(value: unknown, path: string): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text.startsWith('{') || text.startsWith('[') || text.startsWith('"')) {
    return parseClientJson(text, path);
  }
  return value;
}

function fieldRef(value: unknown, path: string): string {
  if (typeof value !== 'string' || !value.startsWith('$')) {
    throw invalid(
      path,
      `expected a field reference like "$price", got ${describeValue(value)}`,
      '"$field"',
    );
  }
  const name = value.slice(1);
  if (!isValidFieldName(name) && !isSystemFieldName(name)) {
    throw invalid(path, `${describeValue(name)} is not a field name`, '"$field"');
  }
  return name;
}

function combine(wheres: readonly Where[]): Where | undefined {
  const list = wheres.filter((w) => Object.keys(w).length > 0);
  if (list.length === 0) return undefined;
  if (list.length === 1) return list[0];
  return { $and: list };
}

/** The stages of a request: `pipeline` (array or object) or the request's own keys. */
function collectStages(params: Params): { name: string; value: unknown; path: string }[] {
  let source: unknown[];
  if (params.pipeline !== undefined) {
    const pipeline = stageValue(single(params.pipeline, 'pipeline'), 'pipeline');
    if (Array.isArray(pipeline)) source = pipeline;
    else if (isPlainRecord(pipeline))
      source = Object.keys(pipeline).map((k) => ({ [k]: pipeline[k] }));
    else
      throw invalid(
        'pipeline',
        `expected an array of stages, got ${describeValue(pipeline)}`,
        'an array',
      );
    for (const key of Object.keys(params)) {
      if (key !== 'pipeline' && key !== 'where' && !META_KEYS.has(key)) {
        throw invalid(key, 'unexpected parameter next to pipeline');
      }
    }
  } else {
    source = Object.keys(params)
      .filter((k) => k !== 'where' && !META_KEYS.has(k) && params[k] !== undefined)
      .map((k) => ({ [k]: single(params[k], k) }));
  }
  if (source.length > MAX_STAGES) throw invalid('pipeline', `at most ${MAX_STAGES} stages`);
  return source.map((stage, i) => {
    const path = params.pipeline !== undefined ? `pipeline[${i}]` : 'stage';
    if (!isPlainRecord(stage) || Object.keys(stage).length !== 1) {
      throw invalid(path, 'a pipeline stage must have exactly one key', '{"$stage": ...}');
    }
    const raw = Object.keys(stage)[0]!;
    const name = raw.startsWith('$') ? raw : `$${raw}`;
    if (!STAGES.has(name)) {
      if (raw.startsWith('$')) {
        throw unsupported(
          `${path}.${raw}`,
          `the aggregate stage ${raw} is not supported; supported: ${[...STAGES].join(', ')}`,
        );
      }
      throw invalid(raw, `Invalid aggregate stage '${raw}'.`);
    }
    return {
      name,
      value: stage[raw],
      path: params.pipeline !== undefined ? `${path}.${raw}` : raw,
    };
  });
}

interface RecordsState {
  kind: 'records';
  wheres: Where[];
  sort: string[];
  skip: number;
  limit: number | undefined;
  select: string[] | undefined;
}
interface RowsState {
  kind: 'rows';
  rows: Row[];
}

/** GET /aggregate/:C — `distinct`, or a pipeline of $match/$group/$sort/$skip/$limit/$project/$count. */
export async function parseAggregate(
  deps: ApiDeps,
  className: string,
  params: Params,
): Promise<{ results: unknown[] }> {
  if (className === USER_CLASS) assertNoUserSecrets(params);
  try {
    return await aggregate(deps, className, params);
  } catch (error) {
    return emptyIfMissing(error, { results: [] });
  }
}

async function aggregate(
  deps: ApiDeps,
  className: string,
  params: Params,
): Promise<{ results: unknown[] }> {
  const whereRaw = single(params.where, 'where');
  const clientWhere = whereRaw === undefined ? undefined : parseWhereParam(whereRaw, 'where');
  // Without the master key, only records the viewer may read (ACL) are aggregated.
  const acl = await aclApplies(deps, className);
  if (acl) assertNoHiddenParams(params, clientWhere);
  const where = acl ? restrict(clientWhere, deps.viewer) : clientWhere;
  return withClientPaths(acl && clientWhere !== undefined, () =>
    aggregateWhere(deps, className, params, where),
  );
}

async function aggregateWhere(
  deps: ApiDeps,
  className: string,
  params: Params,
  where: Where | undefined,
): Promise<{ results: unknown[] }> {
  if (params.distinct !== undefined) {
    for (const key of Object.keys(params)) {
      if (key !== 'distinct' && key !== 'where' && !META_KEYS.has(key)) {
        throw invalid(key, 'unexpected parameter next to distinct');
      }
    }
    const field = single(params.distinct, 'distinct');
    if (typeof field !== 'string' || (!isValidFieldName(field) && !isSystemFieldName(field))) {
      throw invalid(
        'distinct',
        `expected a field name, got ${describeValue(field)}`,
        'a field name',
      );
    }
    const table = await deps.schema.table(className);
    if (table === undefined && !isSystemCollection(className)) return { results: [] };
    const values = await deps.adapter.distinct({ collection: className, field, where });
    return { results: values.map((v) => encodeGroupValue(v, table, field)) };
  }
  const stages = collectStages(params);
  const table = await deps.schema.table(className);
  let state: RecordsState | RowsState = {
    kind: 'records',
    wheres: where === undefined ? [] : [where],
    sort: [],
    skip: 0,
    limit: undefined,
    select: undefined,
  };
  for (const stage of stages) {
    const value = stageValue(stage.value, stage.path);
    state =
      state.kind === 'records'
        ? await recordsStage(deps, className, table, state, stage.name, value, stage.path)
        : rowsStage(state, stage.name, value, stage.path);
  }
  if (state.kind === 'rows') return { results: state.rows };
  if (table === undefined && !isSystemCollection(className)) return { results: [] };
  const limit = state.limit ?? deps.limits.maxLimit;
  if (limit === 0) return { results: [] };
  const { results } = await deps.adapter.query({
    collection: className,
    where: combine(state.wheres),
    sort: state.sort.length === 0 ? undefined : state.sort.join(','),
    skip: state.skip === 0 ? undefined : state.skip,
    limit: Math.min(limit, deps.limits.maxLimit),
    select: state.select,
  });
  return { results: await encodeRecords(deps, className, results) };
}

function sortKeys(value: unknown, path: string): [string, 1 | -1][] {
  if (!isPlainRecord(value) || Object.keys(value).length === 0) {
    throw invalid(path, 'expected {field: 1 | -1, ...}', '{field: 1 | -1}');
  }
  return Object.keys(value).map((key) => {
    const dir = value[key];
    if (dir !== 1 && dir !== -1)
      throw invalid(`${path}.${key}`, `expected 1 or -1, got ${describeValue(dir)}`, '1 | -1');
    return [key, dir];
  });
}

function countName(value: unknown, path: string): string {
  if (typeof value !== 'string' || !isValidFieldName(value)) {
    throw invalid(
      path,
      `expected an output field name, got ${describeValue(value)}`,
      'a field name',
    );
  }
  return value;
}

function projectFields(value: unknown, path: string): string[] {
  if (!isPlainRecord(value) || Object.keys(value).length === 0) {
    throw invalid(path, 'expected {field: 1, ...}', '{field: 1}');
  }
  const fields: string[] = [];
  for (const key of Object.keys(value)) {
    const flag = value[key];
    if (flag === 1 || flag === true) fields.push(key);
    else if ((flag === 0 || flag === false) && (key === '_id' || key === 'objectId')) continue;
    else
      throw unsupported(`${path}.${key}`, 'only inclusion projections ({field: 1}) are supported');
  }
  return fields;
}

async function recordsStage(
  deps: ApiDeps,
  className: string,
  table: TableSchema | undefined,
  state: RecordsState,
  name: string,
  value: unknown,
  path: string,
): Promise<RecordsState | RowsState> {
  const paged = state.skip > 0 || state.limit !== undefined;
  switch (name) {
    case '$match':
      if (paged || state.sort.length > 0)
        throw unsupported(path, '$match after $sort/$skip/$limit is not supported');
      return { ...state, wheres: [...state.wheres, parseWhereParam(value, path)] };
    case '$sort':
      if (paged) throw unsupported(path, '$sort after $skip/$limit is not supported');
      return { ...state, sort: sortKeys(value, path).map(([k, d]) => (d === 1 ? k : `-${k}`)) };
    case '$skip': {
      const n = parseInteger(value, path, 0, deps.limits.maxSkip);
      return {
        ...state,
        skip: state.skip + n,
        limit: state.limit === undefined ? undefined : Math.max(0, state.limit - n),
      };
    }
    case '$limit': {
      const n = parseInteger(value, path, 0, deps.limits.maxLimit);
      return { ...state, limit: state.limit === undefined ? n : Math.min(state.limit, n) };
    }
    case '$project':
      return {
        ...state,
        select: projectFields(value, path).filter((f) => f !== '_id' && f !== 'objectId'),
      };
    case '$count': {
      const label = countName(value, path);
      if (table === undefined && !isSystemCollection(className)) return { kind: 'rows', rows: [] };
      const total = await deps.adapter.count({
        collection: className,
        where: combine(state.wheres),
      });
      const n = Math.max(0, Math.min(state.limit ?? Infinity, total - state.skip));
      return { kind: 'rows', rows: n === 0 ? [] : [{ [label]: n }] };
    }
    case '$group': {
      if (paged || state.sort.length > 0)
        throw unsupported(path, '$group after $sort/$skip/$limit is not supported');
      const rows = await group(deps, className, table, combine(state.wheres), value, path);
      return { kind: 'rows', rows };
    }
    default:
      throw unsupported(path, `stage ${name} is not supported`);
  }
}

function rowsStage(state: RowsState, name: string, value: unknown, path: string): RowsState {
  switch (name) {
    case '$sort': {
      const keys = sortKeys(value, path);
      const rows = [...state.rows].sort((a, b) => {
        for (const [key, dir] of keys) {
          const c = compareValues(
            a[key === '_id' ? 'objectId' : key],
            b[key === '_id' ? 'objectId' : key],
          );
          if (c !== 0) return c * dir;
        }
        return 0;
      });
      return { kind: 'rows', rows };
    }
    case '$skip':
      return {
        kind: 'rows',
        rows: state.rows.slice(parseInteger(value, path, 0, Number.MAX_SAFE_INTEGER)),
      };
    case '$limit':
      return {
        kind: 'rows',
        rows: state.rows.slice(0, parseInteger(value, path, 0, Number.MAX_SAFE_INTEGER)),
      };
    case '$count': {
      const label = countName(value, path);
      return {
        kind: 'rows',
        rows: state.rows.length === 0 ? [] : [{ [label]: state.rows.length }],
      };
    }
    case '$project': {
      const fields = projectFields(value, path);
      return {
        kind: 'rows',
        rows: state.rows.map((row) => {
          const out: Row = { objectId: row.objectId };
          for (const f of fields) if (f in row) out[f] = row[f];
          return out;
        }),
      };
    }
    case '$match': {
      const filter = parseWhere(parseWhereParam(value, path), { path });
      return { kind: 'rows', rows: state.rows.filter((row) => matches(row, filter)) };
    }
    default:
      throw unsupported(path, `stage ${name} is not supported after $group`);
  }
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

interface Accumulator {
  readonly name: string;
  readonly spec: AggregateSpec | undefined;
  /** `$sum: k` (k per record) and `$count: {}`. */
  readonly perRecord: number | undefined;
}

function accumulators(groupSpec: Record<string, unknown>, path: string): Accumulator[] {
  const out: Accumulator[] = [];
  for (const name of Object.keys(groupSpec)) {
    if (name === '_id' || name === 'objectId') continue;
    const p = `${path}.${name}`;
    if (!isValidFieldName(name))
      throw invalid(p, `${describeValue(name)} is not a valid output name`);
    const acc = groupSpec[name];
    if (!isPlainRecord(acc) || Object.keys(acc).length !== 1) {
      throw invalid(
        p,
        'expected one accumulator like {"$sum": "$price"}',
        '{"$sum"|"$avg"|"$min"|"$max"|"$addToSet": "$field"}',
      );
    }
    const op = Object.keys(acc)[0]!;
    const arg = acc[op];
    if (!ACCUMULATORS.has(op)) {
      throw unsupported(
        `${p}.${op}`,
        `accumulator ${op} is not supported; supported: ${[...ACCUMULATORS].join(', ')}`,
      );
    }
    if (op === '$count') {
      if (!isPlainRecord(arg) || Object.keys(arg).length > 0)
        throw invalid(`${p}.$count`, 'expected {}');
      out.push({ name, spec: undefined, perRecord: 1 });
    } else if (op === '$sum' && typeof arg === 'number') {
      if (!Number.isFinite(arg)) throw invalid(`${p}.$sum`, 'expected a finite number or "$field"');
      out.push({ name, spec: undefined, perRecord: arg });
    } else {
      const field = fieldRef(arg, `${p}.${op}`);
      const kind = op === '$addToSet' ? 'distinct' : op.slice(1);
      out.push({ name, spec: { [kind]: field } as AggregateSpec, perRecord: undefined });
    }
  }
  return out;
}

function encodeGroupValue(value: unknown, table: TableSchema | undefined, field: string): unknown {
  const column = table?.columns.find((c) => c.name === field);
  if (
    typeof value === 'string' &&
    (column?.type === 'Date' || field === 'createdAt' || field === 'updatedAt')
  ) {
    return field === 'createdAt' || field === 'updatedAt' ? value : { __type: 'Date', iso: value };
  }
  if (typeof value === 'string' && column?.type === 'Pointer') {
    return { __type: 'Pointer', className: column.targetClass ?? '', objectId: value };
  }
  return value;
}

async function group(
  deps: ApiDeps,
  className: string,
  table: TableSchema | undefined,
  where: Where | undefined,
  spec: unknown,
  path: string,
): Promise<Row[]> {
  if (!isPlainRecord(spec))
    throw invalid(path, `expected {_id, ...accumulators}, got ${describeValue(spec)}`);
  const hasId = Object.prototype.hasOwnProperty.call(spec, '_id');
  const hasObjectId = Object.prototype.hasOwnProperty.call(spec, 'objectId');
  if (hasId === hasObjectId) {
    throw invalid(
      path,
      'a $group needs exactly one group key: _id (or objectId in the older form)',
      '{"_id": null | "$field", ...}',
    );
  }
  const key = hasId ? spec._id : spec.objectId;
  const accs = accumulators(spec, path);
  if (table === undefined && !isSystemCollection(className)) return [];
  const run = async (groupWhere: Where | undefined, id: unknown): Promise<Row | undefined> => {
    const count = await deps.adapter.count({ collection: className, where: groupWhere });
    if (count === 0) return undefined;
    const specs: Record<string, AggregateSpec> = {};
    for (const acc of accs) if (acc.spec !== undefined) specs[acc.name] = acc.spec;
    const values =
      Object.keys(specs).length === 0
        ? {}
        : await deps.adapter.aggregate({
            collection: className,
            where: groupWhere,
            aggregates: specs,
          });
    const row: Row = { objectId: id };
    for (const acc of accs)
      row[acc.name] =
        acc.perRecord !== undefined ? acc.perRecord * count : (values[acc.name] ?? null);
    return row;
  };
  if (typeof key !== 'string' || !key.startsWith('$')) {
    if (isPlainRecord(key) || Array.isArray(key)) {
      throw unsupported(
        `${path}._id`,
        'grouping by several fields is not supported; group by null or one "$field"',
      );
    }
    const row = await run(where, key ?? null);
    return row === undefined ? [] : [row];
  }
  const field = fieldRef(key, `${path}._id`);
  const column = table?.columns.find((c) => c.name === field);
  if (
    column !== undefined &&
    (column.type === 'Object' || column.type === 'Array' || column.type === 'Relation')
  ) {
    throw unsupported(`${path}._id`, `grouping by a ${column.type} field is not supported`);
  }
  const values = await deps.adapter.distinct({ collection: className, field, where });
  if (values.length > MAX_GROUPS) {
    throw new BackendError('RESOURCE_LIMIT', `${path}._id: more than ${MAX_GROUPS} groups`, {
      details: { path: `${path}._id` },
    });
  }
  const rows: Row[] = [];
  const withNull = values.includes(null) ? values : [...values, null];
  for (const value of withNull) {
    if (value !== null && typeof value === 'object') continue;
    const encoded = encodeGroupValue(value, table, field);
    const row = await run(
      combine(where === undefined ? [{ [field]: encoded }] : [where, { [field]: encoded }]),
      encoded,
    );
    if (row !== undefined) rows.push(row);
  }
  return rows;
}
