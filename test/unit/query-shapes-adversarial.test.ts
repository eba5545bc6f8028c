import fc from 'fast-check';
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

type Compile = (tenant: string, query: NormalizedQuery) => QueryStatement;

// Each dialect's compiler and its shapes as its backend keeps them.
const dialects: [string, Compile, () => QueryShapes][] = [
  [
    'PostgreSQL',
    (tenant, q) => postgresFind('"s"', tenant, 'docs', q, indexes),
    () => new QueryShapes({ limitInShape: true }),
  ],
  ['SQLite', (tenant, q) => sqliteFind(tenant, 'docs', q, indexes), () => new QueryShapes()],
];

describe.each(dialects)(
  '%s statements by query shape, against a fresh compile',
  (_, compileFor, newShapes) => {
    const check = (shapes: QueryShapes, filter: unknown, options?: QueryOptions) => {
      const { query } = prepareQuery('docs', filter, options);
      const cached = shapes.statement('t', 'docs', indexes, query, (q) => compileFor('t', q));
      expect(cached).toEqual(compileFor('t', query));
    };

    it('learn no shape from a query whose values are the stand-ins themselves', () => {
      // A shape's stand-in numbers are -1e-9 - i; a query holding exactly those must not
      // make a template that binds values derived from them for every later query.
      const firsts: unknown[] = [
        { n: { $gt: -1e-9 } },
        { n: -1e-9 },
        { a: 's', n: { $lt: -1.000000001 } },
        { n: { $in: [-1e-9, -1.000000001] } },
      ];
      const seconds: unknown[] = [
        { n: { $gt: 5 } },
        { n: 7 },
        { a: 'x', n: { $lt: 3 } },
        { n: { $in: [1, 2] } },
      ];
      firsts.forEach((first, i) => {
        const shapes = newShapes();
        // A shape is learned the second time it is met.
        check(shapes, first);
        check(shapes, first);
        check(shapes, seconds[i]);
      });
    });

    it('hand every query, in any order, the statement a fresh compile gives', () => {
      fc.assert(
        fc.property(fc.array(query, { minLength: 1, maxLength: 40 }), (queries) => {
          const shapes = newShapes();
          // Each asked twice, so its shape is learned from it and serves those after it.
          for (const [filter, options] of queries) {
            check(shapes, filter, options);
            check(shapes, filter, options);
          }
        }),
        { numRuns: 300 },
      );
    });
  },
);

const scalar = fc.constantFrom<unknown>(
  0,
  -0,
  1,
  -1,
  2,
  0.1 + 0.2,
  1e-300,
  5e-324,
  -5e-324,
  2 ** 53 + 2,
  1e21,
  -1e-9,
  1e-9,
  -1.000000001,
  1.000000001,
  -2.000000001,
  'a',
  '',
  '1',
  '-1e-9',
  '$."code"',
  'é',
  '\u{1F600}',
  true,
  false,
  null,
);
const path = fc.constantFrom('code', 'total', 'flag', 'n', 'a.0.b');
const leafTest = fc.oneof(
  scalar,
  fc.record({ $ne: scalar }),
  fc.record({ $gt: scalar.filter((v) => typeof v === 'number' || typeof v === 'string') }),
  fc.record({ $lte: scalar.filter((v) => typeof v === 'number' || typeof v === 'string') }),
  fc.record({ $in: fc.array(scalar, { maxLength: 4 }) }),
  fc.record({ $nin: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ $exists: fc.boolean() }),
);
const fieldTests = (minKeys: number) => fc.dictionary(path, leafTest, { minKeys, maxKeys: 3 });
const filter: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fieldTests(0),
  fc.record({ $or: fc.array(fieldTests(1), { minLength: 1, maxLength: 3 }) }),
  fieldTests(1).map((tests) => ({ $not: tests })),
);
const query = fc.tuple(
  filter,
  fc.record({
    sort: fc.subarray(['total', '-code', 'flag', 'n']),
    // Few limits, so shapes whose limit is part of them are met again too.
    limit: fc.oneof(fc.constantFrom(1, 50, 51), fc.integer({ min: 1, max: 1000 })),
  }),
);
