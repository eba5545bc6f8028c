import { describe, expect, it } from 'vitest';
import { readLimitText } from '../../src/backends/sqlite/limit.js';
import { findStatement } from '../../src/backends/sqlite/query.js';
import { prepareQuery } from '../../src/query/query.js';

describe('SQLite read limits', () => {
  it('round a limit up by at most half, to one of about twenty statement texts per shape', () => {
    const texts = new Set<string>();
    for (let limit = 1; limit <= 1001; limit++) {
      const written = Number(readLimitText(limit));
      expect(written).toBeGreaterThanOrEqual(limit);
      expect(written).toBeLessThanOrEqual(Math.max(2, limit * 1.5));
      const { query } = prepareQuery('docs', { status: 'open' }, { limit: Math.min(limit, 1000) });
      texts.add(findStatement('t', 'docs', query).text);
    }
    // Each distinct text is a prepared statement of its own: a client asking for every
    // limit must not fill the statement cache.
    expect(texts.size).toBeLessThanOrEqual(21);
  });

  it('refuses anything but a non-negative whole number', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) expect(() => readLimitText(bad)).toThrow();
  });
});
