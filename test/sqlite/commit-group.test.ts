import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// The transactions committed to the WAL: frames whose header records a database size.
function commitsInWal(filename: string): number {
  const wal = readFileSync(`${filename}-wal`);
  const pageSize = wal.readUInt32BE(8);
  let commits = 0;
  for (let at = 32; at + 24 <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return commits;
}

type Doc = { id: string; n: number };

it('writes under way together commit in one transaction, each batch all or nothing, each with its own outcome', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-group-'));
  dirs.push(dir);
  const filename = join(dir, 'store.db');
  const backend = new SqliteBackend({ filename });
  const store = new DocumentStore({ backend });
  const docs = store.collection<Doc>('docs');
  const seed = store.openSession();
  for (let i = 0; i < 12; i++) seed.insert(docs, { id: `d${i}`, n: 0 });
  await seed.saveChanges();
  // The WAL keeps every commit from here on, so they can be counted.
  backend.database.pragma('wal_autocheckpoint = 0');
  const before = commitsInWal(filename);

  const failingBatch = store.openSession();
  failingBatch.store(docs, { id: 'd8', n: 1 }, { check: { version: 1 } });
  failingBatch.store(docs, { id: 'd9', n: 1 }, { check: { version: 7 } }); // stale
  const landingBatch = store.openSession();
  landingBatch.store(docs, { id: 'd10', n: 1 }, { check: { version: 1 } });
  landingBatch.store(docs, { id: 'd11', n: 1 }, { check: { version: 1 } });
  const results = await Promise.allSettled([
    ...[0, 1, 2, 3, 4, 5].map((i) =>
      store.put(docs, { id: `d${i}`, n: 1 }, { check: { version: 1 } }),
    ),
    store.put(docs, { id: 'd6', n: 1 }, { check: { version: 5 } }), // stale
    store.insert(docs, { id: 'd7', n: 1 }), // taken
    failingBatch.saveChanges(),
    landingBatch.saveChanges(),
  ]);

  expect(results.map((r) => r.status)).toEqual([
    ...Array(6).fill('fulfilled'),
    'rejected',
    'rejected',
    'rejected',
    'fulfilled',
  ]);
  expect(results.slice(6, 9).map((r) => (r as PromiseRejectedResult).reason.code)).toEqual([
    'CONCURRENCY_CONFLICT',
    'DUPLICATE_DOCUMENT',
    'CONCURRENCY_CONFLICT',
  ]);
  const now = await store.querySession().loadMany(
    docs,
    Array.from({ length: 12 }, (_, i) => `d${i}`),
  );
  expect(now.map((doc) => doc?.n)).toEqual([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1]);
  // One commit for all of them, and the eight writes that landed took eight seqs in a row.
  expect(commitsInWal(filename) - before).toBe(1);
  const feed = await store.changes({ since: 12 });
  expect(feed.changes.map((c) => c.metadata.seq)).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);

  // The same writes one after another: a commit each.
  for (let i = 0; i < 6; i++)
    await store.put(docs, { id: `d${i}`, n: 2 }, { check: { version: 2 } });
  expect(commitsInWal(filename) - before).toBe(7);
  await store.close();
});

it('a write that fails the shared transaction as a whole runs again alone, and the others land', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-group-'));
  dirs.push(dir);
  const backend = new SqliteBackend({ filename: join(dir, 'store.db') });
  const store = new DocumentStore({ backend });
  const docs = store.collection<Doc>('docs');
  await store.insert(docs, { id: 'a', n: 0 });
  // A token already in the write log: its statement fails, which undoes the group's
  // transaction; each write then runs alone and meets its own outcome.
  const token = '01900000-0000-7000-8000-000000000000';
  const base = { tenant: 'default', collection: 'docs', actor: null } as const;
  const first = await backend.commit([
    { ...base, id: 'x', op: 'put', check: { kind: 'none' }, token, body: '{"n":1}' },
  ]);
  expect(first[0]?.status).toBe('ok');
  const settled = await Promise.allSettled([
    backend.commit([{ ...base, id: 'y', op: 'put', check: { kind: 'none' }, token, body: '{}' }]),
    backend.commit([
      {
        ...base,
        id: 'z',
        op: 'put',
        check: { kind: 'none' },
        token: `${token.slice(0, -1)}1`,
        body: '{}',
      },
    ]),
  ]);
  expect(settled[0]).toMatchObject({ status: 'rejected', reason: { name: 'AlreadyLandedError' } });
  expect(settled[1]).toMatchObject({ status: 'fulfilled', value: [{ status: 'ok' }] });
  expect([...(await backend.read('default', 'docs', ['x', 'y', 'z'])).keys()].sort()).toEqual([
    'x',
    'z',
  ]);
  await store.close();
});
