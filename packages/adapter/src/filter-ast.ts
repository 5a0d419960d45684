/*
 * The normalized filter AST. `@localbackend/query` parses every accepted filter format into these
 * frozen, `kind`-tagged nodes; its SQL compiler and its JS matcher both read them. Only the types
 * live here, so that adapters and tools can inspect a filter without depending on the parser.
 */

/**
 * The field a condition reads: a column, and optionally a JSON path inside an Object column
 * (`address.city` is `{ field: 'address', path: ['city'] }`).
 *
 * @example
 * ```ts
 * const ref: FieldRef = { field: 'address', path: ['city'] };
 * ```
 */
export interface FieldRef {
  readonly field: string;
  readonly path: readonly string[];
}

/**
 * A date inside a filter, normalised to an ISO-8601 UTC string with milliseconds (the storage
 * format), so that dates order correctly as strings.
 *
 * @example
 * ```ts
 * const since: DateLiteral = { kind: 'date', iso: '2026-01-01T00:00:00.000Z' };
 * ```
 */
export interface DateLiteral {
  readonly kind: 'date';
  readonly iso: string;
}

/**
 * A value a condition compares with.
 *
 * @example
 * ```ts
 * const values: FilterLiteral[] = ['a', 1, true, null, { kind: 'date', iso: '2026-01-01T00:00:00.000Z' }];
 * ```
 */
export type FilterLiteral = string | number | boolean | null | DateLiteral;

/**
 * A point in degrees, as used by geo conditions.
 *
 * @example
 * ```ts
 * const p: GeoPointLiteral = { latitude: 59.91, longitude: 10.75 };
 * ```
 */
export interface GeoPointLiteral {
  readonly latitude: number;
  readonly longitude: number;
}

/**
 * Comparison operators of a {@link CompareNode}.
 *
 * @example
 * ```ts
 * const op: CompareOperator = 'gte';
 * ```
 */
export type CompareOperator = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';

/**
 * All conditions hold (an empty list is true).
 *
 * @example
 * ```ts
 * const node: AndNode = { kind: 'and', conditions: [] };
 * ```
 */
export interface AndNode {
  readonly kind: 'and';
  readonly conditions: readonly FilterNode[];
}

/**
 * At least one condition holds (an empty list is false).
 *
 * @example
 * ```ts
 * const node: OrNode = { kind: 'or', conditions: [] };
 * ```
 */
export interface OrNode {
  readonly kind: 'or';
  readonly conditions: readonly FilterNode[];
}

/**
 * The condition does not hold.
 *
 * @example
 * ```ts
 * const node: NotNode = { kind: 'not', condition: { kind: 'const', value: false } };
 * ```
 */
export interface NotNode {
  readonly kind: 'not';
  readonly condition: FilterNode;
}

/**
 * Always true or always false (e.g. `$in: []`).
 *
 * @example
 * ```ts
 * const never: ConstNode = { kind: 'const', value: false };
 * ```
 */
export interface ConstNode {
  readonly kind: 'const';
  readonly value: boolean;
}

/**
 * `field <op> value`. On an Array column `eq` means "the array contains the value" (Parse).
 *
 * @example
 * ```ts
 * const adult: CompareNode = { kind: 'compare', field: { field: 'age', path: [] }, op: 'gte', value: 18 };
 * ```
 */
export interface CompareNode {
  readonly kind: 'compare';
  readonly field: FieldRef;
  readonly op: CompareOperator;
  readonly value: FilterLiteral;
}

/**
 * The field's value is one of `values` (`$in`), or with `negate` none of them (`$nin`). On an
 * Array column: the array contains any of them.
 *
 * @example
 * ```ts
 * const node: InNode = { kind: 'in', field: { field: 'status', path: [] }, values: ['open', 'new'], negate: false };
 * ```
 */
export interface InNode {
  readonly kind: 'in';
  readonly field: FieldRef;
  readonly values: readonly FilterLiteral[];
  readonly negate: boolean;
}

/**
 * The Array field contains every one of `values` (`$all`).
 *
 * @example
 * ```ts
 * const node: AllNode = { kind: 'all', field: { field: 'tags', path: [] }, values: ['a', 'b'] };
 * ```
 */
export interface AllNode {
  readonly kind: 'all';
  readonly field: FieldRef;
  readonly values: readonly FilterLiteral[];
}

/**
 * The field is present and not null (`exists: true`), or absent / null (`exists: false`).
 *
 * @example
 * ```ts
 * const node: ExistsNode = { kind: 'exists', field: { field: 'due', path: [] }, exists: true };
 * ```
 */
export interface ExistsNode {
  readonly kind: 'exists';
  readonly field: FieldRef;
  readonly exists: boolean;
}

/**
 * The String field matches a regular expression (JavaScript syntax; flags from `i m s`).
 *
 * @example
 * ```ts
 * const node: RegexNode = { kind: 'regex', field: { field: 'title', path: [] }, pattern: '^buy', flags: 'i' };
 * ```
 */
export interface RegexNode {
  readonly kind: 'regex';
  readonly field: FieldRef;
  readonly pattern: string;
  readonly flags: string;
}

