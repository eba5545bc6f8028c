import Sqlite from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  numberKey,
  numberKeySql,
  registerNumberKeyFunction,
} from '../../src/backends/sqlite/number-order.js';
import { oldNumberKeyExpression } from '../support/old-number-key.js';

const EDGES = [
  0,
  -0,
  1,
  -1,
  0.1,
  -0.1,
  100,
  -100,
  1e21,
  -1e21,
  1e-7,
  123456789012345680000,
  5e-324,
  -5e-324,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  -5.3155507604509186e-257,
  5.3155507604509186e-257,
  2 ** 53,
  -(2 ** 53) - 2,
  1500,
  0.30000000000000004,
  10,
  1e100,
];

// Each JSON text's key from the function and from the old expression, read from stored
// documents through `->`, as an index reads them.
function keysOf(texts: readonly string[]): [string, string][] {
  const db = new Sqlite(':memory:');
  try {
    registerNumberKeyFunction(db);
    db.exec('CREATE TABLE d (k INTEGER PRIMARY KEY, body TEXT)');
    const insert = db.prepare('INSERT INTO d (body) VALUES (?)');
    for (const text of texts) insert.run(`{"n":${text}}`);
    const at = `(body -> '$.n')`;
    return db
      .prepare(`SELECT ${numberKeySql(at)}, ${oldNumberKeyExpression(at)} FROM d ORDER BY k`)
      .raw()
      .all() as [string, string][];
  } finally {
    db.close();
  }
}

describe('SQLite number key function', () => {
  it('gives numberKey(value) and the old SQL key for edge and random numbers', () => {
    const values = [
      ...EDGES,
      ...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), 2000),
      ...fc.sample(fc.integer(), 500).map((i) => i * 1000),
    ];
    const keys = keysOf(values.map((v) => JSON.stringify(v)));
    values.forEach((value, i) => {
      const [fn, old] = keys[i] as [string, string];
      expect(fn, String(value)).toBe(numberKey(value));
      expect(fn, String(value)).toBe(old);
    });
    // Binary order of the keys is the numbers' order.
    const sorted = values.map((v, i) => [v, keys[i]?.[0] as string] as const);
    sorted.sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    for (let i = 1; i < sorted.length; i++) {
      expect(sorted[i - 1]?.[0]).toBeLessThanOrEqual(sorted[i]?.[0] as number);
    }
  });

  it('reads any JSON number text as the old expression did, not only JSON.stringify output', () => {
    const texts = [
      '1.50e+3',
      '-0.0',
      '1E400',
      '0.000',
      '-12.3400e-02',
      '0.00120',
      '7e0',
      '-1.0E-5',
    ];
    for (const [fn, old] of keysOf(texts)) expect(fn).toBe(old);
    expect(keysOf(['1.50e+3', '1500', '-0.0'])).toEqual([
      [numberKey(1500), expect.any(String)],
      [numberKey(1500), expect.any(String)],
      ['O', 'O'],
    ]);
  });
});
