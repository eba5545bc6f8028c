// What PostgreSQL's `notify` option buys a watcher in another process, and what it costs
// writers: `npx tsx bench/watch-wake.ts` (PostgreSQL from NOCLOBBER_PG_URL / DATABASE_URL).
// Never part of `npm test`. Each side runs on a fresh schema, dropped afterwards.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresBackend } from '../src/backends/postgres/index.js';
import { DocumentStore } from '../src/index.js';
import { type BenchDoc, makeDoc } from './docs.js';
import { percentiles, round } from './stats.js';

const url = process.env.NOCLOBBER_PG_URL ?? process.env.DATABASE_URL;
if (!url) throw new Error('set NOCLOBBER_PG_URL');
const RATE = Number(process.env.RATE ?? 1000);
const PACED = Number(process.env.PACED ?? 3000);
const INSERTS = Number(process.env.INSERTS ?? 4000);

async function onSchema<T>(
  body: (open: (notify: boolean, max: number) => DocumentStore) => Promise<T>,
) {
  const schema = `nc_bench_${randomBytes(5).toString('hex')}`;
  const stores: DocumentStore[] = [];
  try {
    return await body((notify, max) => {
      const store = new DocumentStore({
        backend: new PostgresBackend({ connectionString: url, schema, max, notify }),
      });
      stores.push(store);
      return store;
    });
  } finally {
    await Promise.all(stores.map((s) => s.close()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  }
}

// 16 writers' inserts per second, with one watcher in another store following.
const throughput = (notify: boolean) =>
  onSchema(async (open) => {
    const writer = open(notify, 16);
    const watcher = open(notify, 2);
    const docs = writer.collection<BenchDoc>('docs');
    await writer.insert(docs, makeDoc(-1));
    const stop = new AbortController();
    const following = (async () => {
      for await (const _ of watcher.watch({ signal: stop.signal })) void _;
    })();
    const start = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async (_, c) => {
        for (let i = 0; i < INSERTS / 16; i++)
          await writer.insert(docs, { ...makeDoc(i), id: `t-${c}-${i}` });
      }),
    );
    const perSecond = INSERTS / ((performance.now() - start) / 1000);
    stop.abort();
    await following;
    return round(perSecond, 1);
  });

// The delay from each paced insert's acknowledgement to a watcher in another store.
const delays = (notify: boolean) =>
  onSchema(async (open) => {
    const writer = open(notify, 8);
    const watcher = open(notify, 2);
    const docs = writer.collection<BenchDoc>('docs');
    await writer.insert(docs, makeDoc(-1));
    const since = (await watcher.changes()).last;
    const seen = new Map<string, number>();
    const stop = new AbortController();
    const following = (async () => {
      for await (const change of watcher.watch({ since, signal: stop.signal }))
        seen.set(change.id, performance.now());
    })();
    await new Promise((r) => setTimeout(r, 300));
    const acked = new Map<string, number>();
    const start = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < PACED; i++) {
      const wait = start + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const id = `p-${i}`;
      inFlight.push(
        writer.insert(docs, { ...makeDoc(i), id }).then(() => {
          acked.set(id, performance.now());
        }),
      );
      if (inFlight.length > 8) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const achieved = PACED / ((performance.now() - start) / 1000);
    const deadline = performance.now() + 10_000;
    while (seen.size < PACED && performance.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await following;
    const list = [...acked].map(([id, at]) => Math.max(0, (seen.get(id) ?? Number.NaN) - at));
    if (list.some(Number.isNaN)) throw new Error('the watcher missed changes');
    return { achievedRate: round(achieved, 1), ...percentiles(list) };
  });

for (const notify of [false, true, false, true]) {
  const label = notify ? 'notify' : 'polling';
  const t = await throughput(notify);
  const d = await delays(notify);
  process.stdout.write(
    `${label}: 16 writers ${t} inserts/s with a watcher in another store · at ${d.achievedRate}/s (target ${RATE}) commit to that watcher p50 ${d.p50} ms, p99 ${d.p99} ms\n`,
  );
}
