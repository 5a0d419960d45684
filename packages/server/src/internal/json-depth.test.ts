import { describe, expect, it } from 'vitest';
import { assertJsonDepth, parseClientJson } from './json-depth';

describe('assertJsonDepth', () => {
  it('counts only brackets outside strings, including escaped quotes', () => {
    expect(() =>
      assertJsonDepth(JSON.stringify({ a: '[[[[[[[["\\' + '['.repeat(500) }), 'body', 3),
    ).not.toThrow();
    expect(() => assertJsonDepth('[[[[1]]]]', 'body', 3)).toThrow(/nests deeper than 3/);
  });

  it('rejects a 10 MB bracket bomb quickly without a stack overflow', () => {
    const bomb = '['.repeat(10_000_000);
    const start = performance.now();
    expect(() => parseClientJson(bomb, 'body')).toThrow(/INVALID_JSON|nests deeper/);
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('reports bad JSON as INVALID_JSON with the path', () => {
    expect(() => parseClientJson('{"a":}', 'body')).toThrow(/^body: not valid JSON/);
  });
});
