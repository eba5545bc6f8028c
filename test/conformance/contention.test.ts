import { expect, it } from 'vitest';
import { type ContentionMode, DocumentStore } from '../../src/index.js';
import { expectNoLostUpdate } from '../support/invariants.js';
import { collections } from '../support/model.js';
import { type BackendConfig, openBackend } from '../support/open-backend.js';
import type { Accepted } from '../support/racer.js';
import { describeConformance } from './fixture.js';

/** A store on its own pool (16 connections on servers) that counts the conflicts it meets. */
function countingStore(config: BackendConfig) {
  const counts = { conflicts: 0 };
  const store = new DocumentStore({
    backend: openBackend(config, { max: 16 }),
    hooks: { onConflict: () => void counts.conflicts++ },
  });
  return { store, c: collections(store), counts };
}

/** `writers` loops per store, each incrementing the hot counter `times` times. */
async function race(
  stores: DocumentStore[],
  writers: number,
  times: number,
  contention: ContentionMode,
  id = 'hot',
): Promise<Accepted[]> {
  const loops = stores.flatMap((store, s) =>
    Array.from({ length: writers }, async (_, w) => {
      const c = collections(store);
      const mine: Accepted[] = [];
      for (let k = 0; k < times; k++) {
        const tag = `s${s}w${w}:${k}`;
        const saved = await store.update(
          c.counters,
          id,
          (doc) => {
            doc.n += 1;
            doc.log.push(tag);
          },
          { contention, retry: { maxAttempts: 1000, initialDelay: 1, maxDelay: 10 } },
        );
        mine.push({ tag, revision: saved.version as number });
      }
      return mine;
    }),
  );
  return (await Promise.all(loops)).flat();
}

describeConformance('contention', (fixture) => {
  it("'queue': writers of one document in one store take turns and never collide", async () => {
    const { store, c, config } = fixture();
    await store.insert(c.counters, { id: 'hot', n: 0, log: [] });
    const counting = countingStore(config);
    try {
      const accepted = await race([counting.store], 16, 10, 'queue');
      expect(accepted).toHaveLength(160);
      expect(counting.counts.conflicts).toBe(0);
      expectNoLostUpdate((await store.get(c.counters, 'hot')) as never, accepted);
    } finally {
      await counting.store.close();
    }
  });

  it("'queue' with a writer outside the queue: the handed-on state is checked, nothing is lost", async () => {
    const { store, c, config } = fixture();
    await store.insert(c.counters, { id: 'hot', n: 0, log: [] });
    const queued = countingStore(config);
    const outsider = countingStore(config);
    try {
      const [inside, outside] = await Promise.all([
        race([queued.store], 8, 10, 'queue'),
        race([outsider.store], 2, 20, 'none'),
      ]);
      const accepted = [...inside, ...outside];
      expect(accepted).toHaveLength(120);
      expectNoLostUpdate((await store.get(c.counters, 'hot')) as never, accepted);
    } finally {
      await queued.store.close();
      await outsider.store.close();
    }
  });

  it("'lock' and 'adaptive' across several stores lose nothing; with row locks, 'lock' never collides", async () => {
    const { store, c, config } = fixture();
    for (const mode of ['lock', 'adaptive'] as const) {
      const id = `hot-${mode}`;
      await store.insert(c.counters, { id, n: 0, log: [] });
      const stores = Array.from({ length: 3 }, () => countingStore(config));
      try {
        const accepted = await race(
          stores.map((s) => s.store),
          4,
          8,
          mode,
          id,
        );
        expect(accepted).toHaveLength(96);
        expectNoLostUpdate((await store.get(c.counters, id)) as never, accepted);
        const conflicts = stores.reduce((n, s) => n + s.counts.conflicts, 0);
        const probe = openBackend(config);
        const rowLocks = typeof probe.lockedWrite === 'function';
        await probe.close();
        if (mode === 'lock' && rowLocks) expect(conflicts, mode).toBe(0);
      } finally {
        await Promise.all(stores.map((s) => s.store.close()));
      }
    }
  });
});
