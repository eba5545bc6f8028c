import { draw, takeGate } from './gate.js';

/**
 * The SQL of the PostgreSQL backend. A batch of N checked writes is one statement with
 * the writes passed as arrays: it locks the stored rows (in key order, so batches never
 * deadlock on each other), judges every check against the locked rows, writes only if
 * all pass, and returns each write's outcome together with the metadata it was judged
 * against. Plain SQL, no PL/pgSQL.
 */

/** The columns of the `input` relation, in the order of the statement's array parameters. */
export const INPUT_COLUMNS = [
  ['ord', 'int'],
  ['tenant', 'text'],
  ['collection', 'text'],
  ['id', 'text'],
  ['op', 'text'],
  ['kind', 'text'],
  ['body', 'text'],
  ['token', 'text'],
  ['actor', 'text'],
  ['expected_rev', 'bigint'],
  ['expected_token', 'text'],
  ['time_ms', 'bigint'],
  ['rev', 'bigint'],
  ['silent', 'bool'],
  ['max_bytes', 'bigint'],
  ['history', 'bool'],
  // A merged revision's parents, as an array literal ('{3,5}'): arrays of arrays do not unnest.
  ['parents', 'text'],
] as const;

export const NOW_MS = 'floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint';

/** Marks a statement that raced with a concurrent insert of a key it saw absent. */
export const RACED = 'noclobber: raced with a concurrent insert';

// How a write is judged, over its input `i` and the locked stored row `c` (all NULL when
// absent): the row as it stands, and whether the check passes. Shared by both write statements.
const judgement = (conditions: string) => `c.id IS NOT NULL AS present,
    COALESCE(NOT c.deleted, false) AS live,
    c.revision AS cur_revision, c.token AS cur_token, c.seq AS cur_seq,
    c.last_modified AS cur_last_modified, c.last_modified_by AS cur_last_modified_by,
    COALESCE(CASE i.kind
      WHEN 'version' THEN NOT c.deleted AND (c.revision = i.expected_rev OR c.token = i.expected_token)
      WHEN 'mustNotExist' THEN c.id IS NULL OR c.deleted
      WHEN 'mustExist' THEN NOT c.deleted
      WHEN 'notModifiedSince' THEN NOT c.deleted AND c.last_modified <= i.time_ms
      WHEN 'condition' THEN NOT c.deleted AND (${conditions})
      WHEN 'revisionAbove' THEN c.id IS NULL OR c.revision < i.rev
      WHEN 'none' THEN i.op = 'put' OR NOT c.deleted
    END, false) AS pass`;

/**
 * The batch statement. `conditions` is an SQL expression over `i.ord` and `c.body`
 * (a CASE of the batch's condition checks, or `false` when it has none); `applied`, one
 * over the same giving the new body of each `apply` write (NULL where its operations do
 * not fit: the write is then `unfit`, as it is when the body passes `max_bytes`). Their
 * parameters are numbered after the input arrays. With `history`, the writes whose
 * `history` input is true record their revision rows in the statement (`logRevisions`).
 */
