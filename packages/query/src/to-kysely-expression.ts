import type { FilterNode } from '@localbackend/adapter';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { compileWhereWith, newWriter, type CompileWhereOptions } from './compile';

/**
 * The filter as a Kysely boolean expression, for callers that build their queries with Kysely:
 * `db.selectFrom('Todo').selectAll().where(toKyselyExpression(ast, options))`. Values stay bound
 * parameters; Kysely numbers them for the dialect.
 *
 * @example
 * ```ts
 * import { parseWhere, toKyselyExpression } from '@localbackend/query';
 *
 * const where = toKyselyExpression(parseWhere({ done: false }), { dialect: 'sqlite', table: 'Todo', schema });
 * const rows = await db.selectFrom('Todo').selectAll().where(where).execute();
 * ```
 */
export function toKyselyExpression(
  where: FilterNode,
  options: CompileWhereOptions,
): RawBuilder<SqlBool> {
  const w = newWriter(options.dialect, true, undefined);
  const text = compileWhereWith(where, options, w);
  // The compiler never writes "?" except as a placeholder (identifiers are [A-Za-z0-9_$]).
  const parts = text.split('?');
  const strings = Object.assign([...parts], { raw: [...parts] }) as unknown as TemplateStringsArray;
  return sql<SqlBool>(strings, ...w.params);
}
