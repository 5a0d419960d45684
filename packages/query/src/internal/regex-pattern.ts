import { escapeRegExp } from './semantics';

/*
 * Regular expressions arrive in PCRE/Mongo style (Parse SDKs quote literals as \Q...\E, which JS
 * does not know). A pattern that is only literal text, optionally anchored, becomes a string match
 * (or an equality); anything else is translated to JS syntax.
 */

const SPECIAL = new Set(['.', '^', '$', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}', '\\']);
const ALNUM = /[A-Za-z0-9]/;

/** What a pattern is: literal text (with its anchoring) or a real regular expression. */
export type PatternClass =
  | {
      readonly kind: 'literal';
      readonly mode: 'contains' | 'startsWith' | 'endsWith' | 'exact';
      readonly text: string;
    }
  | { readonly kind: 'regex' };

/**
 * Classifies a pattern. `multiline` disables the anchor analysis (then `^`/`$` match at lines).
 */
export function classifyPattern(pattern: string, multiline: boolean): PatternClass {
  let i = 0;
  let end = pattern.length;
  const anchoredStart = pattern.startsWith('^');
  if (anchoredStart) i = 1;
  let anchoredEnd = false;
  if (end > i && pattern[end - 1] === '$' && !endsWithEscape(pattern, end - 1)) {
    anchoredEnd = true;
    end--;
  }
  if ((anchoredStart || anchoredEnd) && multiline) return { kind: 'regex' };
  let text = '';
  while (i < end) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === 'Q') {
        const close = pattern.indexOf('\\E', i + 2);
        if (close < 0 || close + 2 > end) return { kind: 'regex' };
        text += pattern.slice(i + 2, close);
        i = close + 2;
        continue;
      }
      if (next === undefined || i + 1 >= end || ALNUM.test(next)) return { kind: 'regex' };
      // Only escapes of ASCII punctuation are plain literals in both JS and PCRE.
      if (next.charCodeAt(0) > 0x7e || next === ' ') return { kind: 'regex' };
      text += next;
      i += 2;
      continue;
    }
    if (SPECIAL.has(ch)) return { kind: 'regex' };
    text += ch;
    i++;
  }
  const mode = anchoredStart
    ? anchoredEnd
      ? 'exact'
      : 'startsWith'
    : anchoredEnd
      ? 'endsWith'
      : 'contains';
  return { kind: 'literal', mode, text };
}

function endsWithEscape(pattern: string, index: number): boolean {
  let backslashes = 0;
  for (let j = index - 1; j >= 0 && pattern[j] === '\\'; j--) backslashes++;
  return backslashes % 2 === 1;
}

/** A short tag of the class, used in cache keys. */
export function patternClassTag(pattern: string, multiline: boolean): string {
  const c = classifyPattern(pattern, multiline);
  return c.kind === 'regex' ? 'R' : `L${c.mode}`;
}

/** Rewrites PCRE-only syntax (`\Q...\E`) into JS regex syntax. */
export function toJsPattern(pattern: string): string {
  if (!pattern.includes('\\Q')) return pattern;
  let out = '';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\' && pattern[i + 1] === 'Q') {
      const close = pattern.indexOf('\\E', i + 2);
      const stop = close < 0 ? pattern.length : close;
      out += escapeRegExp(pattern.slice(i + 2, stop));
      i = close < 0 ? pattern.length : close + 2;
    } else if (ch === '\\') {
      out += pattern.slice(i, i + 2);
      i += 2;
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Normalises regex options: only i, m, s are allowed; returns them sorted, or undefined if bad. */
export function normalizeFlags(options: string): string | undefined {
  const set = new Set<string>();
  for (const ch of options) {
    if (ch !== 'i' && ch !== 'm' && ch !== 's') return undefined;
    set.add(ch);
  }
  return [...set].sort().join('');
}

/**
 * Translates a JS pattern for Postgres' advanced regular expressions. Returns undefined when the
 * pattern uses syntax that has no ARE equivalent (named groups, \k, \p, \c...).
 */
export function toPosixPattern(pattern: string, flags: string): string | undefined {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      i++;
      if (next === 'b') out += inClass ? '\\b' : '\\y';
      else if (next === 'B' && !inClass) out += '\\Y';
      else if ('kpPcu0'.includes(next) || (inClass && 'BDSW'.includes(next))) return undefined;
      else out += `\\${next}`;
      continue;
    }
    if (inClass) {
      if (ch === ']') inClass = false;
      out += ch;
      continue;
    }
    if (ch === '[') {
      inClass = true;
      out += ch;
      if (pattern[i + 1] === '^') {
        out += '^';
        i++;
      }
      if (pattern[i + 1] === ']') {
        // JS: "[]" is an empty class, "[^]" matches anything; ARE reads "]" as a literal here.
        return undefined;
      }
      continue;
    }
    if (ch === '(' && pattern[i + 1] === '?') {
      const kind = pattern[i + 2];
      if (kind !== ':' && kind !== '=' && kind !== '!') return undefined;
    }
    out += ch;
  }
  if (inClass) return undefined;
  // JS without "s": "." excludes newlines; with "m": ^ and $ match at line breaks.
  const embedded =
    (flags.includes('s') ? (flags.includes('m') ? 'w' : 's') : flags.includes('m') ? 'n' : 'p') +
    (flags.includes('i') ? 'i' : '');
  return `(?${embedded})${out}`;
}
