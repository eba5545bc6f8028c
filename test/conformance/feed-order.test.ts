import { expect, it } from 'vitest';
import type { DocumentStore } from '../../src/index.js';
import { describeConformance } from './fixture.js';
import { withSlowCommits } from './slow-commits.js';

const WRITERS = 8;
const WRITES_EACH = 40;
const READERS = 3;

// Polls `read` from the start until `done()` and a last read finds nothing new, keeping
// every position in the order it came.
async function poll(
  read: (after: bigint) => Promise<{ key: string; position: bigint }[]>,
  done: () => boolean,
): Promise<{ key: string; position: bigint }[]> {
  const seen: { key: string; position: bigint }[] = [];
  let after = 0n;
  for (;;) {
    const finished = done();
    const page = await read(after);
    seen.push(...page);
    after = page.at(-1)?.position ?? after;
    if (finished && page.length === 0) return seen;
    if (page.length === 0) await new Promise((r) => setTimeout(r, Math.random() * 5));
  }
}

// Every reader saw every key exactly once, in strictly rising positions.
function expectGapless(seen: { key: string; position: bigint }[], written: string[]): void {
  const positions = seen.map((s) => s.position);
  expect(positions.every((p, i) => i === 0 || p > (positions[i - 1] as bigint))).toBe(true);
  expect(seen.map((s) => s.key).sort()).toEqual([...written].sort());
}

async function race(
  stores: DocumentStore[],
  write: (store: DocumentStore, writer: number, n: number) => Promise<string[]>,
  read: (after: bigint) => Promise<{ key: string; position: bigint }[]>,
) {
  let finished = false;
  const readers = Array.from({ length: READERS }, () => poll(read, () => finished));
  const written = (
    await Promise.all(
      stores.map(async (store, w) => {
        const keys: string[] = [];
        for (let n = 0; n < WRITES_EACH; n++) keys.push(...(await write(store, w, n)));
        return keys;
      }),
    )
  ).flat();
  finished = true;
  for (const seen of await Promise.all(readers)) expectGapless(seen, written);
}

describeConformance('the feeds with writers committing out of order', (fixture) => {
  it('every polling reader of changes() sees each write once, in rising seq', async () => {
    const f = fixture();
    const { store, openStore } = f;
    await withSlowCommits(f, async () => {
      const stores = Array.from({ length: WRITERS }, () => openStore());
      await race(
        stores,
        async (s, w, n) => {
          const id = `w${w}-${n}`;
          await s.insert(s.collection<{ id: string; n: number }>('feed'), { id, n });
          return [id];
        },
        async (after) =>
          (await store.changes({ since: Number(after), limit: 7 })).changes.map((c) => ({
            key: c.id,
            position: BigInt(c.metadata.seq),
          })),
      );
    });
  });

  it('every polling reader of readAll() sees each event once, in rising position', async () => {
    const f = fixture();
    const { store, openStore } = f;
    await withSlowCommits(f, async () => {
      const stores = Array.from({ length: WRITERS }, () => openStore());
      await race(
        stores,
        async (s, w, n) => {
          // Two events an append, to streams shared by writers.
          const stream = `s${n % 5}`;
          await s.events.appendToStream(stream, [
            { type: 'A', data: { w, n, e: 0 } },
            { type: 'A', data: { w, n, e: 1 } },
          ]);
          return [`${w}-${n}-0`, `${w}-${n}-1`];
        },
        async (after) => {
          const events = await store.events.readAll({ after, limit: 7 });
          return events.map((e) => {
            const d = e.data as { w: number; n: number; e: number };
            return { key: `${d.w}-${d.n}-${d.e}`, position: e.position };
          });
        },
      );
    });
  });
});