/**
 * The String field contains / starts with / ends with a literal string. Produced by the
 * shorthand operators and by Parse SDK regexes of the form `\Q…\E`, so that SQL can avoid a
 * regular expression.
 *
 * @example
 * ```ts
 * const node: StringMatchNode = { kind: 'stringMatch', field: { field: 'title', path: [] }, mode: 'startsWith', value: 'Buy', caseSensitive: true };
 * ```
 */
export interface StringMatchNode {
  readonly kind: 'stringMatch';
  readonly field: FieldRef;
  readonly mode: 'contains' | 'startsWith' | 'endsWith';
  readonly value: string;
  readonly caseSensitive: boolean;
}

/**
 * Full-text search (`$text: { $search: { $term } }`): every word of `search` occurs in the field.
 *
 * @example
 * ```ts
 * const node: TextNode = { kind: 'text', field: { field: 'body', path: [] }, search: 'milk bread', caseSensitive: false, diacriticSensitive: false };
 * ```
 */
export interface TextNode {
  readonly kind: 'text';
  readonly field: FieldRef;
  readonly search: string;
  readonly caseSensitive: boolean;
  readonly diacriticSensitive: boolean;
  readonly language?: string;
}

/**
 * Records that `object` relates to through its Relation field `key` (`$relatedTo`): rows of the
 * junction table `_Join_<key>_<object.className>` with `owningId = object.objectId`.
 *
 * @example
 * ```ts
 * const node: RelatedToNode = { kind: 'relatedTo', object: { className: 'Post', objectId: 'p1' }, key: 'likes' };
 * ```
 */
export interface RelatedToNode {
  readonly kind: 'relatedTo';
  readonly object: { readonly className: string; readonly objectId: string };
  readonly key: string;
}

/**
 * The Pointer field points to one of `objectIds` (Noodl's `pointsTo`).
 *
 * @example
 * ```ts
 * const node: PointsToNode = { kind: 'pointsTo', field: { field: 'list', path: [] }, objectIds: ['l1'] };
 * ```
 */
export interface PointsToNode {
  readonly kind: 'pointsTo';
  readonly field: FieldRef;
  readonly objectIds: readonly string[];
  readonly className?: string;
}

/**
 * The GeoPoint field is within `maxDistanceRadians` of `point` on a sphere (`$nearSphere`,
 * optionally with `$maxDistance*`).
 *
 * @example
 * ```ts
 * const node: NearNode = { kind: 'near', field: { field: 'location', path: [] }, point: { latitude: 0, longitude: 0 }, maxDistanceRadians: 0.01 };
 * ```
 */
export interface NearNode {
  readonly kind: 'near';
  readonly field: FieldRef;
  readonly point: GeoPointLiteral;
  readonly maxDistanceRadians?: number;
}

/**
 * A region for {@link WithinNode}: a latitude/longitude box, a polygon, or a circle on the
 * sphere.
 *
 * @example
 * ```ts
 * const box: GeoShape = { type: 'box', southwest: { latitude: 0, longitude: 0 }, northeast: { latitude: 1, longitude: 1 } };
 * ```
 */
export type GeoShape =
  | {
      readonly type: 'box';
      readonly southwest: GeoPointLiteral;
      readonly northeast: GeoPointLiteral;
    }
  | { readonly type: 'polygon'; readonly points: readonly GeoPointLiteral[] }
  | {
      readonly type: 'centerSphere';
      readonly center: GeoPointLiteral;
      readonly radiusRadians: number;
    };

/**
 * The GeoPoint field lies inside `shape` (`$within`, `$geoWithin`).
 *
 * @example
 * ```ts
 * const node: WithinNode = { kind: 'within', field: { field: 'location', path: [] }, shape: { type: 'centerSphere', center: { latitude: 0, longitude: 0 }, radiusRadians: 0.1 } };
 * ```
 */
export interface WithinNode {
  readonly kind: 'within';
  readonly field: FieldRef;
  readonly shape: GeoShape;
}

/**
 * Any node of the normalized filter AST.
 *
 * @example
 * ```ts
 * function countConditions(node: FilterNode): number {
 *   return node.kind === 'and' || node.kind === 'or'
 *     ? node.conditions.reduce((n, c) => n + countConditions(c), 0)
 *     : 1;
 * }
 * ```
 */
export type FilterNode =
  | AndNode
  | OrNode
  | NotNode
  | ConstNode
  | CompareNode
  | InNode
  | AllNode
  | ExistsNode
  | RegexNode
  | StringMatchNode
  | TextNode
  | RelatedToNode
  | PointsToNode
  | NearNode
  | WithinNode;

/**
 * The `kind` tag of a {@link FilterNode}.
 *
 * @example
 * ```ts
 * const kind: FilterNodeKind = 'compare';
 * ```
 */
export type FilterNodeKind = FilterNode['kind'];

/**
 * One sort key: a field (or JSON path) and a direction.
 *
 * @example
 * ```ts
 * const newestFirst: SortKey = { field: { field: 'createdAt', path: [] }, direction: 'desc' };
 * ```
 */
export interface SortKey {
  readonly field: FieldRef;
  readonly direction: 'asc' | 'desc';
}
