import { BackendError, describeValue, type TableSchema } from '@localbackend/adapter';

/**
 * What filter conversion needs to know: the class remembered for an id in the run, the class's
 * schema, and where to send warnings.
 *
 * @example
 * ```ts
 * const ctx: FilterContext = { classOf: (id) => run.objects.classOf(id), table, warn: (m) => node.log('warn', m) };
 * ```
 */
export interface FilterContext {
  classOf(id: string): string | undefined;
  readonly table?: TableSchema | undefined;
  warn(message: string): void;
}

type Where = Record<string, unknown>;

function bad(path: string, message: string, received?: unknown): BackendError {
  return new BackendError('INVALID_QUERY', `${path}: ${message}`, {
    details: { path, ...(received === undefined ? {} : { received: describeValue(received) }) },
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function idOfValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObject(value)) {
    if (typeof value['id'] === 'string') return value['id'];
    if (typeof value['objectId'] === 'string') return value['objectId'];
  }
  return undefined;
}

function dateWire(value: unknown): unknown {
  if (value instanceof Date) return { __type: 'Date', iso: value.toISOString() };
  return value;
}

function geoPoint(value: unknown, path: string): Where {
  if (
    !isObject(value) ||
    typeof value['latitude'] !== 'number' ||
    typeof value['longitude'] !== 'number'
  ) {
    throw bad(
      path,
      `expected a geo point { latitude, longitude }, got ${describeValue(value)}`,
      value,
    );
  }
  return { __type: 'GeoPoint', latitude: value['latitude'], longitude: value['longitude'] };
}

function pointer(className: string | undefined, id: string, path: string): Where {
  if (className === undefined || className === '') {
    throw bad(
      path,
      `cannot tell the class of record ${JSON.stringify(id)} (load it in this run or declare the field's target class)`,
    );
  }
  return { __type: 'Pointer', className, objectId: id };
}

const COMPARE: readonly (readonly [string, string])[] = [
  ['equalTo', '$eq'],
  ['notEqualTo', '$ne'],
  ['lessThan', '$lt'],
  ['greaterThan', '$gt'],
  ['lessThanOrEqualTo', '$lte'],
  ['greaterThanOrEqualTo', '$gte'],
];
const FIELD_OPS = [
  ...COMPARE.map(([op]) => op),
  'exists',
  'containedIn',
  'notContainedIn',
  'pointsTo',
  'matchesRegex',
  'text',
  'nearSphere',
  'withinBox',
  'withinPolygon',
];

function fieldCondition(
  field: string,
  spec: Record<string, unknown>,
  ctx: FilterContext,
  path: string,
): Where | undefined {
  const op = FIELD_OPS.find((name) => Object.hasOwn(spec, name));
  if (op === undefined) {
    throw bad(path, `Unrecognized filter keys ${Object.keys(spec).join(',')}`, spec);
  }
  const value = spec[op];
  if (value === undefined) {
    ctx.warn(`${path}.${op} is undefined, so this condition matches every record`);
    return undefined;
  }
  const compare = COMPARE.find(([name]) => name === op);
  if (compare !== undefined) return { [field]: { [compare[1]]: dateWire(value) } };
  switch (op) {
    case 'exists':
      return { [field]: { $exists: value === true } };
    case 'containedIn':
    case 'notContainedIn':
      if (!Array.isArray(value))
        throw bad(`${path}.${op}`, `expected an array, got ${describeValue(value)}`, value);
      return { [field]: { [op === 'containedIn' ? '$in' : '$nin']: value.map(dateWire) } };
    case 'pointsTo': {
      const column = ctx.table?.columns.find((c) => c.name === field);
      const classFor = (id: string) => column?.targetClass ?? ctx.classOf(id);
      if (Array.isArray(value)) {
        const pointers = value.map((v, i) => {
          const id = idOfValue(v);
          if (id === undefined)
            throw bad(`${path}.pointsTo[${i}]`, `expected a record id, got ${describeValue(v)}`, v);
          return pointer(classFor(id), id, `${path}.pointsTo[${i}]`);
        });
        return { [field]: { $in: pointers } };
      }
      const id = idOfValue(value);
      if (id === undefined)
        throw bad(`${path}.pointsTo`, `expected a record id, got ${describeValue(value)}`, value);
      const target = pointer(classFor(id), id, `${path}.pointsTo`);
      return column?.type === 'Relation' ? { [field]: target } : { [field]: { $eq: target } };
    }
    case 'matchesRegex': {
      if (typeof value !== 'string')
        throw bad(`${path}.matchesRegex`, `expected a string, got ${describeValue(value)}`, value);
      const options = spec['options'];
      return {
        [field]:
          typeof options === 'string' && options !== ''
            ? { $regex: value, $options: options }
            : { $regex: value },
      };
    }
    case 'text': {
      const search = isObject(value) ? value['search'] : undefined;
      if (typeof search === 'string') return { [field]: { $text: { $search: { $term: search } } } };
      if (isObject(search)) {
        const out: Where = {};
        if (search['term'] !== undefined) out['$term'] = search['term'];
        if (search['language'] !== undefined) out['$language'] = search['language'];
        if (search['caseSensitive'] !== undefined) out['$caseSensitive'] = search['caseSensitive'];
        if (search['diacriticSensitive'] !== undefined)
          out['$diacriticSensitive'] = search['diacriticSensitive'];
        return { [field]: { $text: { $search: out } } };
      }
      throw bad(
        `${path}.text`,
        `expected { search: string | { term } }, got ${describeValue(value)}`,
        value,
      );
    }
    case 'nearSphere': {
      const point = geoPoint(value, `${path}.nearSphere`);
      const condition: Where = { $nearSphere: point };
      const v = value as Record<string, unknown>;
      if (typeof v['maxDistanceInKilometers'] === 'number')
        condition['$maxDistanceInKilometers'] = v['maxDistanceInKilometers'];
      if (typeof v['maxDistanceInMiles'] === 'number')
        condition['$maxDistanceInMiles'] = v['maxDistanceInMiles'];
      if (typeof v['maxDistanceInRadians'] === 'number')
        condition['$maxDistanceInRadians'] = v['maxDistanceInRadians'];
      return { [field]: condition };
    }
    case 'withinBox':
      if (!Array.isArray(value) || value.length !== 2)
        throw bad(
          `${path}.withinBox`,
          `expected two geo points, got ${describeValue(value)}`,
          value,
        );
      return {
        [field]: { $within: { $box: value.map((p, i) => geoPoint(p, `${path}.withinBox[${i}]`)) } },
      };
    case 'withinPolygon':
      if (!Array.isArray(value) || value.length < 3)
        throw bad(
          `${path}.withinPolygon`,
          `expected at least three geo points, got ${describeValue(value)}`,
          value,
        );
      return {
        [field]: {
          $geoWithin: { $polygon: value.map((p, i) => geoPoint(p, `${path}.withinPolygon[${i}]`)) },
        },
      };
    default:
      return undefined;
  }
}

/**
 * Converts a Records filter (`Noodl.Records` and JSON filters: `{and:[…]}`, `{or:[…]}`,
 * `{idEqualTo}`, `{relatedTo}`, `{field:{equalTo…}}`) into a Parse `where` (NOODL-RUNTIME §5.3).
 * A filter object must have exactly one key. `{ field: value }` is accepted as equality.
 *
 * @example
 * ```ts
 * recordsFilterToWhere({ and: [{ age: { greaterThan: 18 } }, { done: { equalTo: false } }] }, ctx);
 * // { $and: [{ age: { $gt: 18 } }, { done: { $eq: false } }] }
 * ```
 */
export function recordsFilterToWhere(
  filter: unknown,
  ctx: FilterContext,
  path = 'filter',
  depth = 0,
): Where {
  if (filter === undefined || filter === null) return {};
  if (depth > 32) throw bad(path, 'the filter nests deeper than 32 levels');
  if (!isObject(filter))
    throw bad(path, `expected a filter object, got ${describeValue(filter)}`, filter);
  const keys = Object.keys(filter);
  if (keys.length === 0) return {};
  if (keys.length > 1)
    throw bad(path, `Filter must only have one key found ${keys.join(',')}`, filter);
  const key = keys[0]!;
  const value = filter[key];
  if (key === 'and' || key === 'or') {
    if (!Array.isArray(value))
      throw bad(
        `${path}.${key}`,
        `expected an array of filters, got ${describeValue(value)}`,
        value,
      );
    const parts = value
      .map((f, i) => recordsFilterToWhere(f, ctx, `${path}.${key}[${i}]`, depth + 1))
      .filter((w) => Object.keys(w).length > 0);
    if (parts.length === 0) return {};
    return { [key === 'and' ? '$and' : '$or']: parts };
  }
  if (key === 'idEqualTo') {
    const id = idOfValue(value);
    if (id === undefined)
      throw bad(`${path}.idEqualTo`, `expected a record id, got ${describeValue(value)}`, value);
    return { objectId: { $eq: id } };
  }
  if (key === 'idContainedIn') {
    if (!Array.isArray(value))
      throw bad(
        `${path}.idContainedIn`,
        `expected an array of ids, got ${describeValue(value)}`,
        value,
      );
    return { objectId: { $in: value.map((v) => idOfValue(v) ?? v) } };
  }
  if (key === 'relatedTo') {
    if (!isObject(value))
      throw bad(
        `${path}.relatedTo`,
        `expected { id, key, className? }, got ${describeValue(value)}`,
        value,
      );
    const id = idOfValue(value['id']);
    const relationKey = value['key'];
    if (id === undefined)
      throw bad(
        `${path}.relatedTo.id`,
        `expected a record id, got ${describeValue(value['id'])}`,
        value['id'],
      );
    if (typeof relationKey !== 'string' || relationKey === '') {
      throw bad(
        `${path}.relatedTo.key`,
        `expected the relation field name, got ${describeValue(relationKey)}`,
        relationKey,
      );
    }
    const className = typeof value['className'] === 'string' ? value['className'] : ctx.classOf(id);
    return {
      $relatedTo: { object: pointer(className, id, `${path}.relatedTo`), key: relationKey },
    };
  }
  if (!isObject(value) || value instanceof Date) {
    return { [key]: { $eq: dateWire(value) } };
  }
  return fieldCondition(key, value, ctx, `${path}.${key}`) ?? {};
}

const VISUAL_OPERATORS: Readonly<Record<string, string>> = {
  'equal to': '$eq',
  'not equal to': '$ne',
  'greater than': '$gt',
  'greater than or equal to': '$gte',
  'less than': '$lt',
  'less than or equal to': '$lte',
};

/**
 * Converts the editor's visual filter (`{ combinator, rules }`, rule values from the node's
 * `qp-<input>` / `fp-<input>` inputs) into a Parse `where`, or `undefined` for no filter
 * (NOODL-RUNTIME §5.3). Rules whose value is undefined are dropped.
 *
 * @example
 * ```ts
 * visualFilterToWhere({ combinator: 'and', rules: [{ property: 'age', operator: 'greater than', input: 'minAge' }] }, { minAge: 18 }, ctx);
 * // { age: { $gt: 18 } }
 * ```
 */
export function visualFilterToWhere(
  filter: unknown,
  inputs: Readonly<Record<string, unknown>>,
  ctx: FilterContext,
  path = 'visualFilter',
  depth = 0,
): Where | undefined {
  if (filter === undefined || filter === null || filter === '') return undefined;
  if (depth > 32) throw bad(path, 'the filter nests deeper than 32 levels');
  if (!isObject(filter))
    throw bad(
      path,
      `expected a visual filter { combinator, rules }, got ${describeValue(filter)}`,
      filter,
    );
  const rules = filter['rules'];
  if (rules === undefined) return undefined;
  if (!Array.isArray(rules))
    throw bad(`${path}.rules`, `expected an array, got ${describeValue(rules)}`, rules);
  const parts: Where[] = [];
  rules.forEach((rule, i) => {
    const rulePath = `${path}.rules[${i}]`;
    if (isObject(rule) && Array.isArray(rule['rules'])) {
      const nested = visualFilterToWhere(rule, inputs, ctx, rulePath, depth + 1);
      if (nested !== undefined) parts.push(nested);
      return;
    }
    const converted = visualRule(rule, inputs, ctx, rulePath);
    if (converted !== undefined) parts.push(converted);
  });
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return parts[0];
  return { [filter['combinator'] === 'or' ? '$or' : '$and']: parts };
}

function visualRule(
  rule: unknown,
  inputs: Readonly<Record<string, unknown>>,
  ctx: FilterContext,
  path: string,
): Where | undefined {
  if (!isObject(rule))
    throw bad(
      path,
      `expected a rule { property, operator, value | input }, got ${describeValue(rule)}`,
      rule,
    );
  const property = rule['property'];
  const operator = rule['operator'];
  if (typeof operator !== 'string')
    throw bad(`${path}.operator`, `expected an operator, got ${describeValue(operator)}`, operator);
  if (operator === 'related to') {
    const value = typeof rule['input'] === 'string' ? inputs[rule['input']] : rule['value'];
    const id = idOfValue(value);
    if (id === undefined) return undefined;
    const key = rule['relationProperty'];
    if (typeof key !== 'string')
      throw bad(
        `${path}.relationProperty`,
        `expected the relation field, got ${describeValue(key)}`,
        key,
      );
    const className = typeof rule['relatedTo'] === 'string' ? rule['relatedTo'] : ctx.classOf(id);
    return { $relatedTo: { object: pointer(className, id, path), key } };
  }
  if (typeof property !== 'string' || property === '') {
    throw bad(
      `${path}.property`,
      `expected a field name, got ${describeValue(property)}`,
      property,
    );
  }
  if (operator === 'exist') return { [property]: { $exists: true } };
  if (operator === 'not exist') return { [property]: { $exists: false } };
  const value = typeof rule['input'] === 'string' ? inputs[rule['input']] : rule['value'];
  if (value === undefined) return undefined;
  const column = ctx.table?.columns.find((c) => c.name === property);
  const typed =
    column?.type === 'Date' && (typeof value === 'string' || value instanceof Date)
      ? { __type: 'Date', iso: new Date(value).toISOString() }
      : dateWire(value);
  const mapped = VISUAL_OPERATORS[operator];
  if (mapped !== undefined) return { [property]: { [mapped]: typed } };
  if (operator === 'contain') return { [property]: { $regex: String(value), $options: 'i' } };
  if (operator === 'points to') {
    const id = idOfValue(value);
    if (id === undefined) return undefined;
    return { [property]: { $eq: pointer(column?.targetClass ?? ctx.classOf(id), id, path) } };
  }
  throw bad(
    `${path}.operator`,
    `unknown visual filter operator ${JSON.stringify(operator)}`,
    operator,
  );
}

/**
 * Converts a visual sort (`[{ property, order: 'ascending' | 'descending' }]`) into sort terms.
 *
 * @example
 * ```ts
 * visualSortToTerms([{ property: 'age', order: 'descending' }]); // ['-age']
 * ```
 */
export function visualSortToTerms(sort: unknown): string[] | undefined {
  if (!Array.isArray(sort) || sort.length === 0) return undefined;
  const terms: string[] = [];
  for (const entry of sort) {
    if (isObject(entry) && typeof entry['property'] === 'string' && entry['property'] !== '') {
      terms.push(entry['order'] === 'descending' ? `-${entry['property']}` : entry['property']);
    }
  }
  return terms.length === 0 ? undefined : terms;
}
