import { expect, it } from 'vitest';
import {
  type Aggregate,
  AggregateRoot,
  ConcurrencyError,
  DocumentStore,
  type EventInput,
  InvalidArgumentError,
  InvalidDocumentError,
} from '../../src/index.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

type OrderEvent =
  | EventInput<'ItemAdded', { sku: string; price: number }>
  | EventInput<'Shipped', { at: string }>;

interface OrderState {
  items: { sku: string; price: number }[];
  total: number;
  shipped: boolean;
}

const orderAggregate: Aggregate<OrderState, OrderEvent> = {
  initialState: () => ({ items: [], total: 0, shipped: false }),
  evolve(state, event) {
    switch (event.type) {
      case 'ItemAdded':
        return {
          ...state,
          items: [...state.items, event.data],
          total: state.total + event.data.price,
        };
      case 'Shipped':
        return { ...state, shipped: true };
    }
  },
};

const added = (sku: string, price = 1): OrderEvent => ({ type: 'ItemAdded', data: { sku, price } });
const shipped = (at: string): OrderEvent => ({ type: 'Shipped', data: { at } });

class Order extends AggregateRoot<OrderState, OrderEvent> {
  protected initialState(): OrderState {
    return { items: [], total: 0, shipped: false };
  }
  protected apply(state: OrderState, event: OrderEvent): OrderState {
    return orderAggregate.evolve(state, event);
  }
  addItem(sku: string, price: number) {
    if (this.state.shipped) throw new Error('already shipped');
    this.raise(added(sku, price));
  }
  ship() {
    if (!this.state.shipped) this.raise(shipped('today'));
  }
}

