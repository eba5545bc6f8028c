// npx tsx examples/event-sourcing.ts
// An order as an event stream: add items, ship; a projected document for readers.
import { type Aggregate, AggregateRoot, DocumentStore, type EventInput } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

type OrderEvent =
  | EventInput<'ItemAdded', { sku: string; price: number }>
  | EventInput<'Shipped', { carrier: string }>;

interface OrderView {
  items: string[];
  total: number;
  status: 'open' | 'shipped';
}

const order: Aggregate<OrderView, OrderEvent> = {
  initialState: () => ({ items: [], total: 0, status: 'open' }),
  evolve: (state, event) =>
    event.type === 'ItemAdded'
      ? { ...state, items: [...state.items, event.data.sku], total: state.total + event.data.price }
      : { ...state, status: 'shipped' },
};

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const views = store.collection<OrderView & { id: string; version?: number }>('order_views', {
  versionField: 'version',
});
// An inline projection: written in the same transaction as every append, its revision
// the stream version.
store.events.project({ collection: views, aggregate: order });

// Commands decide events from the current state; a conflict reloads and decides again.
const addItem = (sku: string, price: number) =>
  store.events.handle('order-1', order, (state): OrderEvent[] => {
    if (state.status === 'shipped') throw new Error('Order already shipped');
    return [{ type: 'ItemAdded', data: { sku, price } }];
  });
await addItem('tea', 4);
await Promise.all([addItem('cake', 3), addItem('jam', 2)]); // racing: both land
await store.events.handle('order-1', order, (state): OrderEvent[] =>
  state.status === 'open' ? [{ type: 'Shipped', data: { carrier: 'post' } }] : [],
);

const view = await store.get(views, 'order-1');
console.log(view);

// A reader that saw version 3 appends with it: the stream moved, so this fails.
const stale = await store.events
  .appendToStream('order-1', [{ type: 'ItemAdded', data: { sku: 'late', price: 1 } }], {
    expectedVersion: 3,
  })
  .catch((error: Error) => error.message);
console.log(stale);

// The repository style of the seeds: load, change, save with the loaded version.
class Order extends AggregateRoot<OrderView, OrderEvent> {
  protected initialState(): OrderView {
    return { items: [], total: 0, status: 'open' };
  }
  protected apply(state: OrderView, event: OrderEvent) {
    return order.evolve(state, event);
  }
  add(sku: string, price: number) {
    this.raise({ type: 'ItemAdded', data: { sku, price } });
  }
}
const basket = await store.events.load(Order, 'order-2');
basket.add('coffee', 5);
await store.events.save(basket); // a new stream: expects 'noStream'
console.log('order-2 at version', basket.version, 'total', basket.state.total);

for (const event of await store.events.readAll()) {
  console.log(`${event.position} ${event.streamId}@${event.version} ${event.type}`);
}
await store.close();
