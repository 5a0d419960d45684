import { HIDDEN_FIELDS } from './acl';
import { publicSchema } from './schema-cache';
import {
  BackendError,
  assertCollectionName,
  describeValue,
  isPlainRecord,
  type ColumnDefinition,
  type SchemaDefinition,
  type TableSchema,
} from '@localbackend/adapter';
import type { ApiDeps } from './api-deps';
import { columnFromParse } from './parse-schemas';
import { parseBoolean } from './params';

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
const FLAG_KEYS = ['textIndex', 'indexed', 'unique'] as const;
const ACTIONS = [
  'createTable',
  'addColumn',
  'deleteColumn',
  'deleteTable',
  'updateSchema',
] as const;
type Action = (typeof ACTIONS)[number];
const MAX_COLUMNS = 1000;
const MAX_TABLES = 1000;

function bad(path: string, message: string, expected?: string): BackendError {
  return new BackendError('INVALID_VALUE', `${path}: ${message}`, {
    details: expected === undefined ? { path } : { path, expected },
  });
}

/** A native ColumnDefinition from JSON. */
export function nativeColumn(value: unknown, path: string): ColumnDefinition {
  if (!isPlainRecord(value))
    throw bad(
      path,
      `expected a column {name, type, ...}, got ${describeValue(value)}`,
      '{name, type}',
    );
  for (const key of Object.keys(value)) {
    if (!COLUMN_KEYS.has(key))
      throw bad(`${path}.${key}`, `unknown key; expected ${[...COLUMN_KEYS].join(', ')}`);
  }
  const { name, textIndex, indexed, unique, ...field } = value;
  if (typeof name !== 'string')
    throw bad(`${path}.name`, `expected a field name, got ${describeValue(name)}`, 'a field name');
  const column: { -readonly [K in keyof ColumnDefinition]: ColumnDefinition[K] } = {
    ...columnFromParse(name, field, path),
  };
  const flags = { textIndex, indexed, unique };
  for (const key of FLAG_KEYS) {
    const flag = flags[key];
    if (flag === undefined) continue;
    if (typeof flag !== 'boolean')
      throw bad(`${path}.${key}`, `expected a boolean, got ${describeValue(flag)}`, 'a boolean');
    column[key] = flag;
  }
  return column;
}

/** A native TableSchema from JSON. */
export function nativeTable(value: unknown, path: string): TableSchema {
  if (!isPlainRecord(value))
    throw bad(
      path,
      `expected a table {name, columns}, got ${describeValue(value)}`,
      '{name, columns}',
    );
  for (const key of Object.keys(value)) {
    if (key !== 'name' && key !== 'columns')
      throw bad(`${path}.${key}`, 'unknown key; expected name, columns');
  }
  assertCollectionName(value.name, `${path}.name`);
  const columns = value.columns ?? [];
  if (!Array.isArray(columns) || columns.length > MAX_COLUMNS) {
    throw bad(
      `${path}.columns`,
      `expected an array of at most ${MAX_COLUMNS} columns`,
      'an array of columns',
    );
  }
  return {
    name: value.name,
    columns: columns.map((column, i) => nativeColumn(column, `${path}.columns[${i}]`)),
  };
}

function tableName(value: unknown, path: string): string {
  const name = isPlainRecord(value) ? value.name : value;
  assertCollectionName(name, path);
  return name;
}

function inferAction(body: Record<string, unknown>): Action {
  if (body.action !== undefined) {
    if (typeof body.action !== 'string' || !(ACTIONS as readonly string[]).includes(body.action)) {
      throw bad(
        'body.action',
        `expected one of ${ACTIONS.join(', ')}, got ${describeValue(body.action)}`,
        ACTIONS.join(' | '),
      );
    }
    return body.action as Action;
  }
  if (body.tables !== undefined) return 'updateSchema';
  if (body.deleteColumn !== undefined) return 'deleteColumn';
  if (body.column !== undefined) return 'addColumn';
  if (isPlainRecord(body.table)) return 'createTable';
  throw bad(
    'body',
    'expected {table:{name,columns}} (create a table), {table, column} (add a column), {table, deleteColumn} (delete a column), {action:"deleteTable", table} or {tables:[...]} (ensure a schema)',
  );
}

const BODY_KEYS: Readonly<Record<Action, readonly string[]>> = {
  createTable: ['action', 'table'],
  addColumn: ['action', 'table', 'column'],
  deleteColumn: ['action', 'table', 'column', 'deleteColumn'],
  deleteTable: ['action', 'table', 'force'],
  updateSchema: ['action', 'tables', 'version'],
};

/** POST /api/_schema: create a table, add or delete a column, drop a table, or ensure a schema. */
export async function changeNativeSchema(
  deps: ApiDeps,
  body: unknown,
): Promise<{ success: true; action: Action; schema: SchemaDefinition }> {
  if (!isPlainRecord(body))
    throw new BackendError('INVALID_JSON', 'body: expected a JSON object', {
      details: { path: 'body' },
    });
  const action = inferAction(body);
  for (const key of Object.keys(body)) {
    if (!BODY_KEYS[action].includes(key)) {
      throw bad(
        `body.${key}`,
        `unknown key for ${action}; expected ${BODY_KEYS[action].join(', ')}`,
      );
    }
  }
  const { adapter } = deps;
  try {
    switch (action) {
      case 'createTable':
        await adapter.createTable(nativeTable(body.table, 'body.table'));
        break;
      case 'addColumn':
        await adapter.addColumn(
          tableName(body.table, 'body.table'),
          nativeColumn(body.column, 'body.column'),
        );
        break;
      case 'deleteColumn': {
        const table = tableName(body.table, 'body.table');
        const column = body.deleteColumn ?? body.column;
        const name = isPlainRecord(column) ? column.name : column;
        if (typeof name !== 'string')
          throw bad(
            'body.deleteColumn',
            `expected a column name, got ${describeValue(name)}`,
            'a column name',
          );
        if (HIDDEN_FIELDS.has(name)) {
          throw new BackendError(
            'INVALID_FIELD_NAME',
            'body.deleteColumn: ACL columns are managed by the server',
            { details: { path: 'body.deleteColumn' } },
          );
        }
        await adapter.deleteColumn(table, name);
        break;
      }
      case 'deleteTable': {
        const table = tableName(body.table, 'body.table');
        const force = body.force === undefined ? false : parseBoolean(body.force, 'body.force');
        if (!force) {
          const count = await adapter.count({ collection: table });
          if (count > 0) {
            throw new BackendError(
              'SCHEMA_CONFLICT',
              `body.table: ${table} holds ${count} records; send "force": true to delete it with its data`,
              {
                details: { path: 'body.table', count },
              },
            );
          }
        }
        await adapter.deleteTable(table);
        break;
      }
      case 'updateSchema': {
        const tables = body.tables;
        if (!Array.isArray(tables) || tables.length > MAX_TABLES) {
          throw bad(
            'body.tables',
            `expected an array of at most ${MAX_TABLES} tables`,
            'an array of tables',
          );
        }
        const version = body.version === undefined ? 1 : body.version;
        if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
          throw bad(
            'body.version',
            `expected a non-negative integer, got ${describeValue(version)}`,
          );
        }
        await adapter.updateSchema({
          version,
          tables: tables.map((t, i) => nativeTable(t, `body.tables[${i}]`)),
        });
        break;
      }
    }
  } finally {
    deps.schema.invalidate();
  }
  return { success: true, action, schema: publicSchema(await adapter.getSchema()) };
}
