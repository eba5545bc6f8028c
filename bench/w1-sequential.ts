import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteBackend } from '../src/backends/sqlite/index.js';
import { DocumentStore } from '../src/index.js';
import { type Summary, timeEach } from './stats.js';

/** A ~300-byte document. */
export interface BenchDoc {
  id: string;
  counter: number;
  customer: { name: string; email: string; tier: string };
  lines: { sku: string; qty: number; price: number }[];
  note: string;
}

export function makeDoc(i: number): BenchDoc {
  return {
    id: `doc-${i}`,
    counter: 0,
    customer: { name: `Customer ${i}`, email: `customer${i}@example.com`, tier: 'gold' },
    lines: [
      { sku: `sku-${i}-a`, qty: 1, price: 9.99 },
      { sku: `sku-${i}-b`, qty: 2, price: 19.5 },
    ],
    note: 'x'.repeat(120),
  };
}

/** A fixed pseudo-random sequence, so both sides touch the same ids in the same order. */
export function randomIds(count: number, docs: number, seed = 42): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % docs;
  });
}

/**
 * W1, sequential load-modify-save: one client, `docs` documents, `ops` updates on random
 * ids. noclobber's `update()` against the raw driver doing the same by hand: SELECT, then
 * UPDATE … WHERE id = ? AND version = ?.
 */
export async function w1Sqlite(
  dir: string,
  docs: number,
  ops: number,
): Promise<{ noclobber: Summary; raw: Summary }> {
  const ids = randomIds(ops, docs);

  const store = new DocumentStore({
    backend: new SqliteBackend({ filename: join(dir, 'w1-noclobber.db') }),
  });
  const collection = store.collection<BenchDoc>('docs');
  const seed = store.openSession();
  for (let i = 0; i < docs; i++) seed.insert(collection, makeDoc(i));
  await seed.saveChanges();
  const noclobber = await timeEach(ops, async (i) => {
    await store.update(collection, `doc-${ids[i]}`, (doc) => {
      doc.counter += 1;
    });
  });
  await store.close();

  const db = new BetterSqlite3(join(dir, 'w1-raw.db'));
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE docs (id TEXT PRIMARY KEY, body TEXT NOT NULL, version INTEGER NOT NULL) WITHOUT ROWID',
  );
  const insert = db.prepare('INSERT INTO docs (id, body, version) VALUES (?, ?, 1)');
  db.transaction(() => {
    for (let i = 0; i < docs; i++) insert.run(`doc-${i}`, JSON.stringify(makeDoc(i)));
  })();
  const select = db.prepare('SELECT body, version FROM docs WHERE id = ?');
  const update = db.prepare(
    'UPDATE docs SET body = ?, version = version + 1 WHERE id = ? AND version = ?',
  );
  const raw = await timeEach(ops, async (i) => {
    const id = `doc-${ids[i]}`;
    const row = select.get(id) as { body: string; version: number };
    const doc = JSON.parse(row.body) as BenchDoc;
    doc.counter += 1;
    if (update.run(JSON.stringify(doc), id, row.version).changes !== 1)
      throw new Error('raw conflict');
  });
  db.close();
  return { noclobber, raw };
}
