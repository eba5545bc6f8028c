import type { StreamExpectation } from '../kit/backend.js';
import { draw, takeGate } from './gate.js';
import { logWrites, NOW_MS, RACED } from './statements.js';

/**
 * The append statement: one round trip that locks the stream row, judges the
 * expectation, moves the version (or creates the stream), draws positions in the feed
 * gate (see `gate.ts`) and inserts the events, all or nothing. Parameters: $1 tenant, $2
 * stream id, $3 event count, $4 expectation kind, $5 expected version, $6–$9 the events'
 * ids, types, data and metadata as arrays, $10 the append's token (recorded in the write
 * log with the new version and the first position).
 *
 * An append's positions rise with its events' order, but appends committing at the same
 * time may interleave theirs. A stream created by a concurrent append between our read
 * and our insert makes the statement fail with RACED; it is then run again and finds the
 * row.
 */
export const append = (s: string) => `
WITH cur AS MATERIALIZED (
  SELECT version FROM ${s}.streams WHERE tenant = $1::text AND stream_id = $2::text FOR UPDATE
),
judged AS MATERIALIZED (
  SELECT (SELECT version FROM cur) AS cur_version,
    CASE $4::text
      WHEN 'version' THEN COALESCE((SELECT version FROM cur), 0) = $5::bigint
      WHEN 'noStream' THEN NOT EXISTS (SELECT 1 FROM cur)
      WHEN 'streamExists' THEN EXISTS (SELECT 1 FROM cur)
      ELSE true
    END AS pass
),
moved AS (
  UPDATE ${s}.streams SET version = version + $3::bigint
  WHERE tenant = $1::text AND stream_id = $2::text
    AND (SELECT pass FROM judged) AND EXISTS (SELECT 1 FROM cur)
  RETURNING version
),
created AS (
  INSERT INTO ${s}.streams (tenant, stream_id, version)
  SELECT $1::text, $2::text, $3::bigint
  WHERE (SELECT pass FROM judged) AND NOT EXISTS (SELECT 1 FROM cur)
  ON CONFLICT DO NOTHING
  RETURNING version
),
head AS (SELECT version FROM moved UNION ALL SELECT version FROM created),
${takeGate(s, 'event_position')},
clock AS MATERIALIZED (SELECT ${NOW_MS} AS ms),
-- Volatile outputs are computed after the sort, so positions are drawn in event order.
inserted AS (
  INSERT INTO ${s}.events
    (position, tenant, stream_id, version, id, type, data, metadata, recorded_at)
  SELECT ${draw(s, 'event_position')}, $1::text, $2::text,
    (SELECT version FROM head) - $3::bigint + e.ord, e.id, e.type, e.data::jsonb,
    e.metadata::jsonb, (SELECT ms FROM clock)
  FROM unnest($6::text[], $7::text[], $8::text[], $9::text[])
    WITH ORDINALITY AS e(id, type, data, metadata, ord)
  WHERE EXISTS (SELECT 1 FROM head)
  ORDER BY e.ord
  RETURNING position
),
${logWrites(
  s,
  `SELECT $1::text, $10::text, NULL, $2::text, (SELECT version FROM head),
    (SELECT min(position) FROM inserted), (SELECT ms FROM clock)
  WHERE EXISTS (SELECT 1 FROM head)`,
)}
SELECT (SELECT cur_version FROM judged) AS cur_version,
  (SELECT version FROM head) AS version,
  (SELECT array_agg(position::text ORDER BY position) FROM inserted) AS positions,
  (SELECT ms FROM clock) AS now,
  (SELECT count(*) FROM inserted) AS inserted,
  CASE WHEN (SELECT pass FROM judged) AND NOT EXISTS (SELECT 1 FROM head)
    THEN CAST((SELECT '${RACED}'::text) AS integer) END AS raced`;

/** The kind and expected version parameters ($4, $5) of an expectation. */
export function expectationParams(expected: StreamExpectation): [string, number | null] {
  return [expected.kind, expected.kind === 'version' ? expected.version : null];
}

const COLUMNS = `stream_id, version, position, id, type, data::text AS data,
  metadata::text AS metadata, recorded_at`;

/** A stream's events between two versions: $1 tenant, $2 stream, $3 from, $4 to, $5 limit. */
export const readStream = (direction: 'forward' | 'backward') => (s: string) =>
  `
SELECT ${COLUMNS} FROM ${s}.events
WHERE tenant = $1 AND stream_id = $2 AND version BETWEEN $3 AND $4
ORDER BY version ${direction === 'forward' ? 'ASC' : 'DESC'} LIMIT $5`;

/** A tenant's events after a position up to the horizon: $1 tenant, $2 after, $3 limit, $4 horizon. */
export const readAll = (s: string) => `
SELECT ${COLUMNS} FROM ${s}.events
WHERE tenant = $1 AND position > $2 AND position <= $4 ORDER BY position LIMIT $3`;
