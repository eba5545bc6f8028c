// npx tsx examples/strategy-conditional.ts
// Strategy F: the save lands only if the stored document still meets a condition.
import { DocumentStore, Policies } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Order {
  id: string;
  status: 'pending' | 'paid' | 'shipped';
  note?: string;
}

// Notes may be added to pending orders only, whoever else changed them meanwhile.
const policies = new Policies()
  .when((ctx) => ctx.collection === 'orders' && ctx.hasTag('note'))
  .then({ strategy: 'conditional', condition: { status: 'pending' }, retry: { maxAttempts: 1 } });
const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }), policies });
const orders = store.collection<Order>('orders');
await store.insert(orders, { id: 'o-1', status: 'pending' });

await store.update(
  orders,
  'o-1',
  (o) => {
    o.note = 'leave at the door';
  },
  { tags: ['note'] },
);
await store.update(orders, 'o-1', (o) => {
  o.status = 'shipped';
});
const late = await store
  .update(
    orders,
    'o-1',
    (o) => {
      o.note = 'ring twice';
    },
    { tags: ['note'] },
  )
  .catch((error: Error & { cause?: Error }) => error.cause?.message);
console.log(late);
console.log(await store.get(orders, 'o-1'));
await store.close();
