import type { Request, Response } from 'express';
import type { UserSession } from '../user-store';

/** Which error envelope and value encoding a request gets. */
export type ApiStyle = 'native' | 'parse';

/** Facts about one request, kept in `res.locals.localbackend`. */
export interface RequestContext {
  style: ApiStyle;
  /** A valid master key was presented (header or Parse body key). */
  master: boolean;
  /** The client connected from this machine. */
  loopback: boolean;
  /** Parse keys taken out of a text/plain Parse SDK body or headers. */
  appId: string | undefined;
  sessionToken: string | undefined;
  installationId: string | undefined;
  masterKeyGiven: string | undefined;
  /** The session of `sessionToken`, once resolved (once per request; see `sessionResolver`). */
  session: UserSession | undefined;
}

const KEY = 'localbackend';

export function getContext(res: Response): RequestContext {
  const existing = (res.locals as Record<string, unknown>)[KEY] as RequestContext | undefined;
  if (existing !== undefined) return existing;
  const created: RequestContext = {
    style: 'native',
    master: false,
    loopback: false,
    appId: undefined,
    sessionToken: undefined,
    installationId: undefined,
    masterKeyGiven: undefined,
    session: undefined,
  };
  (res.locals as Record<string, unknown>)[KEY] = created;
  return created;
}

/** The request's single-valued header, or undefined (repeated headers count as absent). */
export function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const ip = address.startsWith('::ffff:') ? address.slice(7) : address;
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip);
}
