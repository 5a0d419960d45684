import {
  BackendError,
  assertFieldName,
  describeValue,
  encodeParseValue,
  isColumnType,
  isPlainRecord,
  isSystemFieldName,
  isValidCollectionName,
  type ColumnDefinition,
  type SchemaDefinition,
  type TableSchema,
} from '@localbackend/adapter';
import { assertStorableCollection } from './identifiers';
import { encodeColumnValue, normalizeValue } from './value-codec';

/** The most user columns one collection may have (SQLite allows 2000 columns in a table). */
export const MAX_COLUMNS = 1000;

const COLUMN_KEYS = new Set([
  'name',
  'type',
  'targetClass',
  'required',
  'defaultValue',
  'textIndex',
  'indexed',
  'unique',
]);

function invalid(
  path: string,
  message: string,
  expected: string,
  received?: unknown,
): BackendError {
  return new BackendError('INVALID_VALUE', `${path}: ${message}`, {
    details:
      received === undefined
        ? { path, expected }
        : { path, expected, received: describeValue(received) },
  });
}

function flag(input: Record<string, unknown>, key: string, path: string): boolean {
  const value = input[key];
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  throw invalid(
    `${path}.${key}`,
    `expected true or false, got ${describeValue(value)}`,
    'a boolean',
    value,
  );
}

/**
 * Validates one column definition from untrusted input and returns it in canonical form (only
 * known keys, flags only when true, `defaultValue` checked against the type and stored as JSON).
 */
export function normalizeColumn(input: unknown, path: string): ColumnDefinition {
  if (!isPlainRecord(input)) {
    throw invalid(
      path,
      `expected a column definition { name, type }, got ${describeValue(input)}`,
      'a column definition',
    );
  }
  for (const key of Object.keys(input)) {
    if (!COLUMN_KEYS.has(key)) {
      throw invalid(
        `${path}.${key}`,
        `unknown column option; expected only ${[...COLUMN_KEYS].join(', ')}`,
        'a known column option',
      );
    }
  }
  const name = input.name;
  if (isSystemFieldName(name)) {
    throw new BackendError(
      'INVALID_FIELD_NAME',
      `${path}.name: "${String(name)}" is a system field and exists on every table`,
      {
        details: { path: `${path}.name`, expected: 'a field name like title' },
      },
    );
  }
  assertFieldName(name, `${path}.name`);
  const type = input.type;
  if (!isColumnType(type)) {
    throw invalid(
      `${path}.type`,
      `expected one of String, Number, Boolean, Date, Object, Array, Pointer, Relation, GeoPoint, File, got ${describeValue(type)}`,
      'a column type',
      type,
    );
  }
  const column: {
    -readonly [K in keyof ColumnDefinition]: ColumnDefinition[K];
  } = { name, type };
  if (type === 'Pointer' || type === 'Relation') {
    if (!isValidCollectionName(input.targetClass, { allowSystem: true })) {
      throw invalid(
        `${path}.targetClass`,
        `a ${type} column needs the name of its target collection, got ${describeValue(input.targetClass)}`,
        'a collection name',
        input.targetClass,
      );
    }
    column.targetClass = input.targetClass as string;
  } else if (input.targetClass !== undefined) {
    throw invalid(
      `${path}.targetClass`,
      `only Pointer and Relation columns have a targetClass`,
      'no targetClass',
    );
  }
  if (flag(input, 'required', path)) column.required = true;
  if (flag(input, 'textIndex', path)) {
    if (type !== 'String')
      throw invalid(
        `${path}.textIndex`,
        'only String columns can have a text index',
        'a String column',
      );
    column.textIndex = true;
  }
  if (flag(input, 'indexed', path)) column.indexed = true;
  if (flag(input, 'unique', path)) {
    if (type === 'Relation')
      throw invalid(`${path}.unique`, 'a Relation column cannot be unique', 'not a Relation');
    column.unique = true;
  }
  if (input.defaultValue !== undefined && input.defaultValue !== null) {
    if (type === 'Relation')
      throw invalid(
        `${path}.defaultValue`,
        'a Relation column has no default value',
        'no defaultValue',
      );
    const value = normalizeValue(input.defaultValue, `${path}.defaultValue`);
    encodeColumnValue(column as ColumnDefinition, value, `${path}.defaultValue`);
    column.defaultValue = value instanceof Date ? value.toISOString() : encodeParseValue(value);
  }
  return Object.freeze(column);
}

