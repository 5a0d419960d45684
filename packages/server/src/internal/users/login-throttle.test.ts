import { afterEach, describe, expect, it, vi } from 'vitest';
import { LoginThrottle } from './login-throttle';

afterEach(() => {
  vi.useRealTimers();
});

describe('LoginThrottle', () => {
  it('locks a username (case-insensitively) after maxFailures within the window, until the window ends', () => {
    vi.useFakeTimers({ now: 0 });
    const throttle = new LoginThrottle({ maxFailures: 2, windowMs: 1000 });
    throttle.check('ada');
    throttle.fail('ada');
    throttle.check('ADA');
    throttle.fail('Ada');
    expect(() => throttle.check('ada')).toThrow(
      expect.objectContaining({ code: 'RATE_LIMITED', status: 429 }),
    );
    throttle.check('bob');
    vi.setSystemTime(1001);
    throttle.check('ada');
  });

  it('forgets the failures of a username after a success', () => {
    const throttle = new LoginThrottle({ maxFailures: 2 });
    throttle.fail('ada');
    throttle.succeed('ada');
    throttle.fail('ada');
    throttle.check('ada');
  });
});
