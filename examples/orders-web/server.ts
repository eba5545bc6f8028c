// The orders page over a noclobber HTTP resource: one node:http server on loopback serving
// the page, its script (bundled from app.browser.ts by esbuild when the server starts) and
// the document resource under /api. Run it with `npx tsx examples/orders-web/server.ts`.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { createHandler, toNodeListener } from '../../src/http/index.js';
import { DocumentStore } from '../../src/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The page's script for the browser: app.browser.ts and the client, in one module. */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [`${HERE}app.browser.ts`],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return (result.outputFiles[0] as { text: string }).text;
}

/** A running orders page. */
export interface OrdersWeb {
  readonly url: string;
  close(): Promise<void>;
}

/** Serves the page and `store`'s `orders` collection on 127.0.0.1 (`port` 0: any free one). */
export async function startOrdersWeb(store: DocumentStore, port = 0): Promise<OrdersWeb> {
  const orders = store.collection('orders');
  const api = toNodeListener(createHandler(store, { collections: [orders], basePath: '/api' }));
  const page = await readFile(`${HERE}index.html`);
  const script = await bundlePage();
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path.startsWith('/api/')) return api(req, res);
    if (path === '/app.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(script);
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Two orders to start from, when the collection is empty. */
export async function seedOrders(store: DocumentStore): Promise<void> {
  const orders = store.collection('orders');
  for (const [id, customer] of [
    ['o-1', 'Ada'],
    ['o-2', 'Grace'],
  ] as const) {
    if (await store.get(orders, id)) continue;
    const lines = [
      { sku: 'tea', qty: 1 },
      { sku: 'cake', qty: 1 },
    ];
    await store.insert(orders, { id, customer, note: '', lines });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const store = new DocumentStore({ backend: new SqliteBackend({ filename: 'orders-web.db' }) });
  await seedOrders(store);
  const web = await startOrdersWeb(store, Number(process.env.PORT ?? 3000));
  console.log(`orders page on ${web.url}/?order=o-1 (open it in two windows)`);
}
