import {
  BackendError,
  assertFieldName,
  assertObjectId,
  decodeParseOperation,
  describeValue,
  encodeParseValue,
  generateObjectId,
  isFieldOperation,
  isPlainRecord,
  isValidObjectId,
  parseIsoDate,
  type ChangeEvent,
  type ColumnDefinition,
  type FieldOperation,
  type FieldValue,
  type SchemaMode,
  type StoredRecord,
} from '@localbackend/adapter';
import { junctionTable, quoteIdent } from './identifiers';
import { sqliteCode } from './sqlite-errors';
import type { SchemaStore, TableInfo } from './schema-store';
import { MAX_COLUMNS, normalizeTable } from './schema-validation';
import type { SqliteConnection, Statement } from './sqlite-connection';
import {
  encodeColumnValue,
  inferColumn,
  normalizeValue,
  storedSize,
  type SqlValue,
} from './value-codec';

/** A record under construction (mutable until returned). */
export type MutableRecord = { objectId: string; createdAt: string; updatedAt: string } & Record<
  string,
  unknown
>;

/** Where a write collects its change events (emitted after the commit). */
export interface WriteScope {
  readonly events: ChangeEvent[];
}

/** Settings the record store needs. */
export interface RecordStoreOptions {
  readonly schemaMode: SchemaMode;
  readonly maxRecordBytes: number;
}

/** Extra knobs of a create (imports keep their timestamps). */
export interface CreateExtras {
  readonly keepTimestamps?: boolean;
  /** Skip the change event (bulk import). */
  readonly silent?: boolean;
}

/** A validated, encoded row waiting to be inserted. */
interface Built {
  readonly table: TableInfo;
  readonly names: string[];
  readonly values: SqlValue[];
  readonly objectId: string;
  readonly relationOps: { column: ColumnDefinition; ids: string[] }[];
}

const MAX_ROWS_PER_INSERT = 64;
const NO_RELATION_OPS: { column: ColumnDefinition; ids: string[] }[] = [];
const MAX_BOUND_PARAMETERS = 30_000;

function sameShape(a: Built, b: Built): boolean {
  if (a.table !== b.table || a.names.length !== b.names.length) return false;
  for (let i = 0; i < a.names.length; i++) if (a.names[i] !== b.names[i]) return false;
  return true;
}

type Planned =
  | {
      readonly name: string;
      readonly path: string;
      readonly value: FieldValue;
      readonly op?: undefined;
    }
  | {
      readonly name: string;
      readonly path: string;
      readonly op: FieldOperation;
      readonly value?: undefined;
    };

interface Plan {
  readonly fields: Planned[];
  readonly objectId?: unknown;
  readonly createdAt?: unknown;
  readonly updatedAt?: unknown;
}

const IGNORED_KEYS = new Set(['ACL', 'className', '__type']);
/** Field names already checked with `assertFieldName`. */
const VALID_FIELD_NAMES = new Set<string>();

function notFound(collection: string, objectId: string): BackendError {
  return new BackendError('NOT_FOUND', `${collection}/${objectId}: no such record`, {
    details: { path: 'objectId', received: objectId },
  });
}

function jsonKey(value: unknown): string {
  return JSON.stringify(value);
}

/** Decodes a stored row into a record (nulls are left out: missing and null are the same). */
export function decodeRow(table: TableInfo, row: Record<string, unknown>): MutableRecord {
  const out = {
    objectId: row.objectId as string,
    createdAt: row.createdAt as string,
    updatedAt: row.updatedAt as string,
  } as MutableRecord;
  for (const [name, decode] of table.decoders) {
    const raw = row[name];
    if (raw !== null && raw !== undefined) out[name] = decode(raw);
  }
  return out;
}

/**
 * Creates, updates and deletes records, and maintains relations. All methods are synchronous
 * and must run inside a write transaction (or savepoint) opened by the caller.
 */
export class RecordStore {
  readonly #conn: () => SqliteConnection;
  readonly #schema: SchemaStore;
  readonly #options: RecordStoreOptions;
  readonly #statements = new Map<string, Statement>();
  #statementGeneration = -1;

  constructor(conn: () => SqliteConnection, schema: SchemaStore, options: RecordStoreOptions) {
    this.#conn = conn;
    this.#schema = schema;
    this.#options = options;
  }

  get schemaMode(): SchemaMode {
    return this.#options.schemaMode;
  }

  // ---- reading ---------------------------------------------------------------------------------

  /** The collection for a read or an update; `undefined` when it does not exist. */
  findTable(collection: string): TableInfo | undefined {
    const table = this.#schema.table(collection);
    if (table !== undefined) return table;
    this.#schema.refreshIfChanged();
    return this.#schema.table(collection);
  }

