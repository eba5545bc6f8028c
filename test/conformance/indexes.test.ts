import { expect, it } from 'vitest';
import { normalizeCondition } from '../../src/concurrency/condition.js';
import {
  type Condition,
  type DocumentStore,
  type FindOptions,
  InvalidArgumentError,
  UniqueConstraintError,
} from '../../src/index.js';
import { evaluateQuery } from '../../src/query/evaluate.js';
import { normalizeSort } from '../../src/query/sort.js';
import { contextOf } from '../../src/store/document-store.js';
import { describeConformance } from './fixture.js';

interface Item {
  id: string;
  code: string | number;
  total: number | string;
  open: boolean;
  status: string;
  customer: { id: string };
}

const COUNT = 3000;

// Enough documents, each value rare, that a planner with statistics prefers an index; a
// few hold another type of value where the index expects one, which it must leave out.
function items(): Item[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    id: `i${String(i).padStart(5, '0')}`,
    code: i % 997 === 5 ? i : `c${String(i).padStart(5, '0')}`,
    total: i % 991 === 7 ? String(i) : i * 1.5,
    open: i % 100 === 0,
    status: `s${i % 50}`,
    customer: { id: `k${i % 60}` },
  }));
}

// The planner's statistics, as an application's database keeps them up to date.
async function analyze(store: DocumentStore): Promise<void> {
  const backend = contextOf(store).backend.backend as unknown as {
    pool?: { query(text: string): Promise<unknown> };
    schema?: string;
    database?: { exec(text: string): void };
  };
  if (backend.pool) await backend.pool.query(`ANALYZE "${backend.schema}".documents`);
  else backend.database?.exec('ANALYZE');
}

// Every operator on every value type an index holds, and sorts served by an index.
const CASES: [string, Condition, FindOptions<Item>, string][] = [
  ['string $eq', { code: 'c00042' }, {}, 'code'],
  ['string $in', { code: { $in: ['c00001', 'c02002'] } }, {}, 'code'],
  ['string $gt', { code: { $gt: 'c02990' } }, {}, 'code'],
  ['string $gte', { code: { $gte: 'c02990' } }, {}, 'code'],
  ['string $lt', { code: { $lt: 'c00010' } }, {}, 'code'],
  ['string $lte', { code: { $lte: 'c00010' } }, {}, 'code'],
  ['string $ne in a range', { code: { $ne: 'c02995', $gte: 'c02990' } }, {}, 'code'],
  ['string sort', { code: { $gte: 'c' } }, { sort: 'code', limit: 5 }, 'code'],
  ['string sort desc', { code: { $gte: 'c' } }, { sort: '-code', limit: 5 }, 'code'],
  ['number $eq', { total: 63 }, {}, 'total'],
  ['number $in', { total: { $in: [3, 4.5] } }, {}, 'total'],
  ['number $gt', { total: { $gt: 4480 } }, {}, 'total'],
  ['number $gte', { total: { $gte: 4480 } }, {}, 'total'],
  ['number $lt', { total: { $lt: 12 } }, {}, 'total'],
  ['number $lte', { total: { $lte: 12 } }, {}, 'total'],
  ['number $ne in a range', { total: { $ne: 4482, $gte: 4480 } }, {}, 'total'],
  ['number sort', { total: { $gte: 0 } }, { sort: 'total', limit: 5 }, 'total'],
  ['number sort desc', { total: { $lte: 1e9 } }, { sort: '-total', limit: 5 }, 'total'],
  ['boolean $eq', { open: true }, {}, 'open'],
  ['boolean $in', { open: { $in: [true] } }, {}, 'open'],
  ['boolean sort', { open: true }, { sort: '-open', limit: 5 }, 'open'],
  ['two fields', { status: 's7', 'customer.id': 'k7' }, {}, 'status+customer.id'],
  ['$or on one field', { $or: [{ code: 'c00042' }, { code: 'c02002' }] }, {}, 'code'],
  ['$or of two fields', { $or: [{ code: 'c00042' }, { total: 63 }] }, {}, 'total'],
  [
    '$or of two fields, each served',
    { $or: [{ status: 's7', 'customer.id': 'k7' }, { code: 'c00042' }] },
    {},
    'status+customer.id',
  ],
];

// $or filters each of whose branches an index yields in the page's order, and the indexes
// the branches read.
const OR_IN_ORDER: [Condition, FindOptions<Item>, string[]][] = [
  [{ $or: [{ code: 'c00042' }, { total: 64.5 }] }, {}, ['code', 'total']],
  [
    { $or: [{ status: 's7', 'customer.id': 'k7' }, { code: 'c00042' }] },
    { limit: 3 },
    ['code', 'status+customer.id'],
  ],
  [
    { $or: [{ total: { $gte: 4480 } }, { total: { $lt: 3 } }] },
    { sort: 'total', limit: 4 },
    ['total'],
  ],
];

