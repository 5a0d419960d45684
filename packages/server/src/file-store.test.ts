import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError } from '@localbackend/adapter';
import {
  createFileName,
  isStoredFileName,
  normalizeContentType,
  sanitizeFileName,
} from './file-store';
import { MemoryFileStore } from './memory-file-store';

describe('file names', () => {
  it('any string is either refused with INVALID_VALUE or becomes a safe stored name', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.constantFrom('..', '.', '/a', 'a\\b', 'a\0b'),
        ),
        (original) => {
          let name: string;
          try {
            name = createFileName(original);
          } catch (error) {
            expect(BackendError.is(error) && error.code === 'INVALID_VALUE').toBe(true);
            return;
          }
          expect(isStoredFileName(name)).toBe(true);
          expect(name).toMatch(/^[0-9a-f]{32}_[A-Za-z0-9._-]{1,128}$/);
          expect(name.includes('/') || name.includes('\\') || name.includes('\0')).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('keeps letters, digits and ._- and replaces every other character with "_"', () => {
    expect(sanitizeFileName('report-2024_v1.final.PDF')).toBe('report-2024_v1.final.PDF');
    expect(sanitizeFileName('Photo 1 (café).png')).toBe('Photo_1__caf__.png');
    expect(sanitizeFileName('a@b~c!.txt')).toBe('a_b_c_.txt');
  });

  it('refuses empty, over-long, dot-only and separator-carrying names', () => {
    for (const bad of ['', '.', '..', '...', 'a/b', 'a\\b', '\0', 'x'.repeat(129), 42, null]) {
      expect(() => sanitizeFileName(bad)).toThrow(BackendError);
    }
  });

  it('stored-name checks refuse traversal and foreign names', () => {
    const hex = '0123456789abcdef0123456789abcdef';
    expect(isStoredFileName(`${hex}_a.txt`)).toBe(true);
    for (const bad of [
      `${hex}_..`,
      `${hex}_.`,
      `${hex}_a/b`,
      `../${hex}_a`,
      `${hex}a`,
      'local.db',
      `${hex.toUpperCase()}_a`,
    ]) {
      expect(isStoredFileName(bad)).toBe(false);
    }
  });

  it('content types: well-formed ones kept, else guessed from the extension', () => {
    expect(normalizeContentType('text/html; charset=utf-8', 'a')).toBe('text/html; charset=utf-8');
    expect(normalizeContentType('text/html\r\nX-Evil: 1', 'a.png')).toBe('image/png');
    expect(normalizeContentType('nonsense', 'a.bin')).toBe('application/octet-stream');
  });
});

describe('MemoryFileStore', () => {
  it('put, get, delete; refuses names that are not stored names', async () => {
    const store = new MemoryFileStore();
    const name = createFileName('a.txt');
    const data = Buffer.from('hi');
    expect(await store.put(name, data, 'text/plain')).toEqual({
      name,
      contentType: 'text/plain',
      size: 2,
    });
    data[0] = 0; // the store kept its own copy
    const file = await store.get(name);
    expect(file?.body).toEqual(Buffer.from('hi'));
    expect(await store.delete(name)).toBe(true);
    expect(await store.get(name)).toBeUndefined();
    expect(await store.delete(name)).toBe(false);
    await expect(store.put('../x', data, 'text/plain')).rejects.toMatchObject({
      code: 'INVALID_VALUE',
    });
  });
});