describeConformance('event streams', (fixture) => {
  it('repository style: load an aggregate root, raise events, save with its version', async () => {
    const { store, openStore } = fixture();
    const fresh = await store.events.load(Order, 'order-7');
    expect(fresh.version).toBe(0);
    fresh.addItem('tea', 3);
    fresh.addItem('cake', 4);
    expect(fresh.pendingEvents).toHaveLength(2);
    expect(await store.events.save(fresh)).toMatchObject({ version: 2 });
    expect(fresh).toMatchObject({ version: 2, pendingEvents: [] });
    expect(await store.events.save(fresh)).toBeUndefined();
    // Two instances loaded at version 2: the second save fails with the real version.
    const mine = await store.events.load(Order, 'order-7');
    const theirs = await openStore().events.load(Order, 'order-7');
    expect(mine.state.total).toBe(7);
    theirs.ship();
    await store.events.save(theirs);
    mine.addItem('jam', 1);
    await expect(store.events.save(mine)).rejects.toMatchObject({ expected: 2, actual: 3 });
    // An explicit expected version, as in the seed.
    const again = await store.events.load(Order, 'order-7');
    expect(again.state).toMatchObject({ shipped: true, total: 7 });
    expect(() => again.addItem('late', 1)).toThrow('already shipped');
    const reopened = await store.events.load(Order, 'order-8');
    reopened.addItem('x', 1);
    await expect(store.events.save(reopened, { expectedVersion: 5 })).rejects.toMatchObject({
      expected: 5,
      actual: 0,
    });
  });

  it('appends carry versions, positions and timestamps; reads come back in order', async () => {
    const { store } = fixture();
    const before = Date.now();
    const first = await store.events.appendToStream('order-1', [added('a'), added('b')], {
      expectedVersion: 'noStream',
    });
    expect(first.version).toBe(2);
    expect(first.events.map((e) => e.version)).toEqual([1, 2]);
    expect(first.events[1]?.position).toBe((first.events[0]?.position as bigint) + 1n);
    await store.events.appendToStream('order-2', [added('x')]);
    await store.events.appendToStream(
      'order-1',
      [{ type: 'Shipped', data: { at: 'now' }, metadata: { by: 'ann' } }],
      {
        expectedVersion: 2,
      },
    );
    const stream = await store.events.readStream('order-1');
    expect(stream.map((e) => [e.version, e.type])).toEqual([
      [1, 'ItemAdded'],
      [2, 'ItemAdded'],
      [3, 'Shipped'],
    ]);
    expect(stream[2]).toMatchObject({
      streamId: 'order-1',
      data: { at: 'now' },
      metadata: { by: 'ann' },
    });
    expect(stream[0]?.metadata).toBeUndefined();
    expect(stream[0]?.timestamp).toBeGreaterThanOrEqual(before - 5_000);
    expect(typeof stream[0]?.position).toBe('bigint');
    const backward = await store.events.readStream('order-1', { direction: 'backward', limit: 2 });
    expect(backward.map((e) => e.version)).toEqual([3, 2]);
    expect(
      (await store.events.readStream('order-1', { from: 2, to: 2 })).map((e) => e.version),
    ).toEqual([2]);
    expect(await store.events.readStream('nothing-here')).toEqual([]);
    const all = await store.events.readAll();
    expect(all.map((e) => `${e.streamId}@${e.version}`)).toEqual([
      'order-1@1',
      'order-1@2',
      'order-2@1',
      'order-1@3',
    ]);
    const positions = all.map((e) => e.position);
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
    const page = await store.events.readAll({ after: all[1]?.position, limit: 1 });
    expect(page.map((e) => `${e.streamId}@${e.version}`)).toEqual(['order-2@1']);
  });

  it('all four expectations are enforced by the append, and a miss reports the real version', async () => {
    const { store } = fixture();
    const events = store.events;
    const miss = async (
      streamId: string,
      expectedVersion: number | 'noStream' | 'streamExists',
    ) => {
      const error = await events
        .appendToStream(streamId, [added('z')], { expectedVersion })
        .catch((e: unknown) => e);
      expect(error, `${streamId} ${expectedVersion}`).toBeInstanceOf(ConcurrencyError);
      return error as ConcurrencyError;
    };
    expect(await miss('s', 'streamExists')).toMatchObject({
      streamId: 's',
      expected: 'streamExists',
      actual: 0,
    });
    expect((await miss('s', 3)).message).toMatch(/stream s: expected version 3, found no stream/);
    await events.appendToStream('s', [added('a')], { expectedVersion: 0 });
    expect(await miss('s', 'noStream')).toMatchObject({ expected: 'noStream', actual: 1 });
    expect(await miss('s', 0)).toMatchObject({ expected: 0, actual: 1 });
    expect(await miss('s', 5)).toMatchObject({
      expected: 5,
      actual: 1,
      code: 'CONCURRENCY_CONFLICT',
    });
    await events.appendToStream('s', [added('b')], { expectedVersion: 'streamExists' });
    await events.appendToStream('s', [added('c')], { expectedVersion: 'any' });
    await events.appendToStream('s', [added('d')], { expectedVersion: 3 });
    expect((await events.readStream('s')).map((e) => e.data.sku)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('an append is atomic: several events land together or not at all', async () => {
    const { store } = fixture();
    await store.events.appendToStream('s', [added('a')]);
    const tooLate = store.events.appendToStream('s', [added('b'), added('c'), added('d')], {
      expectedVersion: 0,
    });
    await expect(tooLate).rejects.toThrow(ConcurrencyError);
    expect((await store.events.readStream('s')).length).toBe(1);
  });

  it('aggregateStream folds a stream; handle decides, appends, and retries on conflicts', async () => {
    const { store } = fixture();
    await store.events.appendToStream('order', [added('a', 5), added('b', 7)]);
    expect(await store.events.aggregateStream('order', orderAggregate)).toMatchObject({
      state: { total: 12, shipped: false },
      version: 2,
    });
    const result = await store.events.handle('order', orderAggregate, (state) =>
      state.shipped ? [] : [shipped('dock 4')],
    );
    expect(result).toMatchObject({ version: 3, state: { shipped: true, total: 12 }, attempts: 1 });
    expect(result.events.map((e) => e.type)).toEqual(['Shipped']);
    const nothing = await store.events.handle('order', orderAggregate, (state) =>
      state.shipped ? [] : [shipped('again')],
    );
    expect(nothing).toMatchObject({ version: 3, events: [], attempts: 1 });
    expect((await store.events.readStream('order')).length).toBe(3);
    // An explicit expected version fails fast and is never retried.
    let decided = 0;
    await expect(
      store.events.handle(
        'order',
        orderAggregate,
        () => {
          decided++;
          return added('late');
        },
        { expectedVersion: 2 },
      ),
    ).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', expected: 2, actual: 3 });
    expect(decided).toBe(0);
  });

  it('50 handlers racing from the same version: one wins without retries, all land with them', async () => {
    const { store, config } = fixture();
    const stores = Array.from(
      { length: 5 },
      () => new DocumentStore({ backend: openBackend(config) }),
    );
    try {
      const once = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          (stores[i % 5] as DocumentStore).events.handle(
            'race',
            orderAggregate,
            () => added(`h${i}`),
            {
              expectedVersion: 0,
            },
          ),
        ),
      );
      expect(once.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const losers = once.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      expect(losers).toHaveLength(49);
      for (const l of losers) expect(l.reason).toMatchObject({ expected: 0, actual: 1 });

      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (stores[i % 5] as DocumentStore).events.handle(
            'race-2',
            orderAggregate,
            () => added(`h${i}`),
            {
              retry: { maxAttempts: 500, initialDelay: 1, maxDelay: 20 },
            },
          ),
        ),
      );
      const stream = await store.events.readStream('race-2');
      expect(stream.map((e) => e.version)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      const skus = stream.map((e) => e.data.sku as string);
      expect(new Set(skus).size).toBe(50);
      expect([...skus].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `h${i}`).sort());
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('an inline projection is written with the append, its revision the stream version', async () => {
    const { store } = fixture();
    const orders = store.collection<OrderState & { id: string; revision?: number }>('order_views', {
      versionField: 'revision',
    });
    store.events.project({
      collection: orders,
      aggregate: orderAggregate,
      streams: (id) => id.startsWith('order-'),
    });
    await store.events.appendToStream('order-9', [added('a', 3), added('b', 4)]);
    expect(await store.get(orders, 'order-9')).toMatchObject({ total: 7, revision: 2 });
    // The reader uses the document's revision as the expected version of its next append.
    const view = (await store.get(orders, 'order-9')) as { revision: number };
    await store.events.appendToStream('order-9', [{ type: 'Shipped', data: { at: 'x' } }], {
      expectedVersion: view.revision,
    });
    expect(await store.get(orders, 'order-9')).toMatchObject({
      total: 7,
      shipped: true,
      revision: 3,
    });
    // A stale append changes neither the stream nor the projection.
    await expect(
      store.events.appendToStream('order-9', [added('c', 100)], { expectedVersion: 2 }),
    ).rejects.toThrow(ConcurrencyError);
    expect(await store.get(orders, 'order-9')).toMatchObject({ total: 7, revision: 3 });
    // Racing 'any' appends each fold from the version they land on.
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.events.appendToStream('order-9', [added(`r${i}`, 1)]),
      ),
    );
    expect(await store.get(orders, 'order-9')).toMatchObject({ total: 17, revision: 13 });
    // Streams the projection does not match have no document.
    await store.events.appendToStream('cart-1', [added('a')]);
    expect(await store.get(orders, 'cart-1')).toBeNull();
  });

  it('streams are per tenant', async () => {
    const { store } = fixture();
    const other = store.withTenant('other');
    await store.events.appendToStream('s', [added('mine')]);
    expect(await other.events.readStream('s')).toEqual([]);
    expect(await other.events.readAll()).toEqual([]);
    await other.events.appendToStream('s', [added('theirs')], { expectedVersion: 'noStream' });
    expect((await store.events.readStream('s')).map((e) => e.data.sku)).toEqual(['mine']);
  });

  it('bad appends are refused and write nothing', async () => {
    const { store } = fixture();
    const events = store.events;
    const bad: [unknown, unknown][] = [
      [[], {}],
      [[{ type: '', data: {} }], {}],
      [[{ type: 'x\u0000', data: {} }], {}],
      [[{ type: 'x', data: 'text' }], {}],
      [[{ type: 'x', data: JSON.parse('{"__proto__": {}}') }], {}],
      [[added('a')], { expectedVersion: -1 }],
      [[added('a')], { expectedVersion: '3' }],
      [[added('a')], { expectedVersion: 1.5 }],
    ];
    for (const [list, options] of bad) {
      const error = await events
        .appendToStream('s', list as EventInput[], options as never)
        .catch((e: unknown) => e);
      expect(error, JSON.stringify(list)).toBeInstanceOf(InvalidArgumentError);
    }
    await expect(events.appendToStream('', [added('a')])).rejects.toThrow(InvalidArgumentError);
    await expect(events.readAll({ after: 5 as never })).rejects.toThrow(InvalidArgumentError);
    await expect(
      events.appendToStream('s', [{ type: 'x', data: { d: new Date() } as never }]),
    ).rejects.toThrow(InvalidDocumentError);
    expect(await events.readAll()).toEqual([]);
  });
});
