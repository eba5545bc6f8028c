import { isFound } from '../src/backends/kit/backend.js';
import type { Collection, DocumentStore } from '../src/index.js';
import { prepareQuery, type QueryOptions } from '../src/query/query.js';
import { contextOf } from '../src/store/document-store.js';
import { randomIds } from './docs.js';
import { makeQueryDoc, type QueryDoc, type RawQueries } from './raw-queries.js';
import { interleave, round, type Timing, timeRange } from './stats.js';
import { ratio, type Target, warmUp } from './workloads.js';

/** Documents per `insertMany()` call when loading: each call is one transaction. */
const LOAD_CHUNK = 20_000;

/**
 * Loads documents `0 … count - 1` (see `makeQueryDoc`) into the store through
 * `insertMany()` calls of `LOAD_CHUNK` documents (one transaction each, written set-wise:
 * one statement per 5,000 on PostgreSQL, multi-row inserts of up to 256 on SQLite), in
 * which every document gets its revision, token, seq and write-log record as any insert
 * does. Two calls are under way at once, so one is planned while the other is written.
 * `analyze` runs once the load is done; and into the hand-written table. Returns each
 * side's seconds.
 */
export async function loadQueryDocs(
  store: DocumentStore,
  collection: Collection<QueryDoc>,
  raw: RawQueries,
  count: number,
  groups: number,
  analyze: () => Promise<void>,
): Promise<{ noclobber: number; raw: number }> {
  let start = performance.now();
  let next = 0;
  const loader = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, from + LOAD_CHUNK);
      const docs = Array.from({ length: next - from }, (_, k) => makeQueryDoc(from + k, groups));
      await store.insertMany(collection, docs);
    }
  };
  await Promise.all([loader(), loader()]);
  await analyze();
  const noclobber = (performance.now() - start) / 1000;
  start = performance.now();
  for (let from = 0; from < count; from += 100_000) {
    const to = Math.min(count, from + 100_000);
    await raw.insertAll(
      Array.from({ length: to - from }, (_, k) => makeQueryDoc(from + k, groups)),
    );
  }
  await raw.createIndexes();
  return { noclobber: round(noclobber, 1), raw: round((performance.now() - start) / 1000, 1) };
}

const sameIds = (what: string, a: readonly { id: string }[], b: readonly { id: string }[]) => {
  const [x, y] = [a.map((d) => d.id).join(','), b.map((d) => d.id).join(',')];
  if (x !== y) throw new Error(`W5 ${what}: noclobber and the hand-written query disagree`);
};

/**
 * W5: queries over `docs` documents, one client: equality on the unique `code`, and a range
 * on the number `total` (1% of the documents) sorted by it, first 50; `store.find()`
 * against the hand-written prepared `SELECT` on its expression indexes, and noclobber's
 * statement alone (`statementOf`) against the same. Then the bulk
 * conditional update of one group of `docs / groups` documents: `updateWhere()` with
 * `$inc` against the hand-written `UPDATE … WHERE <group> = ?` (see `RawQueries` for
 * what it leaves out). Every answer of both sides is compared.
 */
