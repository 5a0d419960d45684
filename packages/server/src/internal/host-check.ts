import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { BackendError } from '@localbackend/adapter';
import { isLoopbackAddress } from './request-context';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The host name of a Host header, lower-cased, without the port. */
function hostName(host: string): string {
  const text = host.trim().toLowerCase();
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end === -1 ? text : text.slice(0, end + 1);
  }
  const colon = text.lastIndexOf(':');
  return colon === -1 ? text : text.slice(0, colon);
}

/** True when the Host header names a loopback address or one of `allowed`. */
export function isAllowedHost(host: string | undefined, allowed: readonly string[]): boolean {
  if (host === undefined) return true;
  const name = hostName(host);
  return (
    LOOPBACK_HOSTS.has(name) ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    allowed.some((h) => h.toLowerCase() === name)
  );
}

/**
 * DNS-rebinding guard: a request from this machine (trusted without the master key) must address
 * a loopback name or one of `allowed` in its Host header; otherwise a web page on a rebinding
 * domain could use the browser to reach the backend. Requests from other machines need the master
 * key anyway and are not checked.
 */
export function hostCheck(allowed: readonly string[]): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!isLoopbackAddress(req.socket.remoteAddress) || isAllowedHost(req.headers.host, allowed)) {
      next();
      return;
    }
    throw new BackendError(
      'FORBIDDEN',
      'forbidden: unexpected Host header (this backend only answers requests addressed to localhost; see the allowedHosts option)',
    );
  };
}
