import type { DocumentStore } from '../src/index.js';
import { type BenchDoc, randomIds } from './docs.js';
import { interleave, round, type Timing } from './stats.js';
import { ratio, rawUpdate, seed, type Target } from './workloads.js';

/**
 * Runs `clients` concurrent loops, client c doing `op(c, i)` for i from `from` to `to - 1`:
 * the wall time until all are done and the latency of each operation.
 */
async function inParallel(
  clients: number,
  op: (client: number, i: number) => Promise<void>,
  from: number,
  to: number,
): Promise<Timing> {
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = from; i < to; i++) {
        const t = performance.now();
        await op(client, i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, latencies };
}

/**
 * W6: `clients` concurrent clients, each doing load-modify-save on random documents of
 * its own (`owned` each, so they never conflict), `ops` in all; noclobber's `update()`
 * against the hand-written load and version-checked `UPDATE`, both on a pool of `clients`
 * connections. Where W1 measures the cost of one write, W6 measures what the store does
 * to throughput when the database, not the round trip, is the limit.
 */
export async function w6(target: Target, clients: number, owned: number, ops: number) {
  const store: DocumentStore = target.openStore('w6', clients);
  const raw = await target.openRaw('w6', clients);
  try {
    const collection = await seed(store, [raw], clients * owned);
    const perClient = Math.max(1, Math.round(ops / clients));
    // Client c owns documents c, c + clients, c + 2 * clients, …
    const ids = Array.from({ length: clients }, (_, c) =>
      randomIds(perClient, owned, 42 + c).map((k) => `doc-${c + k * clients}`),
    );
    const idOf = (client: number, i: number) => ids[client]?.[i] as string;
    const noclobberOp = async (client: number, i: number) => {
      await store.update(collection, idOf(client, i), (doc: BenchDoc) => {
        doc.n += 1;
      });
    };
    const rawOp = (client: number, i: number) => rawUpdate(raw, idOf(client, i));
    // Untimed, with every client at once, so every connection of both pools is open and
    // has prepared its statements before timing.
    const warm = Math.min(perClient, 100);
    await inParallel(clients, noclobberOp, 0, warm);
    await inParallel(clients, rawOp, 0, warm);
    // Interleaved in slices of every client's operations, as in W1; counted per client
    // round, so the throughput is the operations of all clients over the time.
    const timed = await interleave(perClient, 10, {
      noclobber: (from, to) => inParallel(clients, noclobberOp, from, to),
      raw: (from, to) => inParallel(clients, rawOp, from, to),
    });
    const perOp = (r: (typeof timed)['raw']) => ({
      ops: r.ops * clients,
      opsPerSecond: round(r.opsPerSecond * clients, 1),
      p50: r.p50,
      p99: r.p99,
    });
    return {
      clients,
      owned,
      noclobber: perOp(timed.noclobber),
      raw: perOp(timed.raw),
      ratio: ratio(timed.noclobber.opsPerSecond, timed.raw.opsPerSecond),
    };
  } finally {
    await store.close();
    await raw.close();
  }
}
