import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BackendError } from './backend-error';
import {
  MAX_NAME_LENGTH,
  assertCollectionName,
  assertFieldName,
  isSystemFieldName,
  isValidCollectionName,
  isValidFieldName,
} from './names';

const HOSTILE = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  "Todo'",
  'Todo"',
  'Todo`',
  'Todo; DROP TABLE Todo',
  'Todo--',
  'Todo/*x*/',
  'a b',
  'a.b',
  'a$b',
  '$where',
  '1abc',
  '_abc',
  'Tödo',
  'Todo\u0000',
  'Todo\n',
  '日本',
  '😀',
  'x'.repeat(1000),
  'x'.repeat(MAX_NAME_LENGTH + 1),
];

const label = (name: string): string =>
  name.length > 40
    ? `${JSON.stringify(name.slice(0, 8))}… (${name.length} chars)`
    : JSON.stringify(name);

describe('name validation', () => {
  it.each(HOSTILE.map((name) => [label(name), name]))(
    'rejects the hostile field name %s',
    (_, name) => {
      expect(isValidFieldName(name)).toBe(false);
      expect(() => assertFieldName(name, 'data.x')).toThrow(BackendError);
    },
  );

  it.each(
    HOSTILE.filter(
      (n) => !['constructor', 'prototype', 'toString', 'hasOwnProperty'].includes(n),
    ).map((name) => [label(name), name]),
  )('rejects the hostile collection name %s', (_, name) => {
    expect(isValidCollectionName(name)).toBe(false);
  });

  it('accepts ordinary names up to the length limit', () => {
    for (const name of ['title', 'Todo', 'a', 'done_at2', 'x'.repeat(MAX_NAME_LENGTH)]) {
      expect(isValidFieldName(name)).toBe(true);
      expect(isValidCollectionName(name)).toBe(true);
    }
  });

  it('reserves the system fields and ACL as column names', () => {
    for (const name of ['objectId', 'createdAt', 'updatedAt', 'ACL']) {
      expect(isValidFieldName(name)).toBe(false);
      const error = (() => {
        try {
          assertFieldName(name, 'data.' + name);
        } catch (e) {
          return e as BackendError;
        }
      })();
      expect(error?.code).toBe('INVALID_FIELD_NAME');
      expect(error?.message).toContain('reserved');
    }
    expect(isSystemFieldName('objectId')).toBe(true);
    expect(isSystemFieldName('ACL')).toBe(false);
  });

  it('accepts system collections only when asked', () => {
    expect(isValidCollectionName('_User')).toBe(false);
    expect(isValidCollectionName('_User', { allowSystem: true })).toBe(true);
    expect(isValidCollectionName('__x', { allowSystem: true })).toBe(false);
    expect(isValidCollectionName('_', { allowSystem: true })).toBe(false);
  });

  it('rejects non-strings', () => {
    for (const value of [null, undefined, 1, {}, [], true]) {
      expect(isValidFieldName(value)).toBe(false);
      expect(isValidCollectionName(value)).toBe(false);
    }
  });

  it('names the path and the rule in its errors', () => {
    try {
      assertCollectionName('Todo; DROP', 'params.table');
      expect.unreachable();
    } catch (error) {
      const e = error as BackendError;
      expect(e.code).toBe('INVALID_COLLECTION_NAME');
      expect(e.message).toMatch(/^params\.table: "Todo; DROP" is not a valid collection name/);
      expect(e.details?.path).toBe('params.table');
    }
  });

  it('accepts exactly two _ field names, the server’s hidden ACL columns, and no _ collection', () => {
    expect(isValidFieldName('_rperm')).toBe(true);
    expect(isValidFieldName('_wperm')).toBe(true);
    for (const name of ['_abc', '_perm', '_rperm_', '__rperm', '_RPERM', '_hashed_password']) {
      expect(isValidFieldName(name), name).toBe(false);
    }
    expect(isValidCollectionName('_rperm')).toBe(false);
  });

  it('accepts exactly the names matching the documented rule (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (name) => {
        const rule =
          /^[A-Za-z][A-Za-z0-9_]*$/.test(name) &&
          name.length <= MAX_NAME_LENGTH &&
          !(name in Object.prototype) &&
          name !== 'prototype';
        expect(isValidCollectionName(name)).toBe(rule);
      }),
      { numRuns: 2000 },
    );
  });
});
