import fc from 'fast-check';
import { expect, it } from 'vitest';
import { normalizeCondition } from '../../src/concurrency/condition.js';
import type { CollectionOptions, Condition, DocumentStore, Scalar } from '../../src/index.js';
import { evaluateQuery } from '../../src/query/evaluate.js';
import { normalizeSort, type SortField } from '../../src/query/sort.js';
import { conditionOver, document, pathsIn } from '../support/condition-arbitraries.js';
import { describeConformance } from './fixture.js';

// One seed for documents, filters and sorts: set QUERY_SEED to replay a failure.
const SEED = Number(process.env.QUERY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const DOCUMENTS = 150;
const QUERIES = 300;

// Sort values of every kind side by side, ties among them, and numbers far apart in size.
const FIXED: Record<string, unknown>[] = [
  {},
  { a: null },
  { a: false, b: 1 },
  { a: true, b: 1 },
  { a: 1e-300, b: -1e300 },
  { a: -5.3155507604509186e-257, b: 5.3155507604509186e-257 },
  { a: 0, b: 0.1 },
  { a: '', b: '0' },
  { a: [], b: {} },
  { a: { b: 1 }, b: [1] },
  { a: '😀', b: '\uffff' },
  { a: 2 ** 53, b: 2 ** 53 + 2 },
  // Adjacent doubles SQLite reads as one (its reading of such numbers is inexact), the
  // larger first so that a tie broken by id would put them in the wrong order.
  { a: 2.621458478583523e-282, b: 1.1569685603148641e-286 },
  { a: 2.6214584785835228e-282, b: 1.156968560314864e-286 },
  // Integers whose shortest text is not their value (18014398509481990 is the double
  // 18014398509481992): SQLite reads such text as a 64-bit integer, another number than
  // the double JavaScript wrote and binds. And the ends of the doubles, both zeros, a sum
  // that is not its decimal look-alike, and integers past 2^53 and 2^63.
  { a: 18014398509481990, b: 2 ** 63 - 1024 },
  { a: 2 ** 63, b: 1.7976931348623157e308 },
  { a: 5e-324, b: -0 },
  { a: 0.1 + 0.2, b: 2 ** 53 + 1 },
  { a: 1e21, b: -1.7976931348623157e308 },
  { a: 2 ** 53 - 1, b: 2 ** 64 },
];

// Every path the documents name that an index can hold (object keys, no array index),
// once for each type of value: queries must mean the same with the indexes declared.
const INDEXED = ['a', 'b', 'n', 'a.b', 'b.a', 'a.a', 'k y', 'é'].flatMap((field) =>
  (['string', 'number', 'boolean'] as const).map((type) => ({ field, type })),
);

async function storeDocuments(store: DocumentStore, options: CollectionOptions = {}) {
  const name = options.indexes ? 'query-semantics-indexed' : 'query-semantics';
  const collection = store.collection(name, options);
  const generated = [...FIXED, ...fc.sample(document, { numRuns: DOCUMENTS, seed: SEED })];
  const session = store.openSession();
  const bodies = generated.map((doc, i) => {
    const stored = { ...doc, id: `d${i}` };
    session.store(collection, stored);
    return { id: stored.id, body: JSON.parse(JSON.stringify(stored)) as unknown };
  });
  await session.saveChanges();
  return { collection, bodies };
}

// Sorts over paths the documents hold (and some they do not), each key either way.
function sortOver(documents: readonly unknown[]): fc.Arbitrary<SortField<unknown>[]> {
  const paths = new Set<string>(['a', 'b', 'n', 'id', 'zz']);
  for (const doc of documents) for (const path of pathsIn(doc).keys()) paths.add(path);
  // 'a' and 'b' hold the fixed documents' values of every kind side by side.
  const path = fc.oneof(
    { arbitrary: fc.constantFrom('a', 'b'), weight: 1 },
    { arbitrary: fc.constantFrom(...paths), weight: 2 },
  );
  const key = fc
    .tuple(path, fc.boolean())
    .map(([path, descending]) => (descending ? `-${path}` : path));
  return fc.array(key, { maxLength: 3 });
}

describeConformance('query semantics', (fixture) => {
  it('find returns the set and order the reference evaluator does, page by page', async () => {
    await agreesWithReference(fixture().store);
  }, 300_000);

  it('means the same with an index on every path the filters name', async () => {
    await agreesWithReference(fixture().store, { indexes: INDEXED });
  }, 300_000);

  it('means the same for an $or of tests that indexes serve, read branch by branch', async () => {
    await agreesWithReference(fixture().store, { indexes: INDEXED }, indexedOr);
  }, 300_000);

  it('means the same sorted by an indexed path the filter tests, page after page', async () => {
    await agreesWithReference(fixture().store, { indexes: INDEXED }, indexedSort, 4);
  }, 300_000);
});

// Equalities and ranges on indexed paths, with values the documents hold (so of an
// indexed type), each with its path.
function indexedTests(documents: readonly unknown[]) {
  const found = new Map<string, Scalar[]>();
  for (const doc of documents) pathsIn(doc, [], found);
  const indexed = new Set(INDEXED.map((index) => index.field));
  const paths = [...found.keys()].filter((path) => indexed.has(path));
  const test = fc.constantFrom(...paths).chain((path) => {
    const stored = (found.get(path) ?? []).filter((v) => v !== null);
    const value = fc.constantFrom(...(stored.length ? stored : [0]));
    const orderable = stored.filter((v) => typeof v === 'number' || typeof v === 'string');
    const ranges = orderable.length
      ? (() => {
          const ordered = fc.constantFrom(...orderable);
          return [
            fc.record({ $gte: ordered }),
            fc.record({ $lt: ordered }),
            fc.record({ $gt: ordered, $lte: ordered }),
          ];
        })()
      : [];
    return fc.oneof(value, ...ranges).map((t) => ({ path, test: { [path]: t } as Condition }));
  });
  return { paths, test };
}

// An $or of tests on indexed paths, sometimes beside another test; sorted by one of its
// paths or by id.
function indexedOr(documents: readonly unknown[]) {
  const { paths, test } = indexedTests(documents);
  const filter = fc
    .tuple(fc.array(test, { minLength: 1, maxLength: 3 }), fc.option(test, { freq: 3 }))
    .map(([branches, beside]): Condition => {
      const or = { $or: branches.map((b) => b.test) };
      return beside ? { $and: [beside.test, or] } : or;
    });
  const sort = fc
    .constantFrom(...paths, 'id')
    .chain((path) => fc.constantFrom<SortField<unknown>[]>([], [path], [`-${path}`]));
  return fc.record({ filter: fc.option(filter, { freq: 20 }), sort });
}

// A test on an indexed path, sometimes beside another, sorted by that path first (either
// way, then maybe by another): an index orders such pages, and a page after a cursor
// reads it from the cursor on.
function indexedSort(documents: readonly unknown[]) {
  const { paths, test } = indexedTests(documents);
  return fc
    .tuple(
      test,
      fc.option(test, { freq: 3 }),
      fc.boolean(),
      fc.option(fc.constantFrom(...paths, 'id')),
      fc.boolean(),
    )
    .map(([first, beside, descending, then, thenDescending]) => ({
      filter: beside ? { $and: [first.test, beside.test] } : first.test,
      sort: [
        `${descending ? '-' : ''}${first.path}`,
        ...(then === null ? [] : [`${thenDescending ? '-' : ''}${then}`]),
      ],
    }));
}

// The filters and sorts a run draws over the stored documents.
type Queries = (
  documents: readonly unknown[],
) => fc.Arbitrary<{ filter: Condition | null; sort: SortField<unknown>[] }>;

const anyQuery: Queries = (documents) =>
  fc.record({
    filter: fc.option(conditionOver(documents), { freq: 5 }),
    sort: sortOver(documents),
  });

async function agreesWithReference(
  store: DocumentStore,
  options: CollectionOptions = {},
  queries: Queries = anyQuery,
  // Short pages walk further past cursors.
  longestPage = 40,
) {
  const { collection, bodies } = await storeDocuments(store, options);
  const everything = bodies.map((b) => b.body);
  let judged = 0;
  await fc.assert(
    fc.asyncProperty(
      queries(everything),
      fc.integer({ min: 1, max: longestPage }),
      async ({ filter, sort }, limit) => {
        const given: Condition = filter ?? {};
        const query = {
          filter: filter === null ? null : normalizeCondition(filter),
          sort: normalizeSort(sort),
          after: undefined,
          limit: 1000,
        };
        const want = evaluateQuery(bodies, query).map((d) => d.id);
        const all = await store.find(collection, given, { sort, limit: 1000 });
        const got = all.documents.map((d) => d.id);
        const context = `seed ${SEED}: ${JSON.stringify(given)} sorted ${JSON.stringify(sort)}`;
        expect(got, context).toEqual(want);
        expect(await store.count(collection, given), context).toBe(want.length);
        judged += bodies.length;
        // And the same order again, a page at a time.
        const walked: unknown[] = [];
        let after: string | undefined;
        do {
          const page = await store.find(collection, given, { sort, limit, after });
          walked.push(...page.documents.map((d) => d.id));
          after = page.next ?? undefined;
        } while (after && walked.length <= want.length);
        expect(walked, `${context} by ${limit}`).toEqual(want);
      },
    ),
    { seed: SEED, numRuns: QUERIES },
  );
  expect(judged).toBeGreaterThanOrEqual(10_000);
}
