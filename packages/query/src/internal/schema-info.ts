import {
  assertFieldName,
  isSystemFieldName,
  type ColumnDefinition,
  type ColumnType,
  type FieldRef,
  type TableSchema,
} from '@localbackend/adapter';
import { errorAt, typeMismatch, type Loc } from './loc';

/**
 * How a field's value is typed: a column type from the schema, `json` for a value inside an
 * Object column (a path), `untyped` for a column without a schema.
 */
export type FieldType = ColumnType | 'json' | 'untyped';

/** The columns of a schema, indexed once per schema object. */
export interface SchemaInfo {
  readonly schema: TableSchema;
  readonly columns: ReadonlyMap<string, ColumnDefinition>;
}

const infos = new WeakMap<TableSchema, SchemaInfo>();

/** The indexed form of a schema (cached per schema object). */
export function schemaInfo(schema: TableSchema | undefined): SchemaInfo | undefined {
  if (schema === undefined) return undefined;
  let info = infos.get(schema);
  if (info === undefined) {
    const columns = new Map<string, ColumnDefinition>();
    for (const column of schema.columns) columns.set(column.name, column);
    info = { schema, columns };
    infos.set(schema, info);
  }
  return info;
}

const SYSTEM_TYPES: Readonly<Record<string, ColumnType>> = {
  objectId: 'String',
  createdAt: 'Date',
  updatedAt: 'Date',
};

const PATH_FORBIDDEN = /[."\\$]/;

/** Validates one segment of a JSON path (`address.city` -> `city`). */
export function isValidPathSegment(segment: string): boolean {
  if (segment.length === 0 || segment.length > 255 || segment.startsWith('__')) return false;
  if (PATH_FORBIDDEN.test(segment)) return false;
  for (let i = 0; i < segment.length; i++) if (segment.charCodeAt(i) < 0x20) return false;
  return true;
}

/** A field resolved against the schema. */
export interface ResolvedField {
  readonly ref: FieldRef;
  readonly type: FieldType;
  readonly column: ColumnDefinition | undefined;
  /** The schema does not have the field and unknownFields is 'missing': it is always absent. */
  readonly missing: boolean;
}

/**
 * The type of a field reference (no validation beyond the schema lookup). A field that the schema
 * lacks is `untyped` here; callers that must reject it check `column` themselves.
 */
export function typeOfRef(ref: FieldRef, info: SchemaInfo | undefined): FieldType {
  if (ref.path.length > 0) return 'json';
  const system = SYSTEM_TYPES[ref.field];
  if (system !== undefined && isSystemFieldName(ref.field)) return system;
  if (info === undefined) return 'untyped';
  const column = info.columns.get(ref.field);
  return column === undefined ? 'untyped' : column.type;
}

const JSON_CONTAINERS: ReadonlySet<FieldType> = new Set(['Object', 'GeoPoint', 'File', 'untyped']);

/**
 * Splits `a.b.c` into a field and a JSON path, validates every part, and looks the field up in
 * the schema.
 */
export function resolveField(
  name: string,
  loc: Loc,
  info: SchemaInfo | undefined,
  unknownFields: 'error' | 'missing',
): ResolvedField {
  const dot = name.indexOf('.');
  const field = dot < 0 ? name : name.slice(0, dot);
  const path = dot < 0 ? [] : name.slice(dot + 1).split('.');
  if (!isSystemFieldName(field)) assertFieldNameAt(field, loc);
  for (const segment of path) {
    if (!isValidPathSegment(segment)) {
      throw errorAt(
        'INVALID_FIELD_NAME',
        loc,
        `${JSON.stringify(segment.slice(0, 40))} is not a valid key inside an object field (1-255 characters, no ".", '"', "\\", "$" or control characters, not starting with "__")`,
        { expected: 'a key like city', received: segment },
      );
    }
  }
  const ref: FieldRef = Object.freeze({ field, path: Object.freeze(path) });
  let column: ColumnDefinition | undefined;
  let base: FieldType;
  if (isSystemFieldName(field)) {
    base = SYSTEM_TYPES[field]!;
  } else if (info === undefined) {
    base = 'untyped';
  } else {
    column = info.columns.get(field);
    if (column === undefined) {
      if (unknownFields === 'missing')
        return { ref, type: 'untyped', column: undefined, missing: true };
      throw errorAt(
        'INVALID_FIELD_NAME',
        loc,
        `the field ${JSON.stringify(field)} does not exist in ${info.schema.name}`,
        { expected: `a field of ${info.schema.name}`, received: field },
      );
    }
    base = column.type;
  }
  if (path.length > 0) {
    if (!JSON_CONTAINERS.has(base)) {
      throw typeMismatch(
        loc,
        `an Object field before "." (${field} is ${describeType(base)})`,
        name,
      );
    }
    return { ref, type: 'json', column, missing: false };
  }
  return { ref, type: base, column, missing: false };
}

function assertFieldNameAt(field: string, loc: Loc): void {
  try {
    assertFieldName(field, 'field');
  } catch (_error) {
    throw errorAt(
      'INVALID_FIELD_NAME',
      loc,
      `${JSON.stringify(field.length > 40 ? `${field.slice(0, 40)}…` : field)} is not a valid field name (a letter followed by letters, digits or _, at most 63 characters, not a reserved name)`,
      { expected: 'a field name like title', received: field },
    );
  }
}

/** `a Number column`, `a value inside an Object field`... */
export function describeType(type: FieldType): string {
  if (type === 'json') return 'a value inside an Object field';
  if (type === 'untyped') return 'an untyped column';
  return `a ${type} column`;
}

/**
 * Validates a field reference coming from a hand-built AST (compile and matches accept ASTs that
 * did not come from the parser).
 */
export function checkRef(ref: FieldRef, where: string, info: SchemaInfo | undefined): FieldType {
  if (
    typeof ref !== 'object' ||
    ref === null ||
    typeof ref.field !== 'string' ||
    !Array.isArray(ref.path)
  ) {
    throw errorAt('INVALID_QUERY', where, 'expected a field reference {field, path}');
  }
  if (!isSystemFieldName(ref.field))
    assertFieldNameAt(ref.field, { parent: undefined, key: where });
  for (const segment of ref.path) {
    if (typeof segment !== 'string' || !isValidPathSegment(segment)) {
      throw errorAt(
        'INVALID_FIELD_NAME',
        where,
        `invalid key ${JSON.stringify(segment)} in the path of ${ref.field}`,
      );
    }
  }
  if (info !== undefined && !isSystemFieldName(ref.field) && !info.columns.has(ref.field)) {
    throw errorAt(
      'INVALID_FIELD_NAME',
      where,
      `the field ${JSON.stringify(ref.field)} does not exist in ${info.schema.name}`,
    );
  }
  const type = typeOfRef(ref, info);
  if (ref.path.length > 0) {
    const base = typeOfRef({ field: ref.field, path: [] }, info);
    if (!JSON_CONTAINERS.has(base)) {
      throw errorAt(
        'TYPE_MISMATCH',
        where,
        `${ref.field} is ${describeType(base)}; only Object fields have sub-fields`,
      );
    }
  }
  return type;
}