/** Validates a table definition from untrusted input. */
export function normalizeTable(input: unknown, path: string): TableSchema {
  if (!isPlainRecord(input)) {
    throw invalid(
      path,
      `expected a table definition { name, columns }, got ${describeValue(input)}`,
      'a table definition',
    );
  }
  assertStorableCollection(input.name, `${path}.name`);
  const rawColumns = input.columns ?? [];
  if (!Array.isArray(rawColumns)) {
    throw invalid(
      `${path}.columns`,
      `expected an array of columns, got ${describeValue(rawColumns)}`,
      'an array',
    );
  }
  if (rawColumns.length > MAX_COLUMNS) {
    throw new BackendError(
      'RESOURCE_LIMIT',
      `${path}.columns: at most ${MAX_COLUMNS} columns per collection, got ${rawColumns.length}`,
      {
        details: { path: `${path}.columns`, expected: `at most ${MAX_COLUMNS} columns` },
      },
    );
  }
  const columns: ColumnDefinition[] = [];
  const seen = new Map<string, string>();
  rawColumns.forEach((raw: unknown, i: number) => {
    const column = normalizeColumn(raw, `${path}.columns[${i}]`);
    const lower = column.name.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined) {
      throw new BackendError(
        'SCHEMA_CONFLICT',
        other === column.name
          ? `${path}.columns[${i}].name: the column "${column.name}" is defined twice`
          : `${path}.columns[${i}].name: "${column.name}" and "${other}" would be the same column (SQLite column names are case-insensitive)`,
        { details: { path: `${path}.columns[${i}].name` } },
      );
    }
    seen.set(lower, column.name);
    columns.push(column);
  });
  return Object.freeze({ name: input.name, columns: Object.freeze(columns) });
}

/** Validates a whole schema definition from untrusted input. */
export function normalizeSchema(input: unknown, path = 'schema'): SchemaDefinition {
  if (!isPlainRecord(input)) {
    throw invalid(
      path,
      `expected { version, tables }, got ${describeValue(input)}`,
      'a schema definition',
    );
  }
  const version = input.version ?? 0;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw invalid(
      `${path}.version`,
      `expected a non-negative integer, got ${describeValue(version)}`,
      'an integer',
      version,
    );
  }
  if (!Array.isArray(input.tables)) {
    throw invalid(
      `${path}.tables`,
      `expected an array of tables, got ${describeValue(input.tables)}`,
      'an array',
    );
  }
  const seen = new Map<string, string>();
  const tables = input.tables.map((raw: unknown, i: number) => {
    const table = normalizeTable(raw, `${path}.tables[${i}]`);
    const lower = table.name.toLowerCase();
    const other = seen.get(lower);
    if (other !== undefined) {
      throw new BackendError(
        'SCHEMA_CONFLICT',
        `${path}.tables[${i}].name: "${table.name}" clashes with "${other}" (collection names are case-insensitive)`,
        {
          details: { path: `${path}.tables[${i}].name` },
        },
      );
    }
    seen.set(lower, table.name);
    return table;
  });
  return Object.freeze({ version, tables: Object.freeze(tables) });
}

/** True when two column definitions describe the same storage (name, type, target). */
export function sameColumnShape(a: ColumnDefinition, b: ColumnDefinition): boolean {
  return a.name === b.name && a.type === b.type && (a.targetClass ?? '') === (b.targetClass ?? '');
}
