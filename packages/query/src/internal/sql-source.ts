import type { SqlWriter } from './sql-writer';
import type { FieldType } from './schema-info';

/** The kinds of value a predicate reads. `date` compares as ISO text; `pointer` as an objectId. */
export type ValueKind = 'string' | 'number' | 'boolean' | 'date' | 'pointer';

/**
 * Where a field's value comes from in SQL, and how to read it as each kind. `val(kind)` is an SQL
 * expression that is NULL unless the value is of that kind (for typed columns it is simply the
 * column). Calling a method may bind parameters, so SQL text must be assembled in call order.
 */
export interface Src {
  /** A typed column: `val()` is the bare column (index-friendly). */
  readonly typed: boolean;
  /** Postgres TIMESTAMPTZ column: dates compare as timestamps, not text. */
  readonly timestamp: boolean;
  val(kind: ValueKind): string;
  present(): string;
  absent(): string;
  /** A FROM item that yields the array's elements as alias "$e", and the element source. */
  elements(): string;
  element(): Src;
  lat(): string;
  lon(): string;
}

const ELEMENT = '"$e"';

function jsonPathText(path: readonly string[]): string {
  let out = '$';
  for (const segment of path) out += `."${segment}"`;
  return out;
}

/* ------------------------------------------------------------------------------------------- SQLite */

/** A typed SQLite column. */
export function sqliteTyped(expr: string, type: FieldType): Src {
  const geo = (key: string): string =>
    `CASE WHEN json_type(${expr}, '$.${key}') IN ('integer', 'real') THEN json_extract(${expr}, '$.${key}') END`;
  return {
    typed: true,
    timestamp: false,
    val: () => expr,
    present: () => `${expr} IS NOT NULL`,
    absent: () => `${expr} IS NULL`,
    elements: () => `json_each(${expr}) AS ${ELEMENT}`,
    element: () => sqliteElement(),
    lat: () => (type === 'GeoPoint' ? geo('latitude') : 'NULL'),
    lon: () => (type === 'GeoPoint' ? geo('longitude') : 'NULL'),
  };
}

/** JSON read through `json_type` / `json_extract` with a bound path. */
export function sqliteJsonPath(w: SqlWriter, base: string, path: readonly string[]): Src {
  const p = jsonPathText(path);
  const type = (sub = ''): string => `json_type(${base}, ${w.value(p + sub)})`;
  const extract = (sub = ''): string => `json_extract(${base}, ${w.value(p + sub)})`;
  return {
    typed: false,
    timestamp: false,
    val(kind) {
      switch (kind) {
        case 'string':
          return `CASE WHEN ${type()} = 'text' THEN ${extract()} END`;
        case 'number':
          return `CASE WHEN ${type()} IN ('integer', 'real') THEN ${extract()} END`;
        case 'boolean':
          return `CASE ${type()} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END`;
        case 'date':
          return `CASE ${type()} WHEN 'text' THEN ${extract()} WHEN 'object' THEN CASE WHEN ${type('."iso"')} = 'text' AND ${extract('."__type"')} = 'Date' THEN ${extract('."iso"')} END END`;
        default:
          return `CASE ${type()} WHEN 'text' THEN ${extract()} WHEN 'object' THEN CASE WHEN ${type('."objectId"')} = 'text' THEN ${extract('."objectId"')} END END`;
      }
    },
    present: () => `IFNULL(${type()}, 'null') <> 'null'`,
    absent: () => `IFNULL(${type()}, 'null') = 'null'`,
    elements: () =>
      `json_each(CASE WHEN ${type()} = 'array' THEN ${base} END, ${w.value(p)}) AS ${ELEMENT}`,
    element: () => sqliteElement(),
    lat: () =>
      `CASE WHEN ${type('."latitude"')} IN ('integer', 'real') THEN ${extract('."latitude"')} END`,
    lon: () =>
      `CASE WHEN ${type('."longitude"')} IN ('integer', 'real') THEN ${extract('."longitude"')} END`,
  };
}

/** One element of a JSON array iterated by json_each (alias "$e"). */
function sqliteElement(): Src {
  const t = `${ELEMENT}.type`;
  const v = `${ELEMENT}.value`;
  return {
    typed: false,
    timestamp: false,
    val(kind) {
      switch (kind) {
        case 'string':
          return `CASE WHEN ${t} = 'text' THEN ${v} END`;
        case 'number':
          return `CASE WHEN ${t} IN ('integer', 'real') THEN ${v} END`;
        case 'boolean':
          return `CASE ${t} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END`;
        case 'date':
          return `CASE ${t} WHEN 'text' THEN ${v} WHEN 'object' THEN CASE WHEN json_type(${v}, '$.iso') = 'text' AND json_extract(${v}, '$.__type') = 'Date' THEN json_extract(${v}, '$.iso') END END`;
        default:
          return `CASE ${t} WHEN 'text' THEN ${v} WHEN 'object' THEN CASE WHEN json_type(${v}, '$.objectId') = 'text' THEN json_extract(${v}, '$.objectId') END END`;
      }
    },
    present: () => `${t} <> 'null'`,
    absent: () => `${t} = 'null'`,
    elements: () => `json_each(NULL) AS "$n"`,
    element: () => sqliteElement(),
    lat: () => 'NULL',
    lon: () => 'NULL',
  };
}

/**
 * A SQLite column without a schema. Storage convention: REAL = number, INTEGER = boolean (0/1),
 * TEXT = string or ISO date, TEXT holding a JSON object/array = that object/array.
 */
