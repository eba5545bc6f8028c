import { expect, it } from 'vitest';
import { type Condition, type DocumentStore, UniqueConstraintError } from '../../../index.js';
import { seedAges } from './ages.js';
import { bulkSuite } from './bulk.js';
import type { StoreFixture } from './fixture.js';

/** What a backend tells the conformance suite about itself. */
export interface ConformanceOptions {
  /**
   * Whether the plan `explain()` returns names the indexes it uses (by the names
   * `ensureIndexes` gave them), so the suite can check that declared indexes are used.
   * Default `true`; `false` skips that check, and only that one.
   */
  readonly explainNamesIndexes?: boolean;
}

// Filters over `AGES` and the ids they match, in id order.
const FILTERS: readonly [Condition, string[]][] = [
  [{ age: { $gt: 40 } }, ['p100', 'p250']],
  [{ age: { $lt: 100 } }, ['p40', 'p9']],
  [{ age: { $gte: '100' } }, ['s100', 's40']],
  [{ age: 40 }, ['p40']],
  [{ age: '40' }, ['s40']],
  [{ age: true }, ['t']],
  [{ age: null }, ['n']],
  [{ age: { $ne: 40 } }, ['f', 'm', 'n', 'p100', 'p250', 'p9', 's100', 's40', 't']],
  [{ age: { $in: [9, '100', null] } }, ['n', 'p9', 's100']],
  [{ age: { $exists: false } }, ['m']],
  [{ $or: [{ age: 9 }, { age: false }] }, ['f', 'p9']],
];

interface User {
  id: string;
  email: unknown;
}

// Users whose email no two live users of a tenant share (when a string).
const usersOf = (store: DocumentStore) => store.collection<User>('users', { unique: ['email'] });

const ids = (page: { documents: { id?: unknown }[] }) => page.documents.map((d) => d.id);

/**
 * Queries and what they rest on: `find`, `findOne`, `count` and `exists` comparing by JSON
 * type (never as text), sorts over several paths with the id breaking ties, cursor pages
 * that visit every match once, declared indexes used and meaning nothing different,
 * unique fields (the holder named; one winner of a race), and the conditional bulk
 * writes (see `bulkSuite`).
 */
