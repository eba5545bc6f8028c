import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore, UniqueConstraintError } from '../../src/index.js';
import { BATCH, COUNTERS, declareItems } from './bulk-kill-items.js';

const dir = mkdtempSync(join(tmpdir(), 'noclobber-bulk-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// What a writer process said before it was killed: the calls it started, those that returned.
interface Told {
  readonly name: string;
  started: number;
  done: number;
}

// Starts a writer process and has it die by SIGKILL: sent as it says it starts its call
// `at` (the call is then being prepared or in its transaction, whichever the signal
// finds), or, `inside`, raised by the process itself in the middle of that call's statement.
async function killAt(
  filename: string,
  mode: 'insert' | 'update',
  name: string,
  { at, inside }: { at: number; inside: boolean },
) {
  const told: Told = { name, started: 0, done: 0 };
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./bulk-kill-writer.ts', import.meta.url)),
    [filename, mode, name, ...(inside ? [String(at)] : [])],
    { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  const exited = new Promise((resolve) => child.once('exit', (_, signal) => resolve(signal)));
  child.on('message', (message: { start?: number; done?: number }) => {
    if (message.done !== undefined) told.done = message.done + 1;
    if (message.start === undefined) return;
    told.started = message.start + 1;
    // A process that was to die inside its call and went on is killed too, and fails below.
    if (message.start === (inside ? at + 1 : at)) child.kill('SIGKILL');
  });
  expect(await exited).toBe('SIGKILL');
  if (inside) expect(told).toMatchObject({ started: at + 1, done: at });
  return told;
}

// The file as SQL sees it, opened after the writers died.
function inspect(filename: string) {
  const db = new Database(filename, { readonly: true });
  try {
    const all = <R>(text: string) => db.prepare(text).all() as R[];
    return {
      integrity: db.pragma('integrity_check'),
      inserted: all<{ id: string }>(
        `SELECT id FROM noclobber_documents WHERE json_extract(body, '$.kind') = 'inserted'`,
      ).map((row) => row.id),
      counters: all<{ n: number; revision: number; docs: number }>(
        `SELECT json_extract(body, '$.n') AS n, revision, count(*) AS docs FROM noclobber_documents
         WHERE json_extract(body, '$.kind') = 'counter' GROUP BY 1, 2`,
      ),
      calls: all<{ revision: number }>(
        `SELECT revision FROM noclobber_writes WHERE id = '' AND collection = 'items'`,
      ).map((row) => row.revision),
      // Each document's current version has its write-log record, with its revision and seq.
      unlogged: all<{ id: string }>(
        `SELECT d.id FROM noclobber_documents d
         LEFT JOIN noclobber_writes w ON w.token = d.token AND w.tenant = d.tenant
         WHERE w.token IS NULL OR w.id <> d.id OR w.revision <> d.revision OR w.seq <> d.seq`,
      ),
      // Every revision of a document has exactly one record.
      records: all<{ id: string; revisions: number; records: number }>(
        `SELECT d.id, d.revision AS revisions, count(w.token) AS records
         FROM noclobber_documents d JOIN noclobber_writes w
           ON w.tenant = d.tenant AND w.collection = d.collection AND w.id = d.id
         GROUP BY d.id HAVING count(w.token) <> d.revision OR count(DISTINCT w.revision) <> d.revision`,
      ),
      seqs: all<{ rows: number; distinct: number; top: number; counter: number }>(
        `SELECT count(*) AS rows, count(DISTINCT seq) AS "distinct", max(seq) AS top,
           (SELECT seq FROM noclobber_writes WHERE token = '~' AND tenant = '') AS counter
         FROM noclobber_documents`,
      )[0],
    };
  } finally {
    db.close();
  }
}

it('writer processes killed in the middle of large insertMany and updateWhere calls: each call all or nothing, the feed, write log and unique index agree with the documents', async () => {
  const filename = join(dir, 'store.db');
  const seeder = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  await seeder.insertMany(
    declareItems(seeder),
    Array.from({ length: COUNTERS }, (_, i) => ({
      id: `c${i}`,
      kind: 'counter' as const,
      code: `c${i}`,
      n: 0,
    })),
  );
  await seeder.close();

  const inserters: Told[] = [];
  const updaters: Told[] = [];
  for (const [round, [insertAt, updateAt, inside]] of [
    [1, 2, true],
    [0, 1, false],
    [2, 0, true],
    [1, 0, false],
    [0, 0, true],
    [2, 3, false],
  ].entries()) {
    const [inserted, updated] = await Promise.all([
      killAt(filename, 'insert', `ins${round}`, { at: insertAt as number, inside: !!inside }),
      killAt(filename, 'update', `upd${round}`, { at: updateAt as number, inside: !!inside }),
    ]);
    inserters.push(inserted);
    updaters.push(updated);

    const seen = inspect(filename);
    expect(seen.integrity).toEqual([{ integrity_check: 'ok' }]);
    // Every insertMany() call landed whole or not at all; every one that returned, whole.
    const perCall = new Map<string, number>();
    for (const id of seen.inserted) {
      const call = id.slice(0, id.lastIndexOf('-'));
      perCall.set(call, (perCall.get(call) ?? 0) + 1);
    }
    expect([...perCall.values()].filter((count) => count !== BATCH)).toEqual([]);
    for (const { name, started, done } of inserters) {
      for (let call = 0; call < started; call++) {
        const count = perCall.get(`${name}-${call}`) ?? 0;
        if (call < done) expect(count, `${name}-${call}`).toBe(BATCH);
      }
      expect(perCall.has(`${name}-${started}`)).toBe(false);
    }
    // Every updateWhere() call changed every counter once, or none: one count, one revision.
    expect(seen.counters).toHaveLength(1);
    const [{ n, revision, docs }] = seen.counters as [(typeof seen.counters)[number]];
    expect(docs).toBe(COUNTERS);
    expect(revision).toBe(n + 1);
    const done = updaters.reduce((sum, u) => sum + u.done, 0);
    const started = updaters.reduce((sum, u) => sum + u.started, 0);
    expect(n).toBeGreaterThanOrEqual(done);
    expect(n).toBeLessThanOrEqual(started);
    // The calls that landed are in the write log, each with every counter it wrote.
    expect(seen.calls).toEqual(Array.from({ length: n }, () => COUNTERS));
    expect(seen.unlogged).toEqual([]);
    expect(seen.records).toEqual([]);
    expect(seen.seqs?.distinct).toBe(seen.seqs?.rows);
    expect(seen.seqs?.counter).toBeGreaterThanOrEqual(seen.seqs?.top ?? 0);
  }

  const store = new DocumentStore({ backend: new SqliteBackend({ filename }) });
  const items = declareItems(store);
  try {
    // The feed lists every document once, at its current revision, in seq order.
    const listed = new Map<string, number>();
    let since = 0;
    for (;;) {
      const page = await store.changes({ since, limit: 5000 });
      for (const change of page.changes) {
        expect(listed.has(change.id), change.id).toBe(false);
        listed.set(change.id, change.metadata.revision);
      }
      if (page.changes.length === 0) break;
      since = page.last;
    }
    const { n } = inspect(filename).counters[0] as { n: number };
    expect(listed.size).toBe(COUNTERS + inspect(filename).inserted.length);
    expect(listed.get('c0')).toBe(n + 1);
    // The unique index holds every code that landed, and refuses it again.
    const [taken] = inspect(filename).inserted;
    if (taken) {
      expect(await store.findOne(items, { code: taken })).toMatchObject({ id: taken });
      await expect(
        store.insert(items, { id: 'again', kind: 'inserted', code: taken, n: 0 }),
      ).rejects.toBeInstanceOf(UniqueConstraintError);
    }
    // And the file takes writes again.
    const after = await store.updateWhere(
      items,
      { kind: 'counter' },
      { $inc: { n: 1 } },
      { limit: 10_000 },
    );
    expect(after.written).toHaveLength(COUNTERS);
    expect(await store.count(items, { kind: 'counter', n: n + 1 })).toBe(COUNTERS);
  } finally {
    await store.close();
  }
}, 300_000);
