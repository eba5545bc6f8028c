import type { Write, WriteOutcome } from '../kit/backend.js';
import { insertChunks } from '../kit/insert-batch.js';
import { draw, takeGate } from './gate.js';
import { type MetadataRow, toMetadata } from './metadata-row.js';
import { logRevisions, logWrites, NOW_MS } from './statements.js';

/** The most rows one statement of a bulk insert sends. */
export const INSERT_CHUNK_ROWS = 5000;
/** The most characters of JSON text one statement of a bulk insert sends, past its first row. */
export const INSERT_CHUNK_CHARS = 16 * 1024 * 1024;

/**
 * The seqs of a bulk insert (`PostgresBackend.insertMany`): `$1` numbers of the feed,
 * drawn inside its gate, in rising order. Drawn before any row is written, so each
 * document's seq follows the order of the call while its rows are written in key order.
 */
export const drawSeqs = (s: string): string => `
WITH ${takeGate(s, 'seq')}
SELECT array_agg(seq ORDER BY seq) AS seqs
FROM (SELECT ${draw(s, 'seq')} AS seq FROM generate_series(1, $1::int)) n`;

// One chunk's rows, as arrays in key order ($1 … $6), with $7 the tenant and $8 the actor.
const INPUT = `SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[], $6::bigint[])
    WITH ORDINALITY AS t(collection, id, body, token, history, seq, ord)`;

// The write-log records and revision rows of the rows `rows` names (`landed`, or `input`
// with `at` and a revision of 1), in the statement that writes them.
function records(s: string, rows: string, revision: string, at: string): string {
  const from = (history: boolean) => `FROM ${rows} WHERE ${history ? '' : 'NOT '}history`;
  return `${logWrites(s, `SELECT $7::text, token, collection, id, ${revision}, seq, ${at} ${from(false)}`)},
${logRevisions(
  s,
  `SELECT $7::text, collection, id, ${revision}, token, seq, body, false, ${at}, $8::text, NULL::bigint[] ${from(true)}`,
)}`;
}

/**
 * A bulk insert's statement for a chunk of keys taken by no row, not even a tombstone (the
 * common case): a plain `INSERT`, which a key already present refuses as a whole
 * (`documents_pkey`), and then the caller undoes the chunk and sends `insertMany`
 * instead. Rows are written in the order given, which is key order (see
 * `runInsertMany`); each records its token in the write log, or with history its
 * revision row, in the same statement. Returns the one time every row was written at.
 */
export function insertFresh(s: string): string {
  return `
WITH input AS (${INPUT}),
clock AS MATERIALIZED (SELECT ${NOW_MS} AS at),
inserted AS (
  INSERT INTO ${s}.documents
    (tenant, collection, id, body, size, revision, token, seq, last_modified, last_modified_by, deleted)
  SELECT $7::text, i.collection, i.id, i.body::jsonb, octet_length(i.body), 1, i.token, i.seq,
    c.at, $8::text, false
  FROM input i CROSS JOIN clock c
  ORDER BY i.ord
  RETURNING 1
),
-- Joined to the count of rows inserted, so every row is inserted before any is recorded: a
-- present key fails the statement on documents_pkey first, whatever else it holds.
${records(s, 'input CROSS JOIN clock CROSS JOIN (SELECT count(*) FROM inserted) w', '1', 'at')}
SELECT at FROM clock`;
}

/**
 * A bulk insert's statement for a chunk that meets rows already present: `INSERT … ON
 * CONFLICT DO UPDATE … WHERE deleted` decides each row itself, reviving a tombstone with
 * its revision counting on, and locks a live row it leaves alone (the caller then reads
 * that row's metadata under the lock, in the same transaction). Takes the arrays of
 * `insertFresh`. Returns one row per row landed: its place in the arrays (`ord`, from 1)
 * and what the database chose.
 */
