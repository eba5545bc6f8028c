import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, resolveRetry } from '../../src/concurrency/retry.js';

describe('backoffDelay', () => {
  it("'none' is exact exponential growth capped at maxDelay", () => {
    const policy = resolveRetry({ initialDelay: 10, multiplier: 2, maxDelay: 100, jitter: 'none' });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, 0))).toEqual([
      10, 20, 40, 80, 100, 100,
    ]);
  });

  it("'full' spans [0, exponential], 'equal' spans [exponential/2, exponential]", () => {
    const full = resolveRetry({ initialDelay: 10, jitter: 'full' });
    const equal = resolveRetry({ initialDelay: 10, jitter: 'equal' });
    expect(backoffDelay(full, 3, 0, () => 0)).toBe(0);
    expect(backoffDelay(full, 3, 0, () => 1)).toBe(40);
    expect(backoffDelay(equal, 3, 0, () => 0)).toBe(20);
    expect(backoffDelay(equal, 3, 0, () => 1)).toBe(40);
  });

  it("'decorrelated' draws from [initialDelay, 3 × previous], capped", () => {
    const policy = resolveRetry({ initialDelay: 10, maxDelay: 50, jitter: 'decorrelated' });
    expect(backoffDelay(policy, 1, 0, () => 1)).toBe(10);
    expect(backoffDelay(policy, 2, 10, () => 1)).toBe(30);
    expect(backoffDelay(policy, 3, 30, () => 1)).toBe(50);
    expect(backoffDelay(policy, 3, 30, () => 0)).toBe(10);
  });

  it('every jitter stays within [0, maxDelay] for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('none', 'full', 'equal', 'decorrelated' as const),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.double({ min: 1, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
        fc.double({ min: 0, max: 5000, noNaN: true }),
        (jitter, initialDelay, extra, multiplier, attempt, draw, previous) => {
          const maxDelay = initialDelay + extra;
          const policy = resolveRetry({ initialDelay, maxDelay, multiplier, jitter });
          const delay = backoffDelay(policy, attempt, previous, () => draw);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(maxDelay);
        },
      ),
    );
  });
});
