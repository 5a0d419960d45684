import { describe, expect, it } from 'vitest';
import { NoodlArray, ObjectScope } from './object-scope';

describe('ObjectScope and Noodl objects', () => {
  it('returns the same object for the same id, maps property access to get/set and serialises fields + id', () => {
    const scope = new ObjectScope();
    const a = scope.get('a');
    a.title = 'x';
    expect(scope.get('a')).toBe(a);
    expect(a.get('title')).toBe('x');
    expect(JSON.stringify(a)).toBe('{"title":"x","id":"a"}');
    expect(Object.keys(a)).toEqual(['title']);
    expect('title' in a).toBe(true);
    expect(scope.isObject(a)).toBe(true);
    expect(scope.isObject({ id: 'a' })).toBe(false);
  });

  it('refuses to change ids or members, warning instead', () => {
    const warnings: string[] = [];
    const scope = new ObjectScope((m) => warnings.push(m));
    const a = scope.get('a');
    (a as { id: string }).id = 'b';
    (a as Record<string, unknown>)['set'] = 1;
    expect(a.id).toBe('a');
    expect(typeof a.set).toBe('function');
    expect(warnings).toHaveLength(2);
  });

  it('keeps a listener that throws from breaking a set', () => {
    const warnings: string[] = [];
    const a = new ObjectScope((m) => warnings.push(m)).get('a');
    a.on('change', () => {
      throw new Error('listener');
    });
    a.set('x', 1);
    expect(a.x).toBe(1);
    expect(warnings[0]).toMatch(/a change listener threw: listener/);
  });

  it('has Noodl arrays: real arrays with an id and helpers, whose map/filter return plain arrays', () => {
    const scope = new ObjectScope();
    const list = scope.newArray([1, 2]);
    let changes = 0;
    list.on('change', () => changes++);
    list.add(3);
    list.remove(1);
    expect([...list]).toEqual([2, 3]);
    expect(list.size()).toBe(2);
    expect(list.contains(3)).toBe(true);
    expect(list.get(0)).toBe(2);
    expect(changes).toBe(2);
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((x) => x)).not.toBeInstanceOf(NoodlArray);
    expect(scope.getArray(list.id)).toBe(list);
    expect(JSON.stringify(list)).toBe('[2,3]');
  });
});
