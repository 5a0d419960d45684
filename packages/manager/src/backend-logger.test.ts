import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendLogger, readLogEntries } from './backend-logger';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function tmp(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lb-log-'));
  dirs.push(dir);
  return dir;
}

describe('BackendLogger', () => {
  it('writes one JSON object per line with time, level, backend and fields', () => {
    const file = path.join(tmp(), 'logs', 'backend.log');
    const logger = new BackendLogger('b1', file, { maxBytes: 1 << 20, maxFiles: 2 });
    logger.info('started', { port: 8577 });
    logger.close();
    const [line] = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(line!)).toMatchObject({
      level: 'info',
      backend: 'b1',
      msg: 'started',
      port: 8577,
    });
  });

  it('keeps the fields of JSON lines from a child and wraps plain text lines', () => {
    const file = path.join(tmp(), 'backend.log');
    const logger = new BackendLogger('b1', file, { maxBytes: 1 << 20, maxFiles: 2 });
    logger.logLine('{"level":"warn","msg":"slow","ms":120,"backend":"spoofed"}', 'stdout');
    logger.logLine('Error: boom', 'stderr');
    logger.logLine('   ', 'stdout');
    logger.close();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'warn', msg: 'slow', ms: 120, backend: 'b1' });
    expect(lines[1]).toMatchObject({ level: 'error', msg: 'Error: boom', stream: 'stderr' });
  });

  it('rotates by size and keeps maxFiles rotated files; readLogEntries reads across them in order', async () => {
    const file = path.join(tmp(), 'backend.log');
    const logger = new BackendLogger('b1', file, { maxBytes: 1024, maxFiles: 2 });
    for (let i = 0; i < 100; i++) logger.info(`line ${i}`, { pad: 'x'.repeat(40) });
    logger.close();
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    const entries = await readLogEntries(file, 15);
    expect(entries.map((e) => e.msg)).toEqual(
      Array.from({ length: 15 }, (_, i) => `line ${85 + i}`),
    );
  });
});
