import type { StreamExpectation } from '../kit/backend.js';
import { NOW } from './statements.js';

/**
 * The SQL of event streams. An append moves the stream's version with one statement
 * whose WHERE clause is the expectation (a miss returns no row), then inserts the events;
 * both run in one `BEGIN IMMEDIATE` transaction.
 */

const STREAMS = 'noclobber_streams';
const KEY = 'tenant = @tenant AND stream_id = @stream';
const RETURNING = `RETURNING version, ${NOW} AS now`;

/** The statement that claims versions for `@count` new events, per expectation. */
export function advance(expected: StreamExpectation): string {
  switch (expected.kind) {
    case 'noStream':
      return claimNew;
    case 'version':
      return expected.version === 0 ? claimNew : `${moveOn} AND version = @expected ${RETURNING}`;
    case 'streamExists':
      return `${moveOn} ${RETURNING}`;
    case 'any':
      return `INSERT INTO ${STREAMS} (tenant, stream_id, version) VALUES (@tenant, @stream, @count)
        ON CONFLICT (tenant, stream_id) DO UPDATE SET version = version + excluded.version
        ${RETURNING}`;
  }
}

// A stream row exists only once it has events, so "no stream" and "version 0" agree.
const claimNew = `INSERT INTO ${STREAMS} (tenant, stream_id, version) VALUES (@tenant, @stream, @count)
  ON CONFLICT (tenant, stream_id) DO NOTHING ${RETURNING}`;
const moveOn = `UPDATE ${STREAMS} SET version = version + @count WHERE ${KEY}`;

/** The stream's version as it stands (no row: 0), read after a miss in the same transaction. */
export const current = `SELECT version FROM ${STREAMS} WHERE ${KEY}`;

/** One event; its position is the table's rowid, handed out in commit order. */
export const insertEvent = `INSERT INTO noclobber_events
  (tenant, stream_id, version, id, type, data, metadata, recorded_at)
  VALUES (@tenant, @stream, @version, @id, @type, @data, @metadata, @now)`;

const COLUMNS = 'stream_id, version, position, id, type, data, metadata, recorded_at';

/** A stream's events between two versions. */
export const readStream = (direction: 'forward' | 'backward') => `SELECT ${COLUMNS}
  FROM noclobber_events WHERE ${KEY} AND version BETWEEN @from AND @to
  ORDER BY version ${direction === 'forward' ? 'ASC' : 'DESC'} LIMIT @limit`;

/** A tenant's events after a position. */
export const readAll = `SELECT ${COLUMNS} FROM noclobber_events
  WHERE tenant = @tenant AND position > @after ORDER BY position LIMIT @limit`;