// Other $or filters, which the planner reads its own way.
const OR_OTHERS: [Condition, FindOptions<Item>][] = [
  [{ $or: [{ code: { $lt: 'c00003' } }, { total: { $in: [3, 4.5] } }] }, { sort: '-total' }],
  [{ open: false, $or: [{ status: 's7', 'customer.id': 'k7' }, { code: 'c00042' }] }, { limit: 3 }],
  [{ $or: [{ code: 'none' }, { total: { $gte: 0 } }] }, { limit: 5 }],
];

describeConformance('declared indexes', (fixture) => {
  it('every operator on every indexed type uses its index, and finds what the reference does', async () => {
    const { store } = fixture();
    const c = store.collection<Item>('indexed-items', {
      indexes: [
        { field: 'code' },
        { field: 'total', type: 'number' },
        { field: 'open', type: 'boolean' },
        { fields: ['status', 'customer.id'] },
      ],
    });
    const all = items();
    for (let i = 0; i < all.length; i += 500) {
      const session = store.openSession();
      for (const item of all.slice(i, i + 500)) session.store(c, item);
      await session.saveChanges();
    }
    // Even before the planner has statistics, an equality on an index's fields uses it,
    // and an $or whose every branch an index serves reads each branch off its index.
    for (const filter of [{ code: 'c00042' }, { status: 's7', 'customer.id': 'k7' }]) {
      const early = await store.explain(c, filter);
      expect(early.indexes, early.plan).toHaveLength(1);
    }
    const servesOr = async (label: string) => {
      for (const [filter, options, fields] of OR_IN_ORDER) {
        const { plan, indexes } = await store.explain(c, filter, options);
        const used = indexes.map((i) => i.fields.join('+'));
        expect(used, `${label}:\n${plan}`).toEqual(expect.arrayContaining(fields));
      }
    };
    // PostgreSQL's planner chooses by its statistics (see docs/queries.md) from the start.
    if (fixture().backend.name === 'sqlite') await servesOr('before ANALYZE');
    await analyze(store);
    const bodies = all.map((item) => ({ id: item.id, body: item }));
    // The ids the reference finds, in its order.
    const reference = (filter: Condition, options: FindOptions<Item>, limit = 100) =>
      evaluateQuery(bodies, {
        filter: normalizeCondition(filter),
        sort: normalizeSort(options.sort),
        after: undefined,
        limit: options.limit ?? limit,
      }).map((d) => d.id);
    for (const [name, filter, options, fields] of CASES) {
      const { plan, indexes } = await store.explain(c, filter, options);
      expect(
        indexes.map((i) => i.fields.join('+')),
        `${name} on ${fixture().backend.name}:\n${plan}`,
      ).toContain(fields);
      const want = reference(filter, options);
      const got = (await store.find(c, filter, options)).documents.map((d) => d.id);
      expect(got, name).toEqual(want);
      expect(got.length, name).toBeGreaterThan(0);
    }
    await servesOr('after ANALYZE');
    for (const [filter, options] of [...OR_IN_ORDER, ...OR_OTHERS]) {
      const want = reference(filter, options);
      expect(want.length).toBeGreaterThan(1);
      expect((await store.find(c, filter, options)).documents.map((d) => d.id)).toEqual(want);
      expect(await store.count(c, filter)).toBe(reference(filter, {}, all.length).length);
    }
    const read = await store.querySession().explain(c, { total: { $gt: 4480 } });
    expect(read.indexes.map((i) => i.fields)).toEqual([['total']]);
    // Conditional bulk writes find their rows through the same indexed tests.
    const booked = await store.updateWhere(
      c,
      { total: { $gt: 4480 }, open: false },
      {
        $set: { status: 'booked' },
      },
    );
    const wantBooked = all.filter((i) => typeof i.total === 'number' && i.total > 4480 && !i.open);
    expect(booked.written.map((d) => d.id)).toEqual(wantBooked.map((i) => i.id));
    expect(await store.count(c, { status: 'booked' })).toBe(wantBooked.length);
    const removed = await store.deleteWhere(c, { code: { $in: ['c00001', 'c00002', 'x'] } });
    expect(removed.written.map((d) => d.id)).toEqual(['i00001', 'i00002']);
  }, 120_000);

  it('writes by an $or whose branches indexes serve only the documents it matches', async () => {
    const { store } = fixture();
    const c = store.collection<{ id: string; code: string; n: number }>('or-writes', {
      indexes: [{ field: 'code' }, { field: 'n', type: 'number' }],
    });
    await store.insertMany(
      c,
      Array.from({ length: 40 }, (_, i) => ({
        id: `w${String(i).padStart(2, '0')}`,
        code: `k${i % 7}`,
        n: i,
      })),
    );
    const filter = { $or: [{ code: 'k3' }, { n: { $gte: 36 } }, { code: 'k3', n: 3 }] };
    const matching = ['w03', 'w10', 'w17', 'w24', 'w31', 'w36', 'w37', 'w38', 'w39'];
    const bumped = await store.updateWhere(c, filter, { $inc: { n: 100 } });
    expect(bumped.written.map((w) => w.id)).toEqual(matching);
    expect(
      (await store.find(c, { n: { $gte: 100 } }, { limit: 100 })).documents.map((d) => d.id),
    ).toEqual(matching);
    // Branches each read in id order: a limited write takes the first matches by id.
    const byId = { $or: [{ code: 'k5' }, { n: 0 }, { n: 1 }, { code: 'k5' }] };
    const first = await store.deleteWhere(c, byId, { limit: 4 });
    expect(first.written.map((w) => w.id)).toEqual(['w00', 'w01', 'w05', 'w12']);
    const rest = await store.deleteWhere(c, byId, { limit: 4 });
    expect(rest.written.map((w) => w.id)).toEqual(['w19', 'w26', 'w33']);
    expect(await store.count(c)).toBe(33);
    expect(await store.count(c, byId)).toBe(0);
  });

  it('creates declared indexes once, drops those no longer declared, and survives concurrent starts', async () => {
    const { openStore } = fixture();
    const declare = (store: DocumentStore, indexes: { field: string; type?: 'number' }[]) =>
      store.collection('churn', { indexes });
    const stores = [openStore(), openStore(), openStore()];
    const first = stores.map((s) => declare(s, [{ field: 'a' }, { field: 'b', type: 'number' }]));
    await Promise.all(stores.map((s, i) => s.insert(first[i] as never, { id: `x${i}`, a: 'v' })));
    const before = await stores[0]?.explain(first[0] as never, { a: 'v' });
    expect(before?.plan).toBeTypeOf('string');
    // A store that declares the collection with one index less drops the other.
    const later = openStore();
    const again = declare(later, [{ field: 'b', type: 'number' }]);
    await later.count(again);
    const dropped = first[0]?.indexes.find((i) => i.fields[0]?.path[0] === 'a')?.name as string;
    const stillThere = first[0]?.indexes.find((i) => i.fields[0]?.path[0] === 'b')?.name;
    const names = await indexNames(later);
    expect(names).not.toContain(dropped);
    expect(names).toContain(stillThere);
  });

  it('leaves the indexes alone where a store declares none, and drops them all on indexes: []', async () => {
    const { openStore } = fixture();
    const owner = openStore();
    const users = owner.collection<{ id: string; email: string }>('accounts', {
      unique: ['email'],
    });
    await owner.insert(users, { id: 'u1', email: 'a@x' });
    const made = (await indexNames(owner)).filter((n) => n.startsWith('nc_ux_'));
    expect(made).toHaveLength(1);
    // A store that only names the collection (a generic HTTP server, a script) uses it as
    // it is: the unique field stays enforced, and is reported as such.
    const visitor = openStore();
    const plain = visitor.collection<{ id: string; email: string }>('accounts');
    expect(await visitor.get(plain, 'u1')).toMatchObject({ email: 'a@x' });
    const error = await visitor.insert(plain, { id: 'u2', email: 'a@x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(await indexNames(visitor)).toEqual(expect.arrayContaining(made));
    // Declaring no indexes on purpose drops them.
    const owner2 = openStore();
    await owner2.count(owner2.collection('accounts', { indexes: [] }));
    expect((await indexNames(owner2)).filter((n) => n.startsWith('nc_'))).toEqual([]);
  });

  it('refuses malformed declarations before anything is created', () => {
    const { store } = fixture();
    const bad: unknown[] = [
      [{ field: 'a', type: 'date' }],
      [{ field: 'lines.0.sku' }],
      [{ fields: [] }],
      [{ field: 'a"b' }],
      ['a'],
      'a',
    ];
    for (const indexes of bad) {
      expect(() => store.collection(`bad-${Math.random()}`, { indexes } as never)).toThrow(
        InvalidArgumentError,
      );
    }
  });
});

// The names of noclobber's indexes in the database.
async function indexNames(store: DocumentStore): Promise<string[]> {
  const backend = contextOf(store).backend.backend as unknown as {
    pool?: { query(text: string, values: unknown[]): Promise<{ rows: { n: string }[] }> };
    schema?: string;
    database?: { prepare(text: string): { pluck(): { all(): string[] } } };
  };
  if (backend.pool) {
    const { rows } = await backend.pool.query(
      `SELECT indexname AS n FROM pg_indexes WHERE schemaname = $1`,
      [backend.schema],
    );
    return rows.map((r) => r.n);
  }
  return (
    backend.database
      ?.prepare(`SELECT name FROM sqlite_master WHERE type = 'index'`)
      .pluck()
      .all() ?? []
  );
}
