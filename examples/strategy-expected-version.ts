// npx tsx examples/strategy-expected-version.ts
// Strategy A (the default): save with the version you loaded; a stale save fails.
import { ConcurrencyError, DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Order {
  id: string;
  items: { product: string; price: number }[];
  version?: number;
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const orders = store.collection<Order>('orders', { versionField: 'version' });
await store.insert(orders, { id: 'o-1', items: [] });

const mine = (await store.get(orders, 'o-1')) as Order; // version 1
const theirs = (await store.get(orders, 'o-1')) as Order; // version 1
theirs.items.push({ product: 'Coffee', price: 4 });
await store.put(orders, theirs); // checked against version 1: lands, now version 2

mine.items.push({ product: 'Tea', price: 3 });
try {
  await store.put(orders, mine, { check: { version: 1 } }); // the version it was loaded at
} catch (error) {
  if (!(error instanceof ConcurrencyError)) throw error;
  console.log(`${error.code}: expected ${error.expected}, found ${error.actual}`);
}
console.log((await store.get(orders, 'o-1'))?.items.map((i) => i.product));
await store.close();
