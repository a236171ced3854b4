import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from './backoff.ts';

describe('backoffDelayMs', () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles per attempt from the base', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy, () => 0))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('caps the nominal delay and adds at most 20% jitter', () => {
    expect(backoffDelayMs(30, policy, () => 0)).toBe(60_000);
    expect(backoffDelayMs(30, policy, () => 0.999_999)).toBeLessThanOrEqual(72_000);
    expect(backoffDelayMs(2, policy, () => 0.5)).toBe(2_200);
  });
});
