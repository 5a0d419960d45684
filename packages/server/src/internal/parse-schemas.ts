import { HIDDEN_FIELDS } from './acl';
import {
  BackendError,
  assertFieldName,
  decodeParseValue,
  describeValue,
  encodeParseValue,
  isColumnType,
  isPlainRecord,
  isValidCollectionName,
  type ColumnDefinition,
  type FieldValue,
  type ParseWireValue,
  type TableSchema,
} from '@localbackend/adapter';
import type { ApiDeps } from './api-deps';

/** Parse's default fields, present on every class. */
const DEFAULT_FIELDS: Readonly<Record<string, { type: string }>> = {
  objectId: { type: 'String' },
  createdAt: { type: 'Date' },
  updatedAt: { type: 'Date' },
  ACL: { type: 'ACL' },
};

/** localbackend does not enforce class-level permissions: every operation is public. */
const PUBLIC_CLP = {
  find: { '*': true },
  count: { '*': true },
  get: { '*': true },
  create: { '*': true },
  update: { '*': true },
  delete: { '*': true },
  addField: { '*': true },
  protectedFields: { '*': [] },
};

/** One class as Parse's `/schemas` returns it. */
export interface ParseClassSchema {
  className: string;
  fields: Record<string, Record<string, ParseWireValue>>;
  classLevelPermissions: typeof PUBLIC_CLP;
  indexes: Record<string, Record<string, number>>;
}

/** A TableSchema in Parse's schema JSON. */
export function toParseClass(table: TableSchema): ParseClassSchema {
  const fields: Record<string, Record<string, ParseWireValue>> = {};
  for (const [name, field] of Object.entries(DEFAULT_FIELDS)) fields[name] = { ...field };
  for (const column of table.columns) {
    const field: Record<string, ParseWireValue> = { type: column.type };
    if (column.targetClass !== undefined) field.targetClass = column.targetClass;
    if (column.required === true) field.required = true;
    if (column.defaultValue !== undefined) {
      field.defaultValue = encodeParseValue(column.defaultValue as FieldValue);
    }
    fields[column.name] = field;
  }
  return {
    className: table.name,
    fields,
    classLevelPermissions: structuredClone(PUBLIC_CLP),
    indexes: { _id_: { _id: 1 } },
  };
}

const FIELD_KEYS = new Set(['type', 'targetClass', 'required', 'defaultValue']);

/** One Parse field definition -> ColumnDefinition. */
export function columnFromParse(name: string, field: unknown, path: string): ColumnDefinition {
  assertFieldName(name, path);
  if (HIDDEN_FIELDS.has(name)) {
    throw new BackendError('INVALID_FIELD_NAME', `${path}: ACL columns are managed by the server`, {
      details: { path },
    });
  }
  if (!isPlainRecord(field)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected {type, targetClass?}, got ${describeValue(field)}`,
      {
        details: { path, expected: '{type, targetClass?, required?, defaultValue?}' },
      },
    );
  }
  for (const key of Object.keys(field)) {
    if (!FIELD_KEYS.has(key)) {
      throw new BackendError(
        'INVALID_VALUE',
        `${path}.${key}: unknown key; expected type, targetClass, required, defaultValue`,
        {
          details: { path: `${path}.${key}` },
        },
      );
    }
  }
  const type = field.type;
  if (!isColumnType(type)) {
    throw new BackendError(
      'TYPE_MISMATCH',
      `${path}.type: invalid field type: ${describeValue(type)}; expected one of String, Number, Boolean, Date, Object, Array, Pointer, Relation, GeoPoint, File`,
      {
        details: { path: `${path}.type`, expected: 'a column type', received: describeValue(type) },
      },
    );
  }
  const column: { -readonly [K in keyof ColumnDefinition]: ColumnDefinition[K] } = { name, type };
  if (type === 'Pointer' || type === 'Relation') {
    if (!isValidCollectionName(field.targetClass, { allowSystem: true })) {
      throw new BackendError(
        'INVALID_VALUE',
        `${path}.targetClass: type ${type} needs a target class name, got ${describeValue(field.targetClass)}`,
        {
          details: { path: `${path}.targetClass`, expected: 'a class name' },
        },
      );
    }
    column.targetClass = field.targetClass as string;
  } else if (field.targetClass !== undefined) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}.targetClass: only Pointer and Relation fields have a target class`,
      {
        details: { path: `${path}.targetClass` },
      },
    );
  }
  if (field.required !== undefined) {
    if (typeof field.required !== 'boolean') {
      throw new BackendError(
        'INVALID_VALUE',
        `${path}.required: expected a boolean, got ${describeValue(field.required)}`,
        {
          details: { path: `${path}.required`, expected: 'a boolean' },
        },
      );
    }
    column.required = field.required;
  }
  if (field.defaultValue !== undefined) {
    column.defaultValue = decodeParseValue(field.defaultValue, `${path}.defaultValue`);
  }
  return column;
}

