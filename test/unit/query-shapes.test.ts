import { describe, expect, it } from 'vitest';
import { QueryShapes, type QueryStatement } from '../../src/backends/kit/query-shapes.js';
import type { NormalizedQuery } from '../../src/backends/kit/query-sql.js';
import { findStatement as postgresFind } from '../../src/backends/postgres/query.js';
import { findStatement as sqliteFind } from '../../src/backends/sqlite/query.js';
import { normalizeIndexes } from '../../src/query/indexes.js';
import { prepareQuery, type QueryOptions } from '../../src/query/query.js';

const indexes = normalizeIndexes('docs', [
  { field: 'code' },
  { field: 'total', type: 'number' },
  { field: 'flag', type: 'boolean' },
]);

// Pairs of queries of one shape, but for their values: the second takes the first's template.
const pairs: [unknown, unknown, QueryOptions?][] = [
  [{ code: 'C-1' }, { code: 'C-2' }],
  [{ total: { $gte: 1, $lt: 5 } }, { total: { $gte: 10.5, $lt: 11 } }, { sort: ['total'] }],
  // The value equals the path segment, which an unindexed path binds too.
  [{ status: 'status' }, { status: 'open' }],
  [{ status: 'open' }, { status: 'status' }],
  [
    { 'a.0.b': 'x', n: { $in: [1, 'two', 3] } },
    { 'a.0.b': 'y', n: { $in: [4, 'five', 6] } },
  ],
  [
    { $or: [{ code: 'a' }, { $not: { total: { $gt: 3 } } }], note: { $exists: true } },
    { $or: [{ code: 'b' }, { $not: { total: { $gt: -3 } } }], note: { $exists: true } },
    { sort: ['-total', 'code'], limit: 7 },
  ],
  // A number spelled as the stand-in numbers take while a shape is learned.
  [
    { status: 'x', n: -1e-9 },
    { status: 'y', n: 2 },
  ],
  [
    { flag: true, total: { $ne: 2 } },
    { flag: true, total: { $ne: 3 } },
  ],
  [{}, {}, { limit: 3 }],
];

type Compile = (tenant: string, query: NormalizedQuery) => QueryStatement;

// Each dialect's compiler, its shapes as its backend keeps them, and whether it writes the
// limit of a page that one index yields in order (`servesWhole`) into the text.
const dialects: [string, Compile, () => QueryShapes, boolean][] = [
  [
    'PostgreSQL',
    (tenant, q) => postgresFind('"s"', tenant, 'docs', q, indexes),
    () => new QueryShapes({ limitInShape: true }),
    true,
  ],
  ['SQLite', (tenant, q) => sqliteFind(tenant, 'docs', q, indexes), () => new QueryShapes(), false],
];

describe.each(dialects)('%s statements by query shape', (_, compileFor, newShapes, writesLimit) => {
  const boundLimit = (limit: number) => (writesLimit ? [] : [limit]);
  const statementOf = (shapes: QueryShapes, filter: unknown, options?: QueryOptions) => {
    const { query } = prepareQuery('docs', filter, options);
    const compile = (q: NormalizedQuery) => compileFor('tenant', q);
    return {
      cached: shapes.statement('tenant', 'docs', indexes, query, compile),
      fresh: compile(query),
    };
  };

  it('bind each query its own values into the text its shape was compiled to', () => {
    for (const [first, second, options] of pairs) {
      const shapes = newShapes();
      // A shape is learned the second time it is met.
      statementOf(shapes, first, options);
      const a = statementOf(shapes, first, options);
      const b = statementOf(shapes, second, options);
      expect(a.cached).toEqual(a.fresh);
      expect(b.cached).toEqual(b.fresh);
    }
  });

  it('hand a shape met before the same text, compiled once', () => {
    const shapes = newShapes();
    let compiled = 0;
    const texts = new Set<string>();
    for (const code of ['C-1', 'C-2', 'C-3', 'C-4']) {
      const { query } = prepareQuery('docs', { code });
      const statement = shapes.statement('t', 'docs', indexes, query, (q) => {
        compiled++;
        return compileFor('t', q);
      });
      texts.add(statement.text);
      expect(statement.values).toEqual(['t', code, ...boundLimit(100)]);
    }
    // The first two compile their own, the second a stand-in's too, to learn the shape.
    expect(compiled).toBe(3);
    expect(texts.size).toBe(1);
  });

  it('keep the shape of a range over a number index, its bounds bound as they are', () => {
    const shapes = newShapes();
    let compiled = 0;
    for (const [min, max, limit] of [
      [1, 5, 50],
      [-2.5, 1e300, 7],
      [0, 0.1, 1000],
    ] as const) {
      const { query } = prepareQuery(
        'docs',
        { total: { $gte: min, $lt: max } },
        { sort: ['total'], limit },
      );
      const statement = shapes.statement('t', 'docs', indexes, query, (q) => {
        compiled++;
        return compileFor('t', q);
      });
      expect(statement).toEqual(compileFor('t', query));
      expect(statement.values).toEqual(['t', min, max, ...boundLimit(limit)]);
    }
    expect(compiled).toBe(3);
  });

  it('never hand one shape the statement of another', () => {
    const shapes = newShapes();
    const cases: [unknown, QueryOptions?][] = [
      [{}, { sort: ['a.b'] }],
      [{}, { sort: ['a', 'b'] }],
      [{}, { sort: ['-a', 'b'] }],
      [{ 'a.b': 's' }],
      [{ a: 's' }],
      [{ a: 1 }],
      [{ a: { $in: ['x', 1] } }],
      [{ a: { $in: [1, 'x'] } }],
      [{ a: 1, b: 1 }],
      [{ $or: [{ a: 1 }, { b: 1 }] }],
    ];
    // Three rounds: each shape is met, then learned, then served from what was learned.
    for (let round = 0; round < 3; round++)
      for (const [filter, options] of cases) {
        const { cached, fresh } = statementOf(shapes, filter, options);
        expect(cached).toEqual(fresh);
      }
  });

  it('tell booleans apart, which the text of an indexed test writes in', () => {
    const shapes = newShapes();
    statementOf(shapes, { flag: true });
    const t = statementOf(shapes, { flag: true });
    const f = statementOf(shapes, { flag: false });
    expect(t.cached).toEqual(t.fresh);
    expect(f.cached).toEqual(f.fresh);
    expect(t.cached.text).not.toBe(f.cached.text);
  });
});