export function commitBatch(
  s: string,
  conditions: string,
  applied = 'NULL::jsonb',
  history = false,
): string {
  const arrays = INPUT_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const names = INPUT_COLUMNS.map(([name]) => name).join(', ');
  const joined = `FROM written w
  JOIN planned p ON (p.tenant, p.collection, p.id) = (w.tenant, w.collection, w.id)`;
  // A write with history records its revision in place of a write-log record: the
  // revision carries the token, unique there too.
  const logged = history
    ? `${logWrites(s, `SELECT w.tenant, w.token, w.collection, w.id, w.revision, w.seq, w.last_modified ${joined} WHERE NOT p.history`)},
${logRevisions(
  s,
  `SELECT w.tenant, w.collection, w.id, w.revision, w.token, w.seq,
    CASE p.op WHEN 'put' THEN p.body WHEN 'apply' THEN w.body END, p.op = 'delete',
    w.last_modified, w.last_modified_by, p.parents::bigint[] ${joined} WHERE p.history`,
)}`
    : logWrites(
        s,
        'SELECT tenant, token, collection, id, revision, seq, last_modified FROM written',
      );
  return `
WITH input AS (
  SELECT * FROM unnest(${arrays}) AS t(${names})
),
cur AS MATERIALIZED (
  SELECT d.tenant, d.collection, d.id, d.body, d.revision, d.token, d.seq,
         d.last_modified, d.last_modified_by, d.deleted
  FROM ${s}.documents d
  WHERE (d.tenant, d.collection, d.id) IN (SELECT tenant, collection, id FROM input)
  ORDER BY d.tenant, d.collection, d.id
  FOR UPDATE
),
judged AS (
  SELECT i.*, ${judgement(conditions)}, a.applied,
    (i.op = 'apply' AND (a.applied IS NULL OR octet_length(a.applied::text) > i.max_bytes)) AS unfit
  FROM input i
  LEFT JOIN cur c ON (c.tenant, c.collection, c.id) = (i.tenant, i.collection, i.id)
  CROSS JOIN LATERAL (SELECT ${applied} AS applied) a
),
verdict AS (
  SELECT bool_and((pass AND NOT unfit) OR (kind = 'revisionAbove' AND silent) OR (kind = 'none' AND op = 'delete')) AS ok
  FROM judged
),
to_write AS (
  SELECT j.* FROM judged j WHERE j.pass AND NOT j.unfit AND (SELECT ok FROM verdict)
),
${takeGate(s, 'seq')},
planned AS (
  SELECT w.*,
    CASE WHEN w.kind = 'revisionAbove' THEN w.rev WHEN w.present THEN w.cur_revision + 1 ELSE 1 END AS new_revision,
    ${draw(s, 'seq')} AS new_seq
  FROM to_write w
  ORDER BY w.ord
),
updated AS (
  UPDATE ${s}.documents d SET
    body = CASE WHEN p.op = 'put' THEN p.body::jsonb WHEN p.op = 'apply' THEN p.applied END,
    size = CASE WHEN p.op = 'apply' THEN octet_length(p.applied::text) ELSE octet_length(p.body) END,
    revision = p.new_revision,
    token = p.token, seq = p.new_seq, last_modified = ${NOW_MS},
    last_modified_by = p.actor, deleted = (p.op = 'delete')
  FROM planned p
  WHERE p.present AND (d.tenant, d.collection, d.id) = (p.tenant, p.collection, p.id)
  RETURNING d.tenant, d.collection, d.id, d.revision, d.token, d.seq, d.last_modified, d.last_modified_by,
    CASE WHEN p.op = 'apply' THEN d.body::text END AS body
),
inserted AS (
  INSERT INTO ${s}.documents
    (tenant, collection, id, body, size, revision, token, seq, last_modified, last_modified_by, deleted)
  SELECT p.tenant, p.collection, p.id, p.body::jsonb, octet_length(p.body), p.new_revision, p.token, p.new_seq,
    ${NOW_MS}, p.actor, false
  FROM planned p WHERE NOT p.present
  -- In key order, as rows are locked: an insert waits for another batch's uncommitted
  -- insert of the same key while both hold the gate, so opposite orders would deadlock.
  ORDER BY p.tenant, p.collection, p.id
  -- The key only: a unique field's index must still refuse the insert (an error).
  ON CONFLICT (tenant, collection, id) DO NOTHING
  RETURNING tenant, collection, id, revision, token, seq, last_modified, last_modified_by, NULL::text
),
written AS (
  SELECT * FROM updated UNION ALL SELECT * FROM inserted
),
${logged}
SELECT j.ord, j.pass, j.live, j.cur_revision, j.cur_token, j.cur_seq, j.cur_last_modified,
  j.cur_last_modified_by, w.revision, w.token, w.seq, w.last_modified, w.last_modified_by,
  w.body, j.unfit, octet_length(j.applied::text) AS applied_bytes,
  -- A key absent when locked but inserted by another writer before our insert: fail the
  -- whole statement (so nothing of it is kept) and let the backend run it again.
  CASE WHEN (SELECT count(*) FROM written) < (SELECT count(*) FROM to_write)
    THEN CAST((SELECT '${RACED}'::text) AS integer) END AS raced
FROM judged j
LEFT JOIN written w ON (w.tenant, w.collection, w.id) = (j.tenant, j.collection, j.id)
ORDER BY j.ord`;
}

// An apply's new body, its size, and whether it does not fit (NULL: operations that do not
// fit the stored document; or more bytes than max_bytes), for `commitOne`.
const appliedJoin = (applied: string) => `
  CROSS JOIN LATERAL (SELECT x AS applied, octet_length(x::text) AS bytes FROM (SELECT ${applied} AS x) y) a`;
