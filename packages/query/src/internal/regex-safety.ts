/*
 * A guard against the classic catastrophic-backtracking patterns. Regexes run in V8's
 * backtracking engine (matches() and SQLite's REGEXP function), on the server's main thread, so a
 * filter like `{"$regex": "(a+)+$"}` against a long value could stall every other request for
 * minutes. Patterns whose star height is above one — a repeated group that itself contains a
 * repetition, such as `(a+)+`, `(\w*\s?)*` or `(.*,){3,}` — are refused. This is a heuristic: it
 * refuses some harmless patterns (`(\d+,)*`) and does not catch every slow one (an overlapping
 * alternation such as `(a|aa)+`, or polynomial backtracking over very long values).
 */

interface Frame {
  /** The group contains a repeating quantifier (at any depth). */
  repeats: boolean;
}

type LastAtom = 'none' | 'simple' | 'group' | 'repeating-group';

/**
 * The index of the first quantifier that repeats a group which already contains a repeating
 * quantifier, or `undefined` when the pattern has star height at most one. A repeating
 * quantifier is `*`, `+`, `{n,}` or `{n,m}` with `m >= 2`; `?`, `{0,1}` and `{n}` with `n <= 1`
 * do not repeat. The pattern is JS syntax (after `\Q...\E` translation).
 *
 * @example
 * ```ts
 * nestedQuantifierAt('(a+)+$'); // 4
 * nestedQuantifierAt('^(ab|cd)+x*$'); // undefined
 * ```
 */
export function nestedQuantifierAt(pattern: string): number | undefined {
  const stack: Frame[] = [{ repeats: false }];
  let last: LastAtom = 'none';
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      i += 2;
      last = 'simple';
      continue;
    }
    if (ch === '[') {
      i = skipClass(pattern, i);
      last = 'simple';
      continue;
    }
    if (ch === '(') {
      stack.push({ repeats: false });
      i++;
      last = 'none';
      continue;
    }
    if (ch === ')') {
      const frame = stack.length > 1 ? stack.pop()! : { repeats: false };
      if (frame.repeats) stack[stack.length - 1]!.repeats = true;
      last = frame.repeats ? 'repeating-group' : 'group';
      i++;
      continue;
    }
    const quantifier = readQuantifier(pattern, i);
    if (quantifier !== undefined) {
      if (quantifier.repeats && last !== 'none') {
        if (last === 'repeating-group') return i;
        stack[stack.length - 1]!.repeats = true;
      }
      i = quantifier.end;
      // A quantifier applies to one atom; a second one in a row is a syntax error anyway.
      last = 'simple';
      continue;
    }
    last = ch === '|' ? 'none' : 'simple';
    i++;
  }
  return undefined;
}

/** The index just after the character class that starts at `start` (`[`). */
function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') i += 2;
    else if (ch === ']') return i + 1;
    else i++;
  }
  return i;
}

/** A quantifier at `i` (with its lazy `?`), or `undefined` when there is none. */
function readQuantifier(
  pattern: string,
  i: number,
): { readonly repeats: boolean; readonly end: number } | undefined {
  const ch = pattern[i];
  let repeats: boolean;
  let end: number;
  if (ch === '*' || ch === '+') {
    repeats = true;
    end = i + 1;
  } else if (ch === '?') {
    repeats = false;
    end = i + 1;
  } else if (ch === '{') {
    // Without the u flag, a brace that is not {n}, {n,} or {n,m} is a literal character.
    const match = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 32));
    if (match === null) return undefined;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    repeats = max >= 2;
    end = i + match[0].length;
  } else {
    return undefined;
  }
  if (pattern[end] === '?') end++;
  return { repeats, end };
}