  /** The collection, or `TABLE_NOT_FOUND` (strict mode) / `NOT_FOUND` of the record (auto mode). */
  tableForRecord(collection: string, objectId: string): TableInfo {
    const table = this.findTable(collection);
    if (table !== undefined) return table;
    if (this.#options.schemaMode === 'strict') throw tableNotFound(collection);
    throw notFound(collection, objectId);
  }

  /** The raw stored row of a record. */
  row(table: TableInfo, objectId: string): Record<string, unknown> | undefined {
    return this.#conn().prepare(table.selectByIdSql).get(objectId) as
      Record<string, unknown> | undefined;
  }

  // ---- create ----------------------------------------------------------------------------------

  create(
    scope: WriteScope,
    collection: string,
    data: unknown,
    explicitId: unknown,
    extras: CreateExtras = {},
  ): StoredRecord {
    // Records of known primitive fields skip the general machinery (same checks, same result).
    const known = this.#schema.table(collection);
    const built =
      (known === undefined ? undefined : this.#buildSimple(known, data, extras, explicitId)) ??
      this.#build(collection, data, explicitId, extras);
    return this.#createBuilt(scope, built, extras);
  }

  /**
   * A create that is a single INSERT (a record of known primitive fields: no schema change, no
   * relation rows): returns its work, or `undefined` for the general path. Validates only; writes
   * nothing. Inside a transaction such a write needs no savepoint: SQLite undoes a failed
   * statement by itself and the transaction goes on, exactly as after a rolled-back savepoint.
   */
  singleStatementCreate(
    collection: string,
    data: unknown,
    explicitId: unknown,
  ): ((scope: WriteScope) => StoredRecord) | undefined {
    const known = this.#schema.table(collection);
    if (known === undefined) return undefined;
    const built = this.#buildSimple(known, data, {}, explicitId);
    if (built === undefined) return undefined;
    return (scope) => this.#createBuilt(scope, built, {});
  }

  #createBuilt(scope: WriteScope, built: Built, extras: CreateExtras): StoredRecord {
    this.#insert(built, 0, 1, [built]);
    for (const { column, ids } of built.relationOps)
      this.#relate(built.table.name, column.name, built.objectId, ids, true);
    const row: Record<string, unknown> = {};
    for (let i = 0; i < built.names.length; i++) row[built.names[i]!] = built.values[i];
    const record = decodeRow(built.table, row);
    if (extras.silent !== true) {
      scope.events.push({
        type: 'create',
        collection: built.table.name,
        objectId: built.objectId,
        object: record,
      });
    }
    return record;
  }

  /**
   * Creates many records without events (imports): every record is validated first, then rows
   * of the same shape are written with multi-row INSERTs. `wrap(i, error)` turns an error of
   * record `i` into the error to throw. Returns the number of junction rows written.
   */
  createMany(
    collection: string,
    inputs: readonly unknown[],
    extras: CreateExtras,
    wrap: (index: number, error: unknown) => Error,
  ): number {
    return this.#createAll(collection, inputs, extras, wrap, undefined);
  }

  /**
   * `createMany` of the adapter contract: creates `inputs` (validated exactly like `create`)
   * with multi-row INSERTs, pushes one `create` event per record to `scope` and returns the
   * records as stored, in order. An error names its record (`records[3].age: ...`); the caller's
   * transaction or savepoint undoes what was written before it.
   */
  createRecords(scope: WriteScope, collection: string, inputs: readonly unknown[]): StoredRecord[] {
    const records: StoredRecord[] = [];
    this.#createAll(collection, inputs, {}, atRecord, (built) => {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < built.names.length; i++) row[built.names[i]!] = built.values[i];
      const record = decodeRow(built.table, row);
      records.push(record);
      scope.events.push({
        type: 'create',
        collection: built.table.name,
        objectId: built.objectId,
        object: record,
      });
    });
    return records;
  }

  #createAll(
    collection: string,
    inputs: readonly unknown[],
    extras: CreateExtras,
    wrap: (index: number, error: unknown) => Error,
    written: ((built: Built) => void) | undefined,
  ): number {
    // Rows are written in chunks of one shape as they are validated, so that nothing lives long.
    const pending: Built[] = [];
    let firstIndex = 0;
    let maxRows = 1;
    let relations = 0;
    const flush = () => {
      if (pending.length === 0) return;
      try {
        this.#insert(pending[0]!, 0, pending.length, pending);
      } catch (error) {
        if (pending.length === 1) throw wrap(firstIndex, error);
        // find the record that failed (the multi-row statement changed nothing)
        for (let i = 0; i < pending.length; i++) {
          try {
            this.#insert(pending[i]!, i, i + 1, pending);
          } catch (single) {
            throw wrap(firstIndex + i, single);
          }
        }
        throw error;
      }
      for (const item of pending) {
        for (const { column, ids } of item.relationOps) {
          this.#relate(item.table.name, column.name, item.objectId, ids, true);
          relations += ids.length;
        }
        if (written !== undefined) written(item);
      }
      pending.length = 0;
    };
    for (let i = 0; i < inputs.length; i++) {
      let built: Built;
      try {
        const table = this.#schema.table(collection);
        built =
          (table === undefined ? undefined : this.#buildSimple(table, inputs[i], extras)) ??
          this.#build(collection, inputs[i], undefined, extras);
      } catch (error) {
        throw wrap(i, error);
      }
      if (pending.length > 0 && (pending.length >= maxRows || !sameShape(built, pending[0]!)))
        flush();
      if (pending.length === 0) {
        firstIndex = i;
        maxRows = Math.max(
          1,
          Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_BOUND_PARAMETERS / built.names.length)),
        );
      }
      pending.push(built);
    }
    flush();
    return relations;
  }

  /**
   * The fast path of imports: a record of known String / Number / Boolean / null fields (plus
   * objectId and canonical timestamps) is encoded without the general machinery. Anything else
   * returns `undefined` and goes through {@link RecordStore.#build}, which validates it fully.
   * An `explicitId` (the `objectId` option of a create) wins over `data.objectId`.
   */
  #buildSimple(
    table: TableInfo,
    data: unknown,
    extras: CreateExtras,
    explicitId?: unknown,
  ): Built | undefined {
    if (table.constrained.length > 0 || !isPlainRecord(data)) return undefined;
    const names: string[] = ['objectId', 'createdAt', 'updatedAt'];
    const values: SqlValue[] = ['', '', ''];
    let objectId: string | undefined;
    let createdAt: string | undefined;
    let updatedAt: string | undefined;
    let size = 0;
    for (const name in data) {
      const value = data[name];
      if (value === undefined) continue;
      if (name === 'objectId') {
        if (!isValidObjectId(value)) return undefined;
        objectId = value;
        continue;
      }
      if (name === 'createdAt' || name === 'updatedAt') {
        if (extras.keepTimestamps !== true) continue;
        if (typeof value !== 'string' || !CANONICAL_ISO.test(value)) return undefined;
        if (name === 'createdAt') createdAt = value;
        else updatedAt = value;
        continue;
      }
      if (IGNORED_KEYS.has(name)) continue;
      const column = table.columns.get(name);
      if (column === undefined || !VALID_FIELD_NAMES.has(name)) return undefined;
      let encoded: SqlValue;
      if (value === null) {
        encoded = null;
      } else if (typeof value === 'string') {
        if (
          column.type !== 'String' ||
          !(value as unknown as { isWellFormed(): boolean }).isWellFormed()
        ) {
          return undefined;
        }
        encoded = value;
        size += value.length;
      } else if (typeof value === 'number') {
        if (column.type !== 'Number' || !Number.isFinite(value)) return undefined;
        encoded = value;
        size += 8;
      } else if (typeof value === 'boolean') {
        if (column.type !== 'Boolean') return undefined;
        encoded = value ? 1 : 0;
        size += 8;
      } else {
        return undefined;
      }
      names.push(name);
      values.push(encoded);
    }
    if (size * 3 > this.#options.maxRecordBytes) return undefined;
    if (explicitId !== undefined && explicitId !== null) {
      if (!isValidObjectId(explicitId)) return undefined;
      objectId = explicitId;
    }
    const id = objectId ?? generateObjectId();
    const created = createdAt ?? new Date().toISOString();
    values[0] = id;
    values[1] = created;
    values[2] = updatedAt ?? created;
    return { table, names, values, objectId: id, relationOps: NO_RELATION_OPS };
  }

  /** Validates one create and encodes its row (adds columns in auto mode). */
  #build(collection: string, data: unknown, explicitId: unknown, extras: CreateExtras): Built {
    const plan = planFields(data, 'data');
    const rawId = explicitId ?? plan.objectId;
    let objectId: string;
    if (rawId === undefined || rawId === null) objectId = generateObjectId();
    else {
      assertObjectId(rawId, explicitId === undefined ? 'data.objectId' : 'objectId');
      objectId = rawId;
    }
    let createdAt: string;
    let updatedAt: string;
    if (extras.keepTimestamps === true) {
      createdAt = timestamp(plan.createdAt, 'data.createdAt') ?? new Date().toISOString();
      updatedAt = timestamp(plan.updatedAt, 'data.updatedAt') ?? createdAt;
    } else {
      createdAt = new Date().toISOString();
      updatedAt = createdAt;
    }
    const table = this.#ensureSchema(collection, plan.fields, true);
    const names: string[] = ['objectId', 'createdAt', 'updatedAt'];
    const values: SqlValue[] = [objectId, createdAt, updatedAt];
    let relationOps: { column: ColumnDefinition; ids: string[] }[] = NO_RELATION_OPS;
    for (const field of plan.fields) {
      const column = table.columns.get(field.name);
      if (column === undefined) continue; // null / Delete on a field auto mode did not create
      let encoded: SqlValue | undefined;
      if (field.op === undefined) {
        encoded = encodeColumnValue(column, field.value, field.path);
      } else {
        const op = field.op;
        switch (op.__op) {
          case 'Increment':
            expectType(column, 'Number', field.path, op.__op);
            encoded = op.amount;
            break;
          case 'Add':
          case 'AddUnique':
            expectType(column, 'Array', field.path, op.__op);
            encoded = JSON.stringify(
              op.__op === 'Add'
                ? op.objects.map((v) => encodeParseValue(v))
                : uniqueValues(op.objects, []),
            );
            break;
          case 'Remove':
            expectType(column, 'Array', field.path, op.__op);
            encoded = '[]';
            break;
          case 'Delete':
            encoded = null;
            break;
          case 'AddRelation':
            if (relationOps === NO_RELATION_OPS) relationOps = [];
            relationOps.push({ column, ids: relationIds(column, op.objects, field.path) });
            encoded = undefined;
            break;
          case 'RemoveRelation':
            relationIds(column, op.objects, field.path);
            encoded = undefined;
            break;
        }
      }
      if (encoded === undefined) continue;
      const at = names.indexOf(field.name);
      if (at >= 0) values[at] = encoded;
      else {
        names.push(field.name);
        values.push(encoded);
      }
    }
    for (const column of table.constrained) {
      const at = names.indexOf(column.name);
      if (at >= 0 && values[at] !== null) continue;
      if (column.defaultValue !== undefined) {
        const encoded = encodeColumnValue(
          column,
          normalizeValue(column.defaultValue, `default of ${column.name}`),
          `data.${column.name}`,
        );
        if (encoded !== undefined) {
          if (at >= 0) values[at] = encoded;
          else {
            names.push(column.name);
            values.push(encoded);
          }
          continue;
        }
      }
      if (column.required === true) throw requiredField(collection, column.name);
    }
    this.#checkSize(values, 'data');
    return { table, names, values, objectId, relationOps };
  }

  /** Inserts rows `start..end` of `all` (all of the shape of `shape`) with one statement. */
  #insert(shape: Built, start: number, end: number, all: readonly Built[]): void {
    const count = end - start;
    const statement = this.#insertStatement(shape, count);
    try {
      if (count === 1) statement.run(all[start]!.values);
      else {
        const width = shape.names.length;
        const flat: SqlValue[] = new Array<SqlValue>(width * count);
        for (let r = 0; r < count; r++) {
          const values = all[start + r]!.values;
          for (let c = 0; c < width; c++) flat[r * width + c] = values[c]!;
        }
        statement.run(flat);
      }
    } catch (error) {
      if (count === 1 && sqliteCode(error) === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        const objectId = all[start]!.objectId;
        throw new BackendError(
          'DUPLICATE_VALUE',
          `${shape.table.name}/${objectId}: a record with this objectId already exists`,
          {
            cause: error,
            details: { path: 'objectId', received: objectId },
          },
        );
      }
      throw error;
    }
  }

  #insertStatement(shape: Built, rows: number): Statement {
    if (this.#statementGeneration !== this.#schema.generation) {
      this.#statements.clear();
      this.#statementGeneration = this.#schema.generation;
    }
    const key = `${shape.table.name}\u0001${rows}\u0001${shape.names.join('\u0001')}`;
    let statement = this.#statements.get(key);
    if (statement === undefined) {
      const row = `(${shape.names.map(() => '?').join(', ')})`;
      statement = this.#conn().db.prepare(
        `INSERT INTO ${quoteIdent(shape.table.name)} (${shape.names.map(quoteIdent).join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')}`,
      );
      if (this.#statements.size > 200) this.#statements.clear();
      this.#statements.set(key, statement);
    }
    return statement;
  }

  // ---- save ------------------------------------------------------------------------------------

  save(scope: WriteScope, collection: string, objectId: string, data: unknown): StoredRecord {
    const plan = planFields(data, 'data');
    let table = this.tableForRecord(collection, objectId);
    const current = this.row(table, objectId);
    if (current === undefined) throw notFound(collection, objectId);
    table = this.#ensureSchema(collection, plan.fields, false);
    const next: Record<string, unknown> = { ...current };
    const changed: string[] = [];
    const relationOps: { column: ColumnDefinition; ids: string[]; add: boolean }[] = [];
    for (const field of plan.fields) {
      const column = table.columns.get(field.name);
      if (column === undefined) continue;
      let encoded: SqlValue | undefined;
      if (field.op === undefined) {
        encoded = encodeColumnValue(column, field.value, field.path);
      } else {
        const op = field.op;
        const before = next[field.name];
        switch (op.__op) {
          case 'Increment':
            expectType(column, 'Number', field.path, op.__op);
            encoded = (typeof before === 'number' ? before : 0) + op.amount;
            break;
          case 'Add':
          case 'AddUnique':
          case 'Remove': {
            expectType(column, 'Array', field.path, op.__op);
            const array = parseArray(before);
            const wire = op.objects.map((v) => encodeParseValue(v));
            let result: unknown[];
            if (op.__op === 'Add') result = [...array, ...wire];
            else if (op.__op === 'AddUnique') result = uniqueValues(op.objects, array);
            else {
              const drop = new Set(wire.map(jsonKey));
              result = array.filter((item) => !drop.has(jsonKey(item)));
            }
            encoded = JSON.stringify(result);
            break;
          }
          case 'Delete':
            encoded = column.type === 'Relation' ? undefined : null;
            break;
          case 'AddRelation':
          case 'RemoveRelation':
            relationOps.push({
              column,
              ids: relationIds(column, op.objects, field.path),
              add: op.__op === 'AddRelation',
            });
            encoded = undefined;
            break;
        }
      }
      if (encoded === undefined) continue;
      if (encoded === null && column.required === true)
        throw requiredField(collection, column.name);
      next[field.name] = encoded;
      if (!changed.includes(field.name)) changed.push(field.name);
    }
    const updatedAt = new Date().toISOString();
    next.updatedAt = updatedAt;
    this.#checkSize(Object.values(next) as SqlValue[], 'data');
    const sets = [...changed, 'updatedAt'];
    this.#conn()
      .prepare(
        `UPDATE ${quoteIdent(table.name)} SET ${sets.map((n) => `${quoteIdent(n)} = ?`).join(', ')} WHERE "objectId" = ?`,
      )
      .run(...sets.map((n) => next[n] as SqlValue), objectId);
    for (const { column, ids, add } of relationOps)
      this.#relate(table.name, column.name, objectId, ids, add);
    const previous = decodeRow(table, current);
    const record = decodeRow(table, next);
    scope.events.push({ type: 'save', collection: table.name, objectId, object: record, previous });
    return record;
  }

  // ---- delete ----------------------------------------------------------------------------------

  /**
   * A delete that is a single statement (no relation field on the collection and none pointing
   * at it): returns its work, or `undefined` for the general path (see
   * {@link RecordStore.singleStatementCreate}).
   */
  singleStatementRemove(
    collection: string,
    objectId: string,
  ): ((scope: WriteScope) => void) | undefined {
    const table = this.findTable(collection);
    if (table === undefined || table.relations.length > 0) return undefined;
    for (const other of this.#schema.tables()) {
      for (const relation of other.relations)
        if (relation.targetClass === table.name) return undefined;
    }
    return (scope) => this.remove(scope, collection, objectId);
  }

  /**
   * `deleteMany` of the adapter contract: deletes the rows of `table` matching the compiled
   * filter `where` (with their junction rows) and returns how many. With `events`, each deleted
   * row is read by the DELETE itself (`RETURNING *`) and becomes a `delete` event in `scope`;
   * without, the DELETE reads nothing back (only the objectIds when junction rows must go too).
   */
  removeWhere(
    scope: WriteScope,
    table: TableInfo,
    where: { readonly sql: string; readonly parameters: readonly unknown[] },
    events: boolean,
  ): number {
    const conn = this.#conn();
    const name = quoteIdent(table.name);
    const junctions: string[] = [];
    for (const relation of table.relations)
      junctions.push(
        `DELETE FROM ${quoteIdent(junctionTable(table.name, relation.name))} WHERE "owningId" = ?`,
      );
    for (const other of this.#schema.tables()) {
      for (const relation of other.relations) {
        if (relation.targetClass !== table.name) continue;
        junctions.push(
          `DELETE FROM ${quoteIdent(junctionTable(other.name, relation.name))} WHERE "relatedId" = ?`,
        );
      }
    }
    if (!events && junctions.length === 0) {
      return conn.prepare(`DELETE FROM ${name} WHERE ${where.sql}`).run(...where.parameters)
        .changes;
    }
    const rows = conn
      .prepare(`DELETE FROM ${name} WHERE ${where.sql} RETURNING ${events ? '*' : '"objectId"'}`)
      .all(...where.parameters) as Record<string, unknown>[];
    for (const sql of junctions) {
      const statement = conn.prepare(sql);
      for (const row of rows) statement.run(row.objectId);
    }
    if (events) {
      for (const row of rows) {
        scope.events.push({
          type: 'delete',
          collection: table.name,
          objectId: row.objectId as string,
          object: decodeRow(table, row),
        });
      }
    }
    return rows.length;
  }

  remove(scope: WriteScope, collection: string, objectId: string): void {
    const table = this.tableForRecord(collection, objectId);
    const conn = this.#conn();
    // One statement reads the row (for the change event) and deletes it.
    const current = conn
      .prepare(`DELETE FROM ${quoteIdent(table.name)} WHERE "objectId" = ? RETURNING *`)
      .get(objectId) as Record<string, unknown> | undefined;
    if (current === undefined) throw notFound(collection, objectId);
    for (const relation of table.relations) {
      conn
        .prepare(
          `DELETE FROM ${quoteIdent(junctionTable(table.name, relation.name))} WHERE "owningId" = ?`,
        )
        .run(objectId);
    }
    for (const other of this.#schema.tables()) {
      for (const relation of other.relations) {
        if (relation.targetClass !== table.name) continue;
        conn
          .prepare(
            `DELETE FROM ${quoteIdent(junctionTable(other.name, relation.name))} WHERE "relatedId" = ?`,
          )
          .run(objectId);
      }
    }
    scope.events.push({
      type: 'delete',
      collection: table.name,
      objectId,
      object: decodeRow(table, current),
    });
  }

  // ---- relations -------------------------------------------------------------------------------

  /** `addRelation` / `removeRelation`: changes the junction rows and touches the owning record. */
  changeRelation(
    scope: WriteScope,
    collection: string,
    objectId: string,
    key: unknown,
    targetIds: readonly string[],
    targetClass: string | undefined,
    add: boolean,
  ): void {
    assertFieldName(key, 'key');
    let table = this.tableForRecord(collection, objectId);
    let column = table.columns.get(key);
    if (column === undefined) {
      if (this.#options.schemaMode === 'strict') throw unknownField(collection, key, 'key');
      if (targetClass === undefined) {
        throw new BackendError(
          'INVALID_VALUE',
          `targetClass: the Relation field "${collection}.${key}" does not exist yet; give targetClass to create it`,
          { details: { path: 'targetClass', expected: 'a collection name' } },
        );
      }
      this.#schema.addColumn(collection, { name: key, type: 'Relation', targetClass });
      table = this.#schema.table(collection)!;
      column = table.columns.get(key)!;
    }
    if (column.type !== 'Relation') {
      throw new BackendError(
        'TYPE_MISMATCH',
        `key: "${collection}.${key}" is a ${column.type} field, not a Relation`,
        {
          details: { path: 'key', expected: 'a Relation field', received: column.type },
        },
      );
    }
    if (targetClass !== undefined && targetClass !== column.targetClass) {
      throw new BackendError(
        'TYPE_MISMATCH',
        `targetClass: "${collection}.${key}" relates to ${column.targetClass ?? '?'}, not ${targetClass}`,
        {
          details: {
            path: 'targetClass',
            expected: column.targetClass ?? '',
            received: targetClass,
          },
        },
      );
    }
    const current = this.row(table, objectId);
    if (current === undefined) throw notFound(collection, objectId);
    this.#relate(table.name, key, objectId, targetIds, add);
    const updatedAt = new Date().toISOString();
    this.#conn()
      .prepare(`UPDATE ${quoteIdent(table.name)} SET "updatedAt" = ? WHERE "objectId" = ?`)
      .run(updatedAt, objectId);
    const previous = decodeRow(table, current);
    scope.events.push({
      type: 'save',
      collection: table.name,
      objectId,
      object: { ...previous, updatedAt },
      previous,
    });
  }

  /** Inserts junction rows without checks (imports). */
  relateRaw(collection: string, key: string, owningId: string, ids: readonly string[]): void {
    this.#relate(collection, key, owningId, ids, true);
  }

  #relate(
    collection: string,
    key: string,
    owningId: string,
    ids: readonly string[],
    add: boolean,
  ): void {
    if (ids.length === 0) return;
    const junction = quoteIdent(junctionTable(collection, key));
    const statement = this.#conn().prepare(
      add
        ? `INSERT OR IGNORE INTO ${junction} ("owningId", "relatedId") VALUES (?, ?)`
        : `DELETE FROM ${junction} WHERE "owningId" = ? AND "relatedId" = ?`,
    );
    for (const id of ids) statement.run(owningId, id);
  }

  // ---- schema for writes -------------------------------------------------------------------------

  /** Makes sure the collection and a column for every field exist (auto mode), or checks (strict). */
  #ensureSchema(collection: string, fields: readonly Planned[], creating: boolean): TableInfo {
    let table = this.findTable(collection);
    const strict = this.#options.schemaMode === 'strict';
    if (table === undefined) {
      if (strict || !creating) throw tableNotFound(collection);
      const columns: ColumnDefinition[] = [];
      const seen = new Set<string>();
      for (const field of fields) {
        if (seen.has(field.name)) continue;
        const column = inferFor(field);
        if (column !== undefined) {
          columns.push(column);
          seen.add(field.name);
        }
      }
      this.#schema.createTable(normalizeTable({ name: collection, columns }, 'data'));
      return this.#schema.table(collection)!;
    }
    for (const field of fields) {
      if (table.columns.has(field.name)) continue;
      if (strict) throw unknownField(collection, field.name, field.path);
      const column = inferFor(field);
      if (column === undefined) continue;
      const clash = table.lowerNames.get(field.name.toLowerCase());
      if (clash !== undefined) {
        throw new BackendError(
          'SCHEMA_CONFLICT',
          `${field.path}: "${field.name}" and the existing field "${collection}.${clash}" would be the same column (SQLite column names are case-insensitive)`,
          { details: { path: field.path } },
        );
      }
      this.#schema.addColumn(collection, column);
      table = this.#schema.table(collection)!;
    }
    return table;
  }

  #checkSize(values: readonly (SqlValue | undefined)[], path: string): void {
    let total = 0;
    for (const value of values) total += storedSize(value);
    if (total > this.#options.maxRecordBytes) {
      throw new BackendError(
        'PAYLOAD_TOO_LARGE',
        `${path}: the record would take about ${total} bytes; the limit is ${this.#options.maxRecordBytes} bytes (maxRecordBytes)`,
        {
          details: {
            path,
            expected: `at most ${this.#options.maxRecordBytes} bytes`,
            received: `${total} bytes`,
          },
        },
      );
    }
  }
}