const APPLIED_COLUMNS = `,
    a.applied, a.bytes AS applied_bytes, (a.applied IS NULL OR a.bytes > i.max_bytes) AS unfit`;

/** What a single write's statement holds beside the fixed fields (see `commitOne`). */
export interface OneWrite {
  /** It may insert: a put whose check can pass on an absent key. */
  readonly canInsert: boolean;
  /** The condition check's SQL over `c.body`, when the check is one. */
  readonly condition?: string | undefined;
  /** The new body of an `apply`, an SQL expression over `c.body` (as in `commitBatch`). */
  readonly applied?: string | undefined;
  /** The write records its revision row in the statement (`logRevisions`). */
  readonly history?: boolean | undefined;
}

/**
 * The statement for a batch of one write: the same judgement, locks and outcome row as
 * `commitBatch` (less `ord`), with the write's fields as scalar parameters in
 * `INPUT_COLUMNS` order after `ord` ($1 tenant … $14 max_bytes) and the parameters of its
 * condition or operations after them. A batch of one needs no arrays, sort or verdict over
 * other writes; the key is probed by value, and only the verdict goes through the
 * materialised CTEs. It runs in about half the time of `commitBatch` (PostgreSQL 15, W1),
 * and holds a hot document's row lock that much less. Without `canInsert` the statement
 * has no INSERT branch, for checks that only ever pass on a live row (`version`,
 * `mustExist`, `notModifiedSince`, any delete or apply): setting up an `INSERT … ON
 * CONFLICT` that never runs cost a tenth of the statement.
 */
export function commitOne(s: string, write: OneWrite): string {
  const { canInsert, condition, applied, history } = write;
  const fields = INPUT_COLUMNS.slice(1)
    .map(([name, type], i) => `$${i + 1}::${type} AS ${name}`)
    .join(', ');
  const readsBody = condition !== undefined || applied !== undefined;
  const unfit = applied ? 'unfit' : 'false';
  // With history the write records its revision in place of a write-log record.
  const logged = history
    ? logRevisions(
        s,
        `SELECT $1::text, $2::text, $3::text, revision, token, seq,
    ${applied ? 'body' : `CASE WHEN $4::text = 'put' THEN $6::text END`}, $4::text = 'delete',
    last_modified, last_modified_by, $${INPUT_COLUMNS.length - 1}::text::bigint[]
  FROM written`,
      )
    : logWrites(
        s,
        'SELECT $1::text, token, $2::text, $3::text, revision, seq, last_modified FROM written',
      );
  return `
WITH input AS (
  SELECT ${fields}
),
cur AS MATERIALIZED (
  SELECT d.id, d.revision, d.token, d.seq, d.last_modified, d.last_modified_by, d.deleted${readsBody ? ', d.body' : ''}
  FROM ${s}.documents d
  WHERE d.tenant = $1::text AND d.collection = $2::text AND d.id = $3::text
  FOR UPDATE
),
judged AS MATERIALIZED (
  SELECT ${judgement(condition ?? 'false')}${applied ? APPLIED_COLUMNS : ''}
  FROM input i LEFT JOIN cur c ON true${applied ? appliedJoin(applied) : ''}
),
${takeGate(s, 'seq')},
counter AS MATERIALIZED (
  SELECT ${draw(s, 'seq')} AS value WHERE (SELECT pass AND NOT ${unfit} FROM judged)
),
-- The verdict is read through scalar subqueries, not joined in: an UPDATE joined with a
-- CTE carries a copy of the CTE row for its concurrency recheck. d.revision is the locked
-- row's (a recheck after a concurrent commit reads the newest version, the one locked).
updated AS (
  UPDATE ${s}.documents d SET
    ${
      applied
        ? `body = (SELECT applied FROM judged), size = (SELECT applied_bytes FROM judged),`
        : `body = CASE WHEN $4::text = 'put' THEN $6::text::jsonb END, size = octet_length($6::text),`
    }
    revision = CASE WHEN $5::text = 'revisionAbove' THEN $12::bigint ELSE d.revision + 1 END,
    token = $7::text, seq = (SELECT value FROM counter), last_modified = ${NOW_MS},
    last_modified_by = $8::text, deleted = ($4::text = 'delete')
  WHERE d.tenant = $1::text AND d.collection = $2::text AND d.id = $3::text
    AND (SELECT pass AND present AND NOT ${unfit} FROM judged)
  RETURNING d.revision, d.token, d.seq, d.last_modified, d.last_modified_by${applied ? ', d.body::text AS body' : ''}
),
${canInsert ? insertOne(s) : ''}
written AS (
  SELECT * FROM updated${canInsert ? ' UNION ALL SELECT * FROM inserted' : ''}
),
${logged}
SELECT j.pass, j.live, j.cur_revision, j.cur_token, j.cur_seq, j.cur_last_modified,
  j.cur_last_modified_by, w.revision, w.token, w.seq, w.last_modified, w.last_modified_by,${applied ? ' w.body, j.unfit, j.applied_bytes,' : ''}
  -- Absent when locked but inserted by another writer before our insert: as in commitBatch.
  CASE WHEN j.pass AND NOT ${unfit} AND w.revision IS NULL
    THEN CAST((SELECT '${RACED}'::text) AS integer) END AS raced
FROM judged j LEFT JOIN written w ON true`;
}

