/**
 * Every error code localbackend raises, with the HTTP status it maps to and Parse's numeric error
 * code (so that Parse SDKs and Noodl frontends see the code they expect).
 *
 * @example
 * ```ts
 * import { ERROR_CODES } from '@localbackend/adapter';
 * ERROR_CODES.NOT_FOUND; // { status: 404, parseCode: 101, description: '...' }
 * ```
 */
export const ERROR_CODES = Object.freeze({
  NOT_FOUND: { status: 404, parseCode: 101, description: 'The record does not exist.' },
  TABLE_NOT_FOUND: {
    status: 404,
    parseCode: 103,
    description: 'The collection (table) does not exist.',
  },
  ROUTE_NOT_FOUND: { status: 404, parseCode: 119, description: 'No such route.' },
  FUNCTION_NOT_FOUND: {
    status: 404,
    parseCode: 141,
    description: 'No cloud function or workflow with that name.',
  },
  INVALID_COLLECTION_NAME: {
    status: 400,
    parseCode: 103,
    description: 'The collection name is not allowed.',
  },
  INVALID_FIELD_NAME: {
    status: 400,
    parseCode: 105,
    description: 'The field name is not allowed.',
  },
  INVALID_OBJECT_ID: { status: 400, parseCode: 104, description: 'The objectId is malformed.' },
  INVALID_POINTER: { status: 400, parseCode: 106, description: 'The pointer value is malformed.' },
  INVALID_JSON: { status: 400, parseCode: 107, description: 'The body is not valid JSON.' },
  INVALID_QUERY: { status: 400, parseCode: 102, description: 'The query is malformed.' },
  UNKNOWN_OPERATOR: {
    status: 400,
    parseCode: 102,
    description: 'The query uses an operator that does not exist.',
  },
  INVALID_VALUE: {
    status: 400,
    parseCode: 111,
    description: 'A value is malformed (a bad date, pointer, operation...).',
  },
  TYPE_MISMATCH: {
    status: 400,
    parseCode: 111,
    description: 'A value has the wrong type for its field or operator.',
  },
  REQUIRED_FIELD: { status: 400, parseCode: 142, description: 'A required field is missing.' },
  INVALID_CONFIG: { status: 400, parseCode: -1, description: 'A configuration value is invalid.' },
  UNSUPPORTED: {
    status: 400,
    parseCode: 108,
    description: 'The adapter does not support this operation.',
  },
  SCRIPT_FAILED: {
    status: 400,
    parseCode: 141,
    description: 'A cloud function or workflow reported a failure.',
  },
  UNAUTHORIZED: {
    status: 401,
    parseCode: 209,
    description: 'Missing or invalid credentials (master key or session token).',
  },
  FORBIDDEN: { status: 403, parseCode: 119, description: 'The operation is not allowed.' },
  METHOD_NOT_ALLOWED: {
    status: 405,
    parseCode: 119,
    description: 'The HTTP method is not allowed on this route.',
  },
  TIMEOUT: { status: 408, parseCode: 124, description: 'The operation took too long.' },
  DUPLICATE_VALUE: {
    status: 409,
    parseCode: 137,
    description: 'A record with that objectId (or unique value) already exists.',
  },
  SCHEMA_CONFLICT: {
    status: 409,
    parseCode: 255,
    description: 'The schema change conflicts with the existing schema.',
  },
  PAYLOAD_TOO_LARGE: { status: 413, parseCode: 116, description: 'The request body is too large.' },
  RESOURCE_LIMIT: {
    status: 422,
    parseCode: 140,
    description: 'The operation exceeded a resource limit (memory, steps, size).',
  },
  RATE_LIMITED: { status: 429, parseCode: 155, description: 'Too many requests.' },
  INTERNAL: { status: 500, parseCode: 1, description: 'An unexpected internal error (a bug).' },
  UNAVAILABLE: {
    status: 503,
    parseCode: 1,
    description: 'The backend is not connected, starting or stopping.',
  },
} as const satisfies Record<string, ErrorCodeInfo>);

