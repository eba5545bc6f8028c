import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { limitOf, limitText } from '../../src/backends/sqlite/limit.js';
import { findStatement, namedParams } from '../../src/backends/sqlite/query.js';
import { StatementCache } from '../../src/backends/sqlite/statement-cache.js';
import { prepareQuery } from '../../src/query/query.js';

describe('SQLite read limits', () => {
  it('bind the limit a read asks for, so every limit shares one statement', () => {
    const texts = new Set<string>();
    for (const limit of [1, 2, 51, 101, 1001]) {
      const { query } = prepareQuery('docs', { status: 'open' }, { limit: Math.min(limit, 1000) });
      const { text, values } = findStatement('t', 'docs', { ...query, limit });
      texts.add(text);
      const name = /LIMIT \(SELECT @(\w+)\)$/.exec(text)?.[1];
      expect(name && namedParams(values)[name]).toBe(limit);
    }
    expect(texts.size).toBe(1);
  });

  it('refuses anything but a non-negative whole number', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => limitText(bad)).toThrow();
      expect(() => limitOf(bad)).toThrow();
    }
  });
});

describe('SQLite statement cache', () => {
  it('keeps the statements in use while a stream of one-off texts passes through', () => {
    const db = new Database(':memory:');
    try {
      const cache = new StatementCache(db, 4);
      const hot = cache.get('SELECT 1 AS n');
      for (let i = 0; i < 100; i++) {
        cache.get(`SELECT ${i + 2} AS n`);
        // Used again between the others, the hot statement is never the oldest.
        expect(cache.get('SELECT 1 AS n')).toBe(hot);
      }
    } finally {
      db.close();
    }
  });

  it('drops the least recently used statement once full, and prepares it again when asked', () => {
    const db = new Database(':memory:');
    try {
      const cache = new StatementCache(db, 2);
      const first = cache.get('SELECT 1 AS n');
      const second = cache.get('SELECT 2 AS n');
      cache.get('SELECT 1 AS n');
      cache.get('SELECT 3 AS n'); // drops SELECT 2, the least recently used
      expect(cache.get('SELECT 1 AS n')).toBe(first);
      const again = cache.get('SELECT 2 AS n');
      expect(again).not.toBe(second);
      expect(again.get()).toEqual({ n: 2 });
    } finally {
      db.close();
    }
  });

  it('returns rows as arrays when made raw', () => {
    const db = new Database(':memory:');
    try {
      expect(new StatementCache(db, 2, true).get('SELECT 1 AS n, 2 AS m').get()).toEqual([1, 2]);
    } finally {
      db.close();
    }
  });
});
