import { expect, it } from 'vitest';
import type { DocumentStore } from '../../../index.js';
import { seedAges } from './ages.js';
import type { StoreFixture } from './fixture.js';

const SEATS = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);
const CLIENTS = 4;
const BOOK = (client: number) => ({ $set: { status: 'booked', by: `c${client}` } });

// Stores the open seats, runs `book` for every client at once, each on a store of its own
// (with `seats` declared),
// and checks that every seat was booked once, by the client `book` told it won, in one
// write after its insert.
async function raceForSeats(
  { store, openStore }: StoreFixture,
  book: (store: DocumentStore, client: number) => Promise<string[]>,
): Promise<void> {
  const session = store.openSession();
  for (const id of SEATS) session.store(store.collection('seats'), { id, status: 'open' });
  await session.saveChanges();
  const booked = await Promise.all(
    Array.from({ length: CLIENTS }, (_, client) => {
      const other = openStore();
      other.collection('seats');
      return book(other, client);
    }),
  );
  const winners = new Map<string, number>();
  booked.forEach((ids, client) => {
    for (const id of ids) {
      expect(winners.get(id), `${id} booked twice`).toBeUndefined();
      winners.set(id, client);
    }
  });
  expect([...winners.keys()].sort()).toEqual(SEATS);
  const seats = store.collection('seats');
  for (const [id, client] of winners) {
    expect(await store.get(seats, id)).toEqual({ id, status: 'booked', by: `c${client}` });
    expect((await store.getMetadata(seats, id))?.revision).toBe(2);
  }
}

/**
 * `updateWhere` and `deleteWhere`: the filter compared by type in the write itself, each
 * document written as any write (revision + 1, a changes-feed entry, the version returned
 * being the one stored), and racing "book if open" calls on separate connections booking
 * every seat exactly once. Part of `querySuite`.
 */
export function bulkSuite(fixture: () => StoreFixture): void {
  it('updateWhere and deleteWhere write what the filter matches by type, as any write', async () => {
    const { store } = fixture();
    const people = await seedAges(store);
    await store.apply(people, 'p250', { $set: { seen: true } });
    const since = (await store.changes({ limit: 1000 })).last;
    const updated = await store.updateWhere(people, { age: { $gt: 40 } }, { $inc: { age: 1 } });
    const deleted = await store.deleteWhere(people, { age: { $lt: 100 } });
    const written = [...updated.written, ...deleted.written];
    expect(written.map((w) => [w.id, w.version])).toEqual([
      ['p100', 2],
      ['p250', 3],
      ['p40', 2],
      ['p9', 2],
    ]);
    expect(await store.get(people, 'p100')).toEqual({ id: 'p100', age: 101 });
    expect(await store.get(people, 'p40')).toBeNull();
    for (const w of updated.written) {
      expect(await store.getMetadata(people, w.id)).toEqual(w.metadata);
    }
    const { changes } = await store.changes({ since });
    expect(changes.map((c) => [c.id, c.deleted]).sort()).toEqual([
      ['p100', false],
      ['p250', false],
      ['p40', true],
      ['p9', true],
    ]);
    for (const change of changes) {
      expect(change.metadata).toEqual(written.find((w) => w.id === change.id)?.metadata);
    }
    expect(await store.count(people)).toBe(8);
  });

  it('racing "book if open" by id on separate stores books each seat once', async () => {
    await raceForSeats(fixture(), async (store, client) => {
      const mine: string[] = [];
      // Each client starts at another seat, so that they meet on every one.
      for (let k = 0; k < SEATS.length; k++) {
        const id = SEATS[(k + client * 3) % SEATS.length] as string;
        const result = await store.updateWhere('seats', { id, status: 'open' }, BOOK(client));
        mine.push(...result.written.map((w) => w.id));
      }
      return mine;
    });
  });

  it('racing "book any open seat" with limit 1 on separate stores books each seat once', async () => {
    await raceForSeats(fixture(), async (store, client) => {
      const mine: string[] = [];
      const open = { status: 'open' };
      for (;;) {
        const { written } = await store.updateWhere('seats', open, BOOK(client), { limit: 1 });
        expect(written.length).toBeLessThanOrEqual(1);
        mine.push(...written.map((w) => w.id));
        // Written nothing: another client took the seat, or none is left.
        if (written.length === 0 && !(await store.exists('seats', open))) return mine;
      }
    });
  });
}
