import { vitestApi } from './vitest-api';
import { BackendError, ERROR_CODES, type ErrorCode } from '../backend-error';
import type { CloudStoreAdapter } from '../cloud-store-adapter';
import type { StoredRecord } from '../field-value';

/**
 * Keys of the items of the filter fixture ({@link ITEM_FIXTURE}).
 *
 * @example
 * ```ts
 * const key: ItemKey = 'a';
 * ```
 */
export type ItemKey = 'a' | 'b' | 'c' | 'd' | 'e' | 'f';

/** Ids of the seeded fixture records, by key. */
export interface Seeded {
  readonly ids: Record<ItemKey | 'o1' | 'o2' | 'org', string>;
  /** The key of an item id. */
  keyOf(id: string): string;
}

const ITEMS: Record<ItemKey, Record<string, unknown>> = {
  a: {
    title: 'Buy milk',
    n: 1,
    done: false,
    due: new Date('2026-01-01T00:00:00.000Z'),
    tags: ['x', 'y'],
    meta: { city: 'Oslo', zip: 150 },
    owner: 'o1',
    loc: { latitude: 59.91, longitude: 10.75 },
    body: 'fresh milk from the farm',
  },
  b: {
    title: 'buy bread',
    n: 2,
    done: true,
    due: new Date('2026-02-01T00:00:00.000Z'),
    tags: ['y'],
    meta: { city: 'Bergen', zip: 5003 },
    owner: 'o1',
    loc: { latitude: 60.39, longitude: 5.32 },
    body: 'bread and butter',
  },
  c: {
    title: 'Call mom',
    n: 3,
    done: false,
    due: new Date('2026-03-01T00:00:00.000Z'),
    tags: [],
    meta: { city: 'Oslo' },
    owner: 'o2',
    loc: { latitude: 40.71, longitude: -74.0 },
    body: 'phone call',
  },
  d: { title: 'Clean house', n: 4, done: true, tags: ['z', 'x'] },
  e: {
    title: 'écrire',
    n: 5.5,
    done: false,
    due: new Date('2026-05-15T00:00:00.000Z'),
    tags: ['x'],
    meta: { city: 'Trondheim', zip: 7010 },
    owner: 'o2',
    loc: { latitude: 63.43, longitude: 10.39 },
    body: 'milk and honey',
  },
  f: {
    n: -1,
    due: new Date('2025-12-31T00:00:00.000Z'),
    meta: {},
    owner: 'o1',
    loc: { latitude: -33.87, longitude: 151.21 },
    body: 'MILK shake',
  },
};

/**
 * The items the filter cases run against, keyed `a`..`f`, as written (dates as `Date`, `owner`
 * as the key of an `Owner` record). `FILTER_CASES` name their expected results by these
 * keys, so a package can replay the cases on its own storage.
 *
 * @example
 * ```ts
 * import { FILTER_CASES, ITEM_FIXTURE } from '@localbackend/adapter/testing';
 * for (const [key, item] of Object.entries(ITEM_FIXTURE)) insertRow({ objectId: key, ...item });
 * ```
 */
export const ITEM_FIXTURE: Readonly<Record<ItemKey, Readonly<Record<string, unknown>>>> = ITEMS;

/**
 * Seeds `Org`, `Owner` (o1 -> org, o2) and `Item` (a..f, see {@link ITEM_FIXTURE}); o1's Relation
 * `favorites` holds a and c when `relations` is on.
 */
export async function seedItems(
  db: CloudStoreAdapter,
  options: { relations: boolean },
): Promise<Seeded> {
  const org = await db.create({ collection: 'Org', data: { name: 'Acme' } });
  const o1 = await db.create({
    collection: 'Owner',
    data: { name: 'Ada', org: { __type: 'Pointer', className: 'Org', objectId: org.objectId } },
  });
  const o2 = await db.create({ collection: 'Owner', data: { name: 'Bob' } });
  const owners: Record<string, string> = { o1: o1.objectId, o2: o2.objectId };
  const ids: Record<string, string> = { o1: o1.objectId, o2: o2.objectId, org: org.objectId };
  for (const key of Object.keys(ITEMS) as ItemKey[]) {
    const data: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(ITEMS[key])) {
      if (field === 'owner')
        data.owner = { __type: 'Pointer', className: 'Owner', objectId: owners[value as string] };
      else if (field === 'loc') data.loc = { __type: 'GeoPoint', ...(value as object) };
      else data[field] = value;
    }
    const record = await db.create({ collection: 'Item', data: data as never });
    ids[key] = record.objectId;
  }
  if (options.relations) {
    await db.addRelation({
      collection: 'Owner',
      objectId: o1.objectId,
      key: 'favorites',
      targetObjectId: [ids.a!, ids.c!],
      targetClass: 'Item',
    });
  }
  const byId = new Map(Object.entries(ids).map(([k, v]) => [v, k]));
  return { ids: ids as Seeded['ids'], keyOf: (id) => byId.get(id) ?? `?${id}` };
}

/** The keys of `records`, sorted (for set comparison) or in order. */
export function keysOf(
  seeded: Seeded,
  records: readonly StoredRecord[],
  ordered = false,
): string[] {
  const keys = records.map((r) => seeded.keyOf(r.objectId));
  return ordered ? keys : keys.sort();
}

/**
 * Expects `promise` to reject with a `BackendError` of `code` (or one of `code`), with a
 * non-empty message that leaks no SQL, and status / parseCode matching the code table.
 */
export async function expectBackendError(
  promise: Promise<unknown> | (() => unknown),
  code: ErrorCode | readonly ErrorCode[],
): Promise<BackendError> {
  const { expect } = vitestApi();
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (caught) {
    error = caught;
  }
  const codes = typeof code === 'string' ? [code] : code;
  expect(
    error,
    `expected a BackendError ${codes.join(' | ')}, but nothing was thrown`,
  ).toBeDefined();
  expect(
    BackendError.is(error),
    `expected a BackendError ${codes.join(' | ')}, got ${String(error)}`,
  ).toBe(true);
  const backendError = error as BackendError;
  expect(
    codes,
    `expected ${codes.join(' | ')}, got ${backendError.code}: ${backendError.message}`,
  ).toContain(backendError.code);
  expect(backendError.message.length).toBeGreaterThan(0);
  expect(backendError.message).not.toMatch(
    /\bSQLITE_(BUSY|ERROR|CONSTRAINT|MISUSE|CORRUPT|LOCKED)|\bSELECT\b|\bINSERT INTO\b|syntax error|at Object\.|\n\s+at /,
  );
  expect(backendError.status).toBe(ERROR_CODES[backendError.code].status);
  expect(backendError.parseCode).toBe(ERROR_CODES[backendError.code].parseCode);
  return backendError;
}
