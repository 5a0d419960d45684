import type { SchemaDefinition } from '@localbackend/adapter';

/**
 * The reference app's collections. Applied on every start through `POST /api/_schema`
 * (`{ tables }` only adds what is missing, so it is safe to run again and never drops data).
 *
 * - `Todo`: `title` (required), `done`, `due`, `list` (Pointer to `List`), `tags` (Relation to
 *   `Tag`, stored in the junction table `_Join_tags_Todo`).
 * - `List`, `Tag`: a name each.
 * - `AuditLog`: one row per Todo change, written by the `audit` workflow.
 *
 * @example
 * ```ts
 * await fetch(`${backendUrl}/api/_schema`, {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json', 'x-parse-master-key': masterKey },
 *   body: JSON.stringify({ tables: TODO_APP_SCHEMA.tables }),
 * });
 * ```
 */
export const TODO_APP_SCHEMA: SchemaDefinition = {
  version: 1,
  tables: [
    {
      name: 'List',
      columns: [{ name: 'name', type: 'String', required: true }],
    },
    {
      name: 'Tag',
      columns: [{ name: 'name', type: 'String', required: true }],
    },
    {
      name: 'Todo',
      columns: [
        { name: 'title', type: 'String', required: true },
        { name: 'done', type: 'Boolean', defaultValue: false, indexed: true },
        { name: 'due', type: 'Date' },
        { name: 'list', type: 'Pointer', targetClass: 'List' },
        { name: 'tags', type: 'Relation', targetClass: 'Tag' },
      ],
    },
    {
      name: 'AuditLog',
      columns: [
        { name: 'action', type: 'String', required: true },
        { name: 'todoId', type: 'String', indexed: true },
        { name: 'todo', type: 'Object' },
      ],
    },
  ],
};
