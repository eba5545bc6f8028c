import type { Collection, ContentionMode, DocumentStore } from '../src/index.js';
import { type BenchDoc, makeDoc, randomIds } from './docs.js';
import type { RawDriver } from './raw.js';
import type { RawQueries } from './raw-queries.js';
import { interleave, percentiles, round, type Throughput, timeRange } from './stats.js';

/** A database to benchmark on: fresh noclobber stores and raw drivers, each on its own tables. */
export interface Target {
  /** The backend's name in the registry (test/support/backends.ts). */
  readonly backend: string;
  openStore(name: string, connections: number): DocumentStore;
  openRaw(name: string, connections: number): Promise<RawDriver>;
  /** The hand-written driver as often written instead (see `rawPostgres`), where it differs. */
  openNaive?(name: string, connections: number): Promise<RawDriver>;
  /**
   * Brings the planner's statistics of store `name`'s tables up to date, as a bulk loader
   * does between chunks (autovacuum analyzes a growing table only now and then); absent
   * where the backend needs none.
   */
  analyze?(name: string): Promise<void>;
  /** The hand-written side of the query workloads (bench/queries.ts), on its own table. */
  openRawQueries(name: string, connections: number): Promise<RawQueries>;
}

/** Inserts documents `doc-0` … into the store and into every hand-written driver given. */
export async function seed(store: DocumentStore, raws: (RawDriver | undefined)[], count: number) {
  const docs = store.collection<BenchDoc>('docs');
  const session = store.openSession();
  for (let i = 0; i < count; i++) session.insert(docs, makeDoc(i));
  await session.saveChanges();
  for (const raw of raws) await raw?.insertAll(Array.from({ length: count }, (_, i) => makeDoc(i)));
  return docs;
}

/** `a / b`, rounded to two digits: noclobber's figure over the hand-written one. */
export const ratio = (a: number, b: number) => round(a / b, 2);

/**
 * Runs `op` untimed `count` times. Both sides of a workload warm up the same way before
 * either is timed: otherwise the side timed first also pays for JIT compilation, cold
 * caches and the database's first statements on freshly seeded tables. Measured: on W1
 * PostgreSQL the raw driver timed first ran at 1,660 ops/s, timed second at 2,290; on W3
 * SQLite a session round took 25 ms cold and 14 ms after about ten rounds of JIT warm-up.
 */
export async function warmUp(count: number, op: (i: number) => Promise<void>) {
  for (let i = 0; i < count; i++) await op(i);
}

/** The load-modify-save of W1 and W6 by hand: load, change, version-checked update. */
export async function rawUpdate(raw: RawDriver, id: string) {
  const { doc, version } = await raw.load(id);
  doc.n += 1;
  if (!(await raw.save(doc, version))) throw new Error(`raw update of ${id} met a conflict`);
}

/** W1: one client, load-modify-save on random ids. */
export async function w1(target: Target, docs: number, ops: number) {
  const store = target.openStore('w1', 1);
  const raw = await target.openRaw('w1', 1);
  const naive = await target.openNaive?.('w1', 1);
  try {
    const collection = await seed(store, [raw, naive], docs);
    const ids = randomIds(ops, docs).map((i) => `doc-${i}`);
    const noclobberOp = async (i: number) => {
      await store.update(collection, ids[i] as string, (doc) => {
        doc.n += 1;
      });
    };
    const rawOp = (driver: RawDriver) => (i: number) => rawUpdate(driver, ids[i] as string);
    const warm = Math.min(ops, 1000);
    await warmUp(warm, noclobberOp);
    await warmUp(warm, rawOp(raw));
    if (naive) await warmUp(warm, rawOp(naive));
    const sides = {
      noclobber: (from: number, to: number) => timeRange(noclobberOp, from, to),
      raw: (from: number, to: number) => timeRange(rawOp(raw), from, to),
    };
    const timed: Record<'noclobber' | 'raw', Throughput> & { naive?: Throughput } = naive
      ? await interleave(ops, 20, {
          ...sides,
          naive: (f: number, t: number) => timeRange(rawOp(naive), f, t),
        })
      : await interleave(ops, 20, sides);
    const { noclobber, raw: rawResult } = timed;
    const naiveResult = timed.naive;
    return {
      docs,
      ops,
      noclobber,
      raw: rawResult,
      ratio: ratio(noclobber.opsPerSecond, rawResult.opsPerSecond),
      ...(naiveResult && {
        naive: naiveResult,
        ratioToNaive: ratio(noclobber.opsPerSecond, naiveResult.opsPerSecond),
      }),
    };
  } finally {
    await store.close();
    await raw.close();
    await naive?.close();
  }
}

