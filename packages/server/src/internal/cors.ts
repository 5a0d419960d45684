import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * CORS settings: `true` (default) allows every origin, `false` sends no CORS headers, an object
 * restricts origins (a list, one origin, or a predicate) and may allow credentials. The same rule
 * is applied to the `Origin` of WebSocket upgrades by `LocalBackendServer`.
 *
 * @example
 * ```ts
 * const cors: CorsSetting = { origin: ['http://localhost:3000'], credentials: true };
 * ```
 */
export type CorsSetting =
  | boolean
  | {
      readonly origin?: string | readonly string[] | ((origin: string) => boolean);
      readonly credentials?: boolean;
      readonly maxAge?: number;
    };

const ALLOW_HEADERS = [
  'Content-Type',
  'X-Requested-With',
  'X-Parse-Application-Id',
  'X-Parse-Master-Key',
  'X-Parse-Session-Token',
  'X-Parse-REST-API-Key',
  'X-Parse-Javascript-Key',
  'X-Parse-Client-Key',
  'X-Parse-Client-Version',
  'X-Parse-Installation-Id',
  'X-Parse-Revocable-Session',
  'X-Parse-Request-Id',
  'Authorization',
].join(', ');

export function corsMiddleware(setting: CorsSetting): RequestHandler {
  const options = setting === true ? {} : setting === false ? undefined : setting;
  const allowAll = options !== undefined && options.origin === undefined;
  const isAllowed = (origin: string): boolean => {
    const rule = options?.origin;
    if (rule === undefined) return true;
    if (typeof rule === 'string') return rule === '*' || rule === origin;
    if (typeof rule === 'function') {
      try {
        return rule(origin);
      } catch {
        return false;
      }
    }
    return rule.includes(origin);
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    if (options === undefined) {
      next();
      return;
    }
    const origin = req.headers.origin;
    if (allowAll && options.credentials !== true) {
      res.setHeader('Access-Control-Allow-Origin', '*');
    } else if (typeof origin === 'string' && isAllowed(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      if (options.credentials === true) res.setHeader('Access-Control-Allow-Credentials', 'true');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
      const requested = req.headers['access-control-request-headers'];
      res.setHeader(
        'Access-Control-Allow-Headers',
        typeof requested === 'string' && requested.length < 2048
          ? `${ALLOW_HEADERS}, ${requested}`
          : ALLOW_HEADERS,
      );
      res.setHeader('Access-Control-Max-Age', String(options.maxAge ?? 86_400));
      res.status(204).end();
      return;
    }
    res.setHeader('Access-Control-Expose-Headers', 'X-Parse-Job-Status-Id, X-Parse-Push-Status-Id');
    next();
  };
}
