import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { UserSession, UserStore } from '../../user-store';
import { getContext } from '../request-context';
import { invalidSession } from './user-errors';
import type { Viewer } from './user-fields';

/**
 * Resolves the request's session token once (the store caches tokens): a request that carries a
 * token that is unknown or expired is refused with 209 `Invalid session token`, as Parse Server
 * does — except with the master key, which wins over any token. No token: nothing to do.
 */
export function sessionResolver(users: UserStore): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    const ctx = getContext(res);
    const token = ctx.sessionToken;
    if (token === undefined || token === '' || ctx.master || req.path === '/health') {
      next();
      return;
    }
    users.session(token).then((session) => {
      if (session === undefined) {
        next(invalidSession());
        return;
      }
      ctx.session = session;
      next();
    }, next);
  };
}

/** The request's session (resolving it now for master-key requests); 209 for a bad token. */
export async function requestSession(
  res: Response,
  users: UserStore,
): Promise<UserSession | undefined> {
  const ctx = getContext(res);
  if (ctx.session !== undefined) return ctx.session;
  const token = ctx.sessionToken;
  if (token === undefined || token === '') return undefined;
  const session = await users.session(token);
  if (session === undefined) throw invalidSession();
  ctx.session = session;
  return session;
}

/** Who is asking: master key and/or the session's user. */
export function viewerOf(res: Response): Viewer {
  const ctx = getContext(res);
  return { master: ctx.master, userId: ctx.session?.user.objectId };
}