/**
 * Runs `writers` loops until `target` increments are accepted, each claiming one
 * increment at a time; `increment` returns the attempts it took.
 */
export async function contend(writers: number, target: number, increment: () => Promise<number>) {
  let claimed = 0;
  let attempts = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (claimed < target) {
        claimed++;
        const t = performance.now();
        const tries = await increment();
        attempts += tries;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return {
    accepted: target,
    goodput: round(target / seconds, 1),
    attempts,
    conflicts: attempts - target,
    ...percentiles(latencies),
  };
}

/** W2: `writers` concurrent writers increment one hot document until `target` are accepted. */
export async function w2(target: Target, writers: number, accepted: number) {
  const store = target.openStore('w2', writers);
  const raw = await target.openRaw('w2', writers);
  try {
    const collection = store.collection<BenchDoc>('docs');
    await raw.insertAll([makeDoc(0), makeDoc(1)]);
    // noclobber's update() on a fresh hot document of its own per contention mode.
    const run = async (contention: ContentionMode, id: string) => {
      await store.insert(collection, { ...makeDoc(0), id });
      const result = await contend(writers, accepted, async () => {
        let tries = 0;
        await store.update(
          collection,
          id,
          (doc) => {
            tries++;
            doc.n += 1;
          },
          { contention, retry: { maxAttempts: 10_000, initialDelay: 1, maxDelay: 50 } },
        );
        return tries;
      });
      const final = (await store.get(collection, id))?.n ?? 0;
      return { ...result, lost: accepted - final };
    };
    const noclobber = await run('none', 'doc-0');
    const checked = await contend(writers, accepted, async () => {
      for (let tries = 1; ; tries++) {
        const { doc, version } = await raw.load('doc-0');
        doc.n += 1;
        if (await raw.save(doc, version)) return tries;
      }
    });
    const rawFinal = (await raw.load('doc-0')).doc.n;
    const atomic = await contend(writers, accepted, async () => {
      await raw.increment('doc-1');
      return 1;
    });
    const contention: Record<string, Awaited<ReturnType<typeof run>> & { ratioToAtomic: number }> =
      {};
    for (const mode of ['queue', 'lock', 'adaptive'] as const) {
      const result = await run(mode, `doc-${mode}`);
      contention[mode] = { ...result, ratioToAtomic: ratio(result.goodput, atomic.goodput) };
    }
    return {
      writers,
      noclobber,
      contention,
      raw: { ...checked, lost: accepted - rawFinal },
      rawAtomic: atomic,
      ratio: ratio(noclobber.goodput, checked.goodput),
      ratioToAtomic: ratio(noclobber.goodput, atomic.goodput),
    };
  } finally {
    await store.close();
    await raw.close();
  }
}

/**
 * W2 apply: `writers` concurrent writers increment one hot document with `apply({ $inc })`
 * until `accepted` land, against the hand-written atomic `UPDATE … SET body = jsonb_set(…)`
 * (or SQLite's `json_set`) on a hot document of its own. Neither side reads or retries:
 * this is the price of noclobber's checked, logged write over the bare statement.
 */
export async function w2Apply(target: Target, writers: number, accepted: number) {
  // Clients, not connections: 64 of them share 16 connections on each side, within a
  // server's default connection limit.
  const connections = Math.min(writers, 16);
  const store = target.openStore(`w2apply${writers}`, connections);
  const raw = await target.openRaw(`w2apply${writers}`, connections);
  try {
    const collection = store.collection<BenchDoc>('docs');
    await store.insert(collection, makeDoc(0));
    await raw.insertAll([makeDoc(0)]);
    const applyOne = async () => {
      await store.apply(collection, 'doc-0', { $inc: { n: 1 } });
      return 1;
    };
    const atomicOne = async () => {
      await raw.increment('doc-0');
      return 1;
    };
    await contend(writers, Math.min(accepted, 200), applyOne);
    await contend(writers, Math.min(accepted, 200), atomicOne);
    const before = (await store.get(collection, 'doc-0'))?.n ?? 0;
    const applied = await contend(writers, accepted, applyOne);
    const lost = accepted - (((await store.get(collection, 'doc-0'))?.n ?? 0) - before);
    const atomic = await contend(writers, accepted, atomicOne);
    return {
      writers,
      apply: { ...applied, lost },
      rawAtomic: atomic,
      ratio: ratio(applied.goodput, atomic.goodput),
    };
  } finally {
    await store.close();
    await raw.close();
  }
}

/** W3: load `docs` documents in one session, change each, save all; `rounds` times. */
export async function w3(target: Target, docs: number, rounds: number) {
  const store = target.openStore('w3', 1);
  const raw = await target.openRaw('w3', 1);
  const naive = await target.openNaive?.('w3', 1);
  try {
    const collection: Collection<BenchDoc> = await seed(store, [raw, naive], docs);
    const ids = Array.from({ length: docs }, (_, i) => `doc-${i}`);
    const noclobberRound = async () => {
      const session = store.openSession();
      for (const doc of (await session.loadMany(collection, ids)) as BenchDoc[]) {
        doc.n += 1;
        session.store(collection, doc);
      }
      await session.saveChanges();
    };
    const rawRound = (driver: RawDriver) => async () => {
      const items = await driver.loadMany(ids);
      if (items.length !== docs) throw new Error('raw W3 loaded the wrong documents');
      for (const item of items) item.doc.n += 1;
      if (!(await driver.saveMany(items))) throw new Error('raw W3 met a conflict with one client');
    };
    await warmUp(10, noclobberRound);
    await warmUp(10, rawRound(raw));
    if (naive) await warmUp(10, rawRound(naive));
    // One round per slice: the sides take turns round by round.
    const sides = {
      noclobber: (from: number, to: number) => timeRange(noclobberRound, from, to),
      raw: (from: number, to: number) => timeRange(rawRound(raw), from, to),
    };
    const timed: Record<'noclobber' | 'raw', Throughput> & { naive?: Throughput } = naive
      ? await interleave(rounds, rounds, {
          ...sides,
          naive: (f: number, t: number) => timeRange(rawRound(naive), f, t),
        })
      : await interleave(rounds, rounds, sides);
    const { noclobber, raw: rawResult } = timed;
    const naiveResult = timed.naive;
    const perSecond = (r: { opsPerSecond: number; p50: number; p99: number }) => ({
      docsPerSecond: round(r.opsPerSecond * docs, 0),
      p50: r.p50,
      p99: r.p99,
    });
    return {
      docs,
      rounds,
      noclobber: perSecond(noclobber),
      raw: perSecond(rawResult),
      ratio: ratio(noclobber.opsPerSecond, rawResult.opsPerSecond),
      ...(naiveResult && {
        naive: perSecond(naiveResult),
        ratioToNaive: ratio(noclobber.opsPerSecond, naiveResult.opsPerSecond),
      }),
    };
  } finally {
    await store.close();
    await raw.close();
    await naive?.close();
  }
}

/**
 * W4: appends of one event each by `writers` concurrent writers, to one stream or spread
 * over many, noclobber (`expectedVersion: 'any'`, checked by the database) against the
 * hand-written max + 1 append.
 */
export async function w4(target: Target, writers: number, appends: number, streams: number) {
  const name = `w4_${writers}_${streams}`;
  const store = target.openStore(name, writers);
  const raw = await target.openRaw(name, writers);
  try {
    const data = { sku: 'tea', qty: 1, note: 'x'.repeat(100) };
    const streamOf = (i: number) => `stream-${i % streams}`;
    // Untimed warm-up of both sides, as in W1.
    await store.events.appendToStream('warm-up', [{ type: 'Warm', data }]);
    await raw.append('warm-up', 'Warm', JSON.stringify(data));
    const noclobber = await contendN(writers, appends, async (i) => {
      await store.events.appendToStream(streamOf(i), [{ type: 'ItemAdded', data }]);
      return 1;
    });
    const rawResult = await contendN(writers, appends, (i) =>
      raw.append(streamOf(i), 'ItemAdded', JSON.stringify(data)),
    );
    return {
      writers,
      streams,
      appends,
      noclobber,
      raw: rawResult,
      ratio: ratio(noclobber.goodput, rawResult.goodput),
    };
  } finally {
    await store.close();
    await raw.close();
  }
}

// As contend(), with the index of each claimed operation.
async function contendN(writers: number, target: number, op: (i: number) => Promise<number>) {
  let next = 0;
  return contend(writers, target, () => op(next++));
}
