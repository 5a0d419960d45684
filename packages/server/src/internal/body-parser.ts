import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { BackendError } from '@localbackend/adapter';
import { parseClientJson } from './json-depth';

/** The default body limit: 10 MB. */
export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

function tooLarge(limit: number): BackendError {
  return new BackendError('PAYLOAD_TOO_LARGE', `body: larger than the limit of ${limit} bytes`, {
    details: { path: 'body', expected: `at most ${limit} bytes` },
  });
}

/**
 * How one route reads its body instead of as JSON (the file upload route): the bytes up to
 * `limit`, handed to `decode` (its result becomes `req.body`; it may throw a BackendError).
 */
export interface RawBodyRule {
  readonly limit: number;
  readonly decode: (body: Buffer, req: Request) => unknown;
  /** The error for a body over `limit` (default: `PAYLOAD_TOO_LARGE` naming `limit`). */
  readonly tooLarge?: () => BackendError;
}

/**
 * Reads a JSON body of any content type (the Parse JS SDK sends `text/plain` to avoid CORS
 * pre-flights) up to `limit` bytes into `req.body`; an empty body leaves `req.body` undefined.
 * Too large -> 413 `PAYLOAD_TOO_LARGE` (the rest of the body is drained up to a cap, then the
 * connection is closed); bad JSON -> 400 `INVALID_JSON`. When `raw` returns a rule for a
 * request, its body is read as bytes under that rule instead (any content type).
 */
export function jsonBodyParser(
  jsonLimit: number,
  raw?: (req: Request) => RawBodyRule | undefined,
): RequestHandler {
  const jsonDrainCap = Math.max(jsonLimit * 4, 64 * 1024 * 1024);
  return (req: Request, res: Response, next: NextFunction): void => {
    req.body = undefined;
    const rule = raw?.(req);
    const limit = rule === undefined ? jsonLimit : rule.limit;
    const drainCap = rule === undefined ? jsonDrainCap : Math.max(limit * 4, 64 * 1024 * 1024);
    const length = req.headers['content-length'];
    const chunked = req.headers['transfer-encoding'] !== undefined;
    if (!chunked && (length === undefined || length === '0')) {
      next();
      return;
    }
    const encoding = req.headers['content-encoding'];
    if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
      res.setHeader('Connection', 'close');
      req.resume();
      if (rule !== undefined) {
        next(
          new BackendError(
            'INVALID_VALUE',
            `body: content-encoding ${JSON.stringify(encoding)} is not supported; send the file's bytes uncompressed`,
            { details: { path: 'body', expected: 'an uncompressed body' } },
          ),
        );
        return;
      }
      next(
        new BackendError(
          'INVALID_JSON',
          `body: content-encoding ${JSON.stringify(encoding)} is not supported; send plain JSON`,
          {
            details: { path: 'body', expected: 'an uncompressed JSON body' },
          },
        ),
      );
      return;
    }
    const declared = length === undefined ? NaN : Number(length);
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = Number.isFinite(declared) && declared > limit;
    let finished = false;
    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onError);
      req.removeListener('aborted', onAborted);
      if (error !== undefined) {
        next(error);
        return;
      }
      if (overflow) {
        res.setHeader('Connection', 'close');
        next(rule?.tooLarge?.() ?? tooLarge(limit));
        return;
      }
      if (rule !== undefined) {
        try {
          req.body = rule.decode(Buffer.concat(chunks, size), req);
        } catch (decodeError) {
          next(decodeError);
          return;
        }
        next();
        return;
      }
      let text = Buffer.concat(chunks, size).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() === '') {
        next();
        return;
      }
      try {
        req.body = parseClientJson(text, 'body');
      } catch (parseError) {
        next(parseError);
        return;
      }
      next();
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (!overflow && size > limit) {
        overflow = true;
        chunks.length = 0;
      }
      if (overflow) {
        if (size > drainCap) {
          // Stop reading a body that never ends; answer and close.
          finish();
          req.pause();
        }
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish();
    const onError = (): void => {
      if (!finished) {
        finished = true;
        res.destroy();
      }
    };
    const onAborted = onError;
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  };
}
