import { ConcurrencyError } from '../src/index.js';
import { type BenchDoc, makeDoc } from './docs.js';
import { percentiles, round } from './stats.js';
import { ratio, type Target } from './workloads.js';

/** The bench document with a stock to sell from. */
type StockDoc = BenchDoc & { stock: number };

const ID = 'doc-0';

/** One way to sell: put the stock back, sell one unit (false: sold out), read the stock. */
interface Seller {
  reset(): Promise<void>;
  sell(): Promise<boolean>;
  stock(): Promise<number>;
}

/** What one race measured: sales, time from the first request to the last sale, latencies. */
interface Race {
  accepted: number;
  seconds: number;
  latencies: number[];
}

/**
 * `clients` loops sell one unit at a time until each has been told sold out (or more was
 * sold than `stock`, which a broken guard would otherwise do forever). The time is the
 * stock's: from the first request to the last accepted sale (the sold-out replies after it
 * are not work); the latencies are those of the accepted sales.
 */
async function race(clients: number, stock: number, sell: () => Promise<boolean>): Promise<Race> {
  let accepted = 0;
  let lastSale = 0;
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const t = performance.now();
        const sold = await sell();
        if (!sold) return;
        lastSale = performance.now();
        accepted++;
        latencies.push(lastSale - t);
        if (accepted > stock) return;
      }
    }),
  );
  return { accepted, seconds: (lastSale - start) / 1000, latencies };
}

/**
 * One round: stock back to `stock`, the race, then the invariant. Nothing oversold (the
 * final stock is not negative and is the stock less the acknowledged sales) and nobody
 * told sold out too early (every client stopped on a miss, so the stock must be 0).
 */
async function roundOf(name: string, seller: Seller, clients: number, stock: number) {
  await seller.reset();
  const result = await race(clients, stock, () => seller.sell());
  const final = await seller.stock();
  if (final < 0 || final !== stock - result.accepted) {
    throw new Error(
      `guard (${name}): oversold: ${result.accepted} sales acknowledged from ${stock}, final stock ${final}`,
    );
  }
  if (final !== 0) {
    throw new Error(`guard (${name}): every client told sold out with ${final} still in stock`);
  }
  return result;
}

/**
 * Guarded decrement race: `clients` clients (sharing at most 16 connections on each side)
 * buy one unit at a time from one document holding `stock`, each until told sold out.
 * noclobber's `apply({ $inc: { stock: -1 } })` with the condition `stock >= 1` (a miss is
 * a `ConcurrencyError`) against one prepared guarded `UPDATE`. The sides take turns of
 * about `minSeconds / 8` of racing each (whole rounds, the stock reset to `stock` before
 * each), until each has raced `minSeconds`; every round checks that nothing was oversold.
 */
export async function guard(target: Target, clients: number, stock: number, minSeconds = 2) {
  const connections = Math.min(clients, 16);
  const store = target.openStore('guard', connections);
  const raw = await target.openRaw('guard', connections);
  try {
    const collection = store.collection<StockDoc>('docs');
    const doc: StockDoc = { ...makeDoc(0), stock };
    await store.insert(collection, doc);
    await raw.insertAll([doc]);
    const sellers: Record<'noclobber' | 'raw', Seller> = {
      noclobber: {
        async reset() {
          await store.apply(collection, ID, { $set: { stock } });
        },
        async sell() {
          try {
            await store.apply(
              collection,
              ID,
              { $inc: { stock: -1 } },
              { check: { condition: { stock: { $gte: 1 } } } },
            );
            return true;
          } catch (error) {
            if (error instanceof ConcurrencyError && error.expectation.kind === 'condition') {
              return false;
            }
            throw error;
          }
        },
        stock: async () => (await store.get(collection, ID))?.stock ?? Number.NaN,
      },
      raw: {
        async reset() {
          const { doc: stored, version } = await raw.load(ID);
          if (!(await raw.save({ ...stored, stock } as StockDoc, version))) {
            throw new Error('guard: the raw reset met a conflict');
          }
        },
        sell: () => raw.sellOne(ID),
        stock: async () => ((await raw.load(ID)).doc as StockDoc).stock,
      },
    };
    const names = ['noclobber', 'raw'] as const;
    // Untimed: every connection of both pools opened and its statements prepared.
    for (const name of names) await roundOf(name, sellers[name], clients, stock);
    const spent = Object.fromEntries(
      names.map((name) => [
        name,
        { rounds: 0, accepted: 0, seconds: 0, latencies: [] as number[] },
      ]),
    ) as Record<(typeof names)[number], Race & { rounds: number }>;
    const turns = 8;
    for (let turn = 0; turn < turns; turn++) {
      for (const name of turn % 2 ? [...names].reverse() : names) {
        const total = spent[name];
        const until = ((turn + 1) * minSeconds) / turns;
        do {
          const r = await roundOf(name, sellers[name], clients, stock);
          total.rounds++;
          total.accepted += r.accepted;
          total.seconds += r.seconds;
          total.latencies.push(...r.latencies);
        } while (total.seconds < until);
      }
    }
    const figures = ({ rounds, accepted, seconds, latencies }: Race & { rounds: number }) => ({
      rounds,
      accepted,
      seconds: round(seconds, 2),
      goodput: round(accepted / seconds, 1),
      ...percentiles(latencies),
      oversold: 0,
    });
    const [noclobber, rawResult] = [figures(spent.noclobber), figures(spent.raw)];
    return {
      clients,
      stock,
      noclobber,
      raw: rawResult,
      ratio: ratio(noclobber.goodput, rawResult.goodput),
    };
  } finally {
    await Promise.all([store.close(), raw.close()]);
  }
}
