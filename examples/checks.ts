// npx tsx examples/checks.ts
import { DocumentStore } from 'noclobber';
import { SqliteBackend } from 'noclobber/sqlite';

interface Ticket {
  id: string;
  status: 'open' | 'assigned' | 'closed';
  assignee?: string;
  priority: number;
}

const store = new DocumentStore({ backend: new SqliteBackend({ filename: ':memory:' }) });
const tickets = store.collection<Ticket>('tickets');
const first = await store.insert(tickets, { id: 't-1', status: 'open', priority: 2 });

// Every write carries exactly one check. A version check:
await store.put(tickets, { id: 't-1', status: 'open', priority: 3 }, { check: { version: 1 } });

// A condition, evaluated by the database in the same statement as the write:
// only one agent can take an open ticket, whatever its version.
await store.put(
  tickets,
  { id: 't-1', status: 'assigned', assignee: 'ann', priority: 3 },
  { check: { condition: { status: 'open', priority: { $gte: 2 } } } },
);
const taken = await store
  .put(
    tickets,
    { id: 't-1', status: 'assigned', assignee: 'ben', priority: 3 },
    { check: { condition: { status: 'open' } } },
  )
  .catch((error: Error) => error.message);
console.log(taken);

// Unconditional writes exist, but you have to say so.
await store.put(tickets, { id: 't-1', status: 'closed', priority: 0 }, { check: 'none' });

// Projections can jump revisions; a stale projection update is skipped silently.
await store.put(
  tickets,
  { id: 't-2', status: 'open', priority: 1 },
  { check: { revisionAbove: 10 } },
);
const skipped = await store.put(
  tickets,
  { id: 't-2', status: 'closed', priority: 1 },
  { check: { tryRevisionAbove: 9 } },
);
console.log('stale projection written?', skipped.written); // false

// Conditional on time, as HTTP's If-Unmodified-Since does.
if (first.written) {
  const late = await store
    .delete(tickets, 't-1', { check: { notModifiedSince: first.metadata.lastModified - 1 } })
    .catch((error: Error) => error.constructor.name);
  console.log(late); // ConcurrencyError
}

// The changes feed: everything written after a point, in order.
const { changes, last } = await store.changes({ since: 0 });
console.log(
  changes.map((c) => `${c.id}@${c.metadata.revision}`),
  'next since:',
  last,
);

await store.close();
