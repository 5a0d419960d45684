import type { Response } from 'express';

/**
 * Writes a JSON response directly (express's `res.json` turns bodies over 1000 characters into a
 * Buffer and sends headers and body in two writes; a string body goes out with the headers in
 * one write).
 */
export function sendJson(res: Response, value: unknown, status = 200): void {
  const body = JSON.stringify(value) ?? 'null';
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}
