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

// Starts two writer processes, lets them save batches for `ms`, then kills both with SIGKILL.
async function killWriters(filename: string, ms: number) {
  const writers = [0, 1].map(() =>
    fork(fileURLToPath(new URL('./kill-writer.ts', import.meta.url)), [filename], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    }),
  );
  await Promise.all(writers.map((w) => new Promise((resolve) => w.once('message', resolve))));
  await new Promise((resolve) => setTimeout(resolve, ms));
  await Promise.all(
    writers.map(
      (w) =>
        new Promise((resolve) => {
          w.once('exit', resolve);
          w.kill('SIGKILL');
        }),
    ),
  );
}

it('writer processes killed mid-batch: every batch landed whole or not at all, the file is intact', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'noclobber-kill-'));
  dirs.push(dir);
  const filename = join(dir, 'store.db');
  const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  const docs = store.collection<{ id: string; n: number; log: string[]; pad: string }>('docs');
  const session = store.openSession();
  for (let i = 0; i < 10; i++) session.insert(docs, { id: `d${i}`, n: 0, log: [], pad: '' });
  await session.saveChanges();
  await store.close();

  for (const ms of [150, 400, 700]) await killWriters(filename, ms);

  const reopened = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  const all = await reopened.querySession().loadMany(
    docs,
    Array.from({ length: 10 }, (_, i) => `d${i}`),
  );
  const first = all[0];
  expect(first?.n).toBeGreaterThan(0);
  for (const doc of all) {
    // Every batch wrote all ten documents or none: they agree on count and history.
    expect(doc?.n).toBe(first?.n);
    expect(doc?.log).toEqual(first?.log);
    expect(new Set(doc?.log).size).toBe(doc?.log.length);
    expect(await reopened.getMetadata(docs, doc?.id as string)).toMatchObject({
      revision: (first?.n as number) + 1,
    });
  }
  await reopened.close();
  const db = new Database(filename, { readonly: true });
  expect(db.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
  db.close();
}, 60_000);
