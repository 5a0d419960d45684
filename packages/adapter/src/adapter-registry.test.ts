import { describe, expect, it } from 'vitest';
import { AdapterRegistry, type AdapterConfig } from './adapter-registry';
import { BackendError } from './backend-error';
import type { CloudStoreAdapter } from './cloud-store-adapter';

/**
 * The registry only calls connect() and disconnect(); this recording stand-in lets the tests
 * observe those calls without depending on a storage package (which depends on this one).
 */
function recordingAdapter(log: string[], name: string, failConnect = false): CloudStoreAdapter {
  const notUsed = (): never => {
    throw new Error('not used by the registry');
  };
  return {
    capabilities: {
      transactions: false,
      relations: false,
      fullText: false,
      regex: false,
      geo: false,
      aggregate: false,
      schema: false,
      events: false,
      backup: false,
    },
    connect: async () => {
      log.push(`connect ${name}`);
      if (failConnect) throw new Error('cannot open database');
    },
    disconnect: async () => {
      log.push(`disconnect ${name}`);
    },
    query: notUsed,
    fetch: notUsed,
    count: notUsed,
    aggregate: notUsed,
    distinct: notUsed,
    create: notUsed,
    save: notUsed,
    increment: notUsed,
    delete: notUsed,
    addRelation: notUsed,
    removeRelation: notUsed,
    transaction: notUsed,
    getSchema: notUsed,
    updateSchema: notUsed,
    createTable: notUsed,
    addColumn: notUsed,
    deleteColumn: notUsed,
    deleteTable: notUsed,
    on: notUsed,
    off: notUsed,
  };
}

async function rejection(promise: Promise<unknown>): Promise<BackendError> {
  try {
    await promise;
  } catch (error) {
    if (BackendError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('AdapterRegistry', () => {
  it('creates, connects and keeps adapters by id through the factory of their type', async () => {
    const log: string[] = [];
    const seen: AdapterConfig[] = [];
    const registry = new AdapterRegistry();
    registry.register('local', (config) => {
      seen.push(config);
      return recordingAdapter(log, String(config.dbPath));
    });
    const adapter = await registry.createAdapter('app', { type: 'local', dbPath: 'a.db' });
    expect(seen).toEqual([{ type: 'local', dbPath: 'a.db' }]);
    expect(log).toEqual(['connect a.db']);
    expect(registry.getAdapter('app')).toBe(adapter);
    expect(registry.ids()).toEqual(['app']);
    expect(registry.getAdapter('other')).toBeUndefined();
  });

  it('accepts async factories', async () => {
    const registry = new AdapterRegistry();
    registry.register('parse', async () => recordingAdapter([], 'p'));
    await expect(registry.createAdapter('p', { type: 'parse' })).resolves.toBeDefined();
  });

  it('answers an unknown type with INVALID_CONFIG listing the registered types', async () => {
    const registry = new AdapterRegistry();
    registry.register('local', () => recordingAdapter([], 'x'));
    const error = await rejection(registry.createAdapter('a', { type: 'external' }));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toBe(
      'config.type: unknown adapter type "external"; registered types: local',
    );
    expect(error.details?.path).toBe('config.type');
  });

  it('rejects a second adapter with the same id, also while the first is connecting', async () => {
    const registry = new AdapterRegistry();
    registry.register('local', () => recordingAdapter([], 'x'));
    const first = registry.createAdapter('a', { type: 'local' });
    const second = await rejection(registry.createAdapter('a', { type: 'local' }));
    expect(second.code).toBe('DUPLICATE_VALUE');
    await first;
    expect((await rejection(registry.createAdapter('a', { type: 'local' }))).code).toBe(
      'DUPLICATE_VALUE',
    );
  });

  it('keeps nothing when connect fails, closes the half-open adapter and reports a BackendError', async () => {
    const log: string[] = [];
    const registry = new AdapterRegistry();
    registry.register('local', () => recordingAdapter(log, 'bad', true));
    const error = await rejection(registry.createAdapter('a', { type: 'local' }));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toBe('Could not create the "local" adapter "a"');
    expect((error.cause as Error).message).toBe('cannot open database');
    expect(log).toEqual(['connect bad', 'disconnect bad']);
    expect(registry.getAdapter('a')).toBeUndefined();
    // the id is free again
    registry.register('local', () => recordingAdapter(log, 'good'), { replace: true });
    await expect(registry.createAdapter('a', { type: 'local' })).resolves.toBeDefined();
  });

  it('passes BackendErrors thrown by a factory through unchanged', async () => {
    const registry = new AdapterRegistry();
    const thrown = new BackendError('INVALID_CONFIG', 'dbPath: expected a path');
    registry.register('local', () => {
      throw thrown;
    });
    expect(await rejection(registry.createAdapter('a', { type: 'local' }))).toBe(thrown);
  });

  it('refuses to register a type twice unless replace is set, and validates its arguments', () => {
    const registry = new AdapterRegistry();
    registry.register('local', () => recordingAdapter([], 'x'));
    expect(() => registry.register('local', () => recordingAdapter([], 'y'))).toThrow(
      /already registered/,
    );
    registry.register('local', () => recordingAdapter([], 'y'), { replace: true });
    expect(() => registry.register('Bad Type', () => recordingAdapter([], 'x'))).toThrow(
      BackendError,
    );
    expect(() => registry.register('x', 'nope' as unknown as () => CloudStoreAdapter)).toThrow(
      /factory: expected a function/,
    );
    expect(registry.types()).toEqual(['local']);
    expect(registry.hasType('local')).toBe(true);
    expect(registry.unregister('local')).toBe(true);
    expect(registry.hasType('local')).toBe(false);
  });

  it('validates id and config', async () => {
    const registry = new AdapterRegistry();
    expect((await rejection(registry.createAdapter('', { type: 'local' }))).code).toBe(
      'INVALID_CONFIG',
    );
    expect(
      (await rejection(registry.createAdapter('a', null as unknown as AdapterConfig))).details
        ?.path,
    ).toBe('config.type');
  });

  it('removes one adapter and disconnects all of them, even when one fails', async () => {
    const log: string[] = [];
    const registry = new AdapterRegistry();
    registry.register('local', (config) => recordingAdapter(log, String(config.name)));
    await registry.createAdapter('a', { type: 'local', name: 'a' });
    await registry.createAdapter('b', { type: 'local', name: 'b' });
    const c = await registry.createAdapter('c', { type: 'local', name: 'c' });
    expect(await registry.removeAdapter('a')).toBe(true);
    expect(await registry.removeAdapter('a')).toBe(false);
    c.disconnect = async () => {
      log.push('disconnect c failed');
      throw new Error('busy');
    };
    const error = await rejection(registry.disconnectAll());
    expect(error.message).toBe('An adapter failed to disconnect');
    expect(log).toContain('disconnect b');
    expect(log).toContain('disconnect c failed');
    expect(registry.ids()).toEqual([]);
  });

  it('has one process-wide instance', () => {
    expect(AdapterRegistry.getInstance()).toBe(AdapterRegistry.getInstance());
  });
});
