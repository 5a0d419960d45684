import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password-hash';

describe('password hashes', () => {
  it('are self-describing scrypt PHC strings with a fresh salt that verify only the right password', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^\$scrypt\$ln=14,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('verifies hashes made with another cost, and normalizes Unicode (NFC)', async () => {
    const cheap = await hashPassword('pw', { ln: 10, r: 8, p: 1 });
    expect(cheap.startsWith('$scrypt$ln=10,')).toBe(true);
    expect(await verifyPassword('pw', cheap)).toBe(true);
    const composed = await hashPassword('caf\u00e9', { ln: 10, r: 8, p: 1 });
    expect(await verifyPassword('cafe\u0301', composed)).toBe(true);
  });

  it('answers false (never throws) for stored values it did not write or whose cost is absurd', async () => {
    const good = await hashPassword('pw', { ln: 10, r: 8, p: 1 });
    for (const stored of [
      undefined,
      null,
      42,
      '',
      'pw',
      '$2b$10$abcdefghijklmnopqrstuv',
      good.replace('ln=10', 'ln=30'),
      good.replace('r=8', 'r=99'),
      good.replace('p=1', 'p=9'),
      good.slice(0, -5),
      `${good}$extra`,
    ]) {
      expect(await verifyPassword('pw', stored)).toBe(false);
    }
  });
});
