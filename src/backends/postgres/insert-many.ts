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
 * The bulk insert statement (`PostgresBackend.insertMany`): one chunk of inserts, passed as
 * arrays — $1 collections, $2 ids, $3 JSON texts, $4 tokens, $5 history flags — with $6
 * the tenant and $7 the actor. No locking pass and no judgement: an insert can only land
 * on an absent key or a tombstone, so `INSERT … ON CONFLICT DO UPDATE … WHERE deleted`
 * decides each row itself, reviving a tombstone with its revision counting on, and locks a
 * live row it leaves alone (the caller then reads that row's metadata under the lock, in
 * the same transaction). Rows draw their seqs in the order given, inside the feed gate, as
 * every write does. Each row landed records
 * its token in the write log, or with history its revision row, in the same statement.
 * Returns one row per row landed: its place in the arrays (`ord`, from 1) and what the
 * database chose.
 */
export function insertMany(s: string): string {
  const landed = (columns: string, history: boolean) =>
    `SELECT ${columns} FROM landed WHERE ${history ? '' : 'NOT '}history`;
  return `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[])
    WITH ORDINALITY AS t(collection, id, body, token, history, ord)
),
${takeGate(s, 'seq')},
inserted AS (
  INSERT INTO ${s}.documents AS d
    (tenant, collection, id, body, size, revision, token, seq, last_modified, last_modified_by, deleted)
  SELECT $6::text, n.collection, n.id, n.body::jsonb, octet_length(n.body), 1, n.token,
    n.seq, ${NOW_MS}, $7::text, false
  FROM (SELECT i.*, ${draw(s, 'seq')} AS seq FROM input i ORDER BY i.ord) n
  -- In key order, as the batch statement inserts: two statements meet their common keys
  -- in the same order and never deadlock. Seqs were drawn in the order given, above.
  ORDER BY n.collection, n.id
  ON CONFLICT (tenant, collection, id) DO UPDATE SET
    body = excluded.body, size = excluded.size, revision = d.revision + 1,
    token = excluded.token, seq = excluded.seq, last_modified = excluded.last_modified,
    last_modified_by = excluded.last_modified_by, deleted = false
  WHERE d.deleted
  RETURNING d.collection, d.id, d.revision, d.token, d.seq, d.last_modified
),
landed AS (
  SELECT i.ord, i.history, i.body, n.*
  FROM inserted n JOIN input i ON (i.collection, i.id) = (n.collection, n.id)
),
${logWrites(s, landed('$6::text, token, collection, id, revision, seq, last_modified', false))},
${logRevisions(
  s,
  landed(
    '$6::text, collection, id, revision, token, seq, body, false, last_modified, $7::text, NULL::bigint[]',
    true,
  ),
)}
SELECT ord, revision, seq, last_modified FROM landed`;
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

interface LandedRow {
  ord: string;
  revision: string;
  seq: string;
  last_modified: string;
}

interface LiveRow extends MetadataRow {
  collection: string;
  id: string;
}

/**
 * Runs a bulk insert (see `isInsertBatch`) inside the caller's transaction: the statement
 * `insertText` (`insertMany`) once per chunk. Once a chunk meets live documents, nothing
 * more is written: the keys it did not land, and every key after it, are only read under
 * lock (`liveText`, `liveAmong`), so every duplicate of the batch is reported with the
 * metadata that refused it. The outcomes, in the order of `writes`: all `ok` when every
 * write landed (the caller commits); else the duplicates, and `rolledBack` for the others
 * (the caller rolls back).
 */
export async function runInsertMany(
  writes: readonly Write[],
  query: ChunkQuery,
  insertText: string,
  liveText: string,
): Promise<WriteOutcome[]> {
  const { tenant, actor } = writes[0] as Write;
  const outcomes: WriteOutcome[] = [];
  let missed = false;
  for (const chunk of insertChunks(writes, INSERT_CHUNK_ROWS, INSERT_CHUNK_CHARS)) {
    const landed = new Map<number, WriteOutcome>();
    if (!missed) {
      const rows = await query<LandedRow>(insertText, [
        chunk.map((w) => w.collection),
        chunk.map((w) => w.id),
        chunk.map((w) => w.body),
        chunk.map((w) => w.token),
        chunk.map((w) => w.history === true),
        tenant,
        actor,
      ]);
      for (const row of rows) {
        const i = Number(row.ord) - 1;
        const metadata = {
          revision: Number(row.revision),
          token: (chunk[i] as Write).token,
          seq: Number(row.seq),
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
    const others = chunk.filter((_, i) => !landed.has(i));
    const live = await query<LiveRow>(liveText, [
      tenant,
      others.map((w) => w.collection),
      others.map((w) => w.id),
    ]);
    const byKey = new Map(live.map((row) => [keyOf(row), row]));
    chunk.forEach((write, i) => {
      const row = landed.has(i) ? undefined : byKey.get(keyOf(write));
      outcomes.push(row ? { status: 'duplicate', actual: toMetadata(row) } : ROLLED_BACK);
    });
  }
  // Rows that landed before the first miss are undone with the rest.
  return missed ? outcomes.map((o) => (o.status === 'ok' ? ROLLED_BACK : o)) : outcomes;
}

const ROLLED_BACK: WriteOutcome = { status: 'rolledBack' };

const keyOf = (row: { collection: string; id: string }) => `${row.collection}\u0000${row.id}`;