/**
 * What {@link ERROR_CODES} records about one code.
 *
 * @example
 * ```ts
 * const info: ErrorCodeInfo = ERROR_CODES.TIMEOUT;
 * ```
 */
export interface ErrorCodeInfo {
  /** HTTP status code. */
  readonly status: number;
  /** Parse's numeric error code, sent as `{ code, error }` on the Parse-compatible routes. */
  readonly parseCode: number;
  /** One line on when the code is used. */
  readonly description: string;
}

/**
 * The string union of every error code.
 *
 * @example
 * ```ts
 * const code: ErrorCode = 'NOT_FOUND';
 * ```
 */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Structured facts about an error: by convention `path` (where the bad input is, e.g.
 * `where.$or[2].age.$gt`), `expected` and `received`.
 *
 * @example
 * ```ts
 * const details: BackendErrorDetails = { path: 'where.age.$gt', expected: 'a number', received: '"abc"' };
 * ```
 */
export interface BackendErrorDetails {
  /** Where in the input the problem is. */
  readonly path?: string;
  /** What was expected there. */
  readonly expected?: string;
  /** A short rendering of what was found. */
  readonly received?: string;
  /** Any other JSON-serialisable fact. */
  readonly [key: string]: unknown;
}

/**
 * Options of the {@link BackendError} constructor.
 *
 * @example
 * ```ts
 * const options: BackendErrorOptions = { details: { path: 'data.title' }, cause: new Error('x') };
 * ```
 */
export interface BackendErrorOptions {
  /** Structured facts; see {@link BackendErrorDetails}. */
  readonly details?: BackendErrorDetails;
  /** The underlying error, kept for logs; never sent to clients. */
  readonly cause?: unknown;
}

const BACKEND_ERROR_BRAND = Symbol.for('@localbackend/adapter.BackendError');

/**
 * The one error class of localbackend. Every public entry point throws (or rejects with) a
 * `BackendError`; its `code` says what went wrong, `status` and `parseCode` say how to report it.
 *
 * @example
 * ```ts
 * import { BackendError } from '@localbackend/adapter';
 *
 * try {
 *   await adapter.fetch({ collection: 'Todo', objectId: 'nope' });
 * } catch (error) {
 *   if (BackendError.is(error) && error.code === 'NOT_FOUND') console.log(error.status); // 404
 * }
 * ```
 */
export class BackendError extends Error {
  /** The error code. */
  readonly code: ErrorCode;
  /** The HTTP status for this code. */
  readonly status: number;
  /** Parse's numeric error code for this code. */
  readonly parseCode: number;
  /** Structured facts about the error (path, expected, received...). */
  readonly details: BackendErrorDetails | undefined;
  /** The underlying error, if any. */
  declare readonly cause: unknown;

  constructor(code: ErrorCode, message: string, options: BackendErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const info = ERROR_CODES[code] ?? ERROR_CODES.INTERNAL;
    this.name = 'BackendError';
    this.code = code in ERROR_CODES ? code : 'INTERNAL';
    this.status = info.status;
    this.parseCode = info.parseCode;
    this.details =
      options.details === undefined ? undefined : Object.freeze({ ...options.details });
    Object.defineProperty(this, BACKEND_ERROR_BRAND, { value: true });
  }

  /**
   * True for a `BackendError`, also one created by another copy of this package (ESM and CJS
   * builds loaded side by side).
   *
   * @example
   * ```ts
   * if (BackendError.is(err)) console.log(err.code);
   * ```
   */
  static is(value: unknown): value is BackendError {
    return (
      value instanceof BackendError ||
      (typeof value === 'object' &&
        value !== null &&
        (value as Record<symbol, unknown>)[BACKEND_ERROR_BRAND] === true)
    );
  }

