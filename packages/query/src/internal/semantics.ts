/*
 * The value semantics shared by the JS matcher, the SQL parameter transforms and the SQLite
 * functions. Everything that decides whether a value matches lives here once.
 */

/** Compares two strings by Unicode code point (the order of SQLite BINARY and Postgres "C"). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF: they sort after every BMP unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    return xs === ys ? x - y : xs ? 1 : -1;
  }
  return a.length - b.length;
}

/** True for an object that is not an array (any prototype). */
export function isObjectValue(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function ownValue(obj: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

/**
 * The text a value compares as when the literal is a date: a string as it is, a
 * `{__type:'Date', iso}` object's iso, a JS Date's ISO string.
 */
export function dateTextOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (isObjectValue(value) && ownValue(value, '__type') === 'Date') {
    const iso = ownValue(value, 'iso');
    return typeof iso === 'string' ? iso : undefined;
  }
  return undefined;
}

/** The objectId a value points to: a string id, or an object (Pointer, record) with a string objectId. */
export function pointerIdOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isObjectValue(value)) {
    const id = ownValue(value, 'objectId');
    return typeof id === 'string' ? id : undefined;
  }
  return undefined;
}

/** A GeoPoint-like value's coordinates (numbers `latitude` and `longitude`). */
export function geoOf(value: unknown): { lat: number; lon: number } | undefined {
  if (!isObjectValue(value)) return undefined;
  const lat = ownValue(value, 'latitude');
  const lon = ownValue(value, 'longitude');
  return typeof lat === 'number' && typeof lon === 'number' ? { lat, lon } : undefined;
}

const RAD = Math.PI / 180;

/** Values closer to zero than this count as zero in geo arithmetic. */
export const GEO_FLUSH = 1e-100;

/**
 * Zero for |x| < 1e-100. Postgres raises "value out of range: underflow" when a product or power
 * of non-zero values rounds to zero; flushing tiny values first (in JS and SQL alike) keeps every
 * intermediate result far from that, and both sides compute the same numbers.
 */
export function flush(x: number): number {
  return Math.abs(x) < GEO_FLUSH ? 0 : x;
}

/**
 * Great-circle distance in radians between two points given in degrees (haversine). The Postgres
 * SQL performs the same operations in the same order.
 */
export function geoDistance(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = flush(lat2 - lat1);
  const dLon = flush(lon2 - lon1);
  const a = flush(Math.sin((dLat * RAD) / 2));
  const b = flush(Math.sin((dLon * RAD) / 2));
  const c1 = Math.cos(flush(lat1) * RAD);
  const c2 = Math.cos(flush(lat2) * RAD);
  const h = a * a + c1 * c2 * (b * b);
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Polygon edges `[lon1, lat1, lon2, lat2]` for {@link pointInPolygon}. */
export type PolygonEdges = readonly (readonly [number, number, number, number])[];

/** The edges of a closed polygon given as points. */
export function polygonEdges(
  points: readonly { latitude: number; longitude: number }[],
): PolygonEdges {
  const edges: [number, number, number, number][] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i]!;
    const q = points[(i + 1) % points.length]!;
    edges.push([p.longitude, p.latitude, q.longitude, q.latitude]);
  }
  return edges;
}

/**
 * Ray casting (even-odd rule), x = longitude, y = latitude. The Postgres SQL evaluates the same
 * expression per edge, so both agree bit for bit.
 */
export function pointInPolygon(lat: number, lon: number, edges: PolygonEdges): boolean {
  let inside = false;
  for (const [x1, y1, x2, y2] of edges) {
    if (y1 > lat === y2 > lat) continue;
    const den = flush(y2 - y1);
    if (den !== 0 && lon < (flush(x2 - x1) * flush(lat - y1)) / den + x1) inside = !inside;
  }
  return inside;
}

/** True when the point lies in the box (a box whose west edge is east of its east edge wraps). */
export function inBox(
  lat: number,
  lon: number,
  south: number,
  west: number,
  north: number,
  east: number,
): boolean {
  if (lat < south || lat > north) return false;
  return west <= east ? lon >= west && lon <= east : lon >= west || lon <= east;
}

const regexCache = new Map<string, RegExp>();

/** A compiled RegExp, cached (the same cache serves matches() and the SQLite function). */
export function cachedRegExp(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let re = regexCache.get(key);
  if (re === undefined) {
    re = new RegExp(pattern, flags);
    if (regexCache.size >= 500) regexCache.delete(regexCache.keys().next().value!);
    regexCache.set(key, re);
  }
  return re;
}

