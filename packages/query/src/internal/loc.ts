import { BackendError, describeValue, type ErrorCode } from '@localbackend/adapter';

/**
 * Where a parser is in the raw input: a linked list of keys from the root, rendered only when an
 * error message or a cache recipe needs it.
 */
export interface Loc {
  readonly parent: Loc | undefined;
  readonly key: string | number;
}

/** The root location, named by the error-path prefix (`where`, `sort`, ...). */
export function rootLoc(prefix: string): Loc {
  return { parent: undefined, key: prefix };
}

/** A child location. */
export function at(parent: Loc, key: string | number): Loc {
  return { parent, key };
}

/** `where.$or[2].age.$gt` */
export function renderLoc(loc: Loc): string {
  const parts: string[] = [];
  for (let l: Loc | undefined = loc; l !== undefined; l = l.parent) {
    if (l.parent === undefined) parts.push(String(l.key));
    else if (typeof l.key === 'number') parts.push(`[${l.key}]`);
    else parts.push(`.${l.key}`);
  }
  return parts.reverse().join('');
}

/** The keys from the root (excluded) to `loc`, for navigating another input of the same shape. */
export function locKeys(loc: Loc): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let l: Loc | undefined = loc; l !== undefined && l.parent !== undefined; l = l.parent) {
    keys.push(l.key);
  }
  return keys.reverse();
}

/** A BackendError whose message starts with the rendered path. */
export function errorAt(
  code: ErrorCode,
  loc: Loc | string,
  message: string,
  extra: { expected?: string; received?: unknown } = {},
): BackendError {
  const path = typeof loc === 'string' ? loc : renderLoc(loc);
  const received = 'received' in extra ? describeValue(extra.received) : undefined;
  return new BackendError(code, `${path}: ${message}`, {
    details: {
      path,
      ...(extra.expected === undefined ? {} : { expected: extra.expected }),
      ...(received === undefined ? {} : { received }),
    },
  });
}

/** `where.age.$gt: expected a number, got "abc"` (TYPE_MISMATCH). */
export function typeMismatch(loc: Loc | string, expected: string, received: unknown): BackendError {
  return errorAt('TYPE_MISMATCH', loc, `expected ${expected}, got ${describeValue(received)}`, {
    expected,
    received,
  });
}

/** INVALID_QUERY with a message. */
export function invalidQuery(loc: Loc | string, message: string, expected?: string): BackendError {
  return errorAt('INVALID_QUERY', loc, message, expected === undefined ? {} : { expected });
}

/** True for `{}`-style objects (prototype Object or null), not arrays, Dates, class instances. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Own-property read that never reaches the prototype chain. */
export function own(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
