/**
 * The column types of a collection, as in Parse.
 *
 * @example
 * ```ts
 * COLUMN_TYPES.includes('GeoPoint'); // true
 * ```
 */
export const COLUMN_TYPES = Object.freeze([
  'String',
  'Number',
  'Boolean',
  'Date',
  'Object',
  'Array',
  'Pointer',
  'Relation',
  'GeoPoint',
  'File',
] as const);

/**
 * One of {@link COLUMN_TYPES}.
 *
 * @example
 * ```ts
 * const type: ColumnType = 'Pointer';
 * ```
 */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/**
 * True when `type` is one of {@link COLUMN_TYPES}.
 *
 * @example
 * ```ts
 * isColumnType('Number'); // true
 * isColumnType('Integer'); // false
 * ```
 */
export function isColumnType(type: unknown): type is ColumnType {
  return typeof type === 'string' && (COLUMN_TYPES as readonly string[]).includes(type);
}

/**
 * One column (field) of a collection.
 *
 * @example
 * ```ts
 * const owner: ColumnDefinition = { name: 'list', type: 'Pointer', targetClass: 'List' };
 * const title: ColumnDefinition = { name: 'title', type: 'String', required: true, textIndex: true };
 * ```
 */
export interface ColumnDefinition {
  /** The field name (see `isValidFieldName`). */
  readonly name: string;
  /** The column type. */
  readonly type: ColumnType;
  /** The target collection of a `Pointer` or `Relation`. Required for those types. */
  readonly targetClass?: string;
  /** A create without this field (or a save that unsets it) fails with `REQUIRED_FIELD`. */
  readonly required?: boolean;
  /** Value used on create when the field is absent. */
  readonly defaultValue?: unknown;
  /** Build a full-text index on this `String` column (FTS5 on SQLite, `to_tsvector` on Postgres). */
  readonly textIndex?: boolean;
  /** Build a plain index on this column (Pointer columns are always indexed). */
  readonly indexed?: boolean;
  /** A unique index: a second record with the same value fails with `DUPLICATE_VALUE`. */
  readonly unique?: boolean;
}

/**
 * One collection (table) and its user-defined columns. `objectId`, `createdAt` and `updatedAt`
 * exist on every table and are not listed.
 *
 * @example
 * ```ts
 * const todo: TableSchema = {
 *   name: 'Todo',
 *   columns: [
 *     { name: 'title', type: 'String', required: true },
 *     { name: 'done', type: 'Boolean', defaultValue: false },
 *   ],
 * };
 * ```
 */
export interface TableSchema {
  /** The collection name (see `isValidCollectionName`). */
  readonly name: string;
  /** The columns, in definition order. */
  readonly columns: readonly ColumnDefinition[];
}

/**
 * A whole backend schema, in the shape of the original design's `schema.json`.
 *
 * @example
 * ```ts
 * const schema: SchemaDefinition = { version: 1, tables: [{ name: 'Todo', columns: [] }] };
 * ```
 */
export interface SchemaDefinition {
  /** Incremented by the adapter on every schema change. */
  readonly version: number;
  /** The user collections (system collections are not listed). */
  readonly tables: readonly TableSchema[];
}

/**
 * How an adapter treats fields that are not in the schema: `auto` adds a column on the first
 * write (type inferred from the value, Parse-style), `strict` rejects them with
 * `INVALID_FIELD_NAME`.
 *
 * @example
 * ```ts
 * const mode: SchemaMode = 'strict';
 * ```
 */
export type SchemaMode = 'auto' | 'strict';
