// npx tsx examples/queries.ts
import { ConcurrencyError, DocumentStore, UniqueConstraintError } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Sale {
  id: string;
  code: string;
  customer: string;
  status: 'open' | 'paid';
  total: number;
  version?: number;
}

const backend = new SqliteBackend({ filename: ':memory:' });
const store = new DocumentStore({ backend });
// Codes are unique among live sales; queries by customer and status, and sorts by total,
// are served by indexes the store makes before the collection is first used.
const sales = store.collection<Sale>('sales', {
  versionField: 'version',
  unique: ['code'],
  indexes: [{ fields: ['customer', 'status'] }, { field: 'total', type: 'number' }],
});
for (let i = 1; i <= 30; i++) {
  await store.insert(sales, {
    id: `s-${i}`,
    code: `C-${100 + i}`,
    customer: `cust-${i % 3}`,
    status: i % 4 === 0 ? 'paid' : 'open',
    total: i * 10,
  });
}

// Two people look up the same sale by its code, not its id; each gets its version.
const seenByA = await store.findOne(sales, { code: 'C-107' });
const seenByB = await store.findOne(sales, { code: 'C-107' });
if (!seenByA?.version || !seenByB?.version) throw new Error('sale C-107 not found');

// A saves first, with the version it read: accepted.
await store.put(sales, { ...seenByA, total: 75 }, { check: { version: seenByA.version } });
// B saves with the version it read, now stale: refused, nothing overwritten.
try {
  await store.put(sales, { ...seenByB, status: 'paid' }, { check: { version: seenByB.version } });
} catch (error) {
  if (!(error instanceof ConcurrencyError)) throw error;
  console.log(`B's save: ${error.message}`);
}
console.log('C-107 now:', await store.findOne(sales, { code: 'C-107' }));

// A second sale with a taken code is refused by the database, naming the holder.
try {
  await store.insert(sales, {
    id: 's-99',
    code: 'C-107',
    customer: 'cust-9',
    status: 'open',
    total: 1,
  });
} catch (error) {
  if (!(error instanceof UniqueConstraintError)) throw error;
  console.log(`second C-107: ${error.code}, held by ${error.holder}`);
}
// A planner picks indexes by its statistics: gather them (SQLite's ANALYZE), then ask.
backend.database.exec('ANALYZE');
const plan = await store.explain(sales, { customer: 'cust-1', status: 'open' });
console.log(
  'indexes used:',
  plan.indexes.map((index) => index.fields.join('+')),
);

// The open sales of one customer, largest first, page by page.
let after: string | undefined;
const pages: number[][] = [];
do {
  const page = await store.find(
    sales,
    { customer: 'cust-1', status: 'open' },
    { sort: ['-total'], limit: 4, ...(after ? { after } : {}) },
  );
  pages.push(page.documents.map((s) => s.total));
  after = page.next ?? undefined;
} while (after);
console.log('open sales of cust-1, by total:', pages);
console.log('open over 200:', await store.count(sales, { status: 'open', total: { $gt: 200 } }));

// A conditional bulk write: the filter is judged by the database in the write itself.
const paid = await store.updateWhere(
  sales,
  { customer: 'cust-2', status: 'open' },
  { $set: { status: 'paid' } },
);
console.log(
  `marked paid: ${paid.written.length}; still open for cust-2:`,
  await store.count(sales, { customer: 'cust-2', status: 'open' }),
);
await store.close();
