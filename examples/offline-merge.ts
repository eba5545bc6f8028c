// npx tsx examples/offline-merge.ts
// A person edits an order offline while a colleague changes it online. When the person
// comes back, the edit is replayed with the version it started from, and the server
// merges it with the colleague's change from the revision history: nothing is lost and
// nobody is asked. An edit of the same field the colleague changed is shown as a conflict.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DocumentStore } from 'noclobber';
import { type ConflictError, createClient, memoryQueue, type Versioned } from 'noclobber/client';
import { createHandler, toNodeListener } from 'noclobber/http';
import { SqliteBackend } from 'noclobber/sqlite';

interface Order {
  id: string;
  status: string;
  note: string;
  lines: { sku: string; qty: number }[];
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const orders = store.collection<Order>('orders', { history: { keep: 50 } });
await store.insert(orders, {
  id: 'o-1',
  status: 'open',
  note: '',
  lines: [{ sku: 'tea', qty: 1 }],
});

const server = createServer(toNodeListener(createHandler(store, { collections: [orders] })));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// The person's client: while `online` is false, every request fails as offline ones do.
let online = true;
const offlineFetch: typeof fetch = (input, init) =>
  online ? fetch(input, init) : Promise.reject(new TypeError('fetch failed: offline'));
const client = createClient({ baseUrl, fetch: offlineFetch, queue: memoryQueue() });
const remote = client.collection<Order>('orders');

const opened = (await remote.get('o-1')) as Versioned<Order>;
console.log('opened at', opened.etag);

online = false;
const edit = { ...opened.document, note: 'gift wrap', lines: [{ sku: 'tea', qty: 3 }] };
console.log('saved offline:', (await remote.put(edit, { base: opened })).status);

// Meanwhile a colleague marks the order paid (revision 2).
await store.update(orders, 'o-1', (order) => {
  order.status = 'paid';
});

online = true;
const report = await client.sync();
console.log('replayed:', report.saved.length, 'saved,', report.conflicts.length, 'conflicts');
const stored = await store.get(orders, 'o-1');
console.log('stored:', stored);
const merged = await store.getRevision(orders, 'o-1', 3);
console.log('revision 3 parents:', merged?.parents);

// The same again, but both change the status: the server will not pick one.
const again = (await remote.get('o-1')) as Versioned<Order>;
online = false;
await remote.put({ ...again.document, status: 'cancelled' }, { base: again });
await store.update(orders, 'o-1', (order) => {
  order.status = 'shipped';
});
online = true;
const second = await client.sync();
const conflict = second.conflicts[0] as ConflictError<Order>;
console.log(
  'conflict:',
  conflict.code,
  'mine',
  conflict.mine?.status,
  'theirs',
  conflict.theirs?.document.status,
);

client.close();
server.close();
await store.close();
