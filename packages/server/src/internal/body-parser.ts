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
 * Reads a JSON body of any content type (the Parse JS SDK sends `text/plain` to avoid CORS
 * pre-flights) up to `limit` bytes into `req.body`; an empty body leaves `req.body` undefined.
 * Too large -> 413 `PAYLOAD_TOO_LARGE` (the rest of the body is drained up to a cap, then the
 * connection is closed); bad JSON -> 400 `INVALID_JSON`.
 */
export function jsonBodyParser(limit: number): RequestHandler {
  const drainCap = Math.max(limit * 4, 64 * 1024 * 1024);
  return (req: Request, res: Response, next: NextFunction): void => {
    req.body = undefined;
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
        next(tooLarge(limit));
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
