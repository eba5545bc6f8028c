import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { Write } from '../../src/backends/kit/backend.js';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { newToken } from '../../src/core/token.js';
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

// A file with documents d0 … d11 at revision 1, whose WAL keeps every later commit.
async function seeded() {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-group-'));
  dirs.push(dir);
  const filename = join(dir, 'store.db');
  const backend = new SqliteBackend({ filename });
  const store = new DocumentStore({ backend });
  const docs = store.collection<Doc>('docs');
  const seed = store.openSession();
  for (let i = 0; i < 12; i++) seed.insert(docs, { id: `d${i}`, n: 0 });
  await seed.saveChanges();
  backend.database.pragma('wal_autocheckpoint = 0');
  return { filename, backend, store, docs, before: commitsInWal(filename) };
}

const put = (id: string, check: Write['check']): Write => ({
  tenant: 'default',
  collection: 'docs',
  id,
  op: 'put',
  check,
  token: newToken(),
  actor: null,
  body: '{"n":1}',
});
const at = (version: number): Write['check'] => ({
  kind: 'version',
  versionKind: 'revision',
  version,
});

it('batches submitted together commit in one transaction, each all or nothing, each with its own outcome', async () => {
  const { filename, backend, store, docs, before } = await seeded();
  const outcomes = await Promise.all([
    ...[0, 1, 2, 3, 4, 5].map((i) => backend.commit([put(`d${i}`, at(1))])),
    backend.commit([put('d6', at(5))]), // stale
    backend.commit([put('d7', { kind: 'mustNotExist' })]), // taken
    backend.commit([put('d8', at(1)), put('d9', at(7))]), // one stale: neither lands
    backend.commit([put('d10', at(1)), put('d11', at(1))]),
  ]);
  expect(outcomes.map((batch) => batch.map((o) => o.status))).toEqual([
    ...Array(6).fill(['ok']),
    ['conflict'],
    ['duplicate'],
    ['rolledBack', 'conflict'],
    ['ok', 'ok'],
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
  await store.close();
});

it('clients under way at once share commits; one after another, a commit each', async () => {
  const { filename, store, docs, before } = await seeded();
  const bump = (doc: Doc) => {
    doc.n += 1;
  };
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => store.update(docs, `d${i}`, bump)));
  expect(commitsInWal(filename) - before).toBe(1);
  for (let i = 0; i < 8; i++) await store.update(docs, `d${i}`, bump);
  expect(commitsInWal(filename) - before).toBe(9);
  const now = await store.querySession().loadMany(
    docs,
    Array.from({ length: 8 }, (_, i) => `d${i}`),
  );
  expect(now.map((doc) => doc?.n)).toEqual(Array(8).fill(2));
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
