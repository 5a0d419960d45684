/**
 * Parse-compatible file routes: `POST /files/:filename` (raw bytes or the Parse JS SDK's JSON
 * form), `GET|HEAD /files/:appId/:name`, `DELETE /files/:name` (master key).
 */
import { pipeline } from 'node:stream/promises';
import type { Request, Response, Router } from 'express';
import { BackendError, describeValue, isPlainRecord } from '@localbackend/adapter';
import {
  createFileName,
  isStoredFileName,
  normalizeContentType,
  type FileStore,
} from '../file-store';
import { requireMaster, stripParsePath } from './auth';
import type { RawBodyRule } from './body-parser';
import { parseClientJson } from './json-depth';
import { header } from './request-context';
import { sendJson } from './send-json';

/** The default largest upload: 20 MB. */
export const DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024;

const UPLOAD_PATH = /^\/files\/[^/]+\/?$/;
/** Slack for the JSON form's other keys (`fileData`, `_ApplicationId`...). */
const JSON_FORM_SLACK = 64 * 1024;

function fileTooLarge(max: number): BackendError {
  return new BackendError('PAYLOAD_TOO_LARGE', `body: the file is larger than ${max} bytes`, {
    details: { path: 'body', expected: `at most ${max} bytes` },
  });
}

/** Validates the `maxFileBytes` option. */
export function maxFileBytesOption(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_FILE_BYTES;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new BackendError(
      'INVALID_CONFIG',
      `maxFileBytes: expected a positive integer, got ${describeValue(value)}`,
      { details: { path: 'maxFileBytes' } },
    );
  }
  return value;
}

function mediaType(value: string | undefined): string {
  return (value ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * Could this upload be the Parse JS SDK's JSON form? The SDK sends it as `text/plain` with the
 * application id in the body (never in a header), as Parse Server decides it.
 */
function mightBeJsonForm(req: Request): boolean {
  if (header(req, 'x-parse-application-id') !== undefined) return false;
  const type = mediaType(req.headers['content-type']);
  return type === '' || type === 'text/plain' || type === 'application/json';
}

/**
 * The body rule of the upload route (`POST <parsePath>/files/:filename`): the raw bytes of any
 * content type up to `max`; for a body that may be the SDK's JSON form (no application-id
 * header, text/plain or JSON), up to the base64 size of `max`, parsed when it is
 * `{ base64, _ApplicationId, ... }`.
 */
export function fileUploadRule(
  parsePath: string,
  max: number,
): (req: Request) => RawBodyRule | undefined {
  const jsonLimit = Math.ceil(max / 3) * 4 + JSON_FORM_SLACK;
  return (req) => {
    if (req.method !== 'POST') return undefined;
    const inner = stripParsePath(req.path, parsePath);
    if (inner === undefined || !UPLOAD_PATH.test(inner)) return undefined;
    const json = mightBeJsonForm(req);
    return {
      limit: json ? jsonLimit : max,
      tooLarge: () => fileTooLarge(max),
      decode: (body) => {
        if (json) {
          const form = jsonForm(body);
          if (form !== undefined) return form;
        }
        if (body.length > max) throw fileTooLarge(max);
        return body;
      },
    };
  };
}

function jsonForm(body: Buffer): Record<string, unknown> | undefined {
  let start = 0;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) start = 3;
  while (
    start < body.length &&
    (body[start] === 0x20 || body[start] === 0x0a || body[start] === 0x0d || body[start] === 0x09)
  )
    start++;
  if (body[start] !== 0x7b /* { */) return undefined;
  let parsed: unknown;
  try {
    parsed = parseClientJson(body.toString('utf8', start), 'body');
  } catch {
    return undefined; // a text file that only looks like JSON: stored as is
  }
  if (
    isPlainRecord(parsed) &&
    typeof parsed.base64 === 'string' &&
    typeof parsed._ApplicationId === 'string'
  ) {
    return parsed;
  }
  return undefined;
}

function decodeJsonForm(
  body: Record<string, unknown>,
  max: number,
): { data: Buffer; contentType: string | undefined } {
  let text = body.base64;
  if (typeof text !== 'string') {
    throw new BackendError('INVALID_VALUE', 'body.base64: expected base64 text', {
      details: { path: 'body.base64', expected: 'a base64 string' },
    });
  }
  let contentType = body._ContentType;
  if (contentType !== undefined && contentType !== null && typeof contentType !== 'string') {
    throw new BackendError(
      'INVALID_VALUE',
      `body._ContentType: expected a string, got ${describeValue(contentType)}`,
      { details: { path: 'body._ContentType', expected: 'a content type string' } },
    );
  }
  const dataUri = /^data:([^;,]{0,200})(;[^,]{0,200})?,/.exec(text.slice(0, 420));
  if (dataUri !== null) {
    text = text.slice(dataUri[0].length);
    if (typeof contentType !== 'string' && dataUri[1] !== '') contentType = dataUri[1];
  }
  const compact = (text as string).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new BackendError('INVALID_VALUE', 'body.base64: not valid base64 text', {
      details: { path: 'body.base64', expected: 'a base64 string' },
    });
  }
  const data = Buffer.from(compact, 'base64');
  if (data.length > max) throw fileTooLarge(max);
  return { data, contentType: typeof contentType === 'string' ? contentType : undefined };
}

