import { expect, it } from 'vitest';
import type { Backend } from '../../src/backends/kit/backend.js';
import { BatchWriteError, ConcurrencyError, DocumentStore } from '../../src/index.js';
import { afterAnswer } from '../support/after-answer.js';
import { describeConformance, type Fixture } from './fixture.js';

interface Tab {
  id: string;
  status: 'open' | 'paid';
}

interface Counter {
  id: string;
  group: number;
  n: number;
}

// Whether a failed save was refused for what others wrote since its reads, and only that.
const refusedAsStale = (error: unknown) =>
  error instanceof ConcurrencyError ||
  (error instanceof BatchWriteError && error.errors.every((e) => e instanceof ConcurrencyError));

// Runs `body` with a store on the fixture's database whose every call of `method` lets the
// next of `meanwhile`, another client's write, land right after the statement answers.
async function interleaved(
  f: Fixture,
  method: keyof Backend,
  body: (store: DocumentStore, meanwhile: (() => Promise<unknown>)[]) => Promise<void>,
): Promise<void> {
  const { backend, meanwhile } = afterAnswer(f.backend.open(f.config), method);
  const store = new DocumentStore({ backend });
  try {
    await body(store, meanwhile);
    expect(meanwhile).toEqual([]);
  } finally {
    await store.close();
  }
}

describeConformance('session queries under concurrent writes', (fixture) => {
  it("a session's count() leaves out its deletes as the count saw them, whatever is written meanwhile", async () => {
    const f = fixture();
    const writer = f.store.collection<Tab>('tabs');
    // Writes of another client, each landing right after one count statement answers.
    await interleaved(f, 'count', async (store, meanwhile) => {
      const tabs = store.collection<Tab>('tabs');
      await f.store.insert(writer, { id: 'x', status: 'open' });
      await f.store.insert(writer, { id: 'y', status: 'open' });
      await f.store.insert(writer, { id: 'z', status: 'paid' });
      const session = store.openSession();
      session.delete(tabs, 'x');
      session.delete(tabs, 'z');
      // Only y is open and kept, before those writes and after them.
      const settle = (id: string, status: Tab['status']) => () =>
        f.store.update(writer, id, (tab) => {
          tab.status = status;
        });
      meanwhile.push(settle('x', 'paid'));
      expect(await session.count(tabs, { status: 'open' })).toBe(1);
      meanwhile.push(settle('z', 'open'));
      expect(await session.count(tabs, { status: 'open' })).toBe(1);
      expect(await store.count(tabs, { status: 'open' })).toBe(2);
    });
  });

  it("a session's count() takes the count at most 8 times while another client writes one of its deletes without pause", async () => {
    const f = fixture();
    const writer = f.store.collection<Counter>('rows');
    await interleaved(f, 'count', async (store, meanwhile) => {
      const rows = store.collection<Counter>('rows');
      await f.store.insert(writer, { id: 'x', group: 0, n: 0 });
      await f.store.insert(writer, { id: 'y', group: 0, n: 0 });
      const session = store.openSession();
      session.delete(rows, 'x');
      // A write to x after every count statement: each changes x, none whether it matches.
      for (let i = 0; i < 20; i++) {
        meanwhile.push(() =>
          f.store.update(writer, 'x', (row) => {
            row.n++;
          }),
        );
      }
      expect(await session.count(rows, { group: 0 })).toBe(1);
      expect(20 - meanwhile.length).toBe(8);
      meanwhile.length = 0;
    });
  });

  it("a session's findOne() passing over its deletes finds a match another client moves meanwhile", async () => {
    const f = fixture();
    const writer = f.store.collection<Counter>('rows');
    await interleaved(f, 'find', async (store, meanwhile) => {
      const rows = store.collection<Counter>('rows');
      await f.store.insert(writer, { id: 'x', group: 0, n: 1 });
      await f.store.insert(writer, { id: 'z', group: 0, n: 3 });
      const session = store.openSession();
      session.delete(rows, 'x');
      // z, the one match the session keeps, moves from after x to before it: z is the
      // answer before that write and after it.
      meanwhile.push(() =>
        f.store.update(writer, 'z', (row) => {
          row.n = 0;
        }),
      );
      expect((await session.findOne(rows, { group: 0 }, { sort: 'n' }))?.id).toBe('z');
    });
  });

  it('sessions on several connections find, change and save the same documents: every accepted save counts, every other is refused', async () => {
    const { store, openStore } = fixture();
    const setup = store.openSession();
    for (let i = 0; i < 6; i++)
      setup.store(store.collection('tallies'), { id: `k${i}`, group: i % 2, n: 0 });
    await setup.saveChanges();
    const accepted = new Map<string, number>();
    const racers = Array.from({ length: 4 }, () => openStore());
    await Promise.all(
      racers.map(async (racer, r) => {
        const counters = racer.collection<Counter>('tallies');
        for (let round = 0; round < 12; round++) {
          const session = racer.openSession({ tracking: round % 2 ? 'dirty' : 'identity' });
          const group = (r + round) % 2;
          // Loaded first or found first, and found again: the version read first is checked.
          if (round % 3 === 0) await session.load(counters, `k${group}`);
          const { documents } = await session.find(counters, { group }, { sort: '-n', limit: 2 });
          const [first] = documents;
          if (first) expect(await session.findOne(counters, { id: first.id })).toBe(first);
          for (const counter of documents) {
            counter.n++;
            session.store(counters, counter);
          }
          const saved = await session.saveChanges().then(
            () => true,
            (error: unknown) => {
              if (!refusedAsStale(error)) throw error;
              return false;
            },
          );
          if (saved) for (const { id } of documents) accepted.set(id, (accepted.get(id) ?? 0) + 1);
        }
      }),
    );
    const { documents } = await store.find(store.collection<Counter>('tallies'), {});
    expect(documents.map(({ id, n }) => [id, n])).toEqual(
      documents.map(({ id }) => [id, accepted.get(id) ?? 0]),
    );
    expect([...accepted.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });
});
