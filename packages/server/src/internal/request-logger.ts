import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '../logger';
import { getContext } from './request-context';

/**
 * One structured `debug` line per finished request: method, path (never the query string, which
 * may carry keys), status, duration, client address and `auth` (`master` when the master key was used). Never
 * headers or bodies. Calls the logger directly (the fields are known to be safe), so that a
 * logger dropping `debug` costs almost nothing.
 */
export function requestLogger(logger: Logger): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const start = performance.now();
    res.once('finish', () => {
      try {
        const path = req.originalUrl.split('?', 1)[0] ?? '';
        logger.debug('request', {
          method: req.method,
          path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
          status: res.statusCode,
          ms: Math.round((performance.now() - start) * 100) / 100,
          remote: req.socket.remoteAddress,
          auth: getContext(res).master ? 'master' : 'none',
        });
      } catch {
        // A logger must never break the server.
      }
    });
    next();
  };
}
