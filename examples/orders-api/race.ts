// npx tsx examples/orders-api/race.ts
// The seed's PowerShell scripts: 2, then 10 concurrent PUTs to the same order.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';
import { ordersApp } from './server.js';

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const { app, orders } = ordersApp(store, { workMs: 100 });
await store.insert(orders, { id: '1', productId: 1, quantity: 1, status: 'Pending' });
const server = createServer(app);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;

async function fire(clients: number) {
  const results = await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/orders/1`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ productId: 1, quantity: i + 1, status: `client ${i + 1}` }),
      });
      return {
        client: i + 1,
        status: response.status,
        body: (await response.json()) as { attempt?: number },
      };
    }),
  );
  console.log(`${clients} concurrent updates:`);
  for (const r of results) {
    const outcome =
      r.status === 200 ? `updated on attempt ${r.body.attempt}` : 'Conflict after 3 attempts';
    console.log(`  client ${String(r.client).padStart(2)}: ${r.status} ${outcome}`);
  }
  const updated = results.filter((r) => r.status === 200).length;
  const final = await store.get(orders, '1');
  console.log(
    `  ${updated} updated, ${clients - updated} got 409; the order is at version ${final?.version}, quantity ${final?.quantity} (${final?.status}), no update lost`,
  );
  return { updated, version: final?.version ?? 0 };
}

const first = await fire(2);
const second = await fire(10);
// Every 200 is one write: the version counts them all, so nothing was overwritten.
console.log(`versions: 1 + ${first.updated} + ${second.updated} = ${second.version}`);
server.close();
await store.close();
