import fc from 'fast-check';
import { expect, it } from 'vitest';
import { normalizeCondition } from '../../src/concurrency/condition.js';
import type { CollectionOptions, Condition, FindOptions } from '../../src/index.js';
import { evaluateQuery } from '../../src/query/evaluate.js';
import { normalizeSort, type SortField } from '../../src/query/sort.js';
import { walkPages } from '../support/walk-pages.js';
import { describeConformance } from './fixture.js';

interface Row {
  id: string;
  n: number;
}

const COUNT = 400;

interface Mixed {
  id: string;
  a?: number | string | null;
  b: number | string;
  g: 'x' | 'y';
}

// Values whose order the databases could get wrong: zeros, the ends of the doubles,
// integers past 2^53 whose shortest text is not their value, and strings past the BMP,
// combining marks and the highest code units.
const NUMBERS = [
  -0,
  0,
  1,
  -1,
  1e300,
  -1e300,
  2 ** 53,
  2 ** 53 + 2,
  18014398509481990,
  0.1,
  0.1 + 0.2,
  5e-324,
];
const STRINGS = ['', 'a', 'A', 'é', 'e\u0301', '\uffff', '😀', '\ud7ff', 'ab', 'Z'];
const SEED = Number(process.env.QUERY_SEED ?? Math.floor(Math.random() * 2 ** 31));

// Filters on `a` that make every match one type (so an index orders the page by it),
// and $or filters whose branches make it one type each, or none.
const filters = (type: 'number' | 'string'): Condition[] => {
  const values = type === 'number' ? NUMBERS : STRINGS;
  return [
    { a: type === 'number' ? { $gte: -1e301 } : { $gte: '' } },
    { a: { $in: values.slice(0, 5) } },
    { a: values[1] as number | string },
    {
      $or: [
        { a: type === 'number' ? { $gt: 0 } : { $gt: 'a' } },
        { b: type === 'number' ? { $lt: 1 } : 'a' },
      ],
    },
    { $or: [{ a: { $gt: 0 } }, { a: { $in: ['a', 'Z', '😀'] } }] },
    { $or: [{ a: { $lt: 1 } }, { a: { $gte: 'a' } }, { b: 1 }] },
  ];
};

const mixed = fc.record({
  a: fc.option(fc.constantFrom<number | string | null>(...NUMBERS, ...STRINGS, null), {
    nil: undefined,
  }),
  b: fc.constantFrom(...NUMBERS, ...STRINGS),
  g: fc.constantFrom<'x' | 'y'>('x', 'y'),
});

// Each page after a cursor must start reading where the cursor is in the index that orders
// the page: read from the index's start, a walk through N documents cost O(N²), a page
// 2,000 deep taking hundreds of milliseconds.
describeConformance('pages after a cursor', (fixture) => {
  it('read the ordering index from the cursor on, and walk every match once in order', async () => {
    const { store } = fixture();
    const rows = store.collection<Row>('rows', { indexes: [{ field: 'n', type: 'number' }] });
    await store.insertMany(
      rows,
      Array.from({ length: COUNT }, (_, i) => ({ id: `r${i}`, n: (i * 7) % COUNT })),
    );
    const filter = { n: { $lt: 350 } };
    for (const sort of ['n', '-n'] as const) {
      const options: FindOptions<Row> = { sort, limit: 25 };
      const seen = (await walkPages(store, rows, filter, options)).map((row) => row.n);
      const want = Array.from({ length: 350 }, (_, n) => n);
      expect(seen).toEqual(sort === 'n' ? want : want.reverse());
    }
    // The page after n = 24: the index is read from 24, as far as the filter's 350.
    const first = await store.find(rows, filter, { sort: 'n', limit: 25 });
    const { plan } = await store.explain(rows, filter, {
      sort: 'n',
      limit: 25,
      after: first.next ?? undefined,
    });
    if (fixture().backend.name === 'sqlite') {
      expect(plan).toMatch(/USING INDEX \S+ \(tenant=\? AND <expr>>\? AND <expr><\?\)/);
    } else {
      const cond = plan.split('\n').find((line) => line.includes('Index Cond')) ?? '';
      expect(cond, plan).toContain(">= '24'");
      expect(cond, plan).toContain("< '350'");
    }
  });
  it('pages after cursors agree with the reference over values of every kind, compound indexes, $or branches of other types and byte budgets', async () => {
    const { store } = fixture();
    let collections = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(mixed, { maxLength: 30 }),
        fc.constantFrom<'number' | 'string'>('number', 'string'),
        fc.nat(5),
        fc.boolean(),
        fc.record({
          descending: fc.boolean(),
          second: fc.boolean(),
          limit: fc.integer({ min: 1, max: 4 }),
        }),
        fc.option(fc.integer({ min: 1, max: 200 }), { nil: undefined }),
        async (docs, type, shape, compound, page, maxBytes) => {
          // With a compound index, its leading field fixed by equality, then `a` of one type.
          const options: CollectionOptions = compound
            ? { indexes: [{ fields: [{ field: 'g' }, { field: 'a', type }] }] }
            : {
                indexes: [
                  { field: 'a', type: 'number' },
                  { field: 'a' },
                  { field: 'b', type: 'number' },
                  { field: 'b' },
                ],
              };
          const rows = store.collection(`mixed${collections++}`, options);
          const stored = docs.map((doc, i) => ({ id: `d${i}`, ...doc }));
          await store.insertMany(rows, stored);
          const chosen = filters(type)[shape] as Condition;
          const filter: Condition = compound ? { $and: [chosen, { g: 'x' }] } : chosen;
          const sort: SortField<unknown>[] = [
            page.descending ? '-a' : 'a',
            ...(page.second ? ['-b'] : []),
          ];
          const bodies = stored.map((doc) => ({
            id: doc.id,
            body: JSON.parse(JSON.stringify(doc)),
          }));
          const want = evaluateQuery(bodies, {
            filter: normalizeCondition(filter),
            sort: normalizeSort(sort),
            after: undefined,
            limit: 1000,
          }).map((d) => d.id);
          const walked = await walkPages(store, rows, filter, {
            sort,
            limit: page.limit,
            maxBytes,
          });
          expect(
            walked.map((d) => (d as Mixed).id),
            JSON.stringify({ filter, sort, seed: SEED }),
          ).toEqual(want);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  }, 120_000);
});
