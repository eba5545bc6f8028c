// A writer process for bulk-kill.test.ts: makes large bulk calls until it is killed, and
// says before each call that it starts it and after it that it returned.
//   insert: insertMany() of BATCH new documents, each with a unique code;
//   update: updateWhere() of every counter document ($inc n by 1).
// With a fourth argument `k`, the process kills itself (SIGKILL) in the middle of its call
// k, inside the database: a trigger of its own connection fires on the call's
// DIE_AT-th document, thousands of rows into the transaction, with a page cache small
// enough that the transaction has spilled pages into the WAL by then.

import type { Database } from 'better-sqlite3';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';
import { BATCH, type BulkItem, DIE_AT, declareItems } from './bulk-kill-items.js';

const [filename, mode, name, dieIn] = process.argv.slice(2) as [
  string,
  'insert' | 'update',
  string,
  string | undefined,
];
const backend = new SqliteBackend({ filename });
const store = new DocumentStore({ backend, actor: name });
const items = declareItems(store);
await store.ready();
const db = backend.database as unknown as Database;
db.pragma('cache_size = 64');
db.function('noclobber_test_die', () => {
  process.kill(process.pid, 'SIGKILL');
  for (;;); // never returns: the signal ends the process first
});

// The connection's own trigger: no other process sees it.
const dieOn = (id: string) =>
  db.exec(`CREATE TEMP TRIGGER die_${mode} AFTER ${mode === 'insert' ? 'INSERT' : 'UPDATE'}
    ON main.noclobber_documents WHEN NEW.id = '${id}' BEGIN SELECT noclobber_test_die(); END`);

process.send?.({ ready: true });
for (let call = 0; ; call++) {
  const id = (i: number) => (mode === 'insert' ? `${name}-${call}-${i}` : `c${i}`);
  if (String(call) === dieIn) dieOn(id(DIE_AT));
  process.send?.({ start: call });
  if (mode === 'insert') {
    const batch: BulkItem[] = Array.from({ length: BATCH }, (_, i) => ({
      id: id(i),
      kind: 'inserted',
      code: id(i),
      n: 0,
    }));
    await store.insertMany(items, batch);
  } else {
    await store.updateWhere(items, { kind: 'counter' }, { $inc: { n: 1 } }, { limit: 10_000 });
  }
  process.send?.({ done: call });
}