function inferFor(field: Planned): ColumnDefinition | undefined {
  if (field.op === undefined) return inferColumn(field.name, field.value);
  switch (field.op.__op) {
    case 'Increment':
      return { name: field.name, type: 'Number' };
    case 'Add':
    case 'AddUnique':
    case 'Remove':
      return { name: field.name, type: 'Array' };
    case 'AddRelation':
    case 'RemoveRelation': {
      const first = field.op.objects[0];
      return first === undefined
        ? undefined
        : { name: field.name, type: 'Relation', targetClass: first.className };
    }
    case 'Delete':
      return undefined;
  }
}

/** Splits incoming data into validated fields (system keys set aside). */
function planFields(data: unknown, path: string): Plan {
  if (!isPlainRecord(data)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected an object of fields, got ${describeValue(data)}`,
      {
        details: { path, expected: 'an object', received: describeValue(data) },
      },
    );
  }
  const keys = Object.keys(data);
  if (keys.length > MAX_COLUMNS + 8) {
    throw new BackendError(
      'RESOURCE_LIMIT',
      `${path}: at most ${MAX_COLUMNS} fields per record, got ${keys.length}`,
      {
        details: { path, expected: `at most ${MAX_COLUMNS} fields` },
      },
    );
  }
  const fields: Planned[] = [];
  let objectId: unknown;
  let createdAt: unknown;
  let updatedAt: unknown;
  for (const name of keys) {
    const raw = data[name];
    if (raw === undefined) continue;
    const fieldPath = `${path}.${name}`;
    if (name === 'objectId') {
      objectId = raw;
      continue;
    }
    if (name === 'createdAt') {
      createdAt = raw;
      continue;
    }
    if (name === 'updatedAt') {
      updatedAt = raw;
      continue;
    }
    if (IGNORED_KEYS.has(name)) continue;
    if (!VALID_FIELD_NAMES.has(name)) {
      assertFieldName(name, fieldPath);
      if (VALID_FIELD_NAMES.size > 10_000) VALID_FIELD_NAMES.clear();
      VALID_FIELD_NAMES.add(name);
    }
    if (isFieldOperation(raw))
      fields.push({ name, path: fieldPath, op: decodeParseOperation(raw, fieldPath) });
    else fields.push({ name, path: fieldPath, value: normalizeValue(raw, fieldPath) });
  }
  return { fields, objectId, createdAt, updatedAt };
}

const CANONICAL_ISO =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

function timestamp(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value;
  const raw = isPlainRecord(value) && value.__type === 'Date' ? value.iso : value;
  const date = raw instanceof Date ? raw : parseIsoDate(raw);
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected an ISO-8601 date, got ${describeValue(value)}`,
      {
        details: { path, expected: 'an ISO-8601 date' },
      },
    );
  }
  return date.toISOString();
}

