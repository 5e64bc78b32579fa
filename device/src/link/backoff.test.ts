import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  const o = { initialMs: 500, maxMs: 30_000 };
  it('doubles from the initial delay, with jitter in the upper half of each step', () => {
    expect(backoffDelayMs(0, { ...o, random: () => 0 })).toBe(250);
    expect(backoffDelayMs(0, { ...o, random: () => 0.999999 })).toBe(500);
    expect(backoffDelayMs(3, { ...o, random: () => 0 })).toBe(2000);
  });
  it('never exceeds the cap, however many attempts', () => {
    for (const attempt of [6, 7, 20, 1000]) {
      const d = backoffDelayMs(attempt, o);
      expect(d).toBeLessThanOrEqual(30_000);
      expect(d).toBeGreaterThanOrEqual(15_000);
    }
  });
});
