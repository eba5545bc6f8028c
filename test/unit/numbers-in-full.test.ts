import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasExponent, numberInFull, stringifyInFull } from '../../src/core/numbers-in-full.js';

const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

describe('numbers written in full', () => {
  it('read back as the same number, without an exponent', () => {
    fc.assert(
      fc.property(finite, (n) => {
        const text = numberInFull(n);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        expect(JSON.parse(text)).toBe(n === 0 ? 0 : n);
        expect(hasExponent(n)).toBe(JSON.stringify(n).includes('e'));
      }),
      { numRuns: 20_000 },
    );
  });

  it('places the point where the exponent puts it', () => {
    expect([1e21, -1.25e22, 1.5e-7, -5e-324, 123e-20, 999e-9].map(numberInFull)).toEqual([
      '1000000000000000000000',
      '-12500000000000000000000',
      '0.00000015',
      `-0.${'0'.repeat(323)}5`,
      '0.00000000000000000123',
      '0.000000999',
    ]);
  });

  it('stringify as JSON.stringify does, numbers apart', () => {
    const json = fc
      .jsonValue({ maxDepth: 4 })
      .filter((v) => typeof v === 'object' && v !== null && !JSON.stringify(v).includes('~~'));
    fc.assert(
      fc.property(json, (value) => {
        const text = stringifyInFull(value);
        const json = JSON.stringify(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(json));
        // Only the numbers JSON writes with an exponent are written otherwise.
        const exponents = JSON.stringify(value, (_, v) =>
          typeof v === 'number' && hasExponent(v) ? `~~${numberInFull(v)}` : v,
        );
        expect(text).toBe(exponents.replace(/"~~(-?[\d.]+)"/g, '$1'));
      }),
      { numRuns: 2_000 },
    );
    const when = new Date(0);
    expect(stringifyInFull({ a: [1e21, 'x', null, true], b: undefined, when })).toBe(
      `{"a":[1000000000000000000000,"x",null,true],"when":${JSON.stringify(when)}}`,
    );
  });
});
