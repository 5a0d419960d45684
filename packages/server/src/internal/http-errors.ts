import type { ErrorRequestHandler, Request, Response } from 'express';
import { BackendError, toBackendError, type ErrorCode } from '@localbackend/adapter';
import type { Logger } from '../logger';
import { getContext, type ApiStyle } from './request-context';
import { sendJson } from './send-json';

const STATUS_CODES: Readonly<Record<number, ErrorCode>> = {
  400: 'INVALID_VALUE',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'INVALID_VALUE',
  429: 'RATE_LIMITED',
};

/**
 * Turns anything a handler threw into the BackendError to report. Errors from express and its
 * router (bad percent-encoding, ...) carry an HTTP `status` and become the matching client error;
 * anything unknown is an `INTERNAL` error whose message never reaches the client.
 */
export function toHttpError(error: unknown): BackendError {
  if (BackendError.is(error)) return error;
  if (typeof error === 'object' && error !== null) {
    const status =
      (error as { status?: unknown; statusCode?: unknown }).status ??
      (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const code = STATUS_CODES[status] ?? 'INVALID_VALUE';
      return new BackendError(code, `malformed request (${describeHttpError(error, status)})`, {
        cause: error,
      });
    }
  }
  const converted = toBackendError(error, 'Internal server error');
  if (converted.code === 'INTERNAL') {
    return new BackendError('INTERNAL', 'Internal server error', { cause: error });
  }
  return converted;
}

function describeHttpError(error: object, status: number): string {
  const message = (error as { message?: unknown }).message;
  if (typeof message === 'string' && message.length > 0 && message.length < 200) {
    return message.replace(/[^\x20-\x7e]/g, '?');
  }
  return `HTTP ${status}`;
}

/** The error as clients may see it: an INTERNAL error's message (maybe a driver's) is replaced. */
export function publicError(error: BackendError): BackendError {
  return error.code === 'INTERNAL' && error.message !== 'Internal server error'
    ? new BackendError('INTERNAL', 'Internal server error')
    : error;
}

/** The body of an error response in the given style. */
export function errorBody(error: BackendError, style: ApiStyle): unknown {
  return style === 'parse' ? error.toParseJSON() : { error: error.toJSON() };
}

/** Sends `error` in the request's style (never a stack trace). */
export function sendError(res: Response, error: BackendError, style?: ApiStyle): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const shown = publicError(error);
  sendJson(res, errorBody(shown, style ?? getContext(res).style), shown.status);
}

/** The final error middleware: logs real bugs, answers everything in the request's style. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req: Request, res: Response, _next: unknown): void => {
    const err = toHttpError(error);
    if (err.status >= 500) {
      const cause = err.cause;
      logger.error('request failed', {
        method: req.method,
        path: req.path,
        code: err.code,
        error: cause instanceof Error ? cause.message : String(cause),
        stack: cause instanceof Error ? cause.stack : undefined,
      });
    }
    sendError(res, err);
  };
}
