import { describe, expect, it } from 'vitest';
import { BackendError } from './backend-error';
import { assertObjectId, generateObjectId, isValidObjectId } from './object-id';

describe('generateObjectId', () => {
  it('makes 10 alphanumeric characters by default', () => {
    for (let i = 0; i < 1000; i++) expect(generateObjectId()).toMatch(/^[A-Za-z0-9]{10}$/);
  });

  it('makes ids of other lengths and rejects impossible lengths', () => {
    expect(generateObjectId(1)).toHaveLength(1);
    expect(generateObjectId(64)).toHaveLength(64);
    for (const bad of [0, 65, 1.5, Number.NaN]) {
      expect(() => generateObjectId(bad)).toThrow(BackendError);
    }
  });

  it('does not repeat in 100,000 ids', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i++) ids.add(generateObjectId());
    expect(ids.size).toBe(100_000);
  });

  it('uses all 62 characters roughly evenly', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      for (const c of generateObjectId()) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(counts.size).toBe(62);
    const expected = 200_000 / 62;
    for (const n of counts.values()) {
      expect(n).toBeGreaterThan(expected * 0.85);
      expect(n).toBeLessThan(expected * 1.15);
    }
  });
});

describe('isValidObjectId', () => {
  it('accepts generated ids, Parse ids and UUIDs', () => {
    expect(isValidObjectId(generateObjectId())).toBe(true);
    expect(isValidObjectId('xWMyZ4YEGZ')).toBe(true);
    expect(isValidObjectId('4f0b5e2a-7c1d-4e6b-9f0a-1b2c3d4e5f60')).toBe(true);
  });

  it('rejects hostile or malformed ids', () => {
    for (const id of ['', "1' OR '1'='1", 'a b', '../etc/passwd', 'x'.repeat(65), 'é', 1, null]) {
      expect(isValidObjectId(id)).toBe(false);
    }
    expect(() => assertObjectId('a/b', 'params.id')).toThrow('params.id: expected an objectId');
  });
});