export function sqliteUntyped(expr: string): Src {
  const jt = `CASE WHEN typeof(${expr}) = 'text' THEN CASE WHEN json_valid(${expr}) THEN json_type(${expr}) END END`;
  const objectOnly = (inner: string): string => `CASE WHEN ${jt} = 'object' THEN ${inner} END`;
  return {
    typed: false,
    timestamp: false,
    val(kind) {
      switch (kind) {
        case 'string':
          return `CASE WHEN typeof(${expr}) = 'text' AND IFNULL(${jt}, '') NOT IN ('object', 'array') THEN ${expr} END`;
        case 'number':
          return `CASE WHEN typeof(${expr}) = 'real' THEN ${expr} END`;
        case 'boolean':
          return `CASE WHEN typeof(${expr}) = 'integer' THEN ${expr} END`;
        case 'date':
          return `CASE WHEN typeof(${expr}) = 'text' THEN CASE IFNULL(${jt}, '') WHEN 'array' THEN NULL WHEN 'object' THEN CASE WHEN json_type(${expr}, '$.iso') = 'text' AND json_extract(${expr}, '$.__type') = 'Date' THEN json_extract(${expr}, '$.iso') END ELSE ${expr} END END`;
        default:
          return `CASE WHEN typeof(${expr}) = 'text' THEN CASE IFNULL(${jt}, '') WHEN 'array' THEN NULL WHEN 'object' THEN CASE WHEN json_type(${expr}, '$.objectId') = 'text' THEN json_extract(${expr}, '$.objectId') END ELSE ${expr} END END`;
      }
    },
    present: () => `${expr} IS NOT NULL`,
    absent: () => `${expr} IS NULL`,
    elements: () => `json_each(CASE WHEN ${jt} = 'array' THEN ${expr} END) AS ${ELEMENT}`,
    element: () => sqliteElement(),
    lat: () =>
      objectOnly(
        `CASE WHEN json_type(${expr}, '$.latitude') IN ('integer', 'real') THEN json_extract(${expr}, '$.latitude') END`,
      ),
    lon: () =>
      objectOnly(
        `CASE WHEN json_type(${expr}, '$.longitude') IN ('integer', 'real') THEN json_extract(${expr}, '$.longitude') END`,
      ),
  };
}

/** The JSON text of an untyped SQLite column, NULL unless it is valid JSON (for paths). */
export function sqliteUntypedJsonBase(expr: string): string {
  return `CASE WHEN typeof(${expr}) = 'text' THEN CASE WHEN json_valid(${expr}) THEN ${expr} END END`;
}

/* ----------------------------------------------------------------------------------------- Postgres */

/** A typed Postgres column (TEXT, DOUBLE PRECISION, BOOLEAN, TIMESTAMPTZ or JSONB). */
export function pgTyped(expr: string, type: FieldType): Src {
  const json = pgJson(() => expr);
  return {
    typed: true,
    timestamp: type === 'Date',
    val: () => expr,
    present: () => `${expr} IS NOT NULL`,
    absent: () => `${expr} IS NULL`,
    elements: json.elements,
    element: json.element,
    lat: type === 'GeoPoint' ? json.lat : () => 'NULL',
    lon: type === 'GeoPoint' ? json.lon : () => 'NULL',
  };
}

/** A JSONB value (a path into a JSONB column, an array element, or `to_jsonb(column)`). */
export function pgJson(j: () => string): Src {
  const num = (key: string): string => {
    const a = j();
    const b = j();
    return `CASE WHEN jsonb_typeof(${a} -> '${key}') = 'number' THEN (${b} -> '${key}')::float8 END`;
  };
  return {
    typed: false,
    timestamp: false,
    val(kind) {
      switch (kind) {
        case 'string': {
          const a = j();
          return `CASE WHEN jsonb_typeof(${a}) = 'string' THEN ${j()} #>> '{}' END`;
        }
        case 'number': {
          const a = j();
          return `CASE WHEN jsonb_typeof(${a}) = 'number' THEN (${j()})::float8 END`;
        }
        case 'boolean': {
          const a = j();
          return `CASE WHEN jsonb_typeof(${a}) = 'boolean' THEN (${j()})::boolean END`;
        }
        case 'date': {
          const a = j();
          const b = j();
          const c = j();
          const d = j();
          const e = j();
          return `CASE jsonb_typeof(${a}) WHEN 'string' THEN ${b} #>> '{}' WHEN 'object' THEN CASE WHEN jsonb_typeof(${c} -> 'iso') = 'string' AND ${d} ->> '__type' = 'Date' THEN ${e} ->> 'iso' END END`;
        }
        default: {
          const a = j();
          const b = j();
          const c = j();
          const d = j();
          return `CASE jsonb_typeof(${a}) WHEN 'string' THEN ${b} #>> '{}' WHEN 'object' THEN CASE WHEN jsonb_typeof(${c} -> 'objectId') = 'string' THEN ${d} ->> 'objectId' END END`;
        }
      }
    },
    present: () => `COALESCE(jsonb_typeof(${j()}), 'null') <> 'null'`,
    absent: () => `COALESCE(jsonb_typeof(${j()}), 'null') = 'null'`,
    elements: () => {
      const a = j();
      return `jsonb_array_elements(CASE WHEN jsonb_typeof(${a}) = 'array' THEN ${j()} END) AS ${ELEMENT}(v)`;
    },
    element: () => pgJson(() => `${ELEMENT}.v`),
    lat: () => num('latitude'),
    lon: () => num('longitude'),
  };
}

/** `column #> $n::text[]` for a JSON path on Postgres. */
export function pgPath(w: SqlWriter, column: string, path: readonly string[]): () => string {
  return () => `(${column} #> ${w.value([...path])}::text[])`;
}
