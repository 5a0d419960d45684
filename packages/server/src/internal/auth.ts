import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { BackendError, describeValue, isPlainRecord } from '@localbackend/adapter';
import { getContext, header, isLoopbackAddress } from './request-context';

/** Body keys the Parse JS SDK adds to every request (it sends `text/plain` JSON). */
const PARSE_BODY_KEYS = [
  '_method',
  '_ApplicationId',
  '_JavaScriptKey',
  '_ClientKey',
  '_RESTAPIKey',
  '_MasterKey',
  '_MaintenanceKey',
  '_ClientVersion',
  '_InstallationId',
  '_SessionToken',
  '_RevocableSession',
  '_context',
] as const;

const PARSE_ROUTE =
  /^\/(?:classes|batch|schemas|aggregate|config|users|login|logout|sessions|requestPasswordReset|verificationEmailRequest|files)(?:\/|$)/;
const OVERRIDABLE = new Set(['GET', 'PUT', 'DELETE', 'POST']);

/** Compares secrets in constant time. */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export interface AuthOptions {
  readonly masterKey: string;
  readonly appId: string | undefined;
  /** Requests from this machine need no master key (default true). */
  readonly trustLoopback: boolean;
  /** Path prefix of the Parse-compatible routes ('' = at the root). */
  readonly parsePath: string;
}

/** Strips the Parse mount prefix; undefined when the path is outside it. */
export function stripParsePath(path: string, parsePath: string): string | undefined {
  if (parsePath === '') return path;
  if (path === parsePath) return '/';
  return path.startsWith(`${parsePath}/`) ? path.slice(parsePath.length) : undefined;
}

/** Before the body is read: the error style from the path and headers, and the client address. */
export function detectStyle(options: AuthOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const ctx = getContext(res);
    ctx.loopback = options.trustLoopback && isLoopbackAddress(req.socket.remoteAddress);
    const path = req.path;
    if (path === '/health' || path === '/api' || path.startsWith('/api/')) {
      ctx.style = 'native';
    } else {
      const inner = stripParsePath(path, options.parsePath);
      if (inner !== undefined && PARSE_ROUTE.test(inner)) ctx.style = 'parse';
      else ctx.style = header(req, 'x-parse-application-id') !== undefined ? 'parse' : 'native';
    }
    next();
  };
}

/**
 * After the body is read: takes the Parse SDK's `_`-keys out of the body, applies `_method`,
 * checks the master key, the application id and the loopback rule.
 */
export function authenticate(options: AuthOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const ctx = getContext(res);
    const body: unknown = req.body;
    let method: unknown;
    let bodyAppId: unknown;
    let bodyMasterKey: unknown;
    if (isPlainRecord(body)) {
      const hasParseKeys = PARSE_BODY_KEYS.some((key) =>
        Object.prototype.hasOwnProperty.call(body, key),
      );
      if (hasParseKeys) {
        method = body._method;
        bodyAppId = body._ApplicationId;
        bodyMasterKey = body._MasterKey;
        if (typeof body._SessionToken === 'string') ctx.sessionToken = body._SessionToken;
        if (typeof body._InstallationId === 'string') ctx.installationId = body._InstallationId;
        for (const key of PARSE_BODY_KEYS) delete body[key];
        if (bodyAppId !== undefined) ctx.style = styleForParseBody(req, ctx.style);
      }
    }
    const appId =
      header(req, 'x-parse-application-id') ?? stringOrUndefined(bodyAppId, 'body._ApplicationId');
    ctx.appId = appId;
    ctx.sessionToken ??= header(req, 'x-parse-session-token');
    ctx.installationId ??= header(req, 'x-parse-installation-id');
    const masterKey =
      header(req, 'x-parse-master-key') ?? stringOrUndefined(bodyMasterKey, 'body._MasterKey');
    ctx.masterKeyGiven = masterKey;
    if (masterKey !== undefined) {
      if (!secretEquals(masterKey, options.masterKey)) {
        throw new BackendError('UNAUTHORIZED', 'unauthorized: the master key is not valid');
      }
      ctx.master = true;
    }
    if (options.appId !== undefined && appId !== undefined && appId !== options.appId) {
      throw new BackendError(
        'FORBIDDEN',
        'unauthorized: the application id does not match this backend',
      );
    }
    if (!ctx.loopback && !ctx.master) {
      throw new BackendError(
        'UNAUTHORIZED',
        'unauthorized: requests from other machines need the master key (X-Parse-Master-Key header)',
      );
    }
    if (method !== undefined && req.method === 'POST') {
      const upper = typeof method === 'string' ? method.toUpperCase() : undefined;
      if (upper === undefined || !OVERRIDABLE.has(upper)) {
        throw new BackendError(
          'INVALID_VALUE',
          `body._method: expected GET, PUT, DELETE or POST, got ${describeValue(method)}`,
          { details: { path: 'body._method', expected: 'GET | PUT | DELETE | POST' } },
        );
      }
      req.method = upper;
    }
    next();
  };
}

function styleForParseBody(req: Request, current: 'native' | 'parse'): 'native' | 'parse' {
  // A Parse SDK body on a shared route (/functions) or an unknown one asks for Parse errors.
  return req.path === '/health' || req.path.startsWith('/api/') ? current : 'parse';
}

function stringOrUndefined(value: unknown, path: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new BackendError(
      'INVALID_VALUE',
      `${path}: expected a string, got ${describeValue(value)}`,
      {
        details: { path, expected: 'a string' },
      },
    );
  }
  return value;
}

/** Route guard: the request must carry a valid master key. */
export function requireMaster(what: string): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (!getContext(res).master) {
      throw new BackendError(
        'UNAUTHORIZED',
        `unauthorized: ${what} needs the master key (X-Parse-Master-Key header)`,
      );
    }
    next();
  };
}
