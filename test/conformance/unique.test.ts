import { expect, it } from 'vitest';
import { type DocumentStore, UniqueConstraintError } from '../../src/index.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

interface User {
  id: string;
  email?: unknown;
  name?: string;
}

interface Product {
  id: string;
  tenantCode: string;
  sku: string;
}

const users = (store: DocumentStore) => store.collection<User>('users', { unique: ['email'] });

// What a write refused by the unique field must say, and that it changed nothing.
async function refused(
  write: Promise<unknown>,
  expected: { fields?: string[]; id?: string | null; holder?: string | null },
): Promise<UniqueConstraintError> {
  const error = await write.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UniqueConstraintError);
  const unique = error as UniqueConstraintError;
  expect(unique.code).toBe('UNIQUE_CONSTRAINT');
  expect(unique.fields).toEqual(expected.fields ?? ['email']);
  if (expected.id !== undefined) expect(unique.id).toBe(expected.id);
  if (expected.holder !== undefined) expect(unique.holder).toBe(expected.holder);
  return unique;
}

describeConformance('unique fields', (fixture) => {
  const serve = useServers();

  it('answers an HTTP write of a taken value 409 with the field and holder, and writes nothing', async () => {
    const f = fixture();
    const c = users(f.store);
    await f.store.insert(c, { id: 'ann', email: 'ann@x.org' });
    const { json } = await serve(f, 'node', { collections: [c] });
    const put = await json('PUT', '/users/eve', { email: 'ann@x.org' });
    expect(await expectProblem(put, 409, 'unique-constraint')).toMatchObject({
      collection: 'users',
      fields: ['email'],
      id: 'eve',
      holder: 'ann',
    });
    await expectProblem(await json('POST', '/users', { email: 'ann@x.org' }), 409);
    expect(await f.store.get(c, 'eve')).toBeNull();
    expect(await f.store.count(c)).toBe(1);
  });

  it('refuses a second live document with the value on every one-call write, naming the holder', async () => {
    const { store } = fixture();
    const c = users(store);
    await store.insert(c, { id: 'ann', email: 'ann@x.org' });
    await store.insert(c, { id: 'bob', email: 'bob@x.org' });
    await refused(store.insert(c, { id: 'ann2', email: 'ann@x.org' }), {
      id: 'ann2',
      holder: 'ann',
    });
    expect(await store.get(c, 'ann2')).toBeNull();
    await refused(store.put(c, { id: 'carl', email: 'bob@x.org' }), { id: 'carl', holder: 'bob' });
    await refused(
      store.update(c, 'bob', (u) => {
        u.email = 'ann@x.org';
      }),
      { id: 'bob', holder: 'ann' },
    );
    await refused(store.apply(c, 'bob', { $set: { email: 'ann@x.org' } }), {
      id: 'bob',
      holder: 'ann',
    });
    await refused(
      store.updateWhere(c, { email: 'bob@x.org' }, { $set: { email: 'ann@x.org' } }),
      {},
    );
    expect((await store.get(c, 'bob'))?.email).toBe('bob@x.org');
    expect(await store.count(c)).toBe(2);
  });

  it('does not constrain documents missing the field, holding another type, or deleted', async () => {
    const { store } = fixture();
    const c = users(store);
    await store.insert(c, { id: 'a', name: 'no email' });
    await store.insert(c, { id: 'b', name: 'no email either' });
    await store.insert(c, { id: 'n1', email: 42 });
    await store.insert(c, { id: 'n2', email: 42 });
    await store.insert(c, { id: 'old', email: 'x@x.org' });
    await store.delete(c, 'old');
    await store.insert(c, { id: 'new', email: 'x@x.org' });
    expect(await store.count(c)).toBe(5);
  });

  it('keeps compound fields unique together', async () => {
    const { store } = fixture();
    const c = store.collection<Product>('products', { unique: [['tenantCode', 'sku']] });
    await store.insert(c, { id: 'p1', tenantCode: 't1', sku: 'A' });
    await store.insert(c, { id: 'p2', tenantCode: 't2', sku: 'A' });
    await store.insert(c, { id: 'p3', tenantCode: 't1', sku: 'B' });
    await refused(store.insert(c, { id: 'p4', tenantCode: 't1', sku: 'A' }), {
      fields: ['tenantCode', 'sku'],
      id: 'p4',
      holder: 'p1',
    });
  });

  it('refuses a session batch whole', async () => {
    const { store } = fixture();
    const c = users(store);
    await store.insert(c, { id: 'ann', email: 'ann@x.org' });
    const session = store.openSession();
    session.store(c, { id: 'u1', email: 'u1@x.org' });
    session.store(c, { id: 'u2', email: 'ann@x.org' });
    session.store(c, { id: 'u3', email: 'u3@x.org' });
    await refused(session.saveChanges(), { id: 'u2', holder: 'ann' });
    expect(await store.count(c)).toBe(1);
  });

  it('lets exactly one of racing inserts of one value win, across connections', async () => {
    const { openStore } = fixture();
    const stores = Array.from({ length: 6 }, () => openStore());
    for (const s of stores) await s.count(users(s));
    for (let round = 0; round < 10; round++) {
      const email = `race${round}@x.org`;
      const results = await Promise.allSettled(
        stores.map((s, i) => s.insert(users(s), { id: `r${round}-${i}`, email })),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(UniqueConstraintError);
      }
      expect(
        await (stores[0] as DocumentStore).count(users(stores[0] as DocumentStore), { email }),
      ).toBe(1);
    }
  });

  it('refuses to declare a unique field that live documents already share', async () => {
    const { store, openStore } = fixture();
    const plain = store.collection<User>('shared', {});
    await store.insert(plain, { id: 'a', email: 'same' });
    await store.insert(plain, { id: 'b', email: 'same' });
    const later = openStore();
    const shared = later.collection<User>('shared', { unique: ['email'] });
    const fine = later.collection<User>('fine', { unique: ['email'] });
    const error = await later.count(shared).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    // The failure is kept a while, not tried again by every call (each try reads the
    // table and holds back writes); a server that readies its store learns it too.
    expect(await later.count(shared).catch((e: unknown) => e)).toBe(error);
    await expect(later.ready()).rejects.toBe(error);
    // Only the calls that touch that collection fail: the store's other collections, its
    // feed and its streams work, with their own unique fields enforced.
    await later.insert(fine, { id: 'x', email: 'same' });
    await refused(later.insert(fine, { id: 'y', email: 'same' }), { holder: 'x' });
    expect((await later.changes({ since: 0 })).changes.map((c) => c.id)).toEqual(['a', 'b', 'x']);
    await later.events.appendToStream('s', [{ type: 'Opened', data: {} }]);
    const session = later.openSession();
    session.insert(fine, { id: 'z', email: 'other' });
    await session.saveChanges();
    // And the broken one keeps failing, writing nothing, until its data is mended.
    await expect(later.insert(shared, { id: 'c', email: 'new' })).rejects.toBeInstanceOf(
      UniqueConstraintError,
    );
    expect(await store.get(plain, 'c')).toBeNull();
    await store.delete(plain, 'b');
    const mended = openStore();
    const again = mended.collection<User>('shared', { unique: ['email'] });
    expect(await mended.count(again, { email: 'same' })).toBe(1);
    await refused(mended.insert(again, { id: 'd', email: 'same' }), { holder: 'a' });
  });
});
