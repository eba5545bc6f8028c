import {
  BULK_CALL_ID,
  type BulkOutcome,
  type BulkWrite,
  type BulkWritten,
  bulkRowToken,
} from '../kit/bulk.js';
import type { IndexSpec } from '../kit/indexes.js';
import { compileCondition } from './condition.js';
import { indexedBy, livePredicate, type ReadPlan, readPlan } from './indexes.js';
import { limitText } from './limit.js';
import { compileOperations } from './ops.js';
import type { StatementOf } from './statement-cache.js';
import { NOW, WRITE_LOG } from './statements.js';

type Params = Record<string, string | number | null>;

// The rows a bulk write may change, as its statement names them.
const LIVE = (collection: string) => livePredicate('@tenant', collection);

// The write log's right-edge row holds the last seq handed out (see the schema).
const COUNTER = `${WRITE_LOG} WHERE token = '~' AND tenant = ''`;

/**
 * The UPDATE of a conditional bulk write: the live rows the filter matches, the first
 * `limit` by id (binary order: code point order), found by the write statement itself,
 * each with revision + 1, seq `@base + n` and token `@token.n` (`n` counting from 1 in id
 * order), the write log's triggers recording each. An apply whose operations do not fit a
 * row writes that row's body NULL: the caller sees it in what the statement returns and
 * rolls the transaction back.
 *
 * The subquery names the rows and their order only; each new body is computed in the SET
 * from the row the UPDATE holds (the same row: the transaction holds the write lock), so
 * the materialized subquery keeps ids, not up to `limit` new bodies. Each row returns its
 * seq, from which the caller knows `n` and so its token.
 */
function updateText(bulk: BulkWrite, where: string, applied: string, plan: ReadPlan): string {
  const apply = bulk.op === 'apply';
  return `UPDATE noclobber_documents AS d SET
    ${apply ? `body = ${applied},` : 'body = NULL, deleted = 1,'}
    revision = d.revision + 1, token = @token || '.' || m.n, seq = @base + m.n,
    last_modified = ${NOW}, last_modified_by = @actor
  FROM (
    SELECT id, row_number() OVER (ORDER BY id) AS n
    FROM (
      SELECT id FROM noclobber_documents${indexedBy(plan)}
      WHERE ${LIVE(bulk.collection)} AND ${where}
      ORDER BY id LIMIT ${limitText(bulk.limit)}
    )
  ) AS m
  WHERE d.tenant = @tenant AND d.collection = @collection AND d.id = m.id
  RETURNING id, revision, seq, last_modified,
    ${apply ? 'body IS NULL, length(CAST(body AS BLOB))' : '0, 0'}`;
}

/** The counter's value, set after the rows: the triggers move it row by row, in no set order. */
const SET_COUNTER = `UPDATE ${COUNTER.replace(' WHERE', ' SET seq = @top WHERE')}`;
const READ_COUNTER = `SELECT seq FROM ${COUNTER}`;
const LOG_CALL = `INSERT INTO ${WRITE_LOG} (tenant, token, collection, id, revision, seq, at)
  VALUES (@tenant, @token, @collection, '${BULK_CALL_ID}', @count, @top, ${NOW})`;

type Returned = [
  id: string,
  revision: number,
  seq: number,
  lastModified: number,
  unfit: number,
  bytes: number | null,
];

/** Thrown inside the bulk write's transaction so it rolls back, then unwrapped. */
export class BulkRolledBack extends Error {
  constructor(readonly outcome: BulkOutcome) {
    super('rolled back');
  }
}

/**
 * Runs a conditional bulk write (see `BulkWrite`) on a connection that holds SQLite's
 * write lock (the caller's `BEGIN IMMEDIATE` transaction): reads the seq counter, runs the
 * one UPDATE that evaluates the filter, sets the counter past the seqs it handed out and
 * records the call in the write log. An unfit row throws `BulkRolledBack`.
 */
export function bulkWrite(
  bulk: BulkWrite,
  prepare: StatementOf,
  indexes: readonly IndexSpec[] = [],
): BulkOutcome {
  const params: Params = {};
  let where = '1';
  // The rows in id order, as the statement takes them.
  const plan = readPlan(indexes, bulk.filter, []);
  if (bulk.filter) {
    // Written as queries are, so that the collection's declared indexes can find the rows.
    const tail = ` ORDER BY id LIMIT ${limitText(bulk.limit)}`;
    const compiled = compileCondition(
      bulk.filter,
      indexes,
      LIVE(bulk.collection),
      plan.branches && { served: plan.branches, tail },
    );
    Object.assign(params, compiled.params);
    where = compiled.sql;
  }
  let applied = 'NULL';
  if (bulk.op === 'apply') {
    const compiled = compileOperations(bulk.operations ?? []);
    Object.assign(params, compiled.params);
    applied = compiled.sql;
  }
  const base = (prepare(READ_COUNTER).get() as { seq: number }).seq;
  const key = { tenant: bulk.tenant, collection: bulk.collection, token: bulk.token };
  const rows = prepare(updateText(bulk, where, applied, plan), true).all({
    ...params,
    ...key,
    base,
    actor: bulk.actor,
  }) as Returned[];
  rows.sort((a, b) => a[2] - b[2]);
  const maxBytes = bulk.maxBytes ?? Number.POSITIVE_INFINITY;
  const unfit = rows.find((row) => row[4] === 1 || (row[5] ?? 0) > maxBytes);
  if (unfit) {
    throw new BulkRolledBack(
      unfit[4] === 1
        ? { status: 'unfit', id: unfit[0], reason: 'type' }
        : { status: 'unfit', id: unfit[0], reason: 'size', bytes: unfit[5] ?? 0 },
    );
  }
  const top = base + rows.length;
  if (rows.length > 0) prepare(SET_COUNTER).run({ top });
  prepare(LOG_CALL).run({ ...key, count: rows.length, top: rows.length > 0 ? top : 0 });
  const written: BulkWritten[] = rows.map((row) => ({
    id: row[0],
    metadata: {
      revision: row[1],
      token: bulkRowToken(bulk.token, row[2] - base),
      seq: row[2],
      lastModified: row[3],
      lastModifiedBy: bulk.actor,
    },
  }));
  return { status: 'ok', written };
}
