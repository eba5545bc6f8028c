// npx tsx examples/quick-start.ts
import { ConcurrencyError, DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Order {
  id: string;
  status: 'open' | 'paid';
  lines: { sku: string; qty: number }[];
  version?: number;
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const orders = store.collection<Order>('orders', { versionField: 'version' });

// Insert: the check is `mustNotExist`, so an existing order is never overwritten.
const order: Order = { id: 'o-1', status: 'open', lines: [] };
await store.insert(orders, order);
console.log('inserted at version', order.version); // 1

// Two writers load the same version...
const alice = (await store.get(orders, 'o-1')) as Order;
const bob = (await store.get(orders, 'o-1')) as Order;
alice.lines.push({ sku: 'apple', qty: 1 });
bob.lines.push({ sku: 'pear', qty: 2 });

// ...the first save wins, the second is refused instead of silently overwriting it.
await store.put(orders, alice);
try {
  await store.put(orders, bob);
} catch (error) {
  if (!(error instanceof ConcurrencyError)) throw error;
  console.log(error.message);
  // Optimistic concurrency check failed for orders/o-1: expected revision 1, found 2
}

// update() is load → change → checked save, re-run on conflict with backoff.
const saved = await store.update(orders, 'o-1', (o) => {
  o.lines.push({ sku: 'pear', qty: 2 });
});
console.log(
  saved.lines.map((l) => l.sku),
  'version',
  saved.version,
); // [ 'apple', 'pear' ] version 3

await store.close();
