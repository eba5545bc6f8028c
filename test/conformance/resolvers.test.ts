import { expect, it } from 'vitest';
import {
  additiveMerge,
  BatchWriteError,
  type Collection,
  ConcurrencyError,
  type DocumentStore,
  firstWriteWins,
  lastWriteWins,
  MergeConflictError,
  type Resolver,
  threeWayMerge,
} from '../../src/index.js';
import { type Order, order } from '../support/model.js';
import { describeConformance } from './fixture.js';

interface Cart {
  id: string;
  items: { sku: string; qty: number }[];
  note?: string;
  version?: number;
}

/** A concurrent writer's change, made the first time the returned function is called only. */
function interleave(change: () => Promise<unknown>) {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    await change();
  };
}

/** Another writer marking o-1 paid, once, at the moment the returned function is called. */
const paidElsewhere = (other: DocumentStore, orders: Collection<Order>) =>
  interleave(() =>
    other.update(orders, 'o-1', (o) => {
      o.status = 'paid';
    }),
  );

describeConformance('resolvers', (fixture) => {
  it('threeWayMerge keeps both sides’ changes to different fields without running mutate again', async () => {
    const { store, c, openStore } = fixture();
    const other = openStore();
    await store.insert(c.orders, order('o-1', { customer: { name: 'Ann' } }));
    const concurrent = paidElsewhere(other, c.orders);
    let runs = 0;
    const saved = await store.update(
      c.orders,
      'o-1',
      async (o) => {
        runs++;
        await concurrent();
        o.total = 99;
        o.customer = { name: 'Ann', tier: 'gold' };
      },
      { resolver: threeWayMerge() },
    );
    expect(runs).toBe(1);
    expect(saved).toMatchObject({ status: 'paid', total: 99, version: 3 });
    expect(await store.get(c.orders, 'o-1')).toMatchObject({
      status: 'paid',
      total: 99,
      customer: { name: 'Ann', tier: 'gold' },
      version: 3,
    });
  });

  it('threeWayMerge fails on a field both changed, listing it, and writes nothing', async () => {
    const { store, c, openStore } = fixture();
    const other = openStore();
    await store.insert(c.orders, order('o-1'));
    const concurrent = paidElsewhere(other, c.orders);
    const error = await store
      .update(
        c.orders,
        'o-1',
        async (o) => {
          await concurrent();
          o.status = 'cancelled';
          o.total = 1;
        },
        { resolver: threeWayMerge() },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect(error).toMatchObject({ code: 'MERGE_CONFLICT', paths: ['status'], id: 'o-1' });
    expect(await store.get(c.orders, 'o-1')).toMatchObject({
      status: 'paid',
      total: 10,
      version: 2,
    });
    // With 'ours', the conflicting field takes our value and the rest still merges.
    const again = interleave(() =>
      other.update(c.orders, 'o-1', (o) => {
        o.status = 'shipped';
        o.lines = [{ sku: 'x', qty: 1 }];
      }),
    );
    await store.update(
      c.orders,
      'o-1',
      async (o) => {
        await again();
        o.status = 'cancelled';
      },
      { resolver: threeWayMerge({ onConflict: 'ours' }) },
    );
    expect(await store.get(c.orders, 'o-1')).toMatchObject({
      status: 'cancelled',
      lines: [{ sku: 'x', qty: 1 }],
    });
  });

  it('a resolution that meets yet another change is resolved again against it', async () => {
    const { store, c, openStore } = fixture();
    const other = openStore();
    await store.insert(c.orders, order('o-1'));
    const concurrent = paidElsewhere(other, c.orders);
    const seen: number[] = [];
    let moves = 0;
    const resolver: Resolver<Order> = async (ctx) => {
      seen.push(ctx.currentMetadata.revision);
      if (moves++ === 0) {
        await other.update(c.orders, 'o-1', (o) => {
          o.lines = [{ sku: 'late', qty: 1 }];
        });
      }
      return threeWayMerge()(ctx);
    };
    await store.update(
      c.orders,
      'o-1',
      async (o) => {
        await concurrent();
        o.total = 42;
      },
      { resolver },
    );
    expect(seen).toEqual([2, 3]);
    expect(await store.get(c.orders, 'o-1')).toMatchObject({
      status: 'paid',
      total: 42,
      lines: [{ sku: 'late', qty: 1 }],
      version: 4,
    });
  });

  it('lastWriteWins saves the attempt over the concurrent change; firstWriteWins surfaces it', async () => {
    const { store, c, openStore } = fixture();
    const other = openStore();
    await store.insert(c.orders, order('a'));
    await store.insert(c.orders, order('b'));
    for (const [id, resolver] of [
      ['a', lastWriteWins],
      ['b', firstWriteWins],
    ] as const) {
      const concurrent = interleave(() =>
        other.update(c.orders, id, (o) => {
          o.status = 'theirs';
        }),
      );
      let runs = 0;
      const result = await store
        .update(
          c.orders,
          id,
          async (o) => {
            runs++;
            await concurrent();
            o.status = 'ours';
          },
          { resolver },
        )
        .catch((e: unknown) => e);
      expect(runs).toBe(1);
      if (id === 'a') {
        expect(result).toMatchObject({ status: 'ours', version: 3 });
      } else {
        expect(result).toBeInstanceOf(ConcurrencyError);
        expect(result).toMatchObject({ expected: 1, actual: 2 });
      }
    }
    expect((await store.get(c.orders, 'a'))?.status).toBe('ours');
    expect((await store.get(c.orders, 'b'))?.status).toBe('theirs');
  });

  it('additiveMerge unions collections by identity; a resolver may also say retry', async () => {
    const { store, openStore } = fixture();
    const carts = store.collection<Cart>('carts', { versionField: 'version' });
    const other = openStore();
    other.collection<Cart>('carts', { versionField: 'version' });
    await store.insert(carts, { id: 'cart', items: [{ sku: 'a', qty: 1 }] });
    const concurrent = interleave(() =>
      other.update(carts, 'cart', (cart) => {
        cart.items.push({ sku: 'b', qty: 1 });
      }),
    );
    await store.update(
      carts,
      'cart',
      async (cart) => {
        await concurrent();
        cart.items.push({ sku: 'c', qty: 2 });
        cart.note = 'gift';
      },
      { resolver: additiveMerge({ identity: { items: 'sku' } }) },
    );
    expect(await store.get(carts, 'cart')).toMatchObject({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 1 },
        { sku: 'c', qty: 2 },
      ],
      note: 'gift',
    });
    const again = interleave(() =>
      other.update(carts, 'cart', (cart) => {
        cart.items = [];
      }),
    );
    let runs = 0;
    await store.update(
      carts,
      'cart',
      async (cart) => {
        runs++;
        await again();
        cart.note = `run ${runs}`;
      },
      { resolver: () => 'retry' },
    );
    expect(runs).toBe(2);
    expect(await store.get(carts, 'cart')).toMatchObject({ items: [], note: 'run 2' });
  });

  it('saveChanges() resolves failed checks and commits the whole batch again', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('a', { customer: { name: 'Ann' } }));
    await store.insert(c.orders, order('b'));
    const session = store.openSession({ resolver: threeWayMerge() });
    const [a, b] = (await session.loadMany(c.orders, ['a', 'b'])) as Order[];
    await store.update(c.orders, 'a', (o) => {
      o.status = 'paid';
    });
    (a as Order).total = 77;
    (b as Order).total = 88;
    session.store(c.orders, a as Order);
    session.store(c.orders, b as Order);
    await session.saveChanges();
    // The entity now holds what was saved: both changes, and the new version.
    expect(a).toMatchObject({ status: 'paid', total: 77, version: 3 });
    expect(await store.get(c.orders, 'a')).toMatchObject({ status: 'paid', total: 77, version: 3 });
    expect(await store.get(c.orders, 'b')).toMatchObject({ total: 88, version: 2 });
    // Later saves check the resolved version.
    (a as Order).total = 78;
    session.store(c.orders, a as Order);
    await session.saveChanges();
    expect(await store.getMetadata(c.orders, 'a')).toMatchObject({ revision: 4 });
  });

  it('saveChanges() with a resolver that cannot settle throws and writes nothing', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('a'));
    await store.insert(c.orders, order('b'));
    const session = store.openSession({ resolver: threeWayMerge() });
    const [a, b] = (await session.loadMany(c.orders, ['a', 'b'])) as Order[];
    await store.update(c.orders, 'a', (o) => {
      o.status = 'paid';
    });
    await store.update(c.orders, 'b', (o) => {
      o.status = 'paid';
    });
    (a as Order).status = 'void';
    (b as Order).total = 1;
    session.store(c.orders, a as Order);
    session.store(c.orders, b as Order);
    await expect(session.saveChanges()).rejects.toThrow(MergeConflictError);
    expect(await store.get(c.orders, 'a')).toMatchObject({ status: 'paid', version: 2 });
    expect(await store.get(c.orders, 'b')).toMatchObject({ total: 10, version: 2 });
    // A resolver named by the call settles what the session's could not.
    await session.saveChanges({ resolver: threeWayMerge({ onConflict: 'theirs' }) });
    expect(await store.get(c.orders, 'a')).toMatchObject({ status: 'paid', version: 3 });
    expect(await store.get(c.orders, 'b')).toMatchObject({ status: 'paid', total: 1, version: 3 });
    // Without a resolver, the same conflicts are a BatchWriteError.
    const plain = store.openSession();
    const [x, y] = (await plain.loadMany(c.orders, ['a', 'b'])) as Order[];
    await store.update(c.orders, 'a', (o) => {
      o.total = 2;
    });
    await store.update(c.orders, 'b', (o) => {
      o.total = 2;
    });
    plain.store(c.orders, x as Order);
    plain.store(c.orders, y as Order);
    await expect(plain.saveChanges()).rejects.toThrow(BatchWriteError);
  });

  it('racing writers of different fields with threeWayMerge all land', async () => {
    const { store, c, openStore } = fixture();
    await store.insert(c.counters, { id: 'hot', n: 0, log: [] });
    const stores = Array.from({ length: 4 }, () => openStore());
    const writers = 16;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        (stores[i % stores.length] as DocumentStore).update(
          c.counters,
          'hot',
          (doc) => {
            (doc as unknown as Record<string, number>)[`field${i}`] = i;
          },
          {
            resolver: threeWayMerge(),
            retry: { maxAttempts: 200, initialDelay: 1, maxDelay: 20 },
          },
        ),
      ),
    );
    const final = (await store.get(c.counters, 'hot')) as unknown as Record<string, number>;
    for (let i = 0; i < writers; i++) expect(final[`field${i}`]).toBe(i);
    expect(final.version).toBe(writers + 1);
  });
});