  /**
   * The native JSON error envelope body: `{ code, message, details? }`.
   *
   * @example
   * ```ts
   * res.status(err.status).json({ error: err.toJSON() });
   * ```
   */
  toJSON(): { code: ErrorCode; message: string; details?: BackendErrorDetails } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  /**
   * The Parse REST error body: `{ code: parseCode, error: message }`.
   *
   * @example
   * ```ts
   * res.status(err.status).json(err.toParseJSON());
   * ```
   */
  toParseJSON(): { code: number; error: string } {
    return { code: this.parseCode, error: this.message };
  }
}

const PARSE_CODE_TO_CODE = new Map<number, ErrorCode>([
  [101, 'NOT_FOUND'],
  [102, 'INVALID_QUERY'],
  [103, 'INVALID_COLLECTION_NAME'],
  [104, 'INVALID_OBJECT_ID'],
  [105, 'INVALID_FIELD_NAME'],
  [106, 'INVALID_POINTER'],
  [107, 'INVALID_JSON'],
  [108, 'UNSUPPORTED'],
  [111, 'TYPE_MISMATCH'],
  [116, 'PAYLOAD_TOO_LARGE'],
  [119, 'FORBIDDEN'],
  [124, 'TIMEOUT'],
  [137, 'DUPLICATE_VALUE'],
  [140, 'RESOURCE_LIMIT'],
  [141, 'SCRIPT_FAILED'],
  [142, 'REQUIRED_FIELD'],
  [155, 'RATE_LIMITED'],
  [209, 'UNAUTHORIZED'],
  [255, 'SCHEMA_CONFLICT'],
]);

/**
 * The {@link ErrorCode} for one of Parse's numeric error codes (`INTERNAL` for unknown ones).
 *
 * @example
 * ```ts
 * codeFromParseCode(101); // 'NOT_FOUND'
 * ```
 */
export function codeFromParseCode(parseCode: number): ErrorCode {
  return PARSE_CODE_TO_CODE.get(parseCode) ?? 'INTERNAL';
}

/**
 * True when `code` is one of localbackend's error codes.
 *
 * @example
 * ```ts
 * isErrorCode('NOT_FOUND'); // true
 * isErrorCode('toString'); // false
 * ```
 */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

/**
 * Turns anything thrown into a {@link BackendError}: a `BackendError` is returned as is; an object
 * with a known string `code` keeps it; a Parse-style error (`{ code: number, message | error }`)
 * maps its numeric code; anything else becomes `INTERNAL` with the original as `cause`.
 *
 * @example
 * ```ts
 * try { await work(); } catch (e) { const err = toBackendError(e); log(err.code, err.message); }
 * ```
 */
export function toBackendError(error: unknown, fallbackMessage = 'Internal error'): BackendError {
  if (BackendError.is(error)) return error;
  if (typeof error === 'object' && error !== null) {
    const record = error as { code?: unknown; message?: unknown; error?: unknown };
    const text =
      typeof record.message === 'string' && record.message !== ''
        ? record.message
        : typeof record.error === 'string'
          ? record.error
          : fallbackMessage;
    if (isErrorCode(record.code)) {
      return new BackendError(record.code, text, { cause: error });
    }
    if (typeof record.code === 'number' && Number.isInteger(record.code)) {
      const code = codeFromParseCode(record.code);
      return new BackendError(code, code === 'INTERNAL' ? fallbackMessage : text, {
        cause: error,
      });
    }
    return new BackendError('INTERNAL', fallbackMessage, { cause: error });
  }
  return new BackendError('INTERNAL', fallbackMessage, { cause: error });
}

/**
 * Short, safe rendering of a value for error messages (`"abc"`, `42`, `an object`...), at most
 * 60 characters.
 *
 * @example
 * ```ts
 * describeValue('abc'); // '"abc"'
 * describeValue({ a: 1 }); // 'an object'
 * ```
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    return JSON.stringify(shown) + (value.length > 40 ? ` (${value.length} chars)` : '');
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  return 'an object';
}
