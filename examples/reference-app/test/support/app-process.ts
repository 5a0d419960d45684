/**
 * Runs the built app (`node dist/main.js`, what `pnpm start` runs after building) as a child
 * process, the way a user does, and reads the URLs it prints.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { appDir } from './paths';

export interface AppProcess {
  readonly child: ChildProcess;
  /** The page. */
  readonly url: string;
  /** The backend (REST, Parse routes, WebSocket). */
  readonly backendUrl: string;
  /** Everything printed so far (stdout and stderr). */
  output(): string;
  /** Sends `signal` and resolves with the exit code (rejects after `timeoutMs`). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startApp(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<AppProcess> {
  const child = spawn(process.execPath, [path.join(appDir, 'dist', 'main.js')], {
    cwd: appDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );

  const urls = await new Promise<{ url: string; backendUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not print its URL within ${timeoutMs} ms:\n${text}`));
    }, timeoutMs);
    const check = () => {
      const url = /Todo app:\s+(http:\/\/\S+)/.exec(text)?.[1];
      const backendUrl = /Backend:\s+(http:\/\/\S+)/.exec(text)?.[1];
      if (url !== undefined && backendUrl !== undefined) {
        clearTimeout(timer);
        resolve({ url, backendUrl });
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with ${code} before printing its URL:\n${text}`));
    });
  });

  return {
    child,
    ...urls,
    output: () => text,
    async stop(signal = 'SIGINT', stopTimeoutMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(`the app did not exit within ${stopTimeoutMs} ms of ${signal}:\n${text}`),
          );
        }, stopTimeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
