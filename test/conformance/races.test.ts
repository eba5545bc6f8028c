import { describe, expect, it } from 'vitest';
import { DocumentStore } from '../../src/index.js';
import { expectNoLostUpdate } from '../support/invariants.js';
import type { Counter } from '../support/model.js';
import { openBackend } from '../support/open-backend.js';
import type { Accepted, RacerResult, SaveOutcome } from '../support/racer.js';
import { type RacerKind, runRacers } from '../support/racers.js';
import { describeConformance } from './fixture.js';

type Result<K extends RacerResult['kind']> = Extract<RacerResult, { kind: K }>;

describeConformance('races', (fixture) => {
  for (const kind of ['thread', 'process'] as RacerKind[]) {
    describe(`between ${kind}s`, () => {
      it('racing update() calls lose nothing: final state = accepted writes in order', async () => {
        const { store, c, config } = fixture();
        await store.insert(c.counters, { id: 'hot', n: 0, log: [] });
        const racers = kind === 'thread' ? 8 : 4;
        const results = (await runRacers(
          kind,
          Array.from({ length: racers }, (_, i) => ({
            kind: 'increment' as const,
            config,
            id: 'hot',
            tag: `r${i}`,
            times: 25,
          })),
        )) as Result<'increment'>[];
        const accepted = results.flatMap((r) => r.accepted);
        expect(accepted.length).toBeGreaterThan(0);
        const final = (await store.get(c.counters, 'hot')) as Counter;
        expectNoLostUpdate(final, accepted);
        // The writers really overlapped: some attempts met a conflict.
        const attempts = results.reduce((sum, r) => sum + r.attempts, 0);
        expect(attempts).toBeGreaterThan(accepted.length);
      });
    });
  }

  it('16 update() loops sharing one store (a 16-connection pool on servers) lose nothing', async () => {
    const { store, c, config } = fixture();
    await store.insert(c.counters, { id: 'hot', n: 0, log: [] });
    const pooled = new DocumentStore({
      backend: openBackend(config, { max: 16 }),
    });
    try {
      const accepted = (
        await Promise.all(
          Array.from({ length: 16 }, async (_, w) => {
            const mine: Accepted[] = [];
            for (let k = 0; k < 15; k++) {
              const tag = `w${w}:${k}`;
              const saved = await pooled.update(
                c.counters,
                'hot',
                (doc) => {
                  doc.n += 1;
                  doc.log.push(tag);
                },
                { retry: { maxAttempts: 500, initialDelay: 1, maxDelay: 10 } },
              );
              mine.push({ tag, revision: saved.version as number });
            }
            return mine;
          }),
        )
      ).flat();
      expect(accepted).toHaveLength(16 * 15);
      expectNoLostUpdate((await store.get(c.counters, 'hot')) as Counter, accepted);
    } finally {
      await pooled.close();
    }
  });

  it('50 sessions on 5 connections racing from one loaded version: exactly one wins', async () => {
    const { store, c, config } = fixture();
    await store.insert(c.counters, { id: 'hot', n: 0, log: [] });
    const results = (await runRacers(
      'thread',
      Array.from({ length: 5 }, (_, i) => ({
        kind: 'session-race' as const,
        config,
        id: 'hot',
        tag: `t${i}`,
        sessions: 10,
      })),
    )) as Result<'session-race'>[];
    const outcomes: SaveOutcome[] = results.flatMap((r) => r.outcomes);
    expect(outcomes).toHaveLength(50);
    const winners = outcomes.filter((o) => o.ok);
    expect(winners).toHaveLength(1);
    const losers = outcomes.filter((o) => !o.ok);
    expect(losers).toHaveLength(49);
    for (const loser of losers) {
      expect(loser).toMatchObject({ code: 'CONCURRENCY_CONFLICT', expected: 1, actual: 2 });
    }
    expect(await store.get(c.counters, 'hot')).toEqual({
      id: 'hot',
      n: 1,
      log: [winners[0]?.tag],
      version: 2,
    });
  });

  it('overlapping batches never overwrite a write that landed between their load and save', async () => {
    const { store, c, config } = fixture();
    const ids = ['a', 'b', 'c', 'd'];
    for (const id of ids) await store.insert(c.counters, { id, n: 0, log: [] });
    // Each racer's batch covers three of the four documents, so every pair of batches overlaps.
    const results = (await runRacers(
      'thread',
      ids.map((_, i) => ({
        kind: 'batch' as const,
        config,
        ids: ids.filter((__, j) => j !== i),
        tag: `b${i}`,
        rounds: 20,
      })),
    )) as Result<'batch'>[];
    const accepted = results.flatMap((r, i) => r.accepted.map((tag) => ({ tag, racer: i })));
    expect(accepted.length).toBeGreaterThan(0);
    for (const [j, id] of ids.entries()) {
      const final = (await store.get(c.counters, id)) as Counter;
      const expectedTags = accepted.filter((a) => a.racer !== j).map((a) => a.tag);
      // Every accepted batch that covered this document is in it exactly once; no other is.
      expect([...final.log].sort()).toEqual([...expectedTags].sort());
      expect(final.n).toBe(expectedTags.length);
      expect(final.version).toBe(expectedTags.length + 1);
    }
    // Every write took its own seq, handed out in commit order: the feed lists the four
    // documents in strictly increasing seq, and no seq is below the number of writes made.
    const seqs = (await store.changes()).changes.map((change) => change.metadata.seq);
    expect(seqs).toHaveLength(4);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(4);
    expect(seqs.at(-1)).toBeGreaterThanOrEqual(ids.length + accepted.length * 3);
  });

  it('several processes opening a new database at once all migrate it safely', async () => {
    const { config, store, c } = fixture();
    const results = await runRacers(
      'process',
      Array.from({ length: 6 }, () => ({ kind: 'open' as const, config })),
    );
    expect(results).toEqual(Array.from({ length: 6 }, () => ({ kind: 'open', ok: true })));
    // The schema they made together is whole: this store migrates again and works.
    await store.insert(c.counters, { id: 'after', n: 1, log: [] });
    expect(await store.get(c.counters, 'after')).toMatchObject({ n: 1, version: 1 });
  });
});
