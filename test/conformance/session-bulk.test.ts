import { expect, it } from 'vitest';
import {
  BatchWriteError,
  ConcurrencyError,
  type DocumentStore,
  InvalidArgumentError,
} from '../../src/index.js';
import { describeConformance } from './fixture.js';

interface Seat {
  id: string;
  row: string;
  status: string;
  n: number;
}

describeConformance('updateWhere and deleteWhere in a session', (fixture) => {
  const seats = (store: DocumentStore) => store.collection<Seat>('seats');
  const seed = async (store: DocumentStore) => {
    for (const [i, row] of ['A', 'A', 'A', 'B'].entries()) {
      await store.insert(seats(store), { id: `s${i}`, row, status: 'open', n: 0 });
    }
  };

  it("writes now, as the session's actor, in the session's tenant only", async () => {
    const { store } = fixture();
    const other = store.withTenant('other');
    await seed(store);
    await seed(other);
    const session = store.openSession({ actor: 'clerk' });
    const result = await session.updateWhere(
      seats(store),
      { row: 'A' },
      { $set: { status: 'held' }, $inc: { n: 1 } },
    );
    expect(result.written.map((w) => w.id)).toEqual(['s0', 's1', 's2']);
    // Written before any saveChanges(), and never another tenant's documents.
    for (const id of ['s0', 's1', 's2']) {
      expect(await store.get(seats(store), id)).toMatchObject({ status: 'held', n: 1 });
      const metadata = await store.getMetadata(seats(store), id);
      expect(metadata?.lastModifiedBy).toBe('clerk');
      expect(metadata?.revision).toBe(2);
    }
    expect(await store.get(seats(store), 's3')).toMatchObject({ status: 'open', n: 0 });
    for (const id of ['s0', 's1', 's2', 's3']) {
      expect(await other.get(seats(other), id)).toMatchObject({ status: 'open', n: 0 });
    }
  });

  it('a loaded copy it wrote is reloaded with its new version, so a later save keeps the change', async () => {
    const { store } = fixture();
    await seed(store);
    const session = store.openSession();
    const s0 = (await session.load(seats(store), 's0')) as Seat;
    await session.updateWhere(seats(store), { row: 'A' }, { $inc: { n: 5 } });
    // The same object, now as stored.
    expect(s0).toMatchObject({ id: 's0', n: 5 });
    expect(session.getMetadata(seats(store), 's0')?.revision).toBe(2);
    s0.status = 'sold';
    session.store(seats(store), s0);
    await session.saveChanges();
    expect(await store.get(seats(store), 's0')).toMatchObject({ status: 'sold', n: 5 });
  });

  it('a copy changed in memory, or with a write scheduled, is not reloaded: its save conflicts instead of undoing the call', async () => {
    const { store } = fixture();
    await seed(store);
    const session = store.openSession();
    const s0 = (await session.load(seats(store), 's0')) as Seat;
    const s1 = (await session.load(seats(store), 's1')) as Seat;
    s0.status = 'mine'; // changed in memory, not scheduled
    s1.status = 'scheduled';
    session.store(seats(store), s1);
    await session.updateWhere(seats(store), { row: 'A' }, { $inc: { n: 1 } });
    expect(s0).toMatchObject({ status: 'mine', n: 0 });
    expect(session.getMetadata(seats(store), 's0')?.revision).toBe(1);
    session.store(seats(store), s0);
    // Both saves are judged against the call's writes: both conflict.
    const error = await session.saveChanges().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchWriteError);
    const failed = (error as BatchWriteError).errors;
    expect(failed.every((f) => f instanceof ConcurrencyError)).toBe(true);
    expect(failed.map((f) => (f as ConcurrencyError).id).sort()).toEqual(['s0', 's1']);
    // Nothing of the save landed; the call's writes stand.
    expect(await store.get(seats(store), 's0')).toMatchObject({ status: 'open', n: 1 });
    expect(await store.get(seats(store), 's1')).toMatchObject({ status: 'open', n: 1 });
  });

  it('deleteWhere deletes now and the session forgets the documents it deleted', async () => {
    const { store } = fixture();
    await seed(store);
    const session = store.openSession();
    await session.load(seats(store), 's0');
    const result = await session.deleteWhere(seats(store), { row: 'A' }, { limit: 2 });
    expect(result.written.map((w) => w.id)).toEqual(['s0', 's1']);
    expect(result.more).toBe(true);
    expect(session.getMetadata(seats(store), 's0')).toBeNull();
    expect(await store.get(seats(store), 's0')).toBeNull();
    expect(await store.get(seats(store), 's2')).not.toBeNull();
    // A fresh insert of a deleted id in the same session lands.
    session.insert(seats(store), { id: 's0', row: 'C', status: 'open', n: 0 });
    await session.saveChanges();
    expect(await store.get(seats(store), 's0')).toMatchObject({ row: 'C' });
  });

  it('bad input throws before anything is written', async () => {
    const { store } = fixture();
    await seed(store);
    const session = store.openSession();
    const c = seats(store);
    const bad = [
      () => session.updateWhere(c, { row: { $near: 1 } } as never, { $inc: { n: 1 } }),
      () => session.updateWhere(c, { row: 'A' }, { $explode: { n: 1 } } as never),
      () => session.updateWhere(c, { row: 'A' }, { $inc: { n: 1 } }, { limit: 1_000_000 }),
      () => session.deleteWhere(c, { row: 'A' }, { actor: 'mallory' } as never),
    ];
    for (const call of bad) await expect(call()).rejects.toThrow();
    await expect(bad[3] as () => Promise<unknown>).rejects.toThrow(InvalidArgumentError);
    for (const id of ['s0', 's1', 's2', 's3']) {
      expect(await store.getMetadata(c, id)).toMatchObject({ revision: 1 });
    }
  });
});
