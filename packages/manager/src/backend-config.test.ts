import { describe, expect, it } from 'vitest';
import { checkBackendName, parseBackendConfig } from './backend-config';

const valid = {
  id: 'backend-1',
  name: 'Todo',
  createdAt: '2026-01-01T00:00:00.000Z',
  port: 8577,
  projectIds: ['p1'],
  settings: {
    host: '127.0.0.1',
    appId: 'app',
    masterKey: 'abcdefgh12345678',
    schemaMode: 'strict',
    autoRestart: false,
    backup: { cron: '0 3 * * *', keep: 3 },
    logs: { maxBytes: 2048, maxFiles: 2 },
  },
};

describe('parseBackendConfig', () => {
  it('accepts a complete config unchanged', () => {
    const { config, upgraded } = parseBackendConfig(valid, 'backend-1');
    expect(upgraded).toBe(false);
    expect(config).toEqual(valid);
  });

  it('upgrades a config of the original design (no settings) with defaults and a generated master key', () => {
    const { id, name, createdAt, port } = valid;
    const { config, upgraded } = parseBackendConfig({ id, name, createdAt, port, projectIds: [] });
    expect(upgraded).toBe(true);
    expect(config.settings.host).toBe('127.0.0.1');
    expect(config.settings.schemaMode).toBe('auto');
    expect(config.settings.masterKey).toMatch(/^[0-9a-f]{32}$/);
    expect(config.settings.backup).toEqual({ cron: null, keep: 10 });
  });

  it.each([
    [null, 'config: expected a JSON object'],
    [[], 'config: expected a JSON object'],
    [{ ...valid, id: '../evil' }, 'config.id: expected a backend id'],
    [{ ...valid, name: '' }, 'config.name: expected a non-empty string'],
    [{ ...valid, createdAt: 'yesterday' }, 'config.createdAt: expected an ISO-8601 date'],
    [{ ...valid, port: 70000 }, 'config.port: expected a port number'],
    [{ ...valid, port: '8577' }, 'config.port: expected a port number'],
    [{ ...valid, projectIds: 'p1' }, 'config.projectIds: expected an array of strings'],
    [{ ...valid, settings: 5 }, 'config.settings: expected an object'],
    [
      { ...valid, settings: { ...valid.settings, schemaMode: 'loose' } },
      'config.settings.schemaMode',
    ],
    [
      { ...valid, settings: { ...valid.settings, masterKey: 'short' } },
      'config.settings.masterKey',
    ],
    [
      { ...valid, settings: { ...valid.settings, backup: { cron: '', keep: 1 } } },
      'config.settings.backup.cron',
    ],
    [
      { ...valid, settings: { ...valid.settings, backup: { cron: null, keep: 0 } } },
      'config.settings.backup.keep',
    ],
    [
      { ...valid, settings: { ...valid.settings, logs: { maxBytes: 10, maxFiles: 1 } } },
      'config.settings.logs.maxBytes',
    ],
    [{ ...valid, migratedFrom: { kind: 'mongo' } }, 'config.migratedFrom'],
  ])('rejects %j with INVALID_CONFIG naming the field', (raw, message) => {
    expect(() => parseBackendConfig(raw)).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: expect.stringContaining(message),
      }),
    );
  });

  it('rejects a config whose id does not match its directory', () => {
    expect(() => parseBackendConfig(valid, 'backend-2')).toThrow(/does not match its directory/);
  });
});

describe('checkBackendName', () => {
  it('trims names and refuses blank, long or control-character names', () => {
    expect(checkBackendName('  Shop ')).toBe('Shop');
    for (const bad of ['', '   ', 'x'.repeat(101), 'a\nb', 'a\u0000', 42, null]) {
      expect(() => checkBackendName(bad)).toThrow(
        expect.objectContaining({ code: 'INVALID_VALUE' }),
      );
    }
  });
});
