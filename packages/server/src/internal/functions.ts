import type { Request, Response } from 'express';
import { BackendError, describeValue, isPlainRecord, type ErrorCode } from '@localbackend/adapter';
import type { FunctionRequest, FunctionResponse, FunctionRunner } from '../function-runner';
import { ERROR_CODES } from '@localbackend/adapter';
import { getContext } from './request-context';
import { sendJson } from './send-json';

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const NAME = /^[^\\\u0000-\u001f\u007f]{1,256}$/;
const HOP_BY_HOP = new Set([
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'trailer',
  'te',
  'proxy-authenticate',
  'proxy-authorization',
]);
const HIDDEN_HEADERS = new Set(['x-parse-master-key', 'authorization', 'cookie']);

/** Validates a function name from the URL. */
export function functionName(value: unknown): string {
  if (
    typeof value !== 'string' ||
    !NAME.test(value) ||
    value.trim() === '' ||
    value.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')
  ) {
    throw new BackendError(
      'INVALID_VALUE',
      `params.name: expected a function name (1-256 characters, "/"-separated, no empty, "." or ".." segments, no control characters), got ${describeValue(value)}`,
      { details: { path: 'params.name', expected: 'a function name' } },
    );
  }
  return value;
}

/** Builds what the runner receives: the body as JSON text and the headers minus secrets. */
export function functionRequest(req: Request, res: Response): FunctionRequest {
  const ctx = getContext(res);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (HIDDEN_HEADERS.has(key)) continue;
    if (typeof value === 'string') headers[key] = value;
    else if (Array.isArray(value)) headers[key] = value.join(', ');
  }
  if (ctx.sessionToken !== undefined) headers['x-parse-session-token'] = ctx.sessionToken;
  if (ctx.appId !== undefined) headers['x-parse-application-id'] = ctx.appId;
  if (ctx.installationId !== undefined) headers['x-parse-installation-id'] = ctx.installationId;
  const body: unknown = req.body ?? {};
  return { body: JSON.stringify(body), headers };
}

function validResponse(value: unknown): value is FunctionResponse {
  return (
    isPlainRecord(value) &&
    typeof value.statusCode === 'number' &&
    Number.isInteger(value.statusCode) &&
    value.statusCode >= 100 &&
    value.statusCode <= 599 &&
    typeof value.body === 'string' &&
    (value.headers === undefined || isPlainRecord(value.headers))
  );
}

function codeForStatus(status: number): ErrorCode {
  if (status === 404) return 'FUNCTION_NOT_FOUND';
  if (status === 408) return 'TIMEOUT';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  return 'SCRIPT_FAILED';
}

/** Runs the function and writes the response in the request's style. */
export function runFunction(
  runner: FunctionRunner | undefined,
  name: string,
  req: Request,
  res: Response,
  timeoutMs: number,
): Promise<void> {
  if (runner === undefined) {
    throw new BackendError(
      'FUNCTION_NOT_FOUND',
      `Invalid function: "${name}" (no function runner is configured on this backend)`,
      { details: { path: 'params.name' } },
    );
  }
  const request = functionRequest(req, res);
  return callRunner(() => runner.run(name, request), `function ${name}`, res, timeoutMs);
}

/** Runs the webhook `path` of the runner and writes its response. */
export function runWebhook(
  runner: FunctionRunner | undefined,
  path: string,
  req: Request,
  res: Response,
  timeoutMs: number,
): Promise<void> {
  const webhook = runner?.webhook;
  if (runner === undefined || webhook === undefined) {
    throw new BackendError(
      'ROUTE_NOT_FOUND',
      `no webhook at "${path}" (no workflow runtime with webhooks on this backend)`,
      {
        details: { path: 'params.path' },
      },
    );
  }
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (typeof value === 'string') query[key] = value;
  }
  const request = { ...functionRequest(req, res), method: req.method, query };
  return callRunner(() => webhook.call(runner, path, request), `webhook ${path}`, res, timeoutMs);
}

function runnerError(error: unknown, what: string): BackendError {
  return BackendError.is(error)
    ? error
    : new BackendError('SCRIPT_FAILED', `${what} failed`, { cause: error });
}

/**
 * Calls the runner with a deadline and writes its answer: one promise and one timer per call
 * (this is the hot path of every function request).
 */
function callRunner(
  call: () => Promise<FunctionResponse>,
  what: string,
  res: Response,
  timeoutMs: number,
): Promise<void> {
  let pending: Promise<FunctionResponse>;
  try {
    pending = call();
  } catch (error) {
    return Promise.reject(runnerError(error, what));
  }
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new BackendError('TIMEOUT', `${what} did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref?.();
    pending.then(
      (response: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        try {
          writeAnswer(response, what, res);
          resolve();
        } catch (error) {
          reject(error);
        }
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(runnerError(error, what));
      },
    );
  });
}

/** Writes the runner's answer (or throws the error to answer with). */
function writeAnswer(response: unknown, what: string, res: Response): void {
  if (!validResponse(response)) {
    throw new BackendError('INTERNAL', 'the function runner returned an invalid response', {
      cause: response,
    });
  }
  const style = getContext(res).style;
  if (response.statusCode >= 200 && response.statusCode < 300) {
    for (const [key, value] of Object.entries(response.headers ?? {})) {
      if (!HOP_BY_HOP.has(key.toLowerCase()) && typeof value === 'string')
        res.setHeader(key, value);
    }
    if (res.getHeader('content-type') === undefined)
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
    // Written directly, as sendJson does: express's send() would turn a longer body into a
    // Buffer and write headers and body separately.
    res.statusCode = response.statusCode;
    res.setHeader('Content-Length', Buffer.byteLength(response.body));
    res.end(response.body);
    return;
  }
  // A failure: the runner's status, our error envelope, the runner's message.
  let message = `${what} failed`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    parsed = undefined;
  }
  if (isPlainRecord(parsed)) {
    if (typeof parsed.error === 'string') message = parsed.error;
    else if (isPlainRecord(parsed.error) && typeof parsed.error.message === 'string')
      message = parsed.error.message;
    else if (typeof parsed.message === 'string') message = parsed.message;
  }
  const code = codeForStatus(response.statusCode);
  const parseCode =
    isPlainRecord(parsed) && typeof parsed.code === 'number'
      ? parsed.code
      : ERROR_CODES[code].parseCode;
  sendJson(
    res,
    style === 'parse' ? { code: parseCode, error: message } : { error: { code, message } },
    response.statusCode,
  );
}