function expectType(
  column: ColumnDefinition,
  type: ColumnDefinition['type'],
  path: string,
  op: string,
): void {
  if (column.type !== type) {
    throw new BackendError(
      'TYPE_MISMATCH',
      `${path}: ${op} needs a ${type} field, but "${column.name}" is a ${column.type}`,
      {
        details: { path, expected: `a ${type} field`, received: column.type },
      },
    );
  }
}

function relationIds(
  column: ColumnDefinition,
  objects: readonly { className: string; objectId: string }[],
  path: string,
): string[] {
  if (column.type !== 'Relation') {
    throw new BackendError(
      'TYPE_MISMATCH',
      `${path}: relation operations need a Relation field, but "${column.name}" is a ${column.type}`,
      {
        details: { path, expected: 'a Relation field', received: column.type },
      },
    );
  }
  return objects.map((pointer, i) => {
    if (pointer.className !== column.targetClass) {
      throw new BackendError(
        'TYPE_MISMATCH',
        `${path}.objects[${i}]: "${column.name}" relates to ${column.targetClass ?? '?'}, got a Pointer to ${pointer.className}`,
        {
          details: {
            path: `${path}.objects[${i}]`,
            expected: `a Pointer to ${column.targetClass ?? '?'}`,
          },
        },
      );
    }
    return pointer.objectId;
  });
}

