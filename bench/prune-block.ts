// Measures how long one background prune of a SQLite write log holds the event loop.
// Run: npx tsx bench/prune-block.ts [oldRecords]
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteBackend } from '../src/backends/sqlite/index.js';
import { newToken } from '../src/core/token.js';
import { WriteLogPruner } from '../src/store/write-log-pruner.js';

const n = Number(process.argv[2] ?? 1_000_000);
const filename = join(mkdtempSync(join(tmpdir(), 'nc-prune-')), 'p.db');
const backend = new SqliteBackend({ filename });
await backend.migrate();
const db = backend.database;
const old = Date.now() - 48 * 3600 * 1000;
db.exec('BEGIN');
const ins = db.prepare(
  'INSERT INTO noclobber_writes (tenant, token, collection, id, revision, seq, at) VALUES (?, ?, ?, ?, 1, ?, ?)',
);
for (let i = 0; i < n; i++) ins.run('default', newToken(old + i), 'docs', `d${i}`, i, old + i);
// a young record at the end
ins.run('default', newToken(), 'docs', 'y', n, Date.now());
db.exec('COMMIT');
console.log(`${n} old records written`);

let maxGap = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  maxGap = Math.max(maxGap, now - last);
  last = now;
}, 5);
await new Promise((r) => setTimeout(r, 50));
const pruner = new WriteLogPruner();
const t0 = performance.now();
const deleted = await pruner.prune(backend);
const took = performance.now() - t0;
await new Promise((r) => setTimeout(r, 50));
clearInterval(ticker);
console.log(
  `pruned ${deleted} in ${took.toFixed(0)} ms; longest event-loop stall ${maxGap.toFixed(0)} ms`,
);
await backend.close();