function assertClassBody(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  const value = body === undefined ? {} : body;
  if (!isPlainRecord(value)) {
    throw new BackendError(
      'INVALID_JSON',
      `body: expected a JSON object, got ${describeValue(value)}`,
      {
        details: { path: 'body', expected: 'a JSON object' },
      },
    );
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new BackendError(
        'INVALID_VALUE',
        `body.${key}: unknown key; expected ${allowed.join(', ')}`,
        {
          details: { path: `body.${key}`, expected: allowed.join(' | ') },
        },
      );
    }
  }
  if (value.fields !== undefined && !isPlainRecord(value.fields)) {
    throw new BackendError(
      'INVALID_VALUE',
      'body.fields: expected an object of field definitions',
      {
        details: { path: 'body.fields', expected: 'an object' },
      },
    );
  }
  for (const key of ['classLevelPermissions', 'indexes'] as const) {
    if (value[key] !== undefined && value[key] !== null && !isPlainRecord(value[key])) {
      throw new BackendError('INVALID_VALUE', `body.${key}: expected an object`, {
        details: { path: `body.${key}`, expected: 'an object' },
      });
    }
  }
  return value;
}

function missingClass(className: string): BackendError {
  return new BackendError('TABLE_NOT_FOUND', `Class ${className} does not exist.`, {
    details: { path: 'className' },
  });
}

/** GET /schemas */
export async function listParseSchemas(deps: ApiDeps): Promise<{ results: ParseClassSchema[] }> {
  deps.schema.invalidate();
  const tables = await deps.schema.tables();
  return { results: [...tables.values()].map(toParseClass) };
}

/** GET /schemas/:C */
export async function getParseSchema(deps: ApiDeps, className: string): Promise<ParseClassSchema> {
  deps.schema.invalidate();
  const table = await deps.schema.table(className);
  if (table === undefined) throw missingClass(className);
  return toParseClass(table);
}

/** POST /schemas/:C (or POST /schemas with `className` in the body) */
export async function createParseSchema(
  deps: ApiDeps,
  urlClassName: string | undefined,
  body: unknown,
): Promise<ParseClassSchema> {
  const value = assertClassBody(body, ['className', 'fields', 'classLevelPermissions', 'indexes']);
  const bodyName = value.className;
  if (urlClassName !== undefined && bodyName !== undefined && bodyName !== urlClassName) {
    throw new BackendError(
      'INVALID_COLLECTION_NAME',
      `Class name mismatch between ${String(bodyName)} and ${urlClassName}.`,
      {
        details: { path: 'body.className' },
      },
    );
  }
  const className = urlClassName ?? bodyName;
  if (!isValidCollectionName(className)) {
    throw new BackendError(
      'INVALID_COLLECTION_NAME',
      `Invalid classname: ${describeValue(className)}, classnames can only have alphanumeric characters and _, and must start with an alpha character `,
      {
        details: { path: 'className' },
      },
    );
  }
  const fields = (value.fields ?? {}) as Record<string, unknown>;
  const columns: ColumnDefinition[] = [];
  for (const name of Object.keys(fields)) {
    if (Object.prototype.hasOwnProperty.call(DEFAULT_FIELDS, name)) continue;
    columns.push(columnFromParse(name, fields[name], `body.fields.${name}`));
  }
  deps.schema.invalidate();
  if ((await deps.schema.table(className as string)) !== undefined) {
    throw new BackendError(
      'INVALID_COLLECTION_NAME',
      `Class ${className as string} already exists.`,
      {
        details: { path: 'className' },
      },
    );
  }
  await deps.adapter.createTable({ name: className as string, columns });
  deps.schema.invalidate();
  return getParseSchema(deps, className as string);
}

