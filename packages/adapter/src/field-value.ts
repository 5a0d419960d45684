/**
 * A reference to one record of another collection, as Parse encodes it.
 *
 * @example
 * ```ts
 * const list: PointerValue = { __type: 'Pointer', className: 'List', objectId: 'a1b2c3d4e5' };
 * ```
 */
export interface PointerValue {
  readonly __type: 'Pointer';
  readonly className: string;
  readonly objectId: string;
}

/**
 * A point on Earth in degrees (latitude -90..90, longitude -180..180).
 *
 * @example
 * ```ts
 * const oslo: GeoPointValue = { __type: 'GeoPoint', latitude: 59.91, longitude: 10.75 };
 * ```
 */
export interface GeoPointValue {
  readonly __type: 'GeoPoint';
  readonly latitude: number;
  readonly longitude: number;
}

/**
 * File metadata (the bytes live elsewhere; `url` points at them).
 *
 * @example
 * ```ts
 * const avatar: FileValue = { __type: 'File', name: 'me.png', url: 'http://127.0.0.1:8577/files/me.png' };
 * ```
 */
export interface FileValue {
  readonly __type: 'File';
  readonly name: string;
  readonly url?: string;
}

/**
 * The marker of a Relation field in a Parse response: the related records are fetched with a
 * `$relatedTo` query.
 *
 * @example
 * ```ts
 * const tags: RelationValue = { __type: 'Relation', className: 'Tag' };
 * ```
 */
export interface RelationValue {
  readonly __type: 'Relation';
  readonly className: string;
}

/**
 * A JSON value (what Object and Array columns hold).
 *
 * @example
 * ```ts
 * const address: JsonValue = { city: 'Oslo', zip: '0150' };
 * ```
 */
export type JsonValue =
  null | string | number | boolean | JsonValue[] | { [key: string]: JsonValue };

/**
 * A field value on the JS side, as adapters accept it on writes: JSON plus `Date` and
 * `Uint8Array`, and the tagged Pointer / GeoPoint / File / Relation objects (a Relation value
 * declares a Relation field, as in Parse; it stores no data). Adapters return records whose
 * dates are ISO strings and whose pointers are objectIds (see {@link StoredRecord}).
 *
 * @example
 * ```ts
 * const data: Record<string, FieldValue> = { title: 'Buy milk', due: new Date(), list: { __type: 'Pointer', className: 'List', objectId: 'a1b2c3d4e5' } };
 * ```
 */
export type FieldValue =
  | null
  | string
  | number
  | boolean
  | Date
  | Uint8Array
  | PointerValue
  | GeoPointValue
  | FileValue
  | RelationValue
  | FieldValue[]
  | { [key: string]: FieldValue };

/**
 * An update operation on one field: Parse's `__op` objects, validated and normalised.
 *
 * @example
 * ```ts
 * const bump: FieldOperation = { __op: 'Increment', amount: 1 };
 * const tag: FieldOperation = { __op: 'AddUnique', objects: ['urgent'] };
 * const unset: FieldOperation = { __op: 'Delete' };
 * ```
 */
export type FieldOperation =
  | { readonly __op: 'Increment'; readonly amount: number }
  | { readonly __op: 'Add'; readonly objects: readonly FieldValue[] }
  | { readonly __op: 'AddUnique'; readonly objects: readonly FieldValue[] }
  | { readonly __op: 'Remove'; readonly objects: readonly FieldValue[] }
  | { readonly __op: 'AddRelation'; readonly objects: readonly PointerValue[] }
  | { readonly __op: 'RemoveRelation'; readonly objects: readonly PointerValue[] }
  | { readonly __op: 'Delete' };

/**
 * The fields of a create: field name to value. `objectId` may be given to choose the id.
 * Operations are allowed as Parse allows them on a new object: `Increment` sets the amount, `Add`
 * and `AddUnique` set the array, `AddRelation` relates records, `Delete` leaves the field unset.
 * `undefined` fields are ignored.
 *
 * @example
 * ```ts
 * const input: RecordInput = { title: 'Buy milk', done: false };
 * ```
 */
export type RecordInput = Readonly<Record<string, FieldValue | FieldOperation | undefined>>;

/**
 * The fields of a save: field name to a new value or a {@link FieldOperation}.
 *
 * @example
 * ```ts
 * const patch: UpdateInput = { done: true, views: { __op: 'Increment', amount: 1 } };
 * ```
 */
export type UpdateInput = Readonly<Record<string, FieldValue | FieldOperation | undefined>>;

/**
 * A record as adapters return it: `objectId`, `createdAt`, `updatedAt` (ISO-8601 UTC strings) and
 * the fields. Dates are ISO strings, pointers are objectIds (or the included record when the
 * query asked to `include` it), GeoPoints and Files keep their tagged objects, Relation fields are
 * absent (query them with `$relatedTo`).
 *
 * @example
 * ```ts
 * const todo: StoredRecord = { objectId: 'a1b2c3d4e5', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', title: 'Buy milk' };
 * ```
 */
export interface StoredRecord {
  readonly objectId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly [field: string]: unknown;
}
