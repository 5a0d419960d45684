import { describe, expect, it } from 'vitest';
import { AsyncGate } from './async-gate';

describe('AsyncGate', () => {
  it('runs holders one at a time, first come first served', async () => {
    const gate = new AsyncGate();
    const order: string[] = [];
    const slow = gate.run(async () => {
      order.push('a start');
      await new Promise((r) => setTimeout(r, 10));
      order.push('a end');
    });
    expect(gate.free).toBe(false);
    const b = gate.run(() => order.push('b'));
    const c = gate.run(() => order.push('c'));
    expect(gate.waiting).toBe(2);
    await Promise.all([slow, b, c]);
    expect(order).toEqual(['a start', 'a end', 'b', 'c']);
    expect(gate.free).toBe(true);
  });

  it('a throwing holder releases the gate', async () => {
    const gate = new AsyncGate();
    await expect(gate.run(() => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(gate.free).toBe(true);
    expect(await gate.run(() => 5)).toBe(5);
  });

  it('drain waits for everyone', async () => {
    const gate = new AsyncGate();
    let done = false;
    void gate.run(async () => {
      await new Promise((r) => setTimeout(r, 10));
      done = true;
    });
    await gate.drain();
    expect(done).toBe(true);
  });
});
