import type { SchemaInfo } from './schema-info';
import { locKeys, type Loc } from './loc';

/** How deep filter groups may nest (`$and` inside `$or` inside ...). */
export const MAX_FILTER_DEPTH = 64;

/**
 * Records, while parsing, how every leaf node can be rebuilt from another input of the same
 * shape: the keys that lead to its raw value and the function that turned that value into the
 * node. The compiled-shape cache replays these instead of parsing again.
 */
export interface Tracker {
  readonly leaves: {
    readonly keys: readonly (string | number)[];
    readonly make: (raw: unknown) => unknown;
  }[];
  readonly index: Map<object, number>;
}

/** State shared by one parse. */
export interface ParseContext {
  readonly info: SchemaInfo | undefined;
  readonly unknownFields: 'error' | 'missing';
  readonly values: Readonly<Record<string, unknown>> | undefined;
  readonly tracker: Tracker | undefined;
}

/** Builds a leaf node from the raw value at `loc`, remembering how (when tracking). */
export function leaf<T extends object>(
  ctx: ParseContext,
  loc: Loc,
  raw: unknown,
  make: (raw: unknown) => T,
): T {
  const node = make(raw);
  const tracker = ctx.tracker;
  if (tracker !== undefined && !((node as { kind?: unknown }).kind === 'const')) {
    tracker.index.set(node, tracker.leaves.length);
    tracker.leaves.push({ keys: locKeys(loc), make });
  }
  return node;
}
