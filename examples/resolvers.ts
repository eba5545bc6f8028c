// npx tsx examples/resolvers.ts
// Resolvers settle a conflict inside update() without running your change again.
import {
  additiveMerge,
  DocumentStore,
  firstWriteWins,
  lastWriteWins,
  type Resolver,
  threeWayMerge,
} from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Cart {
  id: string;
  items: { sku: string; qty: number }[];
  coupon?: string;
  owner: string;
}

const filename = `/tmp/noclobber-resolvers-${process.pid}.db`;
const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
const phone = new DocumentStore({ backend: new SqliteBackend({ filename }) });
const carts = store.collection<Cart>('carts');

// Each run: the phone changes the cart while this writer is between its load and save.
async function race(name: string, resolver: Resolver<Cart>, change: (cart: Cart) => void) {
  await store.put(
    carts,
    { id: name, items: [{ sku: 'tea', qty: 1 }], owner: 'ann' },
    { check: 'none' },
  );
  let phoneDone = false;
  const result = await store
    .update(
      carts,
      name,
      async (cart) => {
        if (!phoneDone) {
          phoneDone = true;
          await phone.update(carts, name, (c) => {
            c.items.push({ sku: 'cake', qty: 1 });
            c.owner = 'ben';
          });
        }
        change(cart);
      },
      { resolver },
    )
    .then((cart) => JSON.stringify(cart))
    .catch((error: Error) => `${error.name}: ${error.message}`);
  console.log(`${name.padEnd(14)} ${result}`);
}

await race('threeWayMerge', threeWayMerge({ identity: { items: 'sku' } }), (cart) => {
  cart.coupon = 'SPRING';
});
await race('conflicting', threeWayMerge(), (cart) => {
  cart.owner = 'cat';
});
await race('additiveMerge', additiveMerge({ identity: { items: 'sku' } }), (cart) => {
  cart.items.push({ sku: 'coffee', qty: 2 });
});
await race('lastWriteWins', lastWriteWins, (cart) => {
  cart.coupon = 'MINE';
});
await race('firstWriteWins', firstWriteWins, (cart) => {
  cart.coupon = 'LATE';
});

await store.close();
await phone.close();
const { rmSync } = await import('node:fs');
for (const suffix of ['', '-wal', '-shm']) rmSync(filename + suffix, { force: true });
