import { InvalidDocumentError, TransientError } from '../../core/errors.js';

// SQLSTATEs after which the statement certainly did not commit and may simply run again.
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled (statement_timeout, a cancel): the statement was undone
]);

// SQLSTATEs that end the connection: a statement in flight may have committed.
const CONNECTION_LOST = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

const NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTCONN',
]);

/**
 * Turns a node-postgres failure into a `TransientError` when trying again can help;
 * returns `undefined` for anything else (bad SQL, constraint violations), which must
 * surface as it is. `inFlight` says whether a write could have been committing.
 */
export function transientOf(error: unknown, inFlight: boolean): TransientError | undefined {
  const code = (error as { code?: unknown })?.code;
  const message = (error as Error)?.message ?? String(error);
  if (typeof code === 'string' && RETRYABLE.has(code)) {
    return new TransientError(`PostgreSQL refused the statement (${code}): ${message}`, {
      ambiguous: false,
      cause: error,
    });
  }
  // Nothing was sent: the connection was never made.
  if (
    code === 'ECONNREFUSED' ||
    code === '08001' ||
    /timeout exceeded when trying to connect/i.test(message)
  ) {
    return new TransientError(`Could not connect to PostgreSQL: ${message}`, {
      ambiguous: false,
      cause: error,
    });
  }
  // node-postgres' query_timeout stops waiting for the reply while the statement goes on in
  // the server, which may still commit it: as for a connection lost, a write in flight
  // has an unknown outcome, never a failure.
  const lost =
    (typeof code === 'string' && (CONNECTION_LOST.has(code) || NETWORK.has(code))) ||
    /Connection terminated|connection error|not queryable|Query read timeout/i.test(message);
  if (!lost) return undefined;
  return new TransientError(`The connection to PostgreSQL was lost: ${message}`, {
    ambiguous: inFlight,
    cause: error,
  });
}

/**
 * The refusal of a value too long for an index entry (SQLSTATE 54000: a btree entry holds
 * at most 2,704 bytes, a page 8,191), as an `InvalidDocumentError`: nothing was written or
 * made, and sending it again cannot help. `undefined` for any other failure.
 */
export function indexEntryError(error: unknown, what: string): InvalidDocumentError | undefined {
  const e = error as { code?: unknown; message?: unknown };
  if (e?.code !== '54000' || typeof e.message !== 'string' || !/index row/.test(e.message)) {
    return undefined;
  }
  return new InvalidDocumentError(
    `${what}: a value of an indexed or unique field is too long for a PostgreSQL index entry (${e.message}); index shorter values, or leave the field undeclared`,
    { cause: error },
  );
}
