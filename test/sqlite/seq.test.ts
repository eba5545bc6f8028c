import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Landed = { client: number; tenant: string; id: string; seq: number };

// Runs writer processes on one file, all released at once; what each saw land.
async function runWriters(filename: string, names: string[], count: number) {
  const writers = names.map((name) =>
    fork(
      fileURLToPath(new URL('./seq-writer.ts', import.meta.url)),
      [filename, name, String(count)],
      { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
    ),
  );
  await Promise.all(writers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  const reports = writers.map(
    (w) =>
      new Promise<Landed[]>((resolve, reject) => {
        w.once('message', (landed) => resolve(landed as Landed[]));
        w.once('exit', (code) => reject(new Error(`a writer exited with ${code}`)));
      }),
  );
  for (const w of writers) w.send('go');
  return Promise.all(reports);
}

it('writer processes on one file: every write takes its own seq, each writer sees them rise, the feeds hold each document once at its last seq', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-seq-'));
  dirs.push(dir);
  const filename = join(dir, 'store.db');
  const setup = new SqliteBackend({ filename });
  await setup.migrate();
  await setup.close();

  const names = ['p', 'q', 'r'];
  const reports = await runWriters(filename, names, 150);
  const all = reports.flat();
  expect(all.length).toBeGreaterThan(names.length * 4 * 100);
  // Unique across processes and tenants.
  expect(new Set(all.map((w) => w.seq)).size).toBe(all.length);
  // Rising in the order each client saw its writes land (each waits for the one before).
  for (const landed of reports) {
    for (const client of [0, 1, 2, 3]) {
      const seqs = landed.filter((w) => w.client === client).map((w) => w.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
  }

  // Each tenant's feed: every document once, at the seq of its last write, in seq order.
  const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  const high = Math.max(...all.map((w) => w.seq));
  for (const tenant of ['alpha', 'beta']) {
    const last = new Map<string, number>();
    for (const w of all.filter((x) => x.tenant === tenant)) {
      last.set(w.id, Math.max(last.get(w.id) ?? 0, w.seq));
    }
    const feed = await store.withTenant(tenant).changes({ limit: 10_000 });
    const seqs = feed.changes.map((c) => c.metadata.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Map(feed.changes.map((c) => [c.id, c.metadata.seq]))).toEqual(last);
  }
  // A write after them all goes on from the highest.
  const next = await store.put(store.collection('a'), { id: 'after' }, { check: 'none' });
  expect(next.written && next.metadata.seq).toBe(high + 1);
  await store.close();

  // The write log holds every write, with the seq it reported.
  const db = new Database(filename, { readonly: true });
  const logged = db
    .prepare("SELECT seq FROM noclobber_writes WHERE tenant IN ('alpha', 'beta') ORDER BY seq")
    .pluck()
    .all();
  expect(logged).toEqual(all.map((w) => w.seq).sort((a, b) => a - b));
  expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  db.close();
}, 120_000);
