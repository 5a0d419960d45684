import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredRecord, TableSchema } from '@localbackend/adapter';
import type { RunServices } from '../catalog/node-definition';
import { ObjectScope } from './object-scope';
import { recordArray } from './records';
import { rememberJsonText } from './result-text';

/** The part of the run services that loading records uses: the run's object scope. */
function runWith(scope: ObjectScope): RunServices {
  return { objects: scope } as unknown as RunServices;
}

const row = (id: string, fields: Record<string, unknown> = {}): StoredRecord =>
  ({
    objectId: id,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    ...fields,
  }) as StoredRecord;

/** A query result as a worker receives it: parsed from JSON text that it remembers. */
function crossed(rows: readonly StoredRecord[], count?: number) {
  const text = JSON.stringify(count === undefined ? { results: rows } : { results: rows, count });
  const parsed = JSON.parse(text) as { results: StoredRecord[]; count?: number };
  rememberJsonText(parsed, text);
  return parsed;
}

const TABLE: TableSchema = {
  name: 'Todo',
  columns: [
    { name: 'title', type: 'String' },
    { name: 'due', type: 'Date' },
    { name: 'owner', type: 'Pointer', targetClass: '_User' },
  ],
} as TableSchema;

describe('deferred query results (records created on first need)', () => {
  it('writes a deferred list exactly as the loaded objects would be written, with or without the remembered text (property)', () => {
    const primitive = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.constant(null),
    );
    const fieldName = fc
      .string({ minLength: 1, maxLength: 8, unit: 'binary' })
      .filter((k) => !['objectId', 'id', 'ACL', 'className', '__type', '__proto__'].includes(k));
    const rows = fc.uniqueArray(
      fc.record({
        id: fc.stringMatching(/^[A-Za-z0-9]{1,10}$/),
        fields: fc.dictionary(
          fieldName,
          fc.oneof(primitive, fc.array(primitive, { maxLength: 3 })),
          {
            maxKeys: 5,
          },
        ),
      }),
      { selector: (r) => r.id, maxLength: 8 },
    );
    fc.assert(
      fc.property(rows, fc.boolean(), fc.boolean(), (spec, remembered, withCount) => {
        const stored = spec.map((r) => ({ objectId: r.id, ...r.fields }) as StoredRecord);
        const result = remembered
          ? crossed(stored, withCount ? stored.length : undefined)
          : { results: stored };
        const eagerScope = new ObjectScope();
        const eager = recordArray(runWith(eagerScope), 'Todo', result, TABLE, false);
        const lazyScope = new ObjectScope();
        const lazy = recordArray(runWith(lazyScope), 'Todo', result, TABLE, true);
        // Integer-like keys come first in a JS object, before objectId: loaded eagerly.
        const deferrable =
          stored.length > 0 &&
          !spec.some((r) => Object.keys(r.fields).some((k) => /^(0|[1-9]\d*)$/.test(k)));
        expect(lazyScope.isDeferred(lazy)).toBe(deferrable);
        expect(lazyScope.json(lazy)).toBe(eagerScope.json(eager));
        expect(lazyScope.isDeferred(lazy)).toBe(deferrable);
        // Settled, it holds the same objects an eager load makes.
        lazyScope.settleArray(lazy);
        expect(lazyScope.isDeferred(lazy)).toBe(false);
        expect(lazyScope.json(lazy)).toBe(eagerScope.json(eager));
        expect(lazy.map((o) => JSON.stringify(o))).toEqual(eager.map((o) => JSON.stringify(o)));
      }),
      { numRuns: 300 },
    );
  });

  it('loads the objects before anyone reaches one of their ids (get, exists, classOf, setClass), so they are the same objects with the same values', () => {
    for (const reach of [
      (s: ObjectScope) => s.get('b').set('title', 'changed'),
      (s: ObjectScope) => expect(s.exists('b')).toBe(true),
      (s: ObjectScope) => expect(s.classOf('b')).toBe('Todo'),
      (s: ObjectScope) => s.setClass('b', 'Other'),
    ]) {
      const scope = new ObjectScope();
      const run = runWith(scope);
      const list = recordArray(
        run,
        'Todo',
        crossed([row('a', { title: 'x' }), row('b', { title: 'y' })]),
        undefined,
        true,
      );
      expect(scope.isDeferred(list)).toBe(true);
      expect(list).toHaveLength(0);
      reach(scope);
      expect(scope.isDeferred(list)).toBe(false);
      expect(list).toHaveLength(2);
      expect(list[1]).toBe(scope.get('b'));
      expect(scope.get('a').get('title')).toBe('x');
      expect(JSON.parse(scope.json(list)!)[1].id).toBe('b');
    }
    const scope = new ObjectScope();
    const list = recordArray(
      runWith(scope),
      'Todo',
      crossed([row('a', { title: 'x' })]),
      undefined,
      true,
    );
    scope.get('a').set('title', 'edited');
    expect(JSON.parse(scope.json(list)!)).toEqual([
      expect.objectContaining({ title: 'edited', id: 'a' }),
    ]);
    const viaArray = new ObjectScope();
    const listed = recordArray(runWith(viaArray), 'Todo', crossed([row('a')]), undefined, true);
    expect(viaArray.getArray(listed.id)).toBe(listed);
    expect(listed).toHaveLength(1);
  });

  it('loads eagerly when an id already has an object, is deferred by another list or repeats, and for rows that need conversion', () => {
    const scope = new ObjectScope();
    const run = runWith(scope);
    scope.get('a');
    expect(scope.isDeferred(recordArray(run, 'Todo', crossed([row('a')]), undefined, true))).toBe(
      false,
    );
    const first = recordArray(run, 'Todo', crossed([row('b', { n: 1 })]), undefined, true);
    expect(scope.isDeferred(first)).toBe(true);
    // A second result with the same record: the first list is loaded first, then this one (the
    // object holds the later values, as with eager loads in this order).
    const second = recordArray(run, 'Todo', crossed([row('b', { n: 2 })]), undefined, true);
    expect(scope.isDeferred(second)).toBe(false);
    expect(scope.isDeferred(first)).toBe(false);
    expect(first[0]).toBe(second[0]);
    expect(scope.get('b').get('n')).toBe(2);
    expect(
      scope.isDeferred(recordArray(run, 'Todo', crossed([row('c'), row('c')]), undefined, true)),
    ).toBe(false);
    for (const odd of [
      row('d', { nested: { a: 1 } }),
      row('e', { list: [{ a: 1 }] }),
      row('f', { ACL: { '*': { read: true } } }),
      { title: 'objectId not first', objectId: 'g' } as unknown as StoredRecord,
      row('h', { id: 'own id field' }),
    ]) {
      const s = new ObjectScope();
      const list = recordArray(runWith(s), 'Todo', crossed([odd]), undefined, true);
      expect(s.isDeferred(list)).toBe(false);
      expect(list).toHaveLength(1);
    }
  });

  it('forgets deferred lists when the scope is cleared', () => {
    const scope = new ObjectScope();
    const list = recordArray(runWith(scope), 'Todo', crossed([row('a')]), undefined, true);
    scope.clear();
    expect(scope.isDeferred(list)).toBe(false);
    expect(scope.exists('a')).toBe(false);
  });
});