/** Tests a regular expression (without the stateful `g`/`y` flags). */
export function regexTest(value: string, pattern: string, flags: string): boolean {
  return cachedRegExp(pattern, flags).test(value);
}

/** Escapes a string so that it matches itself literally in a JS regular expression. */
export function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Escapes a string for a Postgres ARE: every ASCII punctuation character gets a backslash. */
export function escapePosixRegExp(value: string): string {
  return value.replace(/[!-/:-@[-`{-~]/g, '\\$&');
}

/** Escapes `%`, `_` and `\` for `LIKE ... ESCAPE '\'`. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

/** Case-sensitive literal string match. */
export function stringMatchTest(
  value: string,
  mode: 'contains' | 'startsWith' | 'endsWith',
  needle: string,
  caseSensitive: boolean,
): boolean {
  if (!caseSensitive) return regexTest(value, stringMatchPattern(mode, needle), 'i');
  if (mode === 'contains') return value.includes(needle);
  if (mode === 'startsWith') return value.startsWith(needle);
  return value.endsWith(needle);
}

/** The JS regex a case-insensitive string match is evaluated with. */
export function stringMatchPattern(
  mode: 'contains' | 'startsWith' | 'endsWith',
  needle: string,
): string {
  const body = escapeRegExp(needle);
  return mode === 'startsWith' ? `^${body}` : mode === 'endsWith' ? `${body}$` : body;
}

/* ----------------------------------------------------------------------------------------------
 * Text search.
 * Without a text index: every whitespace-separated word must occur as a substring, ignoring
 * ASCII case only (SQLite LIKE). With an FTS5 index (unicode61 tokenizer): every word, split into
 * tokens, must occur as a phrase of tokens; tokens are runs of letters/digits, lower-cased with
 * Latin diacritics removed.
 */

/** The words of a search string. */
export function searchWords(search: string): string[] {
  return search.split(/\s+/u).filter((w) => w !== '');
}

function asciiLower(value: string): string {
  return value.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** The LIKE fallback: every word is a substring, ASCII case-insensitively. */
export function likeWordsTest(value: string, words: readonly string[]): boolean {
  const haystack = asciiLower(value);
  for (const word of words) if (!haystack.includes(asciiLower(word))) return false;
  return true;
}

/** The LIKE patterns of the fallback, bound as one JSON array. */
export function likePatterns(search: string): string[] {
  return searchWords(search).map((w) => `%${escapeLike(w)}%`);
}

const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}]/u;
const foldCache = new Map<string, string>();

function foldChar(ch: string): string {
  let folded = foldCache.get(ch);
  if (folded === undefined) {
    const lower = ch.toLowerCase();
    const cp = lower.codePointAt(0)!;
    // unicode61 (remove_diacritics=1) strips diacritics from Latin letters only.
    folded =
      lower.length === ch.length && ((cp >= 0xc0 && cp < 0x250) || (cp >= 0x1e00 && cp < 0x1f00))
        ? lower.normalize('NFD').replace(/\p{M}/gu, '')
        : lower;
    if (folded === '' || [...folded].length !== 1) folded = lower;
    if (foldCache.size < 10_000) foldCache.set(ch, folded);
  }
  return folded;
}

/** Tokens as the FTS5 unicode61 tokenizer produces them (an emulation; see the README). */
export function ftsTokens(value: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (const ch of value) {
    if (TOKEN_CHAR.test(ch)) current += ch.charCodeAt(0) < 0x80 ? ch.toLowerCase() : foldChar(ch);
    else if (current !== '') {
      tokens.push(current);
      current = '';
    }
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

/** The phrases (token lists) of a search; words without tokens are dropped. */
export function ftsPhrases(search: string): string[][] {
  return searchWords(search)
    .map(ftsTokens)
    .filter((t) => t.length > 0);
}

/** The FTS5 MATCH expression for a search on one column ('""' matches nothing). */
export function ftsMatchExpression(column: string, search: string): string {
  const phrases = ftsPhrases(search);
  if (phrases.length === 0) return '""';
  const quoted = phrases.map((p) => `"${p.join(' ')}"`).join(' AND ');
  return `"${column}" : (${quoted})`;
}

/** The FTS emulation: every phrase occurs as consecutive tokens of the value. */
export function ftsTest(value: string, search: string): boolean {
  const phrases = ftsPhrases(search);
  if (phrases.length === 0) return false;
  const tokens = ftsTokens(value);
  return phrases.every((phrase) => {
    outer: for (let i = 0; i + phrase.length <= tokens.length; i++) {
      for (let j = 0; j < phrase.length; j++) if (tokens[i + j] !== phrase[j]) continue outer;
      return true;
    }
    return false;
  });
}
