/**
 * The SQL of the write path. Each write is one statement that carries its check in its
 * own WHERE clause and returns the new metadata; a write that returns no row missed its
 * check, and the backend then reads the actual row inside the same transaction.
 */

const TABLE = 'noclobber_documents';
const KEY = 'tenant = @tenant AND collection = @collection AND id = @id';
// A write statement holds SQLite's write lock from this read of the counter (the write
// log's row keyed '~', see the schema) to its commit, and the log's triggers move the
// counter on with every write, so no two writes ever take the same value.
const NEXT_SEQ = `(SELECT seq + 1 FROM noclobber_writes WHERE token = '~' AND tenant = '')`;
export const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
// Only what the database decides: the token and the actor are the write's own. The backend
// reads it as an array (`raw()`): building a row object for each write cost more than the
// statement's own RETURNING.
const RETURNING = 'RETURNING revision, seq, last_modified';

/** What a write statement returns, as a `raw()` row: `[revision, seq, last_modified]`. */
export type LandedRow = [revision: number, seq: number, lastModified: number];

/** Columns of the metadata, in the shape every read returns. */
export interface MetadataRow {
  revision: number;
  token: string;
  seq: number;
  last_modified: number;
  last_modified_by: string | null;
}

/**
 * Insert, or revive a tombstone, as one upsert. `revision` is the new revision for a
 * fresh row; an existing row gets `revisionOnConflict`. `guard` limits which existing
 * rows may be overwritten: a miss returns no row.
 */
function upsert(revision: string, revisionOnConflict: string, guard: string): string {
  return `INSERT INTO ${TABLE}
      (tenant, collection, id, body, revision, token, seq, last_modified, last_modified_by, deleted)
    VALUES (@tenant, @collection, @id, @body, ${revision}, @token, ${NEXT_SEQ}, ${NOW}, @actor, 0)
    ON CONFLICT (tenant, collection, id) DO UPDATE SET
      body = excluded.body, revision = ${revisionOnConflict}, token = excluded.token,
      seq = excluded.seq, last_modified = excluded.last_modified,
      last_modified_by = excluded.last_modified_by, deleted = 0
    WHERE ${guard}
    ${RETURNING}`;
}

/** A checked write of a live row; `guard` is the check, `deleted` makes it a delete. */
export function update(guard: string, deleted: boolean): string {
  const body = deleted ? 'NULL' : '@body';
  return `UPDATE ${TABLE} SET
      body = ${body}, revision = revision + 1, token = @token, seq = ${NEXT_SEQ},
      last_modified = ${NOW}, last_modified_by = @actor, deleted = ${deleted ? 1 : 0}
    WHERE ${KEY} AND deleted = 0 AND ${guard}
    ${RETURNING}`;
}

/**
 * An apply: the live row's body changed by operations, `applied` (an expression over
 * `body`, NULL where they do not fit it), computed once in a subquery, with the check
 * `guard` and the result's size bound `@maxBytes` in the WHERE clause: a miss returns no
 * row. Returns the new body after the metadata.
 */
export function apply(guard: string, applied: string): string {
  return `UPDATE ${TABLE} SET
      body = n.applied, revision = revision + 1, token = @token, seq = ${NEXT_SEQ},
      last_modified = ${NOW}, last_modified_by = @actor
    FROM (SELECT ${applied} AS applied FROM ${TABLE} WHERE ${KEY}) AS n
    WHERE ${KEY} AND deleted = 0 AND ${guard}
      AND n.applied IS NOT NULL AND length(CAST(n.applied AS BLOB)) <= @maxBytes
    ${RETURNING}, body`;
}

/** Why an apply missed, judged in its transaction: its check, and its result if that passed. */
export function applyMiss(guard: string, applied: string): string {
  return `SELECT ${guard} AS pass, applied IS NULL AS unfit, length(CAST(applied AS BLOB)) AS bytes
    FROM (SELECT *, ${applied} AS applied FROM ${TABLE} WHERE ${KEY} AND deleted = 0)`;
}

/** `mustNotExist`: a fresh row, or a tombstone revived with its revision counting on. */
export const insert = upsert('1', `${TABLE}.revision + 1`, `${TABLE}.deleted = 1`);

/** `none` on a put: last write wins. A revived tombstone keeps counting its revision. */
export const overwrite = upsert('1', `${TABLE}.revision + 1`, '1');

/** `revisionAbove`: the write sets the revision to `@revision` if the stored one is lower. */
export const revisionAbove = upsert('@revision', '@revision', `${TABLE}.revision < @revision`);

/** The row as it stands, read after a missed check inside the same transaction. */
export const current = `SELECT revision, token, seq, last_modified, last_modified_by, deleted
  FROM ${TABLE} WHERE ${KEY}`;