/**
 * The write log's CTE: records each written row's token in the statement that writes it.
 * A token already recorded (this very write, committed by an earlier try whose reply was
 * lost) violates `writes_token`, and the whole statement, write included, fails.
 */
export const logWrites = (s: string, rows: string) => `logged AS (
  INSERT INTO ${s}.writes (tenant, token, collection, id, revision, seq, at)
  ${rows}
)`;

/** The constraint that refuses a second commit of one token. */
export const TOKEN_CONSTRAINT = 'writes_token';

/**
 * The history's CTE: records the revision rows of the written rows `rows` (tenant,
 * collection, id, revision, token, seq, body text, deleted, at, actor, parents) in the statement
 * that writes them. Their tokens are unique too (`REVISION_TOKEN_CONSTRAINT`), so a
 * re-sent write is refused for as long as its revision is kept.
 */
export const logRevisions = (s: string, rows: string) => `revised AS (
  INSERT INTO ${s}.revisions (tenant, collection, id, revision, token, seq, body, deleted, at, actor, parents)
  ${rows}
)`;

/** The constraint that refuses a second commit of a token the history holds. */
export const REVISION_TOKEN_CONSTRAINT = 'revisions_token';

/**
 * The records of some tokens of one tenant: $1 tenant, $2 tokens. From the write log, and
 * from the history for a token the log no longer holds (the history may be kept longer).
 */
export const landed = (s: string) => `
SELECT DISTINCT ON (token) * FROM (
  SELECT w.token, w.collection, w.id, w.revision, w.seq, w.at
  FROM unnest($2::text[]) AS u(token)
  JOIN ${s}.writes w ON w.tenant = $1 AND w.token = u.token
  UNION ALL
  SELECT r.token, r.collection, r.id, r.revision, r.seq, r.at
  FROM unnest($2::text[]) AS u(token)
  JOIN ${s}.revisions r ON r.tenant = $1 AND r.token = u.token
) found`;

const REVISION_COLUMNS = 'revision, token, seq, body, deleted, at, actor, parents';

/** A page of one document's revisions, newest first: $1-$3 key, $4 below (NULL: all), $5 limit. */
export const revisions = (s: string) => `
SELECT ${REVISION_COLUMNS} FROM ${s}.revisions
WHERE tenant = $1 AND collection = $2 AND id = $3 AND ($4::bigint IS NULL OR revision < $4::bigint)
ORDER BY revision DESC
LIMIT $5`;

/** One revision of a document: $1-$3 key, $4 revision. */
export const revision = (s: string) => `
SELECT ${REVISION_COLUMNS} FROM ${s}.revisions
WHERE tenant = $1 AND collection = $2 AND id = $3 AND revision = $4`;

/**
 * Deletes up to $5 revisions of collection $1 that the retention lets go: only those
 * committed before $6 (ms, the write log's keep, so the token answer stays exact), the key
 * range below its token floor $2; of those, with $3 (keep), the ones with at least $3 newer revisions
 * of their document, or with $4 (before, ms), those committed before it.
 */
export const pruneRevisions = (s: string) => `
DELETE FROM ${s}.revisions
WHERE ctid = ANY(ARRAY(
  SELECT r.ctid FROM ${s}.revisions r
  WHERE r.token < $2 AND r.at < $6 AND r.collection = $1
    AND (
      ($3::bigint IS NOT NULL AND EXISTS (
        SELECT 1 FROM ${s}.revisions n
        WHERE n.tenant = r.tenant AND n.collection = r.collection AND n.id = r.id
          AND n.revision > r.revision
        ORDER BY n.revision OFFSET $3::bigint - 1 LIMIT 1))
      OR ($4::bigint IS NOT NULL AND r.at < $4::bigint)
    )
  LIMIT $5))`;

