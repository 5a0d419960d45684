import {
  BackendError,
  PROTOTYPE_NAMES,
  describeValue,
  isPlainRecord,
  type AggregateOptions,
  type ColumnDefinition,
  type CountOptions,
  type DistinctOptions,
  type FetchOptions,
  type QueryOptions,
  type QueryResult,
  type SchemaMode,
  type StoredRecord,
  type TableSchema,
} from '@localbackend/adapter';
import {
  compileWhere,
  parseInclude,
  parseSelect,
  parseWhere,
  prepareQuery,
} from '@localbackend/query';
import { quoteIdent } from './identifiers';
import { decodeRow, tableNotFound, type MutableRecord } from './record-store';
import type { TableInfo } from './schema-store';
import type { SqliteConnection } from './sqlite-connection';
import { columnDecoder, type ColumnDecoder } from './value-codec';

/** Paging limits of queries. */
export interface QueryLimits {
  readonly defaultLimit: number;
  readonly maxLimit: number;
}

/** How deep `include` paths may go (`a.b.c...`). */
export const MAX_INCLUDE_DEPTH = 8;

const EMPTY_COLUMNS: readonly ColumnDefinition[] = Object.freeze([]);
const SYSTEM_DECODER: ColumnDecoder = (raw) => raw;

function invalidQuery(path: string, message: string, expected?: string): BackendError {
  return new BackendError('INVALID_QUERY', `${path}: ${message}`, {
    details: expected === undefined ? { path } : { path, expected },
  });
}

function pageNumber(value: unknown, path: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw invalidQuery(
      path,
      `expected a non-negative integer, got ${describeValue(value)}`,
      'a non-negative integer',
    );
  }
  return n;
}

/**
 * The read side: queries, counts, aggregates, distinct values and includes, compiled by
 * `@localbackend/query` and run on the connection's cached statements.
 */
export class QueryEngine {
  readonly #conn: () => SqliteConnection;
  readonly #mode: SchemaMode;
  readonly #limits: QueryLimits;

  constructor(conn: () => SqliteConnection, mode: SchemaMode, limits: QueryLimits) {
    this.#conn = conn;
    this.#mode = mode;
    this.#limits = limits;
  }

