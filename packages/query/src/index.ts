/**
 * The localbackend query translator: every filter and sort format Noodl frontends, the Records
 * API, the editor's visual filter and the original design's shorthand produce, normalized into one
 * frozen AST, compiled to SQL for SQLite and Postgres, and evaluated in JS by a matcher with the
 * same semantics.
 *
 * @packageDocumentation
 */
export { parseWhere } from './parse-where';
export { parseSort } from './parse-sort';
export { parseSelect } from './parse-select';
export { parseInclude } from './parse-include';
export type { ParseOptions } from './parse-options';
export {
  compile,
  compileWhere,
  type CompiledQuery,
  type CompileOptions,
  type CompileWhereOptions,
  type SqlDialect,
} from './compile';
export { toKyselyExpression } from './to-kysely-expression';
export { prepareQuery, type PrepareQueryInput, type PrepareQueryOptions } from './prepare-query';
export { matches, type MatchOptions, type RelationLookup } from './matches';
export { SQLITE_FUNCTIONS, type SqliteFunction } from './sqlite-functions';
