import { describe, expect, test } from 'vitest';
import { classifyPattern, toJsPattern, toPosixPattern } from './regex-pattern';

describe('regex patterns', () => {
  test.each([
    ['abc', { kind: 'literal', mode: 'contains', text: 'abc' }],
    ['^abc', { kind: 'literal', mode: 'startsWith', text: 'abc' }],
    ['abc$', { kind: 'literal', mode: 'endsWith', text: 'abc' }],
    ['^abc$', { kind: 'literal', mode: 'exact', text: 'abc' }],
    ['a\\.b', { kind: 'literal', mode: 'contains', text: 'a.b' }],
    ['\\Qa.b*\\E', { kind: 'literal', mode: 'contains', text: 'a.b*' }],
    ['^\\Qa\\E\\\\E\\Qb\\E$', { kind: 'literal', mode: 'exact', text: 'a\\Eb' }],
    ['abc\\$', { kind: 'literal', mode: 'contains', text: 'abc$' }],
    ['a.b', { kind: 'regex' }],
    ['\\d', { kind: 'regex' }],
    ['\\Qab$', { kind: 'regex' }],
  ])('%s', (pattern, expected) => {
    expect(classifyPattern(pattern, false)).toEqual(expected);
  });

  test('anchors are not literal with the m flag', () => {
    expect(classifyPattern('^abc', true)).toEqual({ kind: 'regex' });
    expect(classifyPattern('abc', true)).toEqual({
      kind: 'literal',
      mode: 'contains',
      text: 'abc',
    });
  });

  test('\\Q...\\E is rewritten for JS', () => {
    expect(toJsPattern('x\\Q.*\\Ey')).toBe('x\\.\\*y');
    expect(new RegExp(toJsPattern('\\Qa+b')).test('a+b')).toBe(true);
  });

  test('JS patterns are translated for Postgres or refused', () => {
    expect(toPosixPattern('\\bcat\\b', '')).toBe('(?p)\\ycat\\y');
    expect(toPosixPattern('a.b', 'is')).toBe('(?si)a.b');
    expect(toPosixPattern('^a', 'm')).toBe('(?n)^a');
    expect(toPosixPattern('(?<y>a)', '')).toBeUndefined();
    expect(toPosixPattern('[^]', '')).toBeUndefined();
  });
});
