import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Options of {@link startStaticServer}.
 *
 * @example
 * ```ts
 * const options: StaticServerOptions = { dir: './public', port: 3000, config: { backendUrl } };
 * ```
 */
export interface StaticServerOptions {
  /** The folder whose files are served (read once at start; no directory listing). */
  readonly dir: string;
  /** `0` picks a free port. */
  readonly port: number;
  readonly host: string;
  /** Served as `/config.json` so that the page finds the backend. */
  readonly config: Readonly<Record<string, unknown>>;
}

/**
 * A running static server.
 *
 * @example
 * ```ts
 * const server = await startStaticServer(options);
 * console.log(server.port);
 * await server.close();
 * ```
 */
export interface StaticServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves the page: the files of `dir` (only those present at start, so no path can escape it),
 * `/` as `index.html`, and `/config.json`. Rejects with the listen error (e.g. `EADDRINUSE`).
 *
 * @example
 * ```ts
 * const server = await startStaticServer({ dir, port: 0, host: '127.0.0.1', config: {} });
 * ```
 */
export async function startStaticServer(options: StaticServerOptions): Promise<StaticServer> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of await fs.readdir(options.dir)) {
    const type = CONTENT_TYPES[path.extname(name)];
    if (type === undefined) continue;
    files.set(`/${name}`, { body: await fs.readFile(path.join(options.dir, name)), type });
  }
  files.set('/config.json', {
    body: Buffer.from(JSON.stringify(options.config)),
    type: CONTENT_TYPES['.json']!,
  });
  const index = files.get('/index.html');
  if (index !== undefined) files.set('/', index);

  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = files.get(pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('405');
      return;
    }
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
