import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BackendError, type SchemaDefinition } from '@localbackend/adapter';
import { normalizeSchema } from './internal/schema-validation';

function parseSchemaText(text: string, path: string): SchemaDefinition {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BackendError('INVALID_JSON', `${path}: not valid JSON`, {
      cause: error,
      details: { path },
    });
  }
  return normalizeSchema(json, 'schema');
}

/** Stable, diff-friendly text of a schema: tables by name, two-space indentation, trailing newline. */
function schemaText(schema: SchemaDefinition): string {
  const normalized = normalizeSchema(schema, 'schema');
  const tables = [...normalized.tables].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  return `${JSON.stringify({ version: normalized.version, tables }, null, 2)}\n`;
}

/** @internal synchronous form used by the adapter. */
export function loadSchemaFileSync(path: string): SchemaDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BackendError('INVALID_CONFIG', `${path}: cannot read the schema file`, {
      cause: error,
      details: { path },
    });
  }
  return parseSchemaText(text, path);
}

/** @internal synchronous form used by the adapter: writes a temp file and renames it (atomic). */
export function writeSchemaFileSync(path: string, schema: SchemaDefinition): void {
  const text = schemaText(schema);
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, 'utf8');
  renameSync(temp, path);
}

/**
 * Reads and validates a `schema.json` (`{ version, tables: [{ name, columns }] }`). Rejects with
 * `INVALID_JSON` for broken JSON and `INVALID_VALUE` / `INVALID_FIELD_NAME` /
 * `INVALID_COLLECTION_NAME` / `SCHEMA_CONFLICT` for a bad definition.
 *
 * @example
 * ```ts
 * import { LocalSQLAdapter, loadSchemaFile } from '@localbackend/sqlite';
 *
 * const db = new LocalSQLAdapter('./data/local.db', { schemaMode: 'strict' });
 * await db.updateSchema(await loadSchemaFile('./schema.json'));
 * ```
 */
export async function loadSchemaFile(path: string): Promise<SchemaDefinition> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BackendError('INVALID_CONFIG', `${path}: cannot read the schema file`, {
      cause: error,
      details: { path },
    });
  }
  return parseSchemaText(text, path);
}

/**
 * Writes a schema as a git-friendly `schema.json` (tables sorted by name, stable formatting),
 * atomically (temp file + rename).
 *
 * @example
 * ```ts
 * import { writeSchemaFile } from '@localbackend/sqlite';
 *
 * await writeSchemaFile('./schema.json', await db.getSchema());
 * ```
 */
export async function writeSchemaFile(path: string, schema: SchemaDefinition): Promise<void> {
  writeSchemaFileSync(path, schema);
}
