import type { DocumentStore } from '../src/index.js';
import { type BenchDoc, makeDoc } from './docs.js';
import { percentiles, round } from './stats.js';
import { ratio, type Target } from './workloads.js';

/** Runs `clients` loops that insert `perClient` new documents each; the inserts per second. */
async function insertAll(store: DocumentStore, clients: number, perClient: number, tag: string) {
  const docs = store.collection<BenchDoc>('docs');
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < perClient; i++)
        await store.insert(docs, { ...makeDoc(i), id: `${tag}-${c}-${i}` });
    }),
  );
  return (clients * perClient) / ((performance.now() - start) / 1000);
}

/** Watchers that follow the feed from `since` until aborted, noting when each change came. */
function watch(store: DocumentStore, watchers: number, since: number) {
  const controller = new AbortController();
  const seen: Map<string, number>[] = Array.from({ length: watchers }, () => new Map());
  const loops = seen.map(async (mine) => {
    for await (const change of store.watch({ since, signal: controller.signal })) {
      mine.set(change.id, performance.now());
    }
  });
  return {
    seen,
    stop: async () => {
      controller.abort();
      await Promise.all(loops);
    },
  };
}

/**
 * Watch: what live watchers cost writers, and how soon a commit reaches them. 16 clients
 * insert documents with no watcher and with `watchers` watchers on the same store (as in a
 * server that streams the feed), in alternating rounds; then one writer inserts at a paced
 * `rate` per second while the watchers follow, and each change's delay from its insert's
 * acknowledgement to each watcher is measured. Every watcher must see every insert.
 */
export async function watchers(target: Target, watchersCount: number, ops: number, rate: number) {
  const store = target.openStore('watch', 16);
  try {
    await store.insert(store.collection<BenchDoc>('docs'), makeDoc(-1));
    const perClient = Math.max(1, Math.round(ops / 16 / 2));
    let quiet = 0;
    let watched = 0;
    for (let round_ = 0; round_ < 2; round_++) {
      quiet += await insertAll(store, 16, perClient, `q${round_}`);
      const { last } = await lastSeq(store);
      const w = watch(store, watchersCount, last);
      watched += await insertAll(store, 16, perClient, `w${round_}`);
      await w.stop();
    }
    const latency = await pacedDelays(store, watchersCount, Math.min(ops, rate * 3), rate);
    return {
      watchers: watchersCount,
      quiet: round(quiet / 2, 1),
      watched: round(watched / 2, 1),
      ratio: ratio(watched, quiet),
      rate,
      ...latency,
    };
  } finally {
    await store.close();
  }
}

// The last seq of the feed now, by walking it (the store is the benchmark's own).
async function lastSeq(store: DocumentStore) {
  let since = 0;
  for (;;) {
    const page = await store.changes({ since, limit: 1_000 });
    if (page.changes.length === 0) return { last: since };
    since = page.last;
  }
}

async function pacedDelays(
  store: DocumentStore,
  watchersCount: number,
  count: number,
  rate: number,
) {
  const docs = store.collection<BenchDoc>('docs');
  const { last } = await lastSeq(store);
  const w = watch(store, watchersCount, last);
  const acked = new Map<string, number>();
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < count; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // At most 8 inserts in flight: a writer the database cannot keep up with must not
    // queue ahead of the watchers' reads on the pool, which would measure the queue.
    while (inFlight.size >= 8) await Promise.race(inFlight);
    const doc = { ...makeDoc(i), id: `paced-${i}` };
    const insert = store.insert(docs, doc).then(() => {
      acked.set(doc.id, performance.now());
      inFlight.delete(insert);
    });
    inFlight.add(insert);
  }
  await Promise.all(inFlight);
  const deadline = performance.now() + 10_000;
  while (w.seen.some((m) => m.size < count) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await w.stop();
  const delays: number[] = [];
  let missing = 0;
  for (const mine of w.seen) {
    for (const [id, at] of acked) {
      const came = mine.get(id);
      if (came === undefined) missing++;
      else delays.push(Math.max(0, came - at));
    }
  }
  if (missing > 0) throw new Error(`watchers missed ${missing} changes`);
  const achieved = count / ((performance.now() - start) / 1000);
  return { achievedRate: round(achieved, 1), ...percentiles(delays) };
}

/**
 * The live feed's proof at bench scale: 16 writers insert `changes` documents while
 * `watchersCount` watchers follow, each stopping after a random number of changes and
 * resuming after the last seq it handled. Throws unless every watcher saw every insert
 * exactly once, in rising seq.
 */
export async function watchProof(target: Target, watchersCount: number, changes: number) {
  const store = target.openStore('watch_proof', 16);
  try {
    const docs = store.collection<BenchDoc>('docs');
    await store.insert(docs, makeDoc(-1));
    const { last } = await lastSeq(store);
    const follow = async () => {
      const seqs: number[] = [];
      const ids = new Set<string>();
      let since = last;
      while (ids.size < changes) {
        const controller = new AbortController();
        const stopAfter = 1 + Math.floor(Math.random() * 5_000);
        let taken = 0;
        for await (const change of store.watch({ since, signal: controller.signal })) {
          seqs.push(change.metadata.seq);
          ids.add(change.id);
          since = change.metadata.seq;
          if (++taken >= stopAfter || ids.size >= changes) controller.abort();
        }
      }
      return { seqs, ids };
    };
    const start = performance.now();
    const following = Array.from({ length: watchersCount }, follow);
    const perClient = Math.ceil(changes / 16);
    await Promise.all(
      Array.from({ length: 16 }, async (_, c) => {
        const mine = Math.min(perClient, changes - c * perClient);
        for (let i = 0; i < mine; i++)
          await store.insert(docs, { ...makeDoc(i), id: `proof-${c}-${i}` });
      }),
    );
    const written = performance.now();
    for (const { seqs, ids } of await Promise.all(following)) {
      if (seqs.length !== changes || ids.size !== changes) {
        throw new Error(
          `a watcher saw ${seqs.length} changes of ${ids.size} documents, not ${changes}`,
        );
      }
      if (!seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))) {
        throw new Error('a watcher saw changes out of commit order');
      }
    }
    return {
      changes,
      watchers: watchersCount,
      insertsPerSecond: round(changes / ((written - start) / 1000), 1),
      caughtUpMs: round(performance.now() - written, 1),
    };
  } finally {
    await store.close();
  }
}