export function insertMany(s: string): string {
  return `
WITH input AS (${INPUT}),
inserted AS (
  INSERT INTO ${s}.documents AS d
    (tenant, collection, id, body, size, revision, token, seq, last_modified, last_modified_by, deleted)
  SELECT $7::text, i.collection, i.id, i.body::jsonb, octet_length(i.body), 1, i.token,
    i.seq, ${NOW_MS}, $8::text, false
  FROM input i
  ORDER BY i.ord
  ON CONFLICT (tenant, collection, id) DO UPDATE SET
    body = excluded.body, size = excluded.size, revision = d.revision + 1,
    token = excluded.token, seq = excluded.seq, last_modified = excluded.last_modified,
    last_modified_by = excluded.last_modified_by, deleted = false
  WHERE d.deleted
  RETURNING d.collection, d.id, d.revision, d.seq, d.last_modified
),
landed AS (
  SELECT i.ord, i.history, i.body, i.token, n.*
  FROM inserted n JOIN input i ON (i.collection, i.id) = (n.collection, n.id)
),
${records(s, 'landed', 'revision', 'last_modified')}
SELECT ord, revision, last_modified FROM landed`;
}

/**
 * The live documents among some keys of one tenant ($1; $2 collections, $3 ids), their
 * rows locked until the transaction ends: what a bulk insert that met them reports as
 * duplicates, read under the lock that keeps them as they were when they refused it.
 */
export const liveAmong = (s: string) => `
SELECT d.collection, d.id, d.revision, d.token, d.seq, d.last_modified, d.last_modified_by
FROM unnest($2::text[], $3::text[]) AS u(collection, id)
JOIN ${s}.documents d ON d.tenant = $1 AND d.collection = u.collection AND d.id = u.id
WHERE NOT d.deleted
FOR SHARE OF d`;

/** Runs one statement of the transaction a bulk insert runs in. */
export type ChunkQuery = <R extends object>(text: string, values: unknown[]) => Promise<R[]>;

/** The statements of a bulk insert, as the backend names and prepares them. */
export interface InsertTexts {
  /** `drawSeqs`. */
  seqs: string;
  /** `insertFresh`. */
  fresh: string;
  /** `insertMany`. */
  checked: string;
  /** `liveAmong`. */
  live: string;
}

interface LandedRow {
  ord: string;
  revision: string;
  last_modified: string;
}

interface LiveRow extends MetadataRow {
  collection: string;
  id: string;
}

// A write of the call with the seq drawn for its place in the call.
interface Placed {
  write: Write;
  seq: string;
}

// Savepoint before the first chunk: a fresh chunk refused for a present key undoes the
// fresh chunks, and the call is written again with the checked statement.
const SAVEPOINT = 'SAVEPOINT noclobber_insert_many';
const UNDO_FRESH = 'ROLLBACK TO SAVEPOINT noclobber_insert_many';

/**
 * Runs a bulk insert (see `isInsertBatch`) inside the caller's transaction. Seqs are drawn
 * first, in the order of `writes`; rows are then written in key order, chunk after chunk,
 * so two calls lock the keys they share in the same order and never deadlock. Each chunk
 * goes as `insertFresh`; when one meets a present key, every fresh chunk is undone and
 * the call runs again as `insertMany` chunks (`runChecked`). The outcomes, in the order
 * of `writes`: all `ok` when every write landed (the caller commits); else the
 * duplicates, and `rolledBack` for the others (the caller rolls back).
 */
export async function runInsertMany(
  writes: readonly Write[],
  query: ChunkQuery,
  texts: InsertTexts,
): Promise<WriteOutcome[]> {
  const { tenant, actor } = writes[0] as Write;
  const [drawn] = await query<{ seqs: string[] }>(texts.seqs, [writes.length]);
  const seqs = (drawn as { seqs: string[] }).seqs;
  const placed: Placed[] = writes.map((write, i) => ({ write, seq: seqs[i] as string }));
  placed.sort(byKey);
  const chunks = insertChunks(placed, INSERT_CHUNK_ROWS, INSERT_CHUNK_CHARS, (p) => p.write.body);
  const landed = new Map<Write, WriteOutcome>();
  await query(SAVEPOINT, []);
  try {
    for (const chunk of chunks) {
      const [row] = await query<{ at: string }>(texts.fresh, arraysOf(chunk, tenant, actor));
      const lastModified = Number((row as { at: string }).at);
      for (const { write, seq } of chunk) {
        const metadata = { revision: 1, token: write.token, seq: Number(seq), lastModified };
        landed.set(write, { status: 'ok', metadata: { ...metadata, lastModifiedBy: actor } });
      }
    }
    return writes.map((w) => landed.get(w) as WriteOutcome);
  } catch (error) {
    if (!keyTaken(error)) throw error;
  }
  await query(UNDO_FRESH, []);
  const outcomes = await runChecked(chunks, query, texts, writes[0] as Write);
  const byWrite = new Map(placed.map((p, i) => [p.write, outcomes[i] as WriteOutcome]));
  return writes.map((w) => byWrite.get(w) as WriteOutcome);
}