  #unknownFields(): 'error' | 'missing' {
    return this.#mode === 'strict' ? 'error' : 'missing';
  }

  /** The table to read, or undefined (auto mode: an unknown collection reads as empty). */
  #table(collection: string, find: (name: string) => TableInfo | undefined): TableInfo | undefined {
    const table = find(collection);
    if (table === undefined && this.#mode === 'strict') throw tableNotFound(collection);
    return table;
  }

  #emptySchema(collection: string): TableSchema {
    return { name: collection, columns: EMPTY_COLUMNS };
  }

  query(options: QueryOptions, find: (name: string) => TableInfo | undefined): QueryResult {
    const collection = options.collection;
    const limit = Math.min(
      pageNumber(options.limit, 'limit', this.#limits.defaultLimit),
      this.#limits.maxLimit,
    );
    const skip = pageNumber(options.skip, 'skip', 0);
    const table = this.#table(collection, find);
    const schema = table?.schema ?? this.#emptySchema(collection);
    const unknownFields = this.#unknownFields();
    const includes =
      options.include === undefined
        ? []
        : parseInclude(options.include, { schema, unknownFields, path: 'include' });
    if (table === undefined) {
      // Validate the query anyway, so that a bad filter is an error even before the first write.
      prepareQuery(
        { where: options.where, sort: options.sort, select: options.select, limit, skip },
        { dialect: 'sqlite', table: collection, schema, unknownFields },
      );
      return options.count === true ? { results: [], count: 0 } : { results: [] };
    }
    const conn = this.#conn();
    let results: MutableRecord[] = [];
    if (limit > 0) {
      const compiled = prepareQuery(
        { where: options.where, sort: options.sort, select: options.select, limit, skip },
        { dialect: 'sqlite', table: table.name, schema, unknownFields },
      );
      const rows = conn.prepare(compiled.sql).all(...compiled.parameters) as Record<
        string,
        unknown
      >[];
      results = rows.map((row) => decodeRow(table, row));
      if (includes.length > 0) this.#include(table, results, includes, find);
    }
    if (options.count !== true) return { results };
    return { results, count: this.#countCompiled(table, options.where) };
  }

  count(options: CountOptions, find: (name: string) => TableInfo | undefined): number {
    const table = this.#table(options.collection, find);
    if (table === undefined) {
      prepareQuery(
        { where: options.where, count: true },
        {
          dialect: 'sqlite',
          table: options.collection,
          schema: this.#emptySchema(options.collection),
          unknownFields: 'missing',
        },
      );
      return 0;
    }
    return this.#countCompiled(table, options.where);
  }

  /**
   * The table and compiled `WHERE` of a `deleteMany`, or `undefined` when the collection does
   * not exist (auto mode; the filter is validated anyway — strict mode: `TABLE_NOT_FOUND`).
   */
  deleteFilter(
    collection: string,
    where: unknown,
    find: (name: string) => TableInfo | undefined,
  ):
    | { readonly table: TableInfo; readonly sql: string; readonly parameters: readonly unknown[] }
    | undefined {
    const table = this.#table(collection, find);
    if (table === undefined) {
      parseWhere(where, {
        schema: this.#emptySchema(collection),
        unknownFields: 'missing',
        path: 'where',
      });
      return undefined;
    }
    return { table, ...this.#whereFragment(table, where) };
  }

  #countCompiled(table: TableInfo, where: unknown): number {
    const compiled = prepareQuery(
      { where, count: true },
      {
        dialect: 'sqlite',
        table: table.name,
        schema: table.schema,
        unknownFields: this.#unknownFields(),
      },
    );
    const row = this.#conn()
      .prepare(compiled.sql)
      .get(...compiled.parameters) as { count: number } | undefined;
    return Number(row?.count ?? 0);
  }

  fetch(
    options: FetchOptions,
    table: TableInfo,
    row: Record<string, unknown>,
    find: (name: string) => TableInfo | undefined,
  ): StoredRecord {
    const record = decodeRow(table, row);
    const unknownFields = this.#unknownFields();
    if (options.include !== undefined) {
      const includes = parseInclude(options.include, {
        schema: table.schema,
        unknownFields,
        path: 'include',
      });
      if (includes.length > 0) this.#include(table, [record], includes, find);
    }
    if (options.select !== undefined) {
      const keep = new Set(
        parseSelect(options.select, { schema: table.schema, unknownFields, path: 'select' }),
      );
      for (const key of Object.keys(record)) {
        if (key !== 'objectId' && key !== 'createdAt' && key !== 'updatedAt' && !keep.has(key))
          delete record[key];
      }
    }
    return record;
  }

  /** Replaces Pointer ids with the records they point to, level by level. */
  #include(
    table: TableInfo,
    records: MutableRecord[],
    paths: readonly (readonly string[])[],
    find: (name: string) => TableInfo | undefined,
    depth = 0,
  ): void {
    if (records.length === 0) return;
    const byKey = new Map<string, (readonly string[])[]>();
    for (const path of paths) {
      if (path.length === 0) continue;
      if (path.length + depth > MAX_INCLUDE_DEPTH) {
        throw invalidQuery(
          'include',
          `include paths may be at most ${MAX_INCLUDE_DEPTH} levels deep`,
        );
      }
      const [head, ...rest] = path as [string, ...string[]];
      const list = byKey.get(head) ?? [];
      if (rest.length > 0) list.push(rest);
      byKey.set(head, list);
    }
    for (const [key, rest] of byKey) {
      const column = table.columns.get(key);
      if (column === undefined || column.type !== 'Pointer' || column.targetClass === undefined)
        continue;
      const target = find(column.targetClass);
      if (target === undefined) continue;
      const ids = new Set<string>();
      for (const record of records) {
        const value = record[key];
        if (typeof value === 'string') ids.add(value);
      }
      if (ids.size === 0) continue;
      const rows = this.#conn()
        .prepare(
          `SELECT * FROM ${quoteIdent(target.name)} WHERE "objectId" IN (SELECT value FROM json_each(?))`,
        )
        .all(JSON.stringify([...ids])) as Record<string, unknown>[];
      const included = new Map<string, MutableRecord>();
      for (const row of rows) included.set(row.objectId as string, decodeRow(target, row));
      if (rest.length > 0) this.#include(target, [...included.values()], rest, find, depth + 1);
      for (const record of records) {
        const value = record[key];
        if (typeof value === 'string') {
          const hit = included.get(value);
          if (hit !== undefined) record[key] = hit;
        }
      }
    }
  }

  // ---- aggregates --------------------------------------------------------------------------------

  #whereFragment(
    table: TableInfo,
    where: unknown,
  ): { sql: string; parameters: readonly unknown[] } {
    if (where === undefined || where === null) return { sql: '1', parameters: [] };
    const node = parseWhere(where, {
      schema: table.schema,
      unknownFields: this.#unknownFields(),
      path: 'where',
    });
    return compileWhere(node, { dialect: 'sqlite', table: table.name, schema: table.schema });
  }

  #column(
    table: TableInfo | undefined,
    field: unknown,
    path: string,
  ): { name: string; type: string; decode: ColumnDecoder } | undefined {
    if (typeof field !== 'string' || field === '') {
      throw invalidQuery(
        path,
        `expected a field name, got ${describeValue(field)}`,
        'a field name',
      );
    }
    if (field === 'objectId' || field === 'createdAt' || field === 'updatedAt') {
      return {
        name: field,
        type: field === 'objectId' ? 'String' : 'Date',
        decode: SYSTEM_DECODER,
      };
    }
    const column = table?.columns.get(field);
    if (column === undefined) {
      if (
        this.#mode === 'strict' ||
        (table !== undefined && !/^[A-Za-z][A-Za-z0-9_]*$/.test(field))
      ) {
        throw new BackendError(
          'INVALID_FIELD_NAME',
          `${path}: the collection has no field ${describeValue(field)}`,
          {
            details: { path, received: describeValue(field) },
          },
        );
      }
      return undefined;
    }
    if (column.type === 'Relation') {
      throw new BackendError(
        'TYPE_MISMATCH',
        `${path}: "${field}" is a Relation field; it has no stored value`,
        {
          details: { path, expected: 'a stored field' },
        },
      );
    }
    return { name: column.name, type: column.type, decode: columnDecoder(column.type) };
  }

  aggregate(
    options: AggregateOptions,
    find: (name: string) => TableInfo | undefined,
  ): Record<string, unknown> {
    const specs = options.aggregates;
    if (!isPlainRecord(specs) || Object.keys(specs).length === 0) {
      throw invalidQuery(
        'aggregates',
        `expected { name: { sum | avg | min | max | distinct: field } }, got ${describeValue(specs)}`,
      );
    }
    const table = this.#table(options.collection, find);
    const where = table === undefined ? undefined : this.#whereFragment(table, options.where);
    const out: Record<string, unknown> = {};
    const selects: string[] = [];
    const finishers: ((row: Record<string, unknown>) => void)[] = [];
    Object.keys(specs).forEach((name, i) => {
      const path = `aggregates.${name}`;
      if (!/^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/.test(name) || PROTOTYPE_NAMES.has(name)) {
        throw invalidQuery(
          path,
          `${describeValue(name)} is not a valid aggregate name`,
          'a name like total',
        );
      }
      const spec = specs[name];
      if (!isPlainRecord(spec) || Object.keys(spec).length !== 1) {
        throw invalidQuery(
          path,
          `expected exactly one of { sum | avg | min | max | distinct: field }, got ${describeValue(spec)}`,
        );
      }
      const fn = Object.keys(spec)[0]!;
      if (!['sum', 'avg', 'min', 'max', 'distinct'].includes(fn)) {
        throw new BackendError(
          'UNKNOWN_OPERATOR',
          `${path}.${fn}: unknown aggregate; expected sum, avg, min, max or distinct`,
          {
            details: { path: `${path}.${fn}`, expected: 'sum | avg | min | max | distinct' },
          },
        );
      }
      const column = this.#column(table, (spec as Record<string, unknown>)[fn], `${path}.${fn}`);
      if ((fn === 'sum' || fn === 'avg') && column !== undefined && column.type !== 'Number') {
        throw new BackendError(
          'TYPE_MISMATCH',
          `${path}.${fn}: ${fn} needs a Number field, but "${column.name}" is a ${column.type}`,
          {
            details: { path: `${path}.${fn}`, expected: 'a Number field', received: column.type },
          },
        );
      }
      if (
        (fn === 'min' || fn === 'max') &&
        column !== undefined &&
        !['Number', 'Date', 'String', 'Boolean'].includes(column.type)
      ) {
        throw new BackendError(
          'TYPE_MISMATCH',
          `${path}.${fn}: ${fn} needs a Number, Date, String or Boolean field, but "${column.name}" is a ${column.type}`,
          {
            details: {
              path: `${path}.${fn}`,
              expected: 'a comparable field',
              received: column.type,
            },
          },
        );
      }
      if (column === undefined || table === undefined || where === undefined) {
        out[name] = fn === 'sum' ? 0 : fn === 'distinct' ? [] : null;
        return;
      }
      if (fn === 'distinct') {
        finishers.push(() => {
          out[name] = this.#distinctValues(table, column, where);
        });
        return;
      }
      const alias = `a${i}`;
      selects.push(`${fn.toUpperCase()}(${quoteIdent(column.name)}) AS ${alias}`);
      finishers.push((row) => {
        const raw = row[alias];
        if (raw === null || raw === undefined) out[name] = fn === 'sum' ? 0 : null;
        else out[name] = fn === 'sum' || fn === 'avg' ? Number(raw) : column.decode(raw);
      });
    });
    let row: Record<string, unknown> = {};
    if (selects.length > 0 && table !== undefined && where !== undefined) {
      row = this.#conn()
        .prepare(`SELECT ${selects.join(', ')} FROM ${quoteIdent(table.name)} WHERE ${where.sql}`)
        .get(...where.parameters) as Record<string, unknown>;
    }
    for (const finish of finishers) finish(row);
    return out;
  }

  distinct(options: DistinctOptions, find: (name: string) => TableInfo | undefined): unknown[] {
    const table = this.#table(options.collection, find);
    const column = this.#column(table, options.field, 'field');
    if (table === undefined || column === undefined) {
      if (table === undefined)
        this.#whereFragment({ ...this.#fakeTable(options.collection) }, options.where);
      return [];
    }
    return this.#distinctValues(table, column, this.#whereFragment(table, options.where));
  }

  #fakeTable(collection: string): TableInfo {
    return {
      name: collection,
      schema: this.#emptySchema(collection),
      columns: new Map(),
      lowerNames: new Map(),
      decoders: [],
      relations: [],
      constrained: [],
      position: 0,
      selectByIdSql: '',
    };
  }

  #distinctValues(
    table: TableInfo,
    column: { name: string; decode: ColumnDecoder },
    where: { sql: string; parameters: readonly unknown[] },
  ): unknown[] {
    const col = quoteIdent(column.name);
    const values = this.#conn()
      .prepare(
        `SELECT DISTINCT ${col} AS v FROM ${quoteIdent(table.name)} WHERE (${where.sql}) AND ${col} IS NOT NULL ORDER BY ${col}`,
      )
      .pluck()
      .all(...where.parameters);
    return values.map((v) => column.decode(v));
  }
}