function uniqueValues(objects: readonly FieldValue[], existing: readonly unknown[]): unknown[] {
  const out = [...existing];
  const seen = new Set(existing.map(jsonKey));
  for (const value of objects) {
    const wire = encodeParseValue(value);
    const key = jsonKey(wire);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(wire);
    }
  }
  return out;
}

function parseArray(raw: unknown): unknown[] {
  if (typeof raw !== 'string') return [];
  try {
    const parsed = JSON.parse(raw) as unknown;
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

/**
 * Names record `index` of a `createMany` in an error: `data.age: ...` becomes
 * `records[3].age: ...` (other messages get a `records[3]: ` prefix). Non-BackendErrors (SQLite's)
 * pass through to the adapter's error mapping.
 */
function atRecord(index: number, error: unknown): Error {
  if (!BackendError.is(error)) return error as Error;
  const prefix = `records[${index}]`;
  const rename = (text: string): string =>
    text === 'data'
      ? prefix
      : text.startsWith('data.')
        ? `${prefix}${text.slice(4)}`
        : text === 'objectId'
          ? `${prefix}.objectId`
          : `${prefix}: ${text}`;
  const message =
    error.message.startsWith('data.') || error.message.startsWith('data:')
      ? `${prefix}${error.message.slice(4)}`
      : `${prefix}: ${error.message}`;
  const path = error.details?.path;
  return new BackendError(error.code, message, {
    cause: error,
    details: { ...error.details, path: path === undefined ? prefix : rename(path) },
  });
}

/** `TABLE_NOT_FOUND` for a collection. */
export function tableNotFound(collection: string): BackendError {
  return new BackendError('TABLE_NOT_FOUND', `The collection "${collection}" does not exist`, {
    details: { path: 'collection', received: collection },
  });
}

/** `INVALID_FIELD_NAME` for a field the (strict) schema does not have. */
export function unknownField(collection: string, field: string, path: string): BackendError {
  return new BackendError(
    'INVALID_FIELD_NAME',
    `${path}: the collection "${collection}" has no field "${field}" (schema mode strict: add the column first)`,
    { details: { path, received: field } },
  );
}

function requiredField(collection: string, field: string): BackendError {
  return new BackendError(
    'REQUIRED_FIELD',
    `data.${field}: the field "${collection}.${field}" is required`,
    {
      details: { path: `data.${field}` },
    },
  );
}

/** Validates a list of objectIds (`targetObjectId` of relation calls). */
export function objectIdList(value: unknown, path: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected an objectId or an array of objectIds, got ${describeValue(value)}`,
      {
        details: { path, expected: 'objectIds' },
      },
    );
  }
  return list.map((id: unknown, i) => {
    if (!isValidObjectId(id)) assertObjectId(id, `${path}[${i}]`);
    return id as string;
  });
}
