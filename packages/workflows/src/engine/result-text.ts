/**
 * The JSON text a value was parsed from, remembered beside it (engine-internal): a worker keeps
 * the text of a query result that crossed from the main thread, so that records passed on
 * untouched can be written out by splicing that text instead of serialising objects again.
 */
const texts = new WeakMap<object, string>();

/**
 * Remembers that `value` is `JSON.parse(text)`.
 *
 * @example
 * ```ts
 * const value = JSON.parse(text); rememberJsonText(value, text);
 * ```
 */
export function rememberJsonText(value: unknown, text: string): void {
  if (typeof value === 'object' && value !== null) texts.set(value, text);
}

/**
 * The JSON text `value` was parsed from, if it was remembered.
 *
 * @example
 * ```ts
 * jsonTextOf(result); // '{"results":[...]}' or undefined
 * ```
 */
export function jsonTextOf(value: unknown): string | undefined {
  return typeof value === 'object' && value !== null ? texts.get(value) : undefined;
}
