import type { NodeContext } from '../catalog/node-definition';
import { recordsFilterToWhere, visualFilterToWhere, type FilterContext } from '../engine/filters';
import type { NoodlObject } from '../engine/object-scope';
import { idOf } from '../engine/records';
import { errorMessage } from './node-helpers';

/**
 * The filter context of a node: classes remembered in the run, the class's schema, warnings to the
 * node's log.
 *
 * @example
 * ```ts
 * const ctx = filterContextOf(node, table);
 * ```
 */
export function filterContextOf(node: NodeContext, table: FilterContext['table']): FilterContext {
  return {
    classOf: (id) => node.run.objects.classOf(id),
    table,
    warn: (message) => node.log('warn', message),
  };
}

/**
 * Strips `//` and `/* *\/` comments from a script (outside string literals).
 *
 * @example
 * ```ts
 * stripComments('where({}) // all'); // 'where({}) '
 * ```
 */
export function stripComments(script: string): string {
  let out = '';
  let i = 0;
  while (i < script.length) {
    const c = script[i]!;
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < script.length && script[j] !== c) j += script[j] === '\\' ? 2 : 1;
      out += script.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && script[i + 1] === '/') {
      while (i < script.length && script[i] !== '\n') i++;
    } else if (c === '/' && script[i + 1] === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end < 0 ? script.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Runs a JSON filter script (Query Records / Aggregate `storageJSONFilter`): it may call
 * `where(f)` / `filter(f)` with a Records filter and `sort(terms)`; `Inputs` holds the
 * `storageFilterValue-*` values and each `$name` token is bound to `storageFilterValue-name`.
 * Returns the Parse `where` and the sort terms.
 *
 * @example
 * ```ts
 * const { where, sort } = runJsonFilter(node, 'where({ age: { greaterThan: $min } })', { min: 18 }, table);
 * ```
 */
export function runJsonFilter(
  node: NodeContext,
  script: string,
  values: Readonly<Record<string, unknown>>,
  ctx: FilterContext,
): { where: Record<string, unknown>; sort: string[] | undefined } {
  const body = stripComments(script);
  const dollars = [...new Set([...body.matchAll(/\$([A-Za-z0-9_]+)/g)].map((m) => m[1]!))];
  let filter: unknown;
  let sort: string[] | undefined;
  const fn = node.run.sandbox.compile(
    body,
    ['filter', 'where', 'sort', 'Inputs', ...dollars.map((d) => `$${d}`)],
    `JSON filter ${node.id}`,
  );
  const setFilter = (f: unknown) => {
    filter = f;
  };
  fn.call(undefined, [
    setFilter,
    setFilter,
    (terms: unknown) => {
      if (Array.isArray(terms)) sort = terms.filter((t): t is string => typeof t === 'string');
      else if (typeof terms === 'string')
        sort = terms
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== '');
    },
    { ...values },
    ...dollars.map((d) => values[d]),
  ]);
  return { where: recordsFilterToWhere(filter, ctx), sort };
}

/**
 * The Parse `where` of a node's filter settings: `simple` (visual filter with `<prefix><input>`
 * values) or `json` (a JSON filter script).
 *
 * @example
 * ```ts
 * const { where, sort } = nodeFilter(node, settings, table);
 * ```
 */
export function nodeFilter(
  node: NodeContext,
  settings: {
    readonly type: unknown;
    readonly visual: unknown;
    readonly visualInputs: Readonly<Record<string, unknown>>;
    readonly json: unknown;
    readonly jsonValues: Readonly<Record<string, unknown>>;
  },
  ctx: FilterContext,
): { where: Record<string, unknown>; sort: string[] | undefined } {
  if (settings.type === 'json') {
    if (typeof settings.json !== 'string' || settings.json.trim() === '')
      return { where: {}, sort: undefined };
    return runJsonFilter(node, settings.json, settings.jsonValues, ctx);
  }
  return {
    where: visualFilterToWhere(settings.visual, settings.visualInputs, ctx) ?? {},
    sort: undefined,
  };
}

/**
 * The record a node addresses: `modelId` (an id or a Noodl object), or the Run Tasks item with
 * `idSource: 'foreach'`.
 *
 * @example
 * ```ts
 * const id = targetId(node, idSource, modelId);
 * ```
 */
export function targetId(
  node: NodeContext,
  idSource: unknown,
  modelId: unknown,
): string | undefined {
  if (idSource === 'foreach') return idOf(node.graph.forEachItem());
  return idOf(modelId);
}

/**
 * Sets `error` and pulses `failure`.
 *
 * @example
 * ```ts
 * fail(node, state, error);
 * ```
 */
export function reportFailure(
  node: NodeContext,
  state: { error: string | undefined },
  error: unknown,
): void {
  state.error = errorMessage(error);
  node.log('warn', state.error);
  node.flagOutputDirty('error');
  node.sendSignal('failure');
}

/**
 * Writes a value into an object by a dotted name (`address.city` writes into the nested object).
 *
 * @example
 * ```ts
 * setDotted(object, 'address.city', 'Oslo');
 * ```
 */
export function setDotted(object: NoodlObject, name: string, value: unknown): void {
  const parts = name.split('.');
  if (parts.length === 1) {
    object.set(name, value);
    return;
  }
  const head = parts[0]!;
  const current = object.get(head);
  const root: Record<string, unknown> =
    typeof current === 'object' && current !== null
      ? { ...(current as Record<string, unknown>) }
      : {};
  let cursor = root;
  for (const part of parts.slice(1, -1)) {
    const next = cursor[part];
    const copy: Record<string, unknown> =
      typeof next === 'object' && next !== null ? { ...(next as Record<string, unknown>) } : {};
    cursor[part] = copy;
    cursor = copy;
  }
  cursor[parts[parts.length - 1]!] = value;
  object.set(head, root);
}