export function querySuite(fixture: () => StoreFixture, options: ConformanceOptions = {}): void {
  it('find, findOne, count and exists compare by JSON type, never as text', async () => {
    const { store } = fixture();
    const people = await seedAges(store);
    for (const [filter, want] of FILTERS) {
      const label = JSON.stringify(filter);
      expect(ids(await store.find(people, filter)), label).toEqual(want);
      expect(await store.count(people, filter), label).toBe(want.length);
      expect(await store.exists(people, filter), label).toBe(want.length > 0);
      expect((await store.findOne(people, filter))?.id, label).toBe(want[0]);
    }
    expect(await store.exists(people, { age: 41 })).toBe(false);
    expect(await store.findOne(people, { age: 41 })).toBeNull();
  });

  it('sorts across types and on several paths, the id breaking ties', async () => {
    const { store } = fixture();
    const people = await seedAges(store);
    const sorted = (sort: string | string[]) => store.find(people, {}, { sort }).then(ids);
    // missing < null < false < true < numbers < strings, no two alike.
    const ascending = ['m', 'n', 'f', 't', 'p9', 'p40', 'p100', 'p250', 's100', 's40'];
    expect(await sorted('age')).toEqual(ascending);
    expect(await sorted('-age')).toEqual([...ascending].reverse());
    const teams = store.collection('teams');
    // Stored out of id order, so that only the tie-break can put ties in id order.
    for (const [id, team, score] of [
      ['e', 'y', 1],
      ['d', 'x', 3],
      ['c', 'y', 1],
      ['b', 'x', 2],
      ['a', 'x', 2],
    ] as const) {
      await store.insert(teams, { id, team, score });
    }
    const by = (sort: string[]) => store.find(teams, {}, { sort }).then(ids);
    expect(await by(['team', '-score'])).toEqual(['d', 'a', 'b', 'c', 'e']);
    expect(await by(['-team', 'score'])).toEqual(['c', 'e', 'a', 'b', 'd']);
    expect(await by(['score', '-team'])).toEqual(['c', 'e', 'a', 'b', 'd']);
  });

  it('pages by limit and after visit every match once, in order, whatever the page size', async () => {
    const { store } = fixture();
    const items = store.collection('paged');
    const idOf = (i: number) => `d${String(i).padStart(2, '0')}`;
    const session = store.openSession();
    // Few distinct values, so most pages end inside a run of ties.
    for (let i = 0; i < 23; i++) session.store(items, { id: idOf(i), v: i % 4 });
    await session.saveChanges();
    // v descending, then id ascending.
    const matching = Array.from({ length: 23 }, (_, i) => i)
      .filter((i) => i % 4 >= 1)
      .sort((a, b) => (b % 4) - (a % 4) || a - b)
      .map(idOf);
    for (const limit of [1, 3, 17, 100]) {
      const walked: unknown[] = [];
      let after: string | undefined;
      do {
        const page = await store.find(items, { v: { $gte: 1 } }, { sort: '-v', limit, after });
        expect(page.documents.length).toBeLessThanOrEqual(limit);
        walked.push(...ids(page));
        after = page.next ?? undefined;
      } while (after && walked.length <= matching.length);
      expect(walked, `limit ${limit}`).toEqual(matching);
    }
  });

  it('a cursor goes on with the same filter whatever the order its tests are written in', async () => {
    const { store } = fixture();
    const items = store.collection<{ id: string; a: number; b: string }>('reordered');
    await store.insertMany(
      items,
      Array.from({ length: 6 }, (_, i) => ({ id: `r${i}`, a: i % 2, b: i < 4 ? 'x' : 'y' })),
    );
    const first = await store.find(items, { a: 0, b: 'x', id: { $ne: 'none' } }, { limit: 1 });
    expect(ids(first)).toEqual(['r0']);
    const after = first.next ?? undefined;
    const next = await store.find(items, { id: { $ne: 'none' }, b: 'x', a: 0 }, { after });
    expect(ids(next)).toEqual(['r2']);
    const nested = { $or: [{ b: 'y' }, { a: 1 }] };
    const page = await store.find(items, nested, { limit: 2 });
    const swapped = { $or: [{ a: 1 }, { b: 'y' }] };
    const rest = await store.find(items, swapped, { after: page.next ?? undefined });
    expect([...ids(page), ...ids(rest)]).toEqual(['r1', 'r3', 'r4', 'r5']);
    // A filter that means something else still refuses it.
    await expect(
      store.find(items, { a: 0, b: 'y' }, { after: first.next ?? undefined }),
    ).rejects.toThrow(/cursor/i);
  });

  it('a page with a byte budget stops before the document past it and goes on from there', async () => {
    const { store } = fixture();
    const items = store.collection<{ id: string; note: string }>('budgeted');
    const idOf = (i: number) => `b${String(i).padStart(2, '0')}`;
    // Every document about 1,030 bytes of JSON, most of them in two-byte characters.
    await store.insertMany(
      items,
      Array.from({ length: 14 }, (_, i) => ({ id: idOf(i), note: 'é'.repeat(500) })),
    );
    const all = Array.from({ length: 14 }, (_, i) => idOf(i));
    // Budgets half a document from a whole number of them: 1, 1, 3 and 13 per page.
    for (const [maxBytes, perPage] of [
      [1, 1],
      [1500, 1],
      [3600, 3],
      [13_500, 13],
    ] as const) {
      const pages: unknown[][] = [];
      let after: string | undefined;
      do {
        const page = await store.find(items, {}, { limit: 100, maxBytes, after });
        pages.push(ids(page));
        after = page.next ?? undefined;
      } while (after && pages.length <= all.length);
      expect(pages.flat(), `maxBytes ${maxBytes}`).toEqual(all);
      expect(
        pages.slice(0, -1).every((p) => p.length === perPage),
        `maxBytes ${maxBytes}`,
      ).toBe(true);
      expect(pages.at(-1)?.length).toBe(all.length - (pages.length - 1) * perPage);
    }
    // In the query's own order, here the reverse of the ids'.
    const byRank = store.collection<{ id: string; rank: number; note: string }>('ranked');
    await store.insertMany(
      byRank,
      all.map((id, i) => ({ id, rank: -i, note: 'é'.repeat(500) })),
    );
    const walked: unknown[] = [];
    let after: string | undefined;
    do {
      const page = await store.find(byRank, {}, { sort: 'rank', maxBytes: 3600, after });
      expect(page.documents.length).toBeLessThanOrEqual(3);
      walked.push(...ids(page));
      after = page.next ?? undefined;
    } while (after && walked.length <= all.length);
    expect(walked).toEqual([...all].reverse());
    // The limit still ends a page the budget would let grow; the last page says so.
    const short = await store.find(items, { note: { $exists: true } }, { limit: 2, maxBytes: 1e9 });
    expect(ids(short)).toEqual(all.slice(0, 2));
    expect(short.next).not.toBeNull();
    const last = await store.find(items, {}, { limit: 100, maxBytes: 1e9 });
    expect([ids(last), last.next]).toEqual([all, null]);
    await expect(store.find(items, {}, { maxBytes: 0 })).rejects.toThrow(/maxBytes/);
  });

  it('a byte budget counts numbers as stored, written in full', async () => {
    const { store } = fixture();
    const wide = store.collection<{ id: string; amounts: number[] }>('wide');
    // Each about 150 bytes as JSON writes 1e308 and 6,200 bytes in full.
    await store.insertMany(
      wide,
      Array.from({ length: 6 }, (_, i) => ({ id: `w${i}`, amounts: Array(20).fill(1e308) })),
    );
    const pages: number[] = [];
    let after: string | undefined;
    do {
      const page = await store.find(wide, {}, { maxBytes: 13_000, after });
      expect(page.documents.every((d) => d.amounts.every((a) => a === 1e308))).toBe(true);
      pages.push(page.documents.length);
      after = page.next ?? undefined;
    } while (after && pages.length <= 6);
    expect(pages).toEqual([2, 2, 2]);
  });

  it('numbers past the lengths JSON writes with an exponent compare and sort by value', async () => {
    const { store } = fixture();
    const values = [
      1e308, 1.7976931348623157e308, 1e21, 999999999999999900000, 1.0000000000000003e21, 1e-6,
      9.99e-7, 1.5e-7, 5e-324, 0, -5e-324, -1.5e-7, -1e21, -1e308,
    ];
    const docs = values.map((n, i) => ({ id: `n${String(i).padStart(2, '0')}`, n }));
    const sorted = [...docs].sort((a, b) => a.n - b.n);
    for (const [name, c] of [
      ['plain', store.collection<{ id: string; n: number }>('extreme')],
      [
        'indexed',
        store.collection<{ id: string; n: number }>('extreme-indexed', {
          indexes: [{ field: 'n', type: 'number' }],
        }),
      ],
    ] as const) {
      await store.insertMany(c, docs);
      expect(ids(await store.find(c, {}, { sort: 'n' })), name).toEqual(sorted.map((d) => d.id));
      for (const v of values) {
        const gt = sorted.filter((d) => d.n > v).map((d) => d.id);
        expect(
          ids(await store.find(c, { n: { $gt: v } }, { sort: 'n' })),
          `${name} > ${v}`,
        ).toEqual(gt);
        const eq = docs.filter((d) => d.n === v).map((d) => d.id);
        expect(ids(await store.find(c, { n: v })), `${name} = ${v}`).toEqual(eq);
      }
      expect((await store.find(c, { n: { $lte: -1e21 } })).documents).toEqual([
        { id: 'n12', n: -1e21 },
        { id: 'n13', n: -1e308 },
      ]);
    }
  });

  it('declared indexes are used where they answer, and change no answer', async () => {
    const { store } = fixture();
    const c = store.collection<Record<string, unknown>>('indexed', {
      indexes: [{ field: 'code' }, { field: 'total', type: 'number' }],
    });
    const session = store.openSession();
    // Some values of another type than the index holds: left out of it, still found.
    for (let i = 0; i < 300; i++) {
      const id = `d${String(i).padStart(3, '0')}`;
      session.store(c, { id, code: i % 50 === 7 ? i : `c${i}`, total: i % 40 === 3 ? `${i}` : i });
    }
    await session.saveChanges();
    if (options.explainNamesIndexes !== false) {
      const { plan, indexes } = await store.explain(c, { code: 'c42' });
      expect(
        indexes.map((index) => index.fields),
        plan,
      ).toEqual([['code']]);
    }
    expect(ids(await store.find(c, { code: 'c42' }))).toEqual(['d042']);
    expect(ids(await store.find(c, { code: 57 }))).toEqual(['d057']);
    expect(ids(await store.find(c, { code: '57' }))).toEqual([]);
    expect(ids(await store.find(c, { total: { $gt: 295 } }, { sort: '-total' }))).toEqual([
      'd299',
      'd298',
      'd297',
      'd296',
    ]);
    expect(ids(await store.find(c, { total: '283' }))).toEqual(['d283']);
    // Eight totals are strings (3, 43, …, 283).
    expect(await store.count(c, { total: { $gte: 0 } })).toBe(300 - 8);
  });

  it('a query whose index another store dropped runs without it', async () => {
    const { openStore } = fixture();
    // A collection of this store's, queried once with its index, which another store
    // declaring the collection otherwise then drops.
    const dropped = async (name: string) => {
      const mine = openStore();
      const c = mine.collection(name, { indexes: [{ field: 'code' }] });
      await mine.insertMany(c, [
        { id: 'a', code: 'x' },
        { id: 'b', code: 'y' },
      ]);
      expect(ids(await mine.find(c, { code: 'x' }))).toEqual(['a']);
      const other = openStore();
      other.collection(name, { indexes: [] });
      await other.ready();
      return { mine, c };
    };
    const found = await dropped('found');
    expect(ids(await found.mine.find(found.c, { code: 'x' }))).toEqual(['a']);
    const counted = await dropped('counted');
    expect(await counted.mine.count(counted.c, { code: 'x' })).toBe(1);
    const explained = await dropped('explained');
    // A write first, so that an SQLite connection has read the schema as it now is.
    await explained.mine.insert(explained.c, { id: 'c', code: 'z' });
    expect((await explained.mine.explain(explained.c, { code: 'x' })).indexes).toEqual([]);
    const written = await dropped('written');
    const bulk = await written.mine.updateWhere(written.c, { code: 'x' }, { $set: { n: 1 } });
    expect(bulk.written.map((w) => w.id)).toEqual(['a']);
  });

  it('refuses a second holder of a unique value, naming the field and the holder', async () => {
    const { store } = fixture();
    const users = usersOf(store);
    await store.insert(users, { id: 'ann', email: 'a@x.org' });
    const error = await store
      .insert(users, { id: 'eve', email: 'a@x.org' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(error).toMatchObject({ fields: ['email'], id: 'eve', holder: 'ann' });
    expect(await store.get(users, 'eve')).toBeNull();
    // Another type, or a deleted holder, constrains nothing.
    await store.insert(users, { id: 'num', email: 1 });
    await store.insert(users, { id: 'num2', email: 1 });
    await store.delete(users, 'ann');
    await store.insert(users, { id: 'eve', email: 'a@x.org' });
    expect(await store.count(users)).toBe(3);
  });

  it('refuses to declare a unique field that live documents already share', async () => {
    const { store, openStore } = fixture();
    const plain = store.collection('shared');
    await store.insert(plain, { id: 'a', email: 'same' });
    await store.insert(plain, { id: 'b', email: 'same' });
    const later = openStore();
    const declared = later.collection('shared', { unique: ['email'] });
    const error = await later.count(declared).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(error).toMatchObject({ fields: ['email'], id: null, holder: null });
    // A read refused so was no write: the message says what is wrong and what to do.
    expect((error as Error).message).toMatch(/already share .*index was not made/);
    expect((error as Error).message).not.toMatch(/write/);
  });

  it('names the fields of a compound unique value in its refusal', async () => {
    const { store } = fixture();
    const skus = store.collection<{ id: string; shop: string; sku: string }>('skus', {
      unique: [['shop', 'sku']],
    });
    await store.insert(skus, { id: 'a', shop: 's1', sku: 'k1' });
    const error = await store
      .insert(skus, { id: 'b', shop: 's1', sku: 'k1' })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ fields: ['shop', 'sku'], id: 'b', holder: 'a' });
    expect((error as Error).message).toMatch(/^The unique fields shop, sku of skus already have /);
  });

  it('of racing inserts of one unique value on separate stores, exactly one wins', async () => {
    const { store, openStore } = fixture();
    const stores = Array.from({ length: 4 }, () => openStore());
    for (let round = 0; round < 5; round++) {
      const email = `race${round}@x.org`;
      const results = await Promise.allSettled(
        stores.map((s, i) => s.insert(usersOf(s), { id: `r${round}-${i}`, email })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(UniqueConstraintError);
      }
      expect(await store.count(usersOf(store), { email })).toBe(1);
    }
  });

  bulkSuite(fixture);
}