/**
 * The chunks of a call (in key order) as `insertMany` statements. Once a chunk meets live
 * documents, nothing more is written: the keys it did not land, and every key after it,
 * are only read under lock (`liveAmong`), so every duplicate of the batch is reported
 * with the metadata that refused it. Returns the outcomes in the order of the chunks.
 */
async function runChecked(
  chunks: readonly Placed[][],
  query: ChunkQuery,
  texts: InsertTexts,
  { tenant, actor }: Write,
): Promise<WriteOutcome[]> {
  const outcomes: WriteOutcome[] = [];
  let missed = false;
  for (const chunk of chunks) {
    const landed = new Map<number, WriteOutcome>();
    if (!missed) {
      const rows = await query<LandedRow>(texts.checked, arraysOf(chunk, tenant, actor));
      for (const row of rows) {
        const i = Number(row.ord) - 1;
        const { write, seq } = chunk[i] as Placed;
        const metadata = {
          revision: Number(row.revision),
          token: write.token,
          seq: Number(seq),
          lastModified: Number(row.last_modified),
          lastModifiedBy: actor,
        };
        landed.set(i, { status: 'ok', metadata });
      }
      if (rows.length === chunk.length) {
        outcomes.push(...chunk.map((_, i) => landed.get(i) as WriteOutcome));
        continue;
      }
      missed = true;
    }
    const others = chunk.filter((_, i) => !landed.has(i)).map((p) => p.write);
    const live = await query<LiveRow>(texts.live, [
      tenant,
      others.map((w) => w.collection),
      others.map((w) => w.id),
    ]);
    const byKey = new Map(live.map((row) => [keyOf(row), row]));
    chunk.forEach(({ write }, i) => {
      const row = landed.has(i) ? undefined : byKey.get(keyOf(write));
      outcomes.push(row ? { status: 'duplicate', actual: toMetadata(row) } : ROLLED_BACK);
    });
  }
  // Rows that landed before the first miss are undone with the rest.
  return missed ? outcomes.map((o) => (o.status === 'ok' ? ROLLED_BACK : o)) : outcomes;
}

// The values of a chunk's statement (`insertFresh`, `insertMany`).
const arraysOf = (chunk: readonly Placed[], tenant: string, actor: string | null) => [
  chunk.map((p) => p.write.collection),
  chunk.map((p) => p.write.id),
  chunk.map((p) => p.write.body),
  chunk.map((p) => p.write.token),
  chunk.map((p) => p.write.history === true),
  chunk.map((p) => p.seq),
  tenant,
  actor,
];

// Key order: the order every bulk insert writes its rows in.
const byKey = (a: Placed, b: Placed) => {
  const [x, y] = [a.write, b.write];
  if (x.collection !== y.collection) return x.collection < y.collection ? -1 : 1;
  return x.id < y.id ? -1 : x.id > y.id ? 1 : 0;
};

// A fresh chunk refused because one of its keys is present (a live row or a tombstone).
const keyTaken = (error: unknown) => {
  const e = error as { code?: unknown; constraint?: unknown };
  return e?.code === '23505' && e.constraint === 'documents_pkey';
};

const ROLLED_BACK: WriteOutcome = { status: 'rolledBack' };

const keyOf = (row: { collection: string; id: string }) => `${row.collection}\u0000${row.id}`;
