// npx tsx examples/strategy-automatic-retry.ts
// Strategy C: retry automatically, settling conflicts with a resolver chosen by policy.
import { DocumentStore, Policies, threeWayMerge } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Order {
  id: string;
  items: { sku: string; qty: number }[];
  shippingAddress?: string;
  status: string;
}

const policies = new Policies()
  .when((ctx) => ctx.collection === 'orders')
  .then({
    strategy: 'automaticRetry',
    retry: { maxAttempts: 3, initialDelay: 100 },
    resolver: threeWayMerge({ identity: { items: 'sku' } }),
  });
const filename = `/tmp/noclobber-example-${process.pid}.db`;
const store = new DocumentStore({ backend: new SqliteBackend({ filename }), policies });
const other = new DocumentStore({ backend: new SqliteBackend({ filename }) });
const orders = store.collection<Order>('orders');
await store.insert(orders, { id: 'o-1', items: [{ sku: 'tea', qty: 1 }], status: 'open' });

// Two people edit the same order; neither reruns anything by hand.
const session = store.openSession();
const order = (await session.load(orders, 'o-1')) as Order;
await other.update(orders, 'o-1', (o) => void o.items.push({ sku: 'cake', qty: 2 }));
order.shippingAddress = '1 Main St';
order.items.push({ sku: 'coffee', qty: 1 });
session.store(orders, order);
await session.saveChanges(); // conflict → three-way merge → saved against the new version

console.log(await store.get(orders, 'o-1'));
await store.close();
await other.close();
const { rmSync } = await import('node:fs');
for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
