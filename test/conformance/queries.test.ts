import { expect, it } from 'vitest';
import { normalizeCondition } from '../../src/concurrency/condition.js';
import {
  ConcurrencyError,
  type Condition,
  DocumentStore,
  InvalidArgumentError,
  InvalidConditionError,
  InvalidCursorError,
  type Scalar,
} from '../../src/index.js';
import { encodeCursor } from '../../src/query/cursor.js';
import { evaluateQuery } from '../../src/query/evaluate.js';
import { prepareQuery } from '../../src/query/query.js';
import { normalizeSort } from '../../src/query/sort.js';
import { countedBackend } from '../support/counted-backend.js';
import { describeConformance } from './fixture.js';

// One value of every JSON kind, with look-alikes across types, at the field `v`.
const VALUES: unknown[] = [
  0,
  1,
  -1,
  9,
  40,
  100,
  250,
  1.5,
  -2.25,
  1e21,
  2 ** 53,
  -1e-300,
  '',
  '1',
  '40',
  '9',
  'a',
  'B',
  'é',
  '😀',
  '\uffff',
  'true',
  'null',
  true,
  false,
  null,
  [],
  [1],
  {},
  { a: 1 },
];
const OPERANDS: Scalar[] = [
  0,
  1,
  9,
  40,
  1.5,
  1e21,
  '',
  '1',
  '40',
  'a',
  'é',
  '😀',
  true,
  false,
  null,
];

// The documents, as stored (with their id) and as the reference sees them.
async function seed(store: DocumentStore, name: string, values = VALUES) {
  const c = store.collection(name);
  const docs = values.map((v, i) => ({ id: `d${String(i).padStart(2, '0')}`, v }));
  const session = store.openSession();
  for (const doc of docs) session.store(c, doc);
  session.store(c, { id: 'missing', w: 1 });
  await session.saveChanges();
  const bodies = [...docs, { id: 'missing', w: 1 }].map((d) => ({ id: d.id, body: d }));
  return { c, bodies };
}

// What the reference returns for a filter and sort, all of it.
function expected(
  bodies: { id: string; body: unknown }[],
  filter: Condition,
  sort: unknown = undefined,
) {
  const query = {
    filter: Object.keys(filter).length ? normalizeCondition(filter) : null,
    sort: normalizeSort(sort),
    after: undefined,
    limit: 1000,
  };
  return evaluateQuery(bodies, query).map((d) => d.id);
}

const ids = (page: { documents: { id?: unknown }[] }) => page.documents.map((d) => d.id);