/** Media types a browser shows without running anything; every other type is served as a download. */
function isInlineSafe(contentType: string): boolean {
  const type = mediaType(contentType);
  if (type.endsWith('+xml') || type.includes('xml')) return false;
  return (
    (type.startsWith('image/') && type !== 'image/svg+xml') ||
    type.startsWith('audio/') ||
    type.startsWith('video/') ||
    type === 'text/plain' ||
    type === 'text/csv' ||
    type === 'application/pdf' ||
    type === 'application/json' ||
    type === 'application/octet-stream'
  );
}

/** The origin (`http://host:port`) the request was sent to, from a well-formed Host header. */
export function requestOrigin(req: Request): string {
  const host = header(req, 'host');
  if (host !== undefined && /^[A-Za-z0-9.\-_:[\]]{1,300}$/.test(host)) {
    return `${req.protocol}://${host}`;
  }
  const address = req.socket.localAddress ?? '127.0.0.1';
  const shown = address.includes(':') ? `[${address}]` : address;
  return `${req.protocol}://${shown}:${req.socket.localPort ?? 80}`;
}

function param(req: Request, key: string): unknown {
  return (req.params as Record<string, unknown>)[key];
}

/** Options of {@link mountFileRoutes}. */
export interface FileRouteOptions {
  readonly store: FileStore;
  /** The application id in file URLs (default `'local'`). */
  readonly appId: string | undefined;
  readonly maxFileBytes: number;
}

/** Adds the file routes to the Parse router. */
export function mountFileRoutes(parse: Router, options: FileRouteOptions): void {
  const { store, maxFileBytes } = options;
  const appSegment = encodeURIComponent(options.appId ?? 'local');

  parse.post('/files/:filename', async (req: Request, res: Response) => {
    const original = param(req, 'filename');
    const name = createFileName(original, 'filename');
    const body: unknown = req.body;
    let data: Buffer;
    let givenType: string | undefined;
    if (Buffer.isBuffer(body)) {
      data = body;
      givenType = header(req, 'content-type');
    } else if (isPlainRecord(body)) {
      ({ data, contentType: givenType } = decodeJsonForm(body, maxFileBytes));
    } else {
      data = Buffer.alloc(0);
    }
    if (data.length === 0) {
      throw new BackendError('INVALID_VALUE', 'body: the file is empty', {
        details: { path: 'body', expected: 'the file bytes' },
      });
    }
    const info = await store.put(name, data, normalizeContentType(givenType, name));
    const url = `${requestOrigin(req)}${req.baseUrl}/files/${appSegment}/${info.name}`;
    res.setHeader('Location', url);
    sendJson(res, { name: info.name, url }, 201);
  });

  parse.get('/files/:appId/:name', async (req: Request, res: Response) => {
    const appId = param(req, 'appId');
    if (typeof appId !== 'string' || appId.length > 256) {
      throw new BackendError('INVALID_VALUE', 'appId: expected an application id', {
        details: { path: 'appId' },
      });
    }
    const name = param(req, 'name');
    if (!isStoredFileName(name)) {
      throw new BackendError(
        'INVALID_VALUE',
        `name: not a stored file name (32 hex characters, "_", then letters, digits, ".", "_" or "-")`,
        { details: { path: 'name', received: describeValue(String(name).slice(0, 60)) } },
      );
    }
    const file = await store.get(name);
    if (file === undefined) {
      throw new BackendError('NOT_FOUND', `file not found: ${name}`, { details: { path: 'name' } });
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', file.size);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (!isInlineSafe(file.contentType)) {
      res.setHeader('Content-Disposition', `attachment; filename="${name.slice(33)}"`);
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (Buffer.isBuffer(file.body)) {
      res.end(file.body);
      return;
    }
    try {
      await pipeline(file.body(), res);
    } catch (error) {
      if (!res.headersSent) {
        throw new BackendError('INTERNAL', 'could not read the file', { cause: error });
      }
      res.destroy();
    }
  });

  parse.delete('/files/:name', requireMaster('deleting a file'), async (req, res) => {
    const name = param(req, 'name');
    if (!isStoredFileName(name)) {
      throw new BackendError(
        'INVALID_VALUE',
        'name: not a stored file name (32 hex characters, "_", then letters, digits, ".", "_" or "-")',
        { details: { path: 'name', received: describeValue(String(name).slice(0, 60)) } },
      );
    }
    if (!(await store.delete(name))) {
      throw new BackendError('NOT_FOUND', `file not found: ${name}`, { details: { path: 'name' } });
    }
    sendJson(res, {});
  });
}
