import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';
import { walkPages } from '../support/walk-pages.js';

interface User {
  id: string;
  status: string;
  email: string;
  org: string;
  n: number;
}

// The i-th active user of one org, with `n`.
const user = (i: number, n: number): User => ({
  id: `u${i}`,
  status: 'active',
  email: `e${i}@x.org`,
  org: 'acme',
  n,
});

const open: DocumentStore[] = [];
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
});

// SQLite is told which index a query reads (`INDEXED BY`), so a poor choice is never
// corrected by its planner: a filter that names every field of a unique index by equality
// matches one document at most, and must be read off that index, not off another index it
// also tests, whichever was declared first.
it('a filter naming every field of a unique index by equality reads that index', async () => {
  const store = new DocumentStore({ backend: new SqliteBackend() });
  open.push(store);
  const users = store.collection<User>('users', {
    indexes: [{ field: 'status' }, { fields: ['org', 'status'] }],
    unique: ['email', [{ field: 'n', type: 'number' }, 'org']],
  });
  await store.insertMany(
    users,
    Array.from({ length: 50 }, (_, i) => user(i, i)),
  );
  const served = async (filter: Record<string, unknown>) =>
    (await store.explain(users, filter)).indexes.map((index) => index.fields.join('+'));
  expect(await served({ status: 'active', email: 'e7@x.org' })).toEqual(['email']);
  expect(await served({ email: { $in: ['e7@x.org', 'e8@x.org'] }, status: 'active' })).toEqual([
    'email',
  ]);
  expect(await served({ org: 'acme', status: 'active', n: 7 })).toEqual(['n+org']);
  // A unique index tested on some of its fields only, or by a range, is one index among others.
  expect(await served({ org: 'acme', status: 'active', n: { $gt: 7 } })).toEqual(['org+status']);
  expect(await served({ status: 'active' })).toEqual(['status']);
  expect((await store.findOne(users, { status: 'active', email: 'e7@x.org' }))?.id).toBe('u7');
});

// An $or of ranges on one number index, sorted by that number: each branch's index yields
// its documents in the page's order, so each branch stops at the page's end; sorted in
// the whole filter's words, every branch was read whole and sorted on every page.
it('each branch of an $or read off its index yields its page in order, sorted by nothing else', async () => {
  const store = new DocumentStore({ backend: new SqliteBackend() });
  open.push(store);
  const users = store.collection<User>('users', { indexes: [{ field: 'n', type: 'number' }] });
  await store.insertMany(
    users,
    Array.from({ length: 300 }, (_, i) => user(i, (i * 7) % 300)),
  );
  const filter = { $or: [{ n: { $lt: 100 } }, { n: { $gte: 250 } }] };
  const options = { sort: 'n', limit: 20 } as const;
  const { plan, indexes } = await store.explain(users, filter, options);
  expect(indexes.map((index) => index.fields.join('+'))).toEqual(['n']);
  // Only the page itself, the ids the branches gave, is sorted.
  expect(plan.match(/TEMP B-TREE FOR ORDER BY/g), plan).toHaveLength(1);
  // Walked page by page, the $or gives its documents in order, each once.
  const seen = (await walkPages(store, users, filter, options)).map((user) => user.n);
  const want = Array.from({ length: 300 }, (_, n) => n).filter((n) => n < 100 || n >= 250);
  expect(seen).toEqual(want);
});
