import { describe, expect, it } from 'vitest';
import { isValidObjectId } from '@localbackend/adapter';
import { fastId, orderedId } from './fast-id';

describe('fastId', () => {
  it('makes 10 alphanumeric characters that do not repeat', () => {
    const ids = new Set(Array.from({ length: 20_000 }, () => fastId()));
    expect(ids.size).toBe(20_000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]{10}$/);
  });
});

describe('orderedId', () => {
  it('sorts in creation order, also for many ids in one millisecond', () => {
    const ids = Array.from({ length: 100_000 }, () => orderedId());
    for (let i = 1; i < ids.length; i++) expect(ids[i - 1]! < ids[i]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 100)) {
      expect(id).toHaveLength(10);
      expect(isValidObjectId(id)).toBe(true);
    }
  });

  it('starts with the current time in base 62', () => {
    const before = Date.now();
    const id = orderedId();
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let ms = 0;
    for (const c of id.slice(0, 7)) ms = ms * 62 + alphabet.indexOf(c);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThan(Date.now() + 1000);
  });
});
