import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newToken, tokenFloor } from '../../src/core/token.js';

describe('write tokens', () => {
  it('are UUIDv7 strings, distinct, sorting by their time and above the floor of that time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.nat(1_000_000), (time, gap) => {
        const a = newToken(time);
        const later = Math.min(time + 1 + gap, 2 ** 48 - 1);
        const b = newToken(later);
        expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        expect(a < b).toBe(true);
        expect(a >= tokenFloor(time)).toBe(true);
        expect(a < tokenFloor(time + 1)).toBe(true);
      }),
    );
    const many = new Set(Array.from({ length: 10_000 }, () => newToken(1_700_000_000_000)));
    expect(many.size).toBe(10_000);
  });
});
