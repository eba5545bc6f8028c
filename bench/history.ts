import type { DocumentStore } from '../src/index.js';
import { type BenchDoc, makeDoc, randomIds } from './docs.js';
import { interleave, timeRange } from './stats.js';
import { type Target, warmUp } from './workloads.js';

/** How many revisions of each document the history side keeps. */
const KEEP = 10;

/**
 * W1 with revision history on against the same W1 with it off, in one store and the same
 * run: one client, load-modify-save on random ids, on two collections seeded alike, one of
 * them with `history: { keep: 10 }`. Interleaved, so both sides see the same load; the
 * ratio is history's throughput over plain's (1 = history costs nothing).
 */
export async function w1History(target: Target, docs: number, ops: number) {
  const store = target.openStore('w1history', 1);
  try {
    const plain = store.collection<BenchDoc>('docs');
    const kept = store.collection<BenchDoc>('docs_history', { history: { keep: KEEP } });
    for (const collection of [plain, kept]) {
      const session = store.openSession();
      for (let i = 0; i < docs; i++) session.insert(collection, makeDoc(i));
      await session.saveChanges();
    }
    const ids = randomIds(ops, docs).map((i) => `doc-${i}`);
    const op = (s: DocumentStore, name: string) => async (i: number) => {
      await s.update<BenchDoc>(name, ids[i] as string, (doc) => {
        doc.n += 1;
      });
    };
    const warm = Math.min(ops, 1000);
    await warmUp(warm, op(store, 'docs'));
    await warmUp(warm, op(store, 'docs_history'));
    const timed = await interleave(ops, 20, {
      off: (from: number, to: number) => timeRange(op(store, 'docs'), from, to),
      on: (from: number, to: number) => timeRange(op(store, 'docs_history'), from, to),
    });
    return {
      docs,
      ops,
      keep: KEEP,
      off: timed.off,
      on: timed.on,
      ratio: Math.round((timed.on.opsPerSecond / timed.off.opsPerSecond) * 100) / 100,
    };
  } finally {
    await store.close();
  }
}
