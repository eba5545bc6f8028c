import { expect, it } from 'vitest';
import { type Change, type DocumentStore, InvalidArgumentError } from '../../src/index.js';
import { describeConformance } from './fixture.js';
import { withSlowCommits } from './slow-commits.js';

type Item = { id: string; n: number; kind?: string };

// Collects changes from `store.watch(options)` until `enough` says so, then aborts.
async function collect(
  store: DocumentStore,
  options: Parameters<DocumentStore['watch']>[0],
  enough: (seen: Change[]) => boolean,
): Promise<Change[]> {
  const controller = new AbortController();
  const seen: Change[] = [];
  for await (const change of store.watch({ ...options, signal: controller.signal })) {
    seen.push(change);
    if (enough(seen)) controller.abort();
  }
  return seen;
}

describeConformance('watch()', (fixture) => {
  it('replays the feed, then yields new changes as they commit, and ends on abort', async () => {
    const { store } = fixture();
    const items = store.collection<Item>('items');
    await store.insert(items, { id: 'a', n: 1 });
    await store.insert(items, { id: 'b', n: 2 });
    // The writes come once the watcher has replayed the feed: one that started reading
    // after them would see each document once, in its latest state.
    let replayed: () => void = () => {};
    const replay = new Promise<void>((resolve) => {
      replayed = resolve;
    });
    const watching = collect(store, {}, (seen) => {
      if (seen.length === 2) replayed();
      return seen.length === 4;
    });
    await replay;
    await store.update(items, 'a', (doc) => {
      doc.n = 10;
    });
    await store.delete(items, 'b');
    const seen = await watching;
    expect(seen.map((c) => [c.id, c.deleted])).toEqual([
      ['a', false],
      ['b', false],
      ['a', false],
      ['b', true],
    ]);
    const seqs = seen.map((c) => c.metadata.seq);
    expect(seqs.slice(2).every((s, i) => s > (seqs[i + 1] as number))).toBe(true);
  });

  it('resumes after a given seq, keeps one collection, and filters documents', async () => {
    const { store } = fixture();
    const items = store.collection<Item>('items');
    const other = store.collection<Item>('other');
    const first = await store.insert(items, { id: 'a', n: 1, kind: 'x' });
    await store.insert(other, { id: 'o', n: 1, kind: 'y' });
    await store.insert(items, { id: 'b', n: 2, kind: 'y' });
    await store.insert(items, { id: 'c', n: 3, kind: 'y' });
    const seen = await collect(
      store,
      { since: first.metadata.seq, collection: 'items', filter: { kind: 'y' } },
      (s) => s.length === 2,
    );
    expect(seen.map((c) => c.id)).toEqual(['b', 'c']);
  });

  it('a watcher in another store (another connection) sees writes within its poll', async () => {
    const { store, openStore } = fixture();
    const items = store.collection<Item>('items');
    const other = openStore();
    const watching = collect(other, { pollInterval: 20 }, (s) => s.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    await store.insert(items, { id: 'late', n: 1 });
    expect((await watching).map((c) => c.id)).toEqual(['late']);
  });

  it('a watch ends, without an error, when its store closes', async () => {
    const { openStore } = fixture();
    const other = openStore();
    const watching = (async () => {
      const seen: Change[] = [];
      for await (const change of other.watch({ pollInterval: 10 })) seen.push(change);
      return seen;
    })();
    await new Promise((r) => setTimeout(r, 30));
    await other.close();
    expect(await watching).toEqual([]);
  });

  it('bad options are refused before anything is read', async () => {
    const { store } = fixture();
    expect(() => store.watch({ since: -1 })).toThrow(InvalidArgumentError);
    expect(() => store.watch({ pollInterval: 1 })).toThrow(InvalidArgumentError);
    expect(() => store.watch({ filter: { $bad: 1 } as never })).toThrow();
    expect(() => store.watch(null as never)).toThrow(InvalidArgumentError);
  });

  it('writers committing out of order, watchers restarting at random: none missed or repeated', async () => {
    const f = fixture();
    const { store, openStore } = f;
    const WRITERS = 32;
    const EACH = 30;
    await withSlowCommits(f, async () => {
      const writers = Array.from({ length: 8 }, () => openStore());
      let finished = false;
      // A watcher that stops every few changes and resumes from the last seq it handled.
      const watcher = async () => {
        const seen: Change[] = [];
        let since = 0;
        for (;;) {
          const controller = new AbortController();
          const stopAfter = 1 + Math.floor(Math.random() * 40);
          let taken = 0;
          const idle = setInterval(() => {
            if (finished) controller.abort();
          }, 50);
          try {
            for await (const change of store.watch({
              since,
              pollInterval: 10,
              signal: controller.signal,
            })) {
              seen.push(change);
              since = change.metadata.seq;
              if (++taken === stopAfter) controller.abort();
            }
          } finally {
            clearInterval(idle);
          }
          // Done once the writers are and nothing is left after the last change seen.
          if (finished && (await store.changes({ since, limit: 1 })).changes.length === 0) {
            return seen;
          }
        }
      };
      const watchers = Array.from({ length: 3 }, watcher);
      await Promise.all(
        Array.from({ length: WRITERS }, async (_, w) => {
          const s = writers[w % writers.length] as DocumentStore;
          const items = s.collection<Item>('items');
          for (let n = 0; n < EACH; n++) await s.insert(items, { id: `w${w}-${n}`, n });
        }),
      );
      finished = true;
      const expected = Array.from(
        { length: WRITERS * EACH },
        (_, i) => `w${Math.floor(i / EACH)}-${i % EACH}`,
      );
      for (const seen of await Promise.all(watchers)) {
        const seqs = seen.map((c) => c.metadata.seq);
        expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
        expect(seen.map((c) => c.id).sort()).toEqual(expected.sort());
      }
    });
  }, 120_000);
});
