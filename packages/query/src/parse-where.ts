import type { FilterNode } from '@localbackend/adapter';
import { rootLoc } from './internal/loc';
import * as N from './internal/nodes';
import { parseFilter } from './internal/parse-filter';
import type { ParseContext, Tracker } from './internal/parse-context';
import { schemaInfo } from './internal/schema-info';
import type { ParseOptions } from './parse-options';

/**
 * Parses a filter in any accepted format into the normalized, deeply frozen filter AST:
 * the Parse / CloudStore wire format (`{age: {$gt: 18}}`, `$and`, `$or`, `$nor`, `$relatedTo`,
 * `$text`, geo operators), the Noodl filter format (`{and: [...]}`, `{idEqualTo}`,
 * `{age: {greaterThan: 18}}`, `relatedTo`...), the original design's shorthand
 * (`{title: {contains: 'milk'}}`) and the editor's visual filter (`{combinator, rules}`). Formats
 * may be nested in each other; several keys or operators on one field combine with AND.
 * `undefined` and `null` mean "no filter". Errors are `BackendError`s (`INVALID_QUERY`,
 * `UNKNOWN_OPERATOR`, `TYPE_MISMATCH`, `INVALID_FIELD_NAME`) whose message and `details.path`
 * point at the bad node, e.g. `where.$or[2].age.$gt: expected a number, got "abc"`.
 *
 * @example
 * ```ts
 * import { parseWhere } from '@localbackend/query';
 *
 * const ast = parseWhere({ done: false, priority: { $gte: 2 } });
 * // { kind: 'and', conditions: [ {kind:'compare', op:'eq', ...}, {kind:'compare', op:'gte', ...} ] }
 * ```
 */
export function parseWhere(input: unknown, options: ParseOptions = {}): FilterNode {
  return parseWhereWith(input, options, undefined);
}

/** parseWhere with an optional tracker (for the compiled-shape cache). */
export function parseWhereWith(
  input: unknown,
  options: ParseOptions,
  tracker: Tracker | undefined,
): FilterNode {
  if (input === undefined || input === null) return N.TRUE;
  const ctx: ParseContext = {
    info: schemaInfo(options.schema),
    unknownFields: options.unknownFields ?? 'error',
    values: options.values,
    tracker,
  };
  return parseFilter(input, rootLoc(options.path ?? 'where'), ctx, 0);
}