/** PUT /schemas/:C: add fields, `{ __op: 'Delete' }` removes one. */
export async function updateParseSchema(
  deps: ApiDeps,
  className: string,
  body: unknown,
): Promise<ParseClassSchema> {
  const value = assertClassBody(body, ['className', 'fields', 'classLevelPermissions', 'indexes']);
  if (value.className !== undefined && value.className !== className) {
    throw new BackendError(
      'INVALID_COLLECTION_NAME',
      `Class name mismatch between ${String(value.className)} and ${className}.`,
      {
        details: { path: 'body.className' },
      },
    );
  }
  deps.schema.invalidate();
  const table = await deps.schema.table(className);
  if (table === undefined) throw missingClass(className);
  const existing = new Set(table.columns.map((c) => c.name));
  const fields = (value.fields ?? {}) as Record<string, unknown>;
  const adds: ColumnDefinition[] = [];
  const deletes: string[] = [];
  for (const name of Object.keys(fields)) {
    const field = fields[name];
    const path = `body.fields.${name}`;
    if (HIDDEN_FIELDS.has(name)) {
      throw new BackendError(
        'INVALID_FIELD_NAME',
        `${path}: ACL columns are managed by the server`,
        {
          details: { path },
        },
      );
    }
    if (isPlainRecord(field) && field.__op !== undefined) {
      if (field.__op !== 'Delete' || Object.keys(field).length !== 1) {
        throw new BackendError(
          'INVALID_VALUE',
          `${path}: the only field operation is {"__op":"Delete"}`,
          {
            details: { path },
          },
        );
      }
      if (!existing.has(name)) {
        throw new BackendError('SCHEMA_CONFLICT', `Field ${name} does not exist, cannot delete.`, {
          details: { path },
        });
      }
      deletes.push(name);
      continue;
    }
    if (Object.prototype.hasOwnProperty.call(DEFAULT_FIELDS, name) || existing.has(name)) {
      throw new BackendError('SCHEMA_CONFLICT', `Field ${name} exists, cannot update.`, {
        details: { path },
      });
    }
    adds.push(columnFromParse(name, field, path));
  }
  try {
    for (const name of deletes) await deps.adapter.deleteColumn(className, name);
    for (const column of adds) await deps.adapter.addColumn(className, column);
  } finally {
    deps.schema.invalidate();
  }
  return getParseSchema(deps, className);
}

/** DELETE /schemas/:C: only an empty class can be dropped (as in Parse). */
export async function deleteParseSchema(
  deps: ApiDeps,
  className: string,
): Promise<Record<string, never>> {
  deps.schema.invalidate();
  if ((await deps.schema.table(className)) === undefined) return {};
  const count = await deps.adapter.count({ collection: className });
  if (count > 0) {
    throw new BackendError(
      'SCHEMA_CONFLICT',
      `Class ${className} is not empty, contains ${count} objects, cannot drop schema.`,
      {
        details: { path: 'className', count },
      },
    );
  }
  await deps.adapter.deleteTable(className);
  deps.schema.invalidate();
  return {};
}