describeConformance('queries', (fixture) => {
  it('every operator with every value type matches as the reference says, never as text', async () => {
    const { store } = fixture();
    const { c, bodies } = await seed(store, 'typed');
    const filters: Condition[] = [{ v: { $exists: true } }, { v: { $exists: false } }];
    for (const x of OPERANDS) {
      filters.push({ v: x }, { v: { $eq: x } }, { v: { $ne: x } });
      filters.push({ v: { $in: [x, 'a'] } }, { v: { $nin: [x] } });
      if (typeof x === 'number' || typeof x === 'string') {
        for (const op of ['$gt', '$gte', '$lt', '$lte'] as const) filters.push({ v: { [op]: x } });
      }
    }
    for (const filter of filters) {
      const page = await store.find(c, filter, { limit: 1000 });
      expect(ids(page), JSON.stringify(filter)).toEqual(expected(bodies, filter));
      expect(await store.count(c, filter)).toBe(page.documents.length);
      expect(await store.exists(c, filter)).toBe(page.documents.length > 0);
    }
  });

  it('compares numbers as numbers: $gt 40 over 9, 40, 100, 250 is 100 and 250', async () => {
    const { store } = fixture();
    const people = store.collection<{ id: string; age: number }>('people');
    for (const age of [9, 40, 100, 250]) await store.insert(people, { id: `p${age}`, age });
    const page = await store.find(people, { age: { $gt: 40 } }, { sort: 'age' });
    expect(page.documents.map((p) => p.age)).toEqual([100, 250]);
    expect(page.next).toBeNull();
  });

  it('sorts across JSON types: missing < null < false < true < numbers < strings < arrays < objects', async () => {
    const { store } = fixture();
    const { c, bodies } = await seed(store, 'sorted');
    for (const sort of ['v', '-v', ['-v', 'id'], { field: 'v', order: 'desc' as const }]) {
      const page = await store.find(c, {}, { sort, limit: 1000 });
      expect(ids(page)).toEqual(expected(bodies, {}, sort));
    }
    const ascending = (await store.find(c, {}, { sort: 'v', limit: 1000 })).documents;
    expect(ascending[0]?.id).toBe('missing');
    expect(ascending[1]?.v).toBeNull();
    expect(ascending.at(-1)?.v).toEqual(expect.any(Object));
  });

  it('pages of a static set cover it exactly, in order, whatever the page size', async () => {
    const { store } = fixture();
    // Few distinct values, so most pages end inside a run of ties broken by the id.
    const { c, bodies } = await seed(
      store,
      'paged',
      Array.from({ length: 57 }, (_, i) => i % 4),
    );
    for (const limit of [1, 2, 5, 56, 57, 100]) {
      for (const sort of [undefined, 'v', '-v', ['v', '-id']]) {
        const walked: unknown[] = [];
        let after: string | undefined;
        do {
          const page = await store.find(c, { v: { $gte: 0 } }, { sort, limit, after });
          expect(page.documents.length).toBeLessThanOrEqual(limit);
          walked.push(...ids(page));
          after = page.next ?? undefined;
        } while (after);
        expect(walked).toEqual(expected(bodies, { v: { $gte: 0 } }, sort));
      }
    }
  });

  it('takes back every cursor it hands out, however long the sort values it holds', async () => {
    const { store } = fixture();
    const c = store.collection<{ id: string; text: string }>('long-keys');
    // Sort values of 800,000 characters: a cursor holding one is over a million long.
    const long = 'x'.repeat(800_000);
    for (const id of ['c', 'a', 'b']) await store.insert(c, { id, text: `${long}${id}` });
    const walked: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.find(c, {}, { sort: '-text', limit: 1, after });
      walked.push(...page.documents.map((d) => d.id));
      after = page.next ?? undefined;
    } while (after);
    expect(walked).toEqual(['c', 'b', 'a']);
  });

  it('returns no document twice on a page walk while others write', async () => {
    const { store, openStore } = fixture();
    const { c } = await seed(
      store,
      'moving',
      Array.from({ length: 40 }, (_, i) => i % 5),
    );
    const writer = openStore();
    const w = writer.collection('moving');
    const seen: unknown[] = [];
    let after: string | undefined;
    let round = 0;
    do {
      const page = await store.find(c, {}, { sort: '-v', limit: 3, after });
      seen.push(...ids(page));
      after = page.next ?? undefined;
      // New documents on both sides of the cursor, and changes that keep the sort key.
      await writer.insert(w, { id: `new-${round}-a`, v: 10 });
      await writer.insert(w, { id: `new-${round}-b`, v: -1 });
      await writer.update(w, `d${String(round % 40).padStart(2, '0')}`, (d) => {
        d.touched = round;
      });
      round++;
    } while (after);
    expect(new Set(seen).size).toBe(seen.length);
    for (let i = 0; i < 40; i++) expect(seen).toContain(`d${String(i).padStart(2, '0')}`);
  });

  it('hides deleted documents and other tenants', async () => {
    const { store } = fixture();
    const other = store.withTenant('other');
    const mine = store.collection('items');
    const theirs = other.collection('items');
    await store.insert(mine, { id: 'a', kind: 'x' });
    await store.insert(mine, { id: 'b', kind: 'x' });
    await other.insert(theirs, { id: 'c', kind: 'x' });
    await store.delete(mine, 'b');
    // Taken in turns, so a statement kept for the query's shape serves both tenants.
    for (let round = 0; round < 3; round++) {
      expect(ids(await store.find(mine, { kind: 'x' }))).toEqual(['a']);
      expect(ids(await other.find(theirs, { kind: 'x' }))).toEqual(['c']);
    }
    expect(await store.count(mine)).toBe(1);
    expect(await other.exists(theirs, { id: 'a' })).toBe(false);
    expect(await store.findOne(mine, { id: 'b' })).toBeNull();
  });

  it('refuses bad filters, sorts, limits and cursors with typed errors, reading nothing', async () => {
    const { store } = fixture();
    const { c } = await seed(store, 'refused', [1, 2, 3]);
    const first = await store.find(c, {}, { sort: 'v', limit: 1 });
    const cursor = first.next as string;
    const refusals: [() => Promise<unknown>, new (...args: never[]) => Error][] = [
      [() => store.find(c, { v: { $regex: 'a' } } as Condition), InvalidConditionError],
      [() => store.find(c, { v: { $gt: true } } as unknown as Condition), InvalidConditionError],
      [() => store.find(c, { $where: 'x' } as Condition), InvalidConditionError],
      [() => store.find(c, { v: {} }), InvalidConditionError],
      [() => store.find(c, [] as unknown as Condition), InvalidConditionError],
      [() => store.count(c, { v: { $in: 'a' } } as unknown as Condition), InvalidConditionError],
      [() => store.find(c, {}, { sort: 'a..b' }), InvalidConditionError],
      [() => store.find(c, {}, { sort: 7 as never }), InvalidArgumentError],
      [
        () => store.find(c, {}, { sort: { field: 'v', order: 'up' as never } }),
        InvalidArgumentError,
      ],
      [() => store.find(c, {}, { limit: 0 }), InvalidArgumentError],
      [() => store.find(c, {}, { limit: 1001 }), InvalidArgumentError],
      [() => store.find(c, {}, { sort: '-v', after: cursor }), InvalidCursorError],
      [() => store.find(c, { v: 1 }, { sort: 'v', after: cursor }), InvalidCursorError],
      [() => store.find(c, {}, { sort: 'v', after: `x${cursor}` }), InvalidCursorError],
      [
        () => store.find(c, {}, { sort: 'v', after: cursor.replace(/^./, 'A') }),
        InvalidCursorError,
      ],
      [() => store.find(c, {}, { sort: 'v', after: 'garbage' }), InvalidCursorError],
      [() => store.find(c, {}, { sort: 'v', after: 7 as never }), InvalidCursorError],
    ];
    for (const [call, type] of refusals) await expect(call()).rejects.toBeInstanceOf(type);
    const other = store.collection('refused-too');
    await expect(store.find(other, {}, { sort: 'v', after: cursor })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
    });
    expect(ids(await store.find(c, {}, { sort: 'v', after: cursor }))).toEqual([
      'd00',
      'd01',
      'd02',
    ]);
    expect(await store.count(c)).toBe(4);
  });

  it('refuses an $in with holes, and a resealed cursor holding what no document can, as typed errors', async () => {
    const { store } = fixture();
    const { c } = await seed(store, 'unstorable', [1, 2, 3]);
    // The seal is a check, not a secret: anyone can seal a position of their own making.
    const sealed = (values: unknown[], id: string) =>
      encodeCursor(prepareQuery(c.name, {}, { sort: 'v' }).fingerprint(), { values, id });
    const refusals: [() => Promise<unknown>, new (...args: never[]) => Error][] = [
      // biome-ignore lint/suspicious/noSparseArray: a hole is the input under test
      [() => store.find(c, { v: { $in: [, 1] } as Condition }), InvalidConditionError],
      // biome-ignore lint/suspicious/noSparseArray: a hole is the input under test
      [() => store.count(c, { v: { $nin: [1, ,] } as Condition }), InvalidConditionError],
      [
        () => store.find(c, {}, { sort: 'v', after: sealed(['a\u0000'], 'd00') }),
        InvalidCursorError,
      ],
      [
        () => store.find(c, {}, { sort: 'v', after: sealed(['\ud800'], 'd00') }),
        InvalidCursorError,
      ],
      [() => store.find(c, {}, { sort: 'v', after: sealed([1], 'd\u0000') }), InvalidCursorError],
      [() => store.find(c, {}, { sort: 'v', after: sealed([1], '\udfff') }), InvalidCursorError],
    ];
    for (const [call, type] of refusals) await expect(call()).rejects.toBeInstanceOf(type);
    expect(ids(await store.find(c, {}, { sort: 'v', after: sealed([1], 'd00') }))).toEqual([
      'd01',
      'd02',
    ]);
  });

  it('a filter within the limits runs on every path, and one past them is refused as invalid', async () => {
    const { store } = fixture();
    const { c } = await seed(store, 'limits', [1, 2, 3]);
    // The longest path, every segment of which may index an array, tested against the
    // most values one field takes: SQLite ran out of parameters, naming the path for each.
    const deep = Array.from({ length: 32 }, () => '0').join('.');
    const list = (from: number) => Array.from({ length: 256 }, (_, i) => from + i);
    const widest: Condition = { [deep]: { $in: list(0), $nin: list(1000) }, v: { $in: list(1) } };
    expect(await store.count(c, widest)).toBe(0);
    expect((await store.find(c, { $or: [widest, { v: 2 }] })).documents.map((d) => d.id)).toEqual([
      'd01',
    ]);
    const bulk = await store.updateWhere(c, { $or: [widest, { v: 3 }] }, { $set: { w: 1 } });
    expect(bulk.written.map((w) => w.id)).toEqual(['d02']);
    // Many such tests would bind more values than either database takes in one statement.
    const past: Condition = {
      $or: Array.from({ length: 40 }, (_, k) => ({ v: { $in: list(k * 1000), $nin: list(1) } })),
    };
    await expect(store.count(c, past)).rejects.toBeInstanceOf(InvalidConditionError);
    await expect(store.find(c, past)).rejects.toBeInstanceOf(InvalidConditionError);
    await expect(store.deleteWhere(c, past)).rejects.toBeInstanceOf(InvalidConditionError);
    expect(await store.count(c)).toBe(4);
  });

  it('a session tracks what it finds: the same object as a load, saved with the version it read', async () => {
    const { store } = fixture();
    const { c } = await seed(store, 'tracked', [1, 2, 3]);
    const session = store.openSession();
    const [found] = (await session.find(c, { v: 2 })).documents;
    expect(found?.id).toBe('d01');
    expect(await session.load(c, 'd01')).toBe(found);
    expect(session.getMetadata(c, 'd01')?.revision).toBe(1);
    expect(await session.findOne(c, { v: 2 })).toBe(found);
    await store.update(c, 'd01', (d) => {
      d.v = 20;
    });
    (found as { v: number }).v = 200;
    session.store(c, found as object);
    await expect(session.saveChanges()).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.get(c, 'd01'))?.v).toBe(20);
    // A document deleted in the session is left out of what it finds.
    session.delete(c, 'd02');
    expect(ids(await session.find(c, {}, { sort: 'v' }))).toEqual(['missing', 'd00', 'd01']);
    // So are count() and exists(), as long as the delete is not saved.
    expect(await session.count(c, { v: { $gte: 1 } })).toBe(2);
    expect(await store.count(c, { v: { $gte: 1 } })).toBe(3);
    expect(await session.count(c)).toBe(3);
    // findOne passes over it to the first match the session has not deleted.
    session.delete(c, 'd00');
    expect((await session.findOne(c, { v: { $gte: 1 } }, { sort: 'v' }))?.id).toBe('d01');
    expect(await session.findOne(c, { v: { $in: [1, 3] } })).toBeNull();
    expect(await session.exists(c, { v: { $in: [1, 3] } })).toBe(false);
    expect(await session.count(c, { v: { $in: [1, 3] } })).toBe(0);
    expect(await session.exists(c, { v: { $gte: 1 } })).toBe(true);
    expect(await store.exists(c, { v: { $in: [1, 3] } })).toBe(true);
    const reader = store.querySession();
    expect(ids(await reader.find(c, { v: { $gte: 2 } }, { sort: '-v' }))).toEqual(['d01', 'd02']);
    expect(await reader.exists(c, { v: 3 })).toBe(true);
  });

  it('a found document carries its id and metadata as a load reads them, whatever they hold', async () => {
    const { store } = fixture();
    const c = store.collection<{ id: string; v: number }>('odd');
    const odd = ['a b', 'x\'y"z', 'ü 😀', '-', '1 2 3', ' lead', 'trail '];
    const actors = [undefined, '', 'a b  c', 'x y z', '😀', ' ', "'\"'"];
    for (const [i, id] of odd.entries()) {
      const actor = actors[i];
      await store.insert(c, { id, v: i }, actor === undefined ? {} : { actor });
    }
    await store.update(c, 'a b', (d) => {
      d.v = 0;
    });
    const walk = async (maxBytes?: number) => {
      const session = store.openSession();
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await session.find(c, {}, { sort: 'v', limit: 3, after, maxBytes });
        seen.push(...page.documents.map((d) => d.id));
        after = page.next ?? undefined;
      } while (after !== undefined);
      for (const id of seen) {
        expect(session.getMetadata(c, id)).toEqual(await store.getMetadata(c, id));
      }
      return seen;
    };
    expect(await walk()).toEqual(odd);
    // A byte budget that every page reaches after its first document.
    expect(await walk(1)).toEqual(odd);
    expect((await store.getMetadata(c, '-'))?.lastModifiedBy).toBe('x y z');
    expect((await store.getMetadata(c, 'a b'))?.revision).toBe(2);
  });

  it("a session's count() and exists() leave out more deletes than one read takes", async () => {
    const { store } = fixture();
    const { c } = await seed(store, 'many-deleted', Array(100).fill(1));
    const session = store.openSession();
    for (let i = 0; i < 100; i++) session.delete(c, `d${String(i).padStart(2, '0')}`);
    expect(await session.exists(c, { v: 1 })).toBe(false);
    expect(await session.count(c, { v: 1 })).toBe(0);
    // In id order a hundred deleted ones come first; 'missing', kept, after them.
    expect(await session.exists(c, {})).toBe(true);
    expect(await session.count(c)).toBe(1);
    expect(await store.count(c, { v: 1 })).toBe(100);
  });

  it("a session's findOne passes over many deletes in a few reads, and tracks only what it returns", async () => {
    const f = fixture();
    // The fixture's own backend, opened again, with its reads by query counted.
    const reads = countedBackend(f.backend.open(f.config), 'find');
    const store = new DocumentStore({ backend: reads.backend });
    try {
      const { c } = await seed(store, 'deleted-first', Array(300).fill(1));
      const session = store.openSession();
      for (let i = 0; i < 299; i++) session.delete(c, `d${String(i).padStart(2, '0')}`);
      reads.reset();
      expect((await session.findOne(c, { v: 1 }))?.id).toBe('d299');
      expect(reads.calls()).toBeLessThanOrEqual(10);
      reads.reset();
      expect(await session.findOne(c, { v: 2 })).toBeNull();
      expect(reads.calls()).toBe(1);
      // Read past on the way, 'missing' (after the deleted ones in id order) is not tracked.
      session.delete(c, 'd299');
      expect((await session.findOne(c, {}))?.id).toBe('missing');
      expect(session.getMetadata(c, 'missing')?.revision).toBe(1);
      const other = store.openSession();
      for (let i = 0; i < 250; i++) other.delete(c, `d${String(i).padStart(2, '0')}`);
      expect((await other.findOne(c, { v: 1 }))?.id).toBe('d250');
      expect(other.getMetadata(c, 'd251')).toBeNull();
    } finally {
      await store.close();
    }
  });
});
