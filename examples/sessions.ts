// npx tsx examples/sessions.ts
import { BatchWriteError, DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Account {
  id: string;
  balance: number;
  version?: number;
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const accounts = store.collection<Account>('accounts', { versionField: 'version' });
await store.insert(accounts, { id: 'alice', balance: 100 });
await store.insert(accounts, { id: 'bob', balance: 0 });

// A unit of work: loads remember their versions; saveChanges() checks them all, in one
// transaction, all or nothing.
const session = store.openSession();
const [from, to] = (await session.loadMany(accounts, ['alice', 'bob'])) as [Account, Account];
from.balance -= 30;
to.balance += 30;
session.store(accounts, from);
session.store(accounts, to);
await session.saveChanges();
console.log('after transfer:', from.balance, to.balance, 'versions', from.version, to.version);

// If others changed both accounts meanwhile, one error lists every failed document.
const stale = store.openSession();
const [a, b] = (await stale.loadMany(accounts, ['alice', 'bob'])) as [Account, Account];
await store.update(accounts, 'alice', (acc) => {
  acc.balance += 1;
});
await store.update(accounts, 'bob', (acc) => {
  acc.balance += 1;
});
a.balance = 0;
b.balance = 0;
stale.store(accounts, a);
stale.store(accounts, b);
try {
  await stale.saveChanges();
} catch (error) {
  if (!(error instanceof BatchWriteError)) throw error;
  for (const failure of error.errors) console.log(' -', failure.message);
}
console.log('nothing was written:', (await store.get(accounts, 'alice'))?.balance); // 71

// Dirty tracking saves what changed without store(); a query session only reads.
const dirty = store.openSession({ tracking: 'dirty' });
const alice = (await dirty.load(accounts, 'alice')) as Account;
alice.balance += 9;
await dirty.saveChanges();
console.log('dirty-tracked save:', (await store.querySession().load(accounts, 'alice'))?.balance); // 80

await store.close();
