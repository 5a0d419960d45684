import { BackendError, describeValue, isPlainRecord } from '@localbackend/adapter';
import { parseClientJson } from './json-depth';

/** Limits applied to query parameters. */
export interface QueryLimits {
  /** Largest `limit` (default 10,000). */
  readonly maxLimit: number;
  /** Largest `skip` (default 10,000,000). */
  readonly maxSkip: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxLimit: 10_000, maxSkip: 10_000_000 };

const MAX_PARAM_TEXT = 1024 * 1024;
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const MAX_FIELDS = 200;
const SORT_TEXT = /^[-+A-Za-z0-9_.,\s]*$/;

export function invalidParam(path: string, expected: string, received: unknown): BackendError {
  return new BackendError(
    'INVALID_QUERY',
    `${path}: expected ${expected}, got ${describeValue(received)}`,
    { details: { path, expected, received: describeValue(received) } },
  );
}

/**
 * The query-string parameters of a request; a repeated parameter (`?a=1&a=2`) is an error, so
 * every value is a string.
 */
export function queryStringParams(query: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof query !== 'object' || query === null) return out;
  for (const [key, value] of Object.entries(query)) {
    if (typeof value !== 'string') {
      throw new BackendError('INVALID_QUERY', `${key}: given more than once`, {
        details: { path: key, expected: 'a single value' },
      });
    }
    out[key] = value;
  }
  return out;
}

/** A parameter value, with a size check for text. */
export function single(value: unknown, path: string): unknown {
  if (typeof value === 'string' && value.length > MAX_PARAM_TEXT) {
    throw new BackendError('INVALID_QUERY', `${path}: longer than ${MAX_PARAM_TEXT} characters`, {
      details: { path, expected: `at most ${MAX_PARAM_TEXT} characters` },
    });
  }
  return value;
}

/** An integer in [min, max] given as a number or a decimal string. */
export function parseInteger(value: unknown, path: string, min: number, max: number): number {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string' && /^[+-]?\d{1,16}$/.test(value.trim())) n = Number(value);
  else throw invalidParam(path, `an integer from ${min} to ${max}`, value);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw invalidParam(path, `an integer from ${min} to ${max}`, value);
  }
  return n;
}

/** A boolean given as true/false, 1/0 or their strings. */
export function parseBoolean(value: unknown, path: string): boolean {
  if (value === true || value === 1 || value === 'true' || value === '1') return true;
  if (value === false || value === 0 || value === 'false' || value === '0') return false;
  throw invalidParam(path, 'true or false (or 1 / 0)', value);
}

/** A JSON object, given as an object (JSON body) or as JSON text (query string). */
export function parseJsonObject(value: unknown, path: string): Record<string, unknown> {
  const parsed = typeof value === 'string' ? parseClientJson(value, path) : value;
  if (!isPlainRecord(parsed)) {
    throw new BackendError(
      'INVALID_QUERY',
      `${path}: expected a JSON object, got ${describeValue(parsed)}`,
      { details: { path, expected: 'a JSON object', received: describeValue(parsed) } },
    );
  }
  return parsed;
}

/** A where filter: a JSON object (every accepted filter format is an object). */
export function parseWhereParam(value: unknown, path: string): Record<string, unknown> {
  return parseJsonObject(value, path);
}

/**
 * A sort: `'-a,b'`, JSON `["-a","b"]`, `[{"property":"a","order":"descending"}]` or `{"a":-1}`.
 * Only the shape is checked here; the adapter validates field names and directions.
 */
export function parseSortParam(value: unknown, path: string): unknown {
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[') || text.startsWith('{'))
      return parseSortParam(parseClientJson(text, path), path);
    if (!SORT_TEXT.test(text) || text.length > 4096) {
      throw invalidParam(path, 'a sort like "-createdAt,title"', value);
    }
    return text;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_FIELDS)
      throw invalidParam(path, `at most ${MAX_FIELDS} sort keys`, value);
    value.forEach((item, i) => {
      if (typeof item !== 'string' && !isPlainRecord(item)) {
        throw invalidParam(`${path}[${i}]`, 'a field name or {property, order}', item);
      }
    });
    return value;
  }
  if (isPlainRecord(value)) return value;
  throw invalidParam(path, 'a sort like "-createdAt,title"', value);
}

/** A list of field paths: `'a,b.c'`, JSON `["a","b.c"]` or an array. */
export function parseFieldList(value: unknown, path: string): string[] {
  let items: unknown[];
  if (typeof value === 'string') {
    const text = value.trim();
    if (text.startsWith('[')) {
      const parsed = parseClientJson(text, path);
      if (!Array.isArray(parsed)) throw invalidParam(path, 'a list of field names', parsed);
      items = parsed;
    } else {
      items = text === '' ? [] : text.split(',').map((s) => s.trim());
    }
  } else if (Array.isArray(value)) {
    items = value;
  } else {
    throw invalidParam(path, 'a comma-separated list of field names', value);
  }
  if (items.length > MAX_FIELDS) throw invalidParam(path, `at most ${MAX_FIELDS} fields`, value);
  return items.map((item, i) => {
    if (typeof item !== 'string' || item.length > 512 || !FIELD_PATH.test(item)) {
      throw invalidParam(`${path}[${i}]`, 'a field name like title or owner.name', item);
    }
    return item;
  });
}

/** Throws INVALID_QUERY for any key of `params` not in `allowed`. */
export function assertKnownParams(
  params: Readonly<Record<string, unknown>>,
  allowed: ReadonlySet<string>,
  what: string,
): void {
  for (const key of Object.keys(params)) {
    if (!allowed.has(key)) {
      throw new BackendError(
        'INVALID_QUERY',
        `${key}: unknown ${what} parameter ${describeValue(key)}; expected one of ${[...allowed].join(', ')}`,
        { details: { path: key, expected: [...allowed].join(' | ') } },
      );
    }
  }
}
