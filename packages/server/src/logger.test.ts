import { describe, expect, it } from 'vitest';
import { createConsoleLogger, redactLogFields } from './logger';

describe('logging', () => {
  it('redacts secret-looking fields at any depth', () => {
    expect(
      redactLogFields({
        masterKey: 'mk',
        nested: { sessionToken: 'st', list: [{ password: 'p' }] },
        headers: { authorization: 'Bearer x', 'x-parse-master-key': 'mk' },
        path: '/api/Todo',
      }),
    ).toEqual({
      masterKey: '[redacted]',
      nested: { sessionToken: '[redacted]', list: [{ password: '[redacted]' }] },
      headers: { authorization: '[redacted]', 'x-parse-master-key': '[redacted]' },
      path: '/api/Todo',
    });
  });

  it('writes one JSON line per entry at or above the level', () => {
    const lines: string[] = [];
    const logger = createConsoleLogger({ level: 'info', name: 'b1', write: (l) => lines.push(l) });
    logger.debug('hidden');
    logger.info('started', { port: 1, masterKey: 'secret' });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'info',
      msg: 'started',
      backend: 'b1',
      port: 1,
      masterKey: '[redacted]',
    });
    expect(lines[0]).not.toContain('secret');
  });
});
