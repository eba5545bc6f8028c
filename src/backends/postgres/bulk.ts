import { BULK_CALL_ID, type BulkOutcome, type BulkWrite } from '../kit/bulk.js';
import { type Bind, compileConditionSql } from '../kit/condition-sql.js';
import { type IndexSpec, withIndexes } from '../kit/indexes.js';
import { postgres } from './condition.js';
import { draw, takeGate } from './gate.js';
import { collectionPredicate, postgresIndexes } from './indexes.js';
import { compileOperations } from './ops.js';
import { logRevisions, logWrites, NOW_MS } from './statements.js';

/** A bulk write's statement: its text and positional values. */
export interface BulkStatement {
  readonly text: string;
  readonly values: unknown[];
}

/**
 * The one statement of a conditional bulk write on the schema `s` (quoted). It selects
 * the live rows the filter matches, the first `limit` by id in code point order, and
 * locks them (`FOR UPDATE`: a row another writer changed meanwhile is judged again, at its
 * newest version, and left out if it no longer matches, so two racing calls never both
 * write a row their filter no longer holds for); computes each new body from the locked
 * row; writes nothing when one does not fit (the first such row is returned instead);
 * else draws each row's seq inside the feed gate, writes the rows with revision + 1 and
 * the tokens `token.n`, and records them and the call in the write log.
 *
 * $1 tenant, $2 collection, $3 limit, $4 max bytes, $5 call token, $6 actor; the filter's
 * and operations' parameters follow.
 */
export function bulkStatement(
  s: string,
  bulk: BulkWrite,
  indexes: readonly IndexSpec[] = [],
): BulkStatement {
  const values: unknown[] = [
    bulk.tenant,
    bulk.collection,
    bulk.limit,
    bulk.maxBytes ?? null,
    bulk.token,
    bulk.actor,
  ];
  const bind: Bind = (value) => {
    values.push(value);
    return `$${values.length}`;
  };
  // Written as queries are, so that the collection's declared indexes can find the rows.
  const dialect = withIndexes(postgres, postgresIndexes, indexes, null);
  const filter = bulk.filter ? compileConditionSql(bulk.filter, dialect, bind) : 'true';
  const apply = bulk.op === 'apply';
  const applied = apply ? compileOperations(bulk.operations ?? [], bind) : 'NULL::jsonb';
  const text = `
WITH matched AS MATERIALIZED (
  SELECT c.id${apply ? ', c.body' : ''}
  FROM ${s}.documents c
  WHERE c.tenant = $1::text AND ${collectionPredicate(bulk.collection, 'c.')} AND ${filter}
  ORDER BY c.id COLLATE "C"
  LIMIT $3::bigint
  FOR UPDATE
),
judged AS MATERIALIZED (
  SELECT j.id, j.n, j.applied, octet_length(j.applied::text) AS bytes
  FROM (
    SELECT c.id, row_number() OVER (ORDER BY c.id COLLATE "C") AS n, ${applied} AS applied
    FROM matched c
  ) j
),
unfit AS MATERIALIZED (
  SELECT id, CASE WHEN applied IS NULL THEN 'type' ELSE 'size' END AS reason, bytes
  FROM judged
  -- A delete has no bound (NULL): it never fits badly.
  WHERE ${apply ? 'applied IS NULL OR bytes > $4::bigint' : '$4::bigint < 0'}
  ORDER BY n
  LIMIT 1
),
${takeGate(s, 'seq')},
planned AS (
  SELECT j.*, ${draw(s, 'seq')} AS new_seq
  FROM judged j
  WHERE NOT EXISTS (SELECT 1 FROM unfit)
  ORDER BY j.n
),
updated AS (
  UPDATE ${s}.documents d SET
    ${apply ? 'body = p.applied, size = p.bytes,' : 'body = NULL, size = NULL, deleted = true,'}
    revision = d.revision + 1, token = $5::text || '.' || p.n, seq = p.new_seq,
    last_modified = ${NOW_MS}, last_modified_by = $6::text
  FROM planned p
  WHERE d.tenant = $1::text AND d.collection = $2::text AND d.id = p.id
  RETURNING p.n, d.id, d.revision, d.token, d.seq, d.last_modified${bulk.history ? ', d.body::text AS body' : ''}
),
${logWrites(
  s,
  `${
    bulk.history
      ? ''
      : `SELECT $1::text, token, $2::text, id, revision, seq, last_modified FROM updated
  UNION ALL
  `
  }SELECT $1::text, $5::text, $2::text, '${BULK_CALL_ID}', count(*), coalesce(max(seq), 0), ${NOW_MS}
  FROM updated HAVING NOT EXISTS (SELECT 1 FROM unfit)`,
)}${
  // With history, each document written records its revision in place of its record.
  bulk.history
    ? `,
${logRevisions(
  s,
  `SELECT $1::text, $2::text, id, revision, token, seq, body, ${apply ? 'false' : 'true'},
    last_modified, $6::text, NULL::bigint[] FROM updated`,
)}`
    : ''
}
SELECT n, id, revision, token, seq, last_modified, NULL AS reason, NULL AS bytes FROM updated
UNION ALL
SELECT NULL, id, NULL, NULL, NULL, NULL, reason, bytes FROM unfit`;
  return { text, values };
}

/** A row of `bulkStatement`'s result, as node-postgres returns it. */
export interface BulkRow {
  n: string | null;
  id: string;
  revision: string | null;
  token: string | null;
  seq: string | null;
  last_modified: string | null;
  reason: 'type' | 'size' | null;
  bytes: number | null;
}

/** The outcome `bulkStatement`'s rows say. */
export function bulkOutcomeOf(bulk: BulkWrite, rows: readonly BulkRow[]): BulkOutcome {
  const unfit = rows.find((row) => row.reason !== null);
  if (unfit) {
    return unfit.reason === 'size'
      ? { status: 'unfit', id: unfit.id, reason: 'size', bytes: Number(unfit.bytes) }
      : { status: 'unfit', id: unfit.id, reason: 'type' };
  }
  const written = [...rows]
    .sort((a, b) => Number(a.n) - Number(b.n))
    .map((row) => ({
      id: row.id,
      metadata: {
        revision: Number(row.revision),
        token: row.token as string,
        seq: Number(row.seq),
        lastModified: Number(row.last_modified),
        lastModifiedBy: bulk.actor,
      },
    }));
  return { status: 'ok', written };
}
