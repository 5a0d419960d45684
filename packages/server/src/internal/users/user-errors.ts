import { BackendError, type BackendErrorDetails, type ErrorCode } from '@localbackend/adapter';

/**
 * Parse's user and session error codes (Parse's `Parse.Error` numbers), which the adapter's
 * code table does not carry: the error keeps its localbackend code and HTTP status and reports
 * this number on the Parse routes.
 */
export const PARSE_USER_CODES = {
  /** Login failed. */
  OBJECT_NOT_FOUND: 101,
  INVALID_EMAIL_ADDRESS: 125,
  USERNAME_MISSING: 200,
  PASSWORD_MISSING: 201,
  USERNAME_TAKEN: 202,
  EMAIL_TAKEN: 203,
  EMAIL_MISSING: 204,
  SESSION_MISSING: 206,
  INVALID_SESSION_TOKEN: 209,
} as const;

/** A BackendError whose Parse code is `parseCode`. */
export function userError(
  code: ErrorCode,
  parseCode: number,
  message: string,
  details?: BackendErrorDetails,
  cause?: unknown,
): BackendError {
  const error = new BackendError(code, message, {
    ...(details === undefined ? {} : { details }),
    ...(cause === undefined ? {} : { cause }),
  });
  Object.defineProperty(error, 'parseCode', { value: parseCode, enumerable: true });
  return error;
}

/** 209 `Invalid session token` (HTTP 401). */
export function invalidSession(): BackendError {
  return userError('UNAUTHORIZED', PARSE_USER_CODES.INVALID_SESSION_TOKEN, 'Invalid session token');
}

/** 101 `Invalid username/password.` (HTTP 401). */
export function invalidLogin(): BackendError {
  return userError('UNAUTHORIZED', PARSE_USER_CODES.OBJECT_NOT_FOUND, 'Invalid username/password.');
}
