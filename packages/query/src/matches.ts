import type { FilterNode, TableSchema } from '@localbackend/adapter';
import { evalNode, type RelationLookup } from './internal/evaluate';
import { schemaInfo } from './internal/schema-info';

export type { RelationLookup } from './internal/evaluate';

/**
 * Options of {@link matches}.
 *
 * @example
 * ```ts
 * const options: MatchOptions = {
 *   schema: todoSchema,
 *   relations: (owner, key, relatedId) => junction.has(`${owner.className}/${owner.objectId}/${key}/${relatedId}`),
 * };
 * ```
 */
export interface MatchOptions {
  /** The collection's columns (Array contains-semantics, Date coercion, text index, Relations). */
  readonly schema?: TableSchema;
  /**
   * Looks up Relation membership. `$relatedTo` and `pointsTo` on Relation fields need it: the
   * record alone does not say which records relate to it. Without it they throw `UNSUPPORTED`.
   */
  readonly relations?: RelationLookup;
}

/**
 * The JS twin of the SQL compiler: true when `record` (a stored record as adapters return it:
 * ISO date strings, pointers as objectIds) satisfies the filter. Used to filter realtime events.
 * It gives the same answer as the compiled SQL on the same data, by construction and by
 * differential tests (see the README for the exact semantics).
 *
 * @example
 * ```ts
 * import { matches, parseWhere } from '@localbackend/query';
 *
 * const where = parseWhere({ done: false, priority: { $gte: 2 } });
 * matches({ objectId: 'a', createdAt: '', updatedAt: '', done: false, priority: 3 }, where); // true
 * ```
 */
export function matches(
  record: Readonly<Record<string, unknown>>,
  where: FilterNode,
  options: MatchOptions = {},
): boolean {
  return evalNode(
    where,
    record,
    { info: schemaInfo(options.schema), relations: options.relations, trusted: false },
    0,
  );
}
