import type { Write, WriteOutcome } from '../kit/backend.js';
import { withHistory } from './history.js';
import type { StatementOf } from './statement-cache.js';
import * as sql from './statements.js';

// The page cache of the connection while a bulk insert runs, in KiB. Each row lands at
// another place of each number index, so with SQLite's default cache (2 MiB) a large
// collection's index pages were read, spilled into the WAL and read again within one call.
const BULK_CACHE_KIB = 64 * 1024;

// The most documents one statement inserts. Larger statements save little more per row,
// and each size is a statement of its own, prepared once (see `sizesOf`).
const MOST_ROWS = 256;

const COUNTER = `SELECT seq FROM noclobber_writes WHERE token = '~' AND tenant = ''`;

// The insert of `rows` documents, each bound as `rowParams` gives them, with `insert`'s
// check: a fresh row, or a tombstone revived with its revision counting on; a live row is
// left alone and returns nothing. Each row's seq is its own (drawn by the caller).
const texts = new Map<number, string>();
function insertText(rows: number): string {
  let text = texts.get(rows);
  if (text === undefined) {
    const row = `(?, ?, ?, ?, 1, ?, ?, ${sql.NOW}, ?, 0)`;
    const head = sql.insert.slice(0, sql.insert.indexOf('VALUES'));
    const conflict = sql.insert.slice(sql.insert.indexOf('ON CONFLICT'));
    text = `${head}VALUES ${Array.from({ length: rows }, () => row).join(', ')}\n${conflict}`;
    texts.set(rows, text);
  }
  return text;
}

const rowParams = (w: Write, seq: number) => [
  w.tenant,
  w.collection,
  w.id,
  w.body ?? null,
  w.token,
  seq,
  w.actor,
];

/**
 * The inserts of a bulk insert (see `isInsertBatch`), inside the caller's transaction:
 * seqs handed out in input order from the counter (the log's triggers move it on with
 * every row, so it ends at the last), and the documents sent as multi-row inserts of up
 * to `MOST_ROWS`, each of one history setting (the triggers record each row's write-log
 * record or revision), with a page cache of at least `BULK_CACHE_KIB` while it runs (the
 * connection's own is put back after). Stops at the first statement that meets a live
 * document. Returns the outcomes of the writes that landed, in the order of `writes`, and
 * whether every write landed (else the caller reports the duplicates and rolls back).
 */
export function insertAll(
  statement: StatementOf,
  writes: readonly Write[],
): { outcomes: (WriteOutcome | undefined)[]; landed: boolean } {
  const { cache_size: cache } = statement('PRAGMA cache_size').get() as { cache_size: number };
  const { page_size: page } = statement('PRAGMA page_size').get() as { page_size: number };
  const kib = cache < 0 ? -cache : (cache * page) / 1024;
  if (kib >= BULK_CACHE_KIB) return insertRows(statement, writes);
  statement(`PRAGMA cache_size = -${BULK_CACHE_KIB}`).run();
  try {
    return insertRows(statement, writes);
  } finally {
    statement(`PRAGMA cache_size = ${cache}`).run();
  }
}

function insertRows(
  statement: StatementOf,
  writes: readonly Write[],
): { outcomes: (WriteOutcome | undefined)[]; landed: boolean } {
  const base = (statement(COUNTER).get() as { seq: number }).seq + 1;
  const outcomes: (WriteOutcome | undefined)[] = new Array(writes.length);
  let from = 0;
  while (from < writes.length) {
    const rows = runLength(writes, from);
    const insert = statement(insertText(rows), true);
    const params: unknown[] = [];
    for (let i = from; i < from + rows; i++)
      params.push(...rowParams(writes[i] as Write, base + i));
    const landed = withHistory(writes[from] as Write, () => insert.all(params)) as sql.LandedRow[];
    for (const [revision, seq, lastModified] of landed) {
      const write = writes[seq - base] as Write;
      const metadata = { revision, token: write.token, seq, lastModified };
      outcomes[seq - base] = {
        status: 'ok',
        metadata: { ...metadata, lastModifiedBy: write.actor },
      };
    }
    if (landed.length < rows) return { outcomes, landed: false };
    from += rows;
  }
  return { outcomes, landed: true };
}

// How many writes from `from` the next statement inserts: one history setting, and a
// power of two (at most `MOST_ROWS`), so a call of any length uses few statement texts.
function runLength(writes: readonly Write[], from: number): number {
  const history = writes[from]?.history === true;
  let end = from + 1;
  while (
    end < writes.length &&
    end - from < MOST_ROWS &&
    (writes[end]?.history === true) === history
  ) {
    end++;
  }
  let rows = MOST_ROWS;
  while (rows > end - from) rows >>= 1;
  return rows;
}