/**
 * Deletes up to $2 write-log records older than $1 (ms); returns how many went. $3 is the
 * token floor of $1 (`tokenFloor`): older records are the key range below it.
 */
export const pruneWrites = (s: string) => `
DELETE FROM ${s}.writes
WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${s}.writes WHERE token < $3 AND at < $1 LIMIT $2))`;

// The INSERT branch of `commitOne`: a key absent (never written) when locked.
const insertOne = (s: string) => `inserted AS (
  INSERT INTO ${s}.documents
    (tenant, collection, id, body, size, revision, token, seq, last_modified, last_modified_by, deleted)
  SELECT $1::text, $2::text, $3::text, $6::text::jsonb, octet_length($6::text),
    CASE WHEN $5::text = 'revisionAbove' THEN $12::bigint ELSE 1 END, $7::text,
    (SELECT value FROM counter), ${NOW_MS}, $8::text, false
  WHERE (SELECT pass AND NOT present FROM judged)
  ON CONFLICT (tenant, collection, id) DO NOTHING
  RETURNING revision, token, seq, last_modified, last_modified_by
),`;

// Reads find ids through a join with `unnest`, not `id = ANY($3)`: prepared statements
// run on a generic plan, and there PostgreSQL probed the primary key with tenant and
// collection only and filtered `id = ANY(...)` row by row, reading the whole collection
// on every read. Joined with the unnested ids, it probes the key once per id.

/** Live documents of one collection by id. */
export const read = (s: string) => `
SELECT d.id, d.body::text AS body, d.revision, d.token, d.seq, d.last_modified, d.last_modified_by
FROM unnest($3::text[]) AS u(id)
JOIN ${s}.documents d ON d.tenant = $1 AND d.collection = $2 AND d.id = u.id
WHERE NOT d.deleted`;

/** One live document by id: `read` for the common single id, without the array. */
export const readOne = (s: string) => `
SELECT id, body::text AS body, revision, token, seq, last_modified, last_modified_by
FROM ${s}.documents
WHERE tenant = $1 AND collection = $2 AND id = $3 AND NOT deleted`;

/** One live document, its row locked until the transaction ends (the pessimistic path). */
export const readForUpdate = (s: string) => `
SELECT body::text AS body, revision, token, seq, last_modified, last_modified_by, deleted
FROM ${s}.documents
WHERE tenant = $1 AND collection = $2 AND id = $3
FOR UPDATE`;

/** The stored metadata of each id, deleted documents included. */
export const peek = (s: string) => `
SELECT d.id, d.revision, d.token, d.seq, d.last_modified, d.last_modified_by
FROM unnest($3::text[]) AS u(id)
JOIN ${s}.documents d ON d.tenant = $1 AND d.collection = $2 AND d.id = u.id`;

/**
 * The changes feed of one tenant after `$2` up to the horizon `$5` (see `gate.ts`; `$4`:
 * the byte budget), or with `byCollection` of one collection (`$6`). The page's rows are cut at the budget in the database, so bodies
 * past it never leave the server; the first row is kept whatever its size. A row's size
 * is the length of the JSON text it was written with, kept in its `size` column: turning
 * every candidate body into text just to measure it cost as much as sending it, and its
 * stored (compressed) size can be a hundredth of its text.
 */
export const changes = (byCollection: boolean) => (s: string) =>
  `
SELECT d.collection, d.id, d.body::text AS body, d.deleted, d.revision, d.token, d.seq,
  d.last_modified, d.last_modified_by
FROM (
  SELECT p.seq,
    row_number() OVER (ORDER BY p.seq) AS n,
    sum(p.size) OVER (ORDER BY p.seq ROWS UNBOUNDED PRECEDING) AS upto
  FROM (
    SELECT seq, coalesce(size, 0) AS size
    FROM ${s}.documents
    WHERE tenant = $1 AND seq > $2 AND seq <= $5 ${byCollection ? 'AND collection = $6' : ''}
    ORDER BY seq
    LIMIT $3
  ) p
) page
JOIN ${s}.documents d ON d.tenant = $1 AND d.seq = page.seq
WHERE page.n = 1 OR page.upto <= $4
ORDER BY d.seq`;
