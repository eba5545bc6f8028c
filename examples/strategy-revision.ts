// npx tsx examples/strategy-revision.ts
// Strategy E: Marten-style revisions, tracked on the entity and checked on save.
import { DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Order {
  id: string;
  total: number;
  revision?: number;
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
// The entity's `revision` field is filled on every load and after every save.
const orders = store.collection<Order>('orders', { version: 'revision', versionField: 'revision' });
const order: Order = { id: 'o-1', total: 10 };
await store.insert(orders, order);
console.log('after insert:', order.revision);

order.total = 12;
await store.put(orders, order); // checked against order.revision
console.log(
  'after update:',
  order.revision,
  (await store.getMetadata(orders, 'o-1'))?.lastModifiedBy,
);

// A projection can set revisions itself: only a higher one lands.
await store.put(orders, { id: 'o-1', total: 20 }, { check: { revisionAbove: 7 } });
const stale = await store.put(orders, { id: 'o-1', total: 15 }, { check: { tryRevisionAbove: 6 } });
console.log('stale projection written?', stale.written, (await store.get(orders, 'o-1'))?.revision);
await store.close();
