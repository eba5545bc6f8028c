import { expect, it } from 'vitest';
import {
  BatchWriteError,
  ConcurrencyError,
  DocumentNotFoundError,
  DuplicateDocumentError,
  InvalidArgumentError,
} from '../../src/index.js';
import { type Order, order } from '../support/model.js';
import { describeConformance } from './fixture.js';

describeConformance('sessions', (fixture) => {
  it('insert with a version: a new entity gets revision 1 in its version field', async () => {
    const { store, c } = fixture();
    const session = store.openSession();
    const entity = order('o-1');
    session.store(c.orders, entity);
    await session.saveChanges();
    expect(entity.version).toBe(1);
    expect(session.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 1 });
  });

  it('a stale update is rejected and the other session’s write survives', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const s1 = store.openSession();
    const s2 = store.openSession();
    const copy1 = (await s1.load(c.orders, 'o-1')) as Order;
    const copy2 = (await s2.load(c.orders, 'o-1')) as Order;
    copy1.status = "Mozart's";
    copy2.status = "Dominican Joe's";
    s2.store(c.orders, copy2);
    await s2.saveChanges();
    s1.store(c.orders, copy1);
    const error = await s1.saveChanges().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ expected: 1, actual: 2 });
    expect((await store.get(c.orders, 'o-1'))?.status).toBe("Dominican Joe's");
  });

  it('storing the same document twice in one session writes it once', async () => {
    const { store, c } = fixture();
    const session = store.openSession();
    const entity = order('o-1');
    session.store(c.orders, entity);
    entity.total = 20;
    session.store(c.orders, entity);
    await session.saveChanges();
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 1 });
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(20);
  });

  it('several updates in a row through one session each check the version the last one made', async () => {
    const { store, c } = fixture();
    const session = store.openSession();
    const entity = order('o-1');
    session.store(c.orders, entity);
    await session.saveChanges();
    for (let i = 2; i <= 5; i++) {
      entity.total = i;
      session.store(c.orders, entity);
      await session.saveChanges();
      expect(entity.version).toBe(i);
    }
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 5, version: 5 });
  });

  it('batch happy path: several documents and collections commit together', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const session = store.openSession();
    const loaded = (await session.load(c.orders, 'o-1')) as Order;
    loaded.status = 'paid';
    session.store(c.orders, loaded);
    session.insert(c.orders, order('o-2'));
    session.insert(c.counters, { id: 'k', n: 1, log: [] });
    await session.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ status: 'paid', version: 2 });
    expect(await store.get(c.orders, 'o-2')).toMatchObject({ version: 1 });
    expect(await store.get(c.counters, 'k')).toMatchObject({ n: 1 });
  });

  it('batch sad path: every failed document is listed with expected and actual, nothing is written', async () => {
    const { store, c } = fixture();
    for (const id of ['a', 'b', 'c', 'd']) await store.insert(c.orders, order(id));
    const session = store.openSession();
    const docs = (await session.loadMany(c.orders, ['a', 'b', 'c', 'd'])) as Order[];
    // Other writers move a and c on; b is deleted.
    await store.update(c.orders, 'a', (o) => {
      o.total = 100;
    });
    await store.update(c.orders, 'c', (o) => {
      o.total = 100;
    });
    await store.update(c.orders, 'c', (o) => {
      o.total = 101;
    });
    await store.delete(c.orders, 'b');
    const seqBefore = (await store.changes()).last;
    for (const doc of docs) {
      doc.status = 'batch';
      session.store(c.orders, doc);
    }
    session.insert(c.orders, order('new-one'));
    session.insert(c.orders, order('d')); // a collision inside the same batch
    const error = await session.saveChanges().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchWriteError);
    expect(error).toBeInstanceOf(AggregateError);
    const batch = error as BatchWriteError;
    expect(batch.code).toBe('BATCH_WRITE_FAILED');
    const byId = Object.fromEntries(batch.errors.map((e) => [e.id, e]));
    expect(Object.keys(byId).sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(byId.a).toMatchObject({ expected: 1, actual: 2 });
    expect(byId.b).toMatchObject({ expected: 1, actual: null });
    expect(byId.c).toMatchObject({ expected: 1, actual: 3 });
    expect(byId.d).toBeInstanceOf(DuplicateDocumentError);
    expect(await store.get(c.orders, 'new-one')).toBeNull();
    expect((await store.changes()).last).toBe(seqBefore);
  });

  it('a single failure in a batch throws that failure itself and rolls back the rest', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('a'));
    const session = store.openSession();
    const a = (await session.load(c.orders, 'a')) as Order;
    await store.update(c.orders, 'a', (o) => {
      o.total = 5;
    });
    a.total = 6;
    session.store(c.orders, a);
    session.insert(c.orders, order('b'));
    await expect(session.saveChanges()).rejects.toThrow(ConcurrencyError);
    expect(await store.get(c.orders, 'b')).toBeNull();
    // The session keeps its changes: a retry after reloading is the caller's choice.
    await expect(session.saveChanges()).rejects.toThrow(ConcurrencyError);
  });

  it('right and wrong version on store of an entity the session never loaded', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const right = store.openSession();
    right.store(c.orders, order('o-1', { total: 2, version: 1 }));
    await right.saveChanges();
    const wrong = store.openSession();
    wrong.store(c.orders, order('o-1', { total: 3, version: 1 }));
    await expect(wrong.saveChanges()).rejects.toMatchObject({ expected: 1, actual: 2 });
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(2);
  });

  it('update without prior load: an unseen entity with an empty version field is an insert', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1', { total: 1 }));
    const session = store.openSession();
    session.store(c.orders, order('o-1', { total: 2 }));
    await expect(session.saveChanges()).rejects.toThrow(DuplicateDocumentError);
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(1);
  });

  it('insert collision throws DuplicateDocumentError', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const session = store.openSession();
    session.insert(c.orders, order('o-1'));
    await expect(session.saveChanges()).rejects.toMatchObject({
      code: 'DUPLICATE_DOCUMENT',
      id: 'o-1',
    });
  });

  it("overwrite bypassing the check is explicit: check 'none' or optimistic: false", async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const session = store.openSession();
    session.store(c.orders, order('o-1', { total: 7 }), { check: 'none' });
    await session.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 7, version: 2 });

    const lax = store.openSession({ optimistic: false });
    const loaded = (await lax.load(c.orders, 'o-1')) as Order;
    await store.update(c.orders, 'o-1', (o) => {
      o.total = 8;
    });
    loaded.total = 9;
    lax.store(c.orders, loaded);
    await lax.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 9, version: 4 });
  });

  it('revisionAbove and tryRevisionAbove through a session', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const session = store.openSession();
    const entity = (await session.load(c.orders, 'o-1')) as Order;
    session.store(c.orders, entity, { check: { revisionAbove: 10 } });
    await session.saveChanges();
    expect(entity.version).toBe(10);
    session.store(c.orders, { ...entity, total: 99 }, { check: { tryRevisionAbove: 10 } });
    await session.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 10, version: 10 });
    session.store(c.orders, entity, { check: { revisionAbove: 9 } });
    await expect(session.saveChanges()).rejects.toMatchObject({ actualMetadata: { revision: 10 } });
  });

  it('delete through a session checks the loaded version', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await store.insert(c.orders, order('o-2'));
    const session = store.openSession();
    const [one] = (await session.loadMany(c.orders, ['o-1', 'o-2'])) as Order[];
    await store.update(c.orders, 'o-2', (o) => {
      o.total = 0;
    });
    session.delete(c.orders, one as Order);
    session.delete(c.orders, 'o-2');
    await expect(session.saveChanges()).rejects.toMatchObject({
      id: 'o-2',
      expected: 1,
      actual: 2,
    });
    expect(await store.get(c.orders, 'o-1')).not.toBeNull();
    const fresh = store.openSession();
    fresh.delete(c.orders, 'missing');
    await expect(fresh.saveChanges()).rejects.toThrow(DocumentNotFoundError);
  });

  it('the identity map returns the same object and a pending delete hides it', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const session = store.openSession();
    const a = await session.load(c.orders, 'o-1');
    const b = await session.load(c.orders, 'o-1');
    expect(a).toBe(b);
    session.delete(c.orders, 'o-1');
    expect(await session.load(c.orders, 'o-1')).toBeNull();
    await session.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toBeNull();
  });

  it('dirty tracking writes changed loaded documents and only those', async () => {
    const { store, c } = fixture();
    for (const id of ['a', 'b', 'c']) await store.insert(c.orders, order(id));
    const session = store.openSession({ tracking: 'dirty' });
    const [a, b] = (await session.loadMany(c.orders, ['a', 'b', 'c'])) as Order[];
    (a as Order).total = 50;
    session.store(c.orders, b as Order); // stored but unchanged: skipped
    await session.saveChanges();
    expect(await store.getMetadata(c.orders, 'a')).toMatchObject({ revision: 2 });
    expect(await store.getMetadata(c.orders, 'b')).toMatchObject({ revision: 1 });
    expect(await store.getMetadata(c.orders, 'c')).toMatchObject({ revision: 1 });
    expect((a as Order).version).toBe(2);
    // Nothing changed since: nothing written.
    await session.saveChanges();
    expect(await store.getMetadata(c.orders, 'a')).toMatchObject({ revision: 2 });
    // A dirty document still carries its version check.
    await store.update(c.orders, 'b', (o) => {
      o.total = 1;
    });
    (b as Order).total = 2;
    await expect(session.saveChanges()).rejects.toMatchObject({
      id: 'b',
      expected: 1,
      actual: 2,
    });
  });

  it('an identity session writes only what is stored', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('a'));
    const session = store.openSession();
    const a = (await session.load(c.orders, 'a')) as Order;
    a.total = 77;
    await session.saveChanges();
    expect((await store.get(c.orders, 'a'))?.total).toBe(10);
  });

  it('a query session reads without tracking and has no write methods', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('a'));
    const query = store.querySession();
    const one = await query.load(c.orders, 'a');
    const two = await query.load(c.orders, 'a');
    expect(one).toEqual(two);
    expect(one).not.toBe(two);
    expect(await query.loadMany(c.orders, ['a', 'zz', 'a'])).toMatchObject([
      { id: 'a' },
      null,
      { id: 'a' },
    ]);
    expect('store' in query).toBe(false);
    expect('saveChanges' in query).toBe(false);
  });

  it('a check is fixed at store(): loading the document later does not move it', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const session = store.openSession();
    // Stored as of revision 1 without loading it; another writer then moves it to 2.
    session.store(c.orders, order('o-1', { total: 5, version: 1 }));
    await store.update(c.orders, 'o-1', (o) => {
      o.total = 7;
    });
    // Loading returns the pending entity and does not re-base its check on revision 2.
    expect(await session.load(c.orders, 'o-1')).toMatchObject({ total: 5, version: 1 });
    await expect(session.saveChanges()).rejects.toMatchObject({ expected: 1, actual: 2 });
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(7);
    // An unseen insert stays an insert, even when the id is taken meanwhile and loaded.
    const inserting = store.openSession();
    inserting.store(c.orders, order('o-2', { total: 1 }));
    await store.insert(c.orders, order('o-2', { total: 2 }));
    await inserting.load(c.orders, 'o-2');
    await expect(inserting.saveChanges()).rejects.toThrow(DuplicateDocumentError);
    expect((await store.get(c.orders, 'o-2'))?.total).toBe(2);
  });

  it("changing a loaded entity's id is refused, never applying one document's version to another", async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('a'));
    await store.insert(c.orders, order('b'));
    const session = store.openSession();
    const a = (await session.load(c.orders, 'a')) as Order;
    a.id = 'b';
    expect(() => session.store(c.orders, a)).toThrow(InvalidArgumentError);
    expect(() => session.delete(c.orders, a)).toThrow(InvalidArgumentError);
    const dirty = store.openSession({ tracking: 'dirty' });
    const loaded = (await dirty.load(c.orders, 'a')) as Order;
    dirty.store(c.orders, loaded);
    loaded.id = 'b';
    await expect(dirty.saveChanges()).rejects.toThrow(InvalidArgumentError);
    const identity = store.openSession();
    const stored = order('c');
    identity.store(c.orders, stored);
    stored.id = 'b';
    await expect(identity.saveChanges()).rejects.toThrow(InvalidArgumentError);
    expect(await store.get(c.orders, 'b')).toMatchObject({ id: 'b', total: 10, version: 1 });
    expect(await store.get(c.orders, 'c')).toBeNull();
  });

  it('changes scheduled while saveChanges() runs are kept for the next call', async () => {
    const { store, c } = fixture();
    const session = store.openSession();
    session.store(c.orders, order('first'));
    const saving = session.saveChanges();
    session.store(c.orders, order('second'));
    await saving;
    expect(await store.get(c.orders, 'second')).toBeNull();
    await session.saveChanges();
    expect(await store.get(c.orders, 'second')).not.toBeNull();
  });

  it('a skipped tryRevisionAbove is done: dirty tracking does not write it later', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await store.put(c.orders, order('o-1', { total: 3 }), { check: { revisionAbove: 5 } });
    const session = store.openSession({ tracking: 'dirty' });
    const entity = (await session.load(c.orders, 'o-1')) as Order;
    entity.total = 4;
    session.store(c.orders, entity, { check: { tryRevisionAbove: 5 } });
    await session.saveChanges();
    await session.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 3, version: 5 });
  });

  it('50 sessions racing to save the same loaded version: exactly one succeeds', async () => {
    const { store, c, openStore } = fixture();
    await store.insert(c.orders, order('hot'));
    const stores = Array.from({ length: 5 }, () => openStore());
    const sessions = Array.from({ length: 50 }, (_, i) => (stores[i % 5] ?? store).openSession());
    const loaded = await Promise.all(sessions.map((s) => s.load(c.orders, 'hot')));
    const results = await Promise.allSettled(
      sessions.map((session, i) => {
        const doc = loaded[i] as Order;
        doc.status = `writer-${i}`;
        session.store(c.orders, doc);
        return session.saveChanges();
      }),
    );
    const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    const losers = results.filter((r) => r.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(49);
    for (const loser of losers) {
      expect((loser as PromiseRejectedResult).reason).toBeInstanceOf(ConcurrencyError);
      expect((loser as PromiseRejectedResult).reason).toMatchObject({
        expected: 1,
        actual: 2,
      });
    }
    expect(await store.get(c.orders, 'hot')).toMatchObject({
      status: `writer-${winners[0]}`,
      version: 2,
    });
  });
});
