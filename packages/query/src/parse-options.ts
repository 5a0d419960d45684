import type { TableSchema } from '@localbackend/adapter';

/**
 * Options of {@link parseWhere}, {@link parseSort}, {@link parseSelect} and {@link parseInclude}.
 *
 * @example
 * ```ts
 * const options: ParseOptions = {
 *   schema: { name: 'Todo', columns: [{ name: 'due', type: 'Date' }] },
 *   unknownFields: 'missing',
 * };
 * ```
 */
export interface ParseOptions {
  /**
   * The columns of the queried collection (`objectId`, `createdAt`, `updatedAt` always exist).
   * With a schema, Date columns accept ISO strings, Pointer columns accept ids and records, values
   * of the wrong type and unknown fields are errors.
   */
  readonly schema?: TableSchema;
  /**
   * With a schema: a field that is not in it is an `INVALID_FIELD_NAME` error (`'error'`, the
   * default) or a field that is always absent (`'missing'`, for auto-schema backends where nobody
   * has written the field yet).
   */
  readonly unknownFields?: 'error' | 'missing';
  /** Prefix of error paths (default `where`, `sort`, `select`, `include`). */
  readonly path?: string;
  /**
   * Values of visual-filter rules that name an `input` instead of a `value`
   * (`{property, operator, input: 'minAge'}` reads `values.minAge`). Rules whose value is
   * undefined are dropped, as in Noodl.
   */
  readonly values?: Readonly<Record<string, unknown>>;
}
