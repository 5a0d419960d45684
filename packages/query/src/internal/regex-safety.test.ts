import { describe, expect, it } from 'vitest';
import { BackendError } from '@localbackend/adapter';
import { parseWhere } from '../parse-where';
import { prepareQuery } from '../prepare-query';
import { nestedQuantifierAt } from './regex-safety';

describe('nestedQuantifierAt', () => {
  it.each([
    ['(a+)+$', 4],
    ['(a*)*', 4],
    ['^(\\w+\\s?)*$', 9],
    ['(.*,){3,}', 5],
    ['((ab)+c)+', 8],
    ['(?:x|(y+))*z', 10],
    ['(a+?)+?', 5],
    ['([a-z]+)*', 8],
    ['(a{2,})*', 7],
  ])('refuses %s (quantifier at %i repeats a repeating group)', (pattern, at) => {
    expect(nestedQuantifierAt(pattern)).toBe(at);
    // Each of these is valid JS: the guard is about speed, not syntax.
    expect(() => new RegExp(pattern)).not.toThrow();
  });

  it.each([
    'a+b*c?',
    '^(ab|cd)+x*$',
    '(a+)?',
    '(a+){1}',
    '(a+){0,1}',
    '(abc){2,5}',
    '[(a+)+]',
    '\\(a+\\)+',
    'a{,3}+',
    '(a+)b+',
    '^\\d{4}-\\d{2}-\\d{2}$',
    '(?<year>\\d{4})',
  ])('accepts %s', (pattern) => {
    expect(nestedQuantifierAt(pattern)).toBeUndefined();
  });
});

describe('regex filters with nested repetition', () => {
  it('are refused by parseWhere with INVALID_QUERY and the path, in every format that takes a regex', () => {
    for (const where of [
      { title: { $regex: '(a+)+$' } },
      { title: { matchesRegex: '(a+)+$' } },
      { title: { regex: '(a+)+$' } },
      { title: /(a+)+$/ },
    ]) {
      let caught: unknown;
      try {
        parseWhere(where);
      } catch (error) {
        caught = error;
      }
      expect(BackendError.is(caught), JSON.stringify(where)).toBe(true);
      expect((caught as BackendError).code).toBe('INVALID_QUERY');
      expect((caught as BackendError).message).toMatch(/^where\.title.*nested|repeats a group/);
    }
  });

  it('are refused when only the value changes in a cached query shape', () => {
    const input = (pattern: string) => ({ where: { title: { $regex: pattern } } });
    const options = { dialect: 'sqlite' as const, table: 'Item', cache: true };
    expect(prepareQuery(input('^ab+c'), options).parameters).toContain('^ab+c');
    expect(() => prepareQuery(input('^(b+)+c'), options)).toThrow(/repeats a group/);
  });
});