const LIVE_COLUMNS = 'id, body, revision, token, seq, last_modified, last_modified_by';

/** One live document. */
export const readOne = `SELECT ${LIVE_COLUMNS} FROM ${TABLE}
  WHERE ${KEY} AND deleted = 0`;

/** Several live documents; `@ids` is a JSON array. */
export const readMany = `SELECT ${LIVE_COLUMNS} FROM ${TABLE}
  WHERE tenant = @tenant AND collection = @collection AND deleted = 0
    AND id IN (SELECT value FROM json_each(@ids))`;

/** The stored metadata of each id, deleted documents included; `@ids` is a JSON array. */
export const peek = `SELECT id, revision, token, seq, last_modified, last_modified_by FROM ${TABLE}
  WHERE tenant = @tenant AND collection = @collection
    AND id IN (SELECT value FROM json_each(@ids))`;

const CHANGE_COLUMNS = `SELECT collection, id, body, deleted, revision, token, seq,
    last_modified, last_modified_by FROM ${TABLE}`;

/** The changes feed of one tenant; rows are read one at a time, up to the page's byte budget. */
export const changes = `${CHANGE_COLUMNS}
  WHERE tenant = @tenant AND seq > @since ORDER BY seq LIMIT @limit`;

/** The changes feed of one collection of one tenant. */
export const collectionChanges = `${CHANGE_COLUMNS}
  WHERE tenant = @tenant AND collection = @collection AND seq > @since ORDER BY seq LIMIT @limit`;

/** The write log (see the schema): one row per committed write or append, keyed by token. */
export const WRITE_LOG = 'noclobber_writes';

/** Records an append in the write log, inside its transaction. */
export const logAppend = `INSERT INTO ${WRITE_LOG} (tenant, token, collection, id, revision, seq, at)
  VALUES (@tenant, @token, NULL, @stream, @version, @position, @now)`;

/**
 * The history (see the schema): one row per revision of a document that keeps history,
 * written by the schema's triggers in the write's own statement.
 */
export const REVISIONS = 'noclobber_revisions';

/**
 * The records of some tokens (`@tokens`, a JSON array) of one tenant: from the write log,
 * and from the history for a token the log no longer holds.
 */
export const landed = `SELECT token, collection, id, revision, seq, at FROM ${WRITE_LOG}
  WHERE tenant = @tenant AND token IN (SELECT value FROM json_each(@tokens))
  UNION
  SELECT token, collection, id, revision, seq, at FROM ${REVISIONS}
  WHERE tenant = @tenant AND token IN (SELECT value FROM json_each(@tokens))`;

const REVISION_COLUMNS = 'revision, token, seq, body, deleted, at, actor, parents';
const DOCUMENT = 'tenant = @tenant AND collection = @collection AND id = @id';

/** A page of one document's revisions, newest first, below `@before` (NULL: all). */
export const revisions = `SELECT ${REVISION_COLUMNS} FROM ${REVISIONS}
  WHERE ${DOCUMENT} AND (@before IS NULL OR revision < @before)
  ORDER BY revision DESC LIMIT @limit`;

/** One revision of a document. */
export const revision = `SELECT ${REVISION_COLUMNS} FROM ${REVISIONS}
  WHERE ${DOCUMENT} AND revision = @revision`;

/**
 * Deletes up to `@limit` revisions of `@collection` the retention lets go: only those
 * committed before `@protectFrom` (the key range below its token floor `@floor`); of
 * those, with `@keep`, the ones with at least `@keep` newer revisions of their document,
 * or with `@before`, those committed before it.
 */
export const pruneRevisions = `DELETE FROM ${REVISIONS}
  WHERE (tenant, collection, id, revision) IN (
    SELECT r.tenant, r.collection, r.id, r.revision FROM ${REVISIONS} r
    WHERE r.token < @floor AND r.at < @protectFrom AND r.collection = @collection
      AND (
        (@keep IS NOT NULL AND EXISTS (
          SELECT 1 FROM ${REVISIONS} n
          WHERE n.tenant = r.tenant AND n.collection = r.collection AND n.id = r.id
            AND n.revision > r.revision
          ORDER BY n.revision LIMIT 1 OFFSET @keep - 1))
        OR (@before IS NOT NULL AND r.at < @before)
      )
    LIMIT @limit)`;

/**
 * Deletes up to `@limit` records older than `@before`: the key range below `@floor`, the
 * token floor of that time (`tokenFloor`), so the scan reads only old records.
 */
export const pruneWrites = `DELETE FROM ${WRITE_LOG} WHERE (token, tenant) IN (
  SELECT token, tenant FROM ${WRITE_LOG} WHERE token < @floor AND at < @before LIMIT @limit)`;