export async function w5(target: Target, docs: number, ops: number, updates: number) {
  const groups = Math.max(1, Math.round(docs / 1000));
  const store = target.openStore('w5', 1);
  const raw = await target.openRawQueries('w5', 1);
  try {
    // Declared as an application would: the code it looks up, the number it ranges and
    // sorts over, and the group its bulk update selects.
    const collection = store.collection<QueryDoc>('docs', {
      indexes: [
        { field: 'code' },
        { field: 'total', type: 'number' },
        { field: 'group', type: 'number' },
      ],
    });
    const analyze = async () => target.analyze?.('w5');
    const load = await loadQueryDocs(store, collection, raw, docs, groups, analyze);
    const picks = randomIds(ops, docs, 7);
    const codeOf = (i: number) => `C-${picks[i]}`;
    const rangeOf = (i: number) => {
      const min = ((picks[i] as number) * 99_000) / docs;
      return [min, min + 1000] as const;
    };
    const statement = statementOf(store, collection);
    const equality = {
      noclobber: async (i: number) => {
        const page = await store.find(collection, { code: codeOf(i) });
        if (page.documents.length !== 1) throw new Error('W5 equality found no document');
      },
      statement: async (i: number) => {
        if ((await statement({ code: codeOf(i) })) !== 1)
          throw new Error('W5 statement found none');
      },
      raw: async (i: number) => {
        if ((await raw.byCode(codeOf(i))).length !== 1) throw new Error('W5 raw found none');
      },
    };
    const range = {
      noclobber: async (i: number) => {
        const [min, max] = rangeOf(i);
        const filter = { total: { $gte: min, $lt: max } };
        const page = await store.find(collection, filter, { sort: ['total'], limit: 50 });
        if (page.documents.length !== 50) throw new Error('W5 range found fewer than 50');
      },
      statement: async (i: number) => {
        const [min, max] = rangeOf(i);
        const filter = { total: { $gte: min, $lt: max } };
        if ((await statement(filter, { sort: ['total'], limit: 50 })) !== 50) {
          throw new Error('W5 statement range found fewer than 50');
        }
      },
      raw: async (i: number) => {
        const [min, max] = rangeOf(i);
        if ((await raw.totalRange(min, max, 50)).length !== 50) throw new Error('W5 raw range');
      },
    };
    // Both sides answer the same: checked on a few queries before anything is timed.
    for (let i = 0; i < Math.min(ops, 20); i++) {
      const [min, max] = rangeOf(i);
      const filter = { total: { $gte: min, $lt: max } };
      const page = await store.find(collection, filter, { sort: ['total'], limit: 50 });
      sameIds(
        'range',
        page.documents,
        (await raw.totalRange(min, max, 50)).map((r) => r.doc),
      );
      sameIds('code', (await store.find(collection, { code: codeOf(i) })).documents, [
        { id: `doc-${picks[i]}` },
      ]);
    }
    const timed = async (sides: typeof equality) => {
      const warm = Math.min(ops, 200);
      await warmUp(warm, sides.noclobber);
      await warmUp(warm, sides.statement);
      await warmUp(warm, sides.raw);
      const slices = (op: (i: number) => Promise<void>) => (from: number, to: number) =>
        timeRange(op, from, to);
      const r = await interleave(ops, 10, {
        noclobber: slices(sides.noclobber),
        statement: slices(sides.statement),
        raw: slices(sides.raw),
      });
      return {
        ...r,
        ratio: ratio(r.noclobber.opsPerSecond, r.raw.opsPerSecond),
        statementRatio: ratio(r.statement.opsPerSecond, r.raw.opsPerSecond),
      };
    };
    const eq = await timed(equality);
    const rng = await timed(range);
    const bulk = await bulkUpdate(store, collection, raw, groups, updates);
    return { docs, groups, load, equality: eq, range: rng, bulk };
  } finally {
    await store.close();
    await raw.close();
  }
}

/**
 * noclobber's own query without the store around it: the statement `find()` runs on the
 * backend (the same text, driver and row reading), each body parsed as the hand-written
 * side parses it, and no entity, identity, cursor or retry. Against the hand-written
 * query it measures what the table's layout and the statement cost; against `find()`,
 * what the store adds. Answers how many documents the page holds.
 */
function statementOf(store: DocumentStore, collection: Collection<QueryDoc>) {
  const { backend, scope } = contextOf(store);
  return async (filter: unknown, options?: QueryOptions): Promise<number> => {
    const { query } = prepareQuery(collection.name, filter, options);
    const rows = await backend.backend.find(scope.tenant, collection.name, {
      ...query,
      limit: query.limit + 1,
    });
    const bodies = rows.slice(0, query.limit).flatMap((row) => (isFound(row) ? [row.body] : []));
    return bodies.map((body) => JSON.parse(body) as QueryDoc).length;
  };
}

/** The bulk conditional update of W5: one group per operation, every document of it written. */
async function bulkUpdate(
  store: DocumentStore,
  collection: Collection<QueryDoc>,
  raw: RawQueries,
  groups: number,
  updates: number,
) {
  const groupOf = (i: number) => (i * 7) % groups;
  let written = 0;
  const sides = {
    noclobber: async (i: number) => {
      const r = await store.updateWhere(
        collection,
        { group: groupOf(i) },
        { $inc: { n: 1 } },
        { limit: 10_000 },
      );
      written = r.written.length;
    },
    raw: async (i: number) => {
      const n = await raw.bumpGroup(groupOf(i));
      if (n !== written) throw new Error(`W5 bulk: raw wrote ${n}, noclobber ${written}`);
    },
  };
  await warmUp(Math.min(updates, 3), async (i) => {
    await sides.noclobber(i);
    await sides.raw(i);
  });
  const run = (from: number, to: number, op: (i: number) => Promise<void>): Promise<Timing> =>
    timeRange(op, from, to);
  // noclobber first in each pair, so the raw side can check it wrote as many documents.
  const spent = {
    noclobber: { seconds: 0, latencies: [] as number[] },
    raw: { seconds: 0, latencies: [] as number[] },
  };
  for (let i = 0; i < updates; i++) {
    for (const side of ['noclobber', 'raw'] as const) {
      const t = await run(i, i + 1, sides[side]);
      spent[side].seconds += t.seconds;
      spent[side].latencies.push(...t.latencies);
    }
  }
  const side = (s: Timing) => {
    const sorted = [...s.latencies].sort((a, b) => a - b);
    return {
      opsPerSecond: round(updates / s.seconds, 1),
      docsPerSecond: round((updates * written) / s.seconds, 0),
      p50: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
    };
  };
  const [nc, r] = [side(spent.noclobber), side(spent.raw)];
  return { written, updates, noclobber: nc, raw: r, ratio: ratio(nc.opsPerSecond, r.opsPerSecond) };
}
