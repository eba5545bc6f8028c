/**
 * The feed gates. `seq` and event positions come from sequences, which hand out numbers in
 * the order writers ask for them, not the order they commit: a feed reader that went past
 * a number whose writer had not committed yet would never see that write. So a writer
 * holds its feed's gate, a shared transaction-level advisory lock, from before it draws a
 * number until it commits (writers never wait for each other on it), and a feed reader
 * takes the gate exclusively for an instant: while it holds it no number is in flight, so
 * a statement that starts afterwards sees every write numbered up to the sequence's last
 * value, the reader's horizon.
 */

/** A feed: the name of its sequence. */
export type Feed = 'seq' | 'event_position';

const key = (s: string, feed: Feed) => `hashtext('${s}.${feed}')`;

/**
 * The CTE that takes `feed`'s gate for the writer. Name it `gate` and draw numbers with
 * `draw`: the CTE runs once, when the first number is drawn, after the row locks the
 * statement takes before it (a writer waiting for a row never holds the gate).
 */
export const takeGate = (s: string, feed: Feed) =>
  `gate AS MATERIALIZED (SELECT pg_advisory_xact_lock_shared(${key(s, feed)}) IS NOT NULL AS open)`;

/** The next number of `feed`, drawn inside the gate: the gate is the argument's condition, so it is held first. */
export const draw = (s: string, feed: Feed) =>
  `nextval(CASE WHEN (SELECT open FROM gate) THEN '${s}.${feed}'::regclass END)`;

/**
 * How long a reader waits for writers in flight to commit. It stays under PostgreSQL's
 * default `deadlock_timeout` (1 s), so a reader queued between writers gives up before
 * the deadlock detector would cancel one of them.
 */
export const GATE_WAIT_MS = 200;

/**
 * The message of a reader without SELECT or USAGE on the feed's sequence. PostgreSQL 18's
 * `pg_sequence_last_value` answers such a reader NULL, as for a sequence never drawn from,
 * which would read as an empty feed forever; older versions refuse it.
 */
export const UNREADABLE = 'noclobber: reading the feed needs SELECT or USAGE on sequence';

/**
 * The horizon of `feed`: its sequence's last value, read by a statement that takes the
 * gate exclusively (released when the statement ends). Reading the value before or after
 * the lock is granted is safe either way: every number at or below it was drawn by a
 * writer that held the gate before the request and so finished before the grant.
 */
export const horizon = (feed: Feed) => (s: string) =>
  `
SELECT CASE WHEN has_sequence_privilege('${s}.${feed}', 'SELECT, USAGE')
    THEN coalesce(pg_sequence_last_value('${s}.${feed}'), 0)
    ELSE CAST((SELECT '${UNREADABLE} ${s}.${feed}'::text) AS bigint) END::text AS horizon,
  pg_advisory_xact_lock(CASE WHEN set_config('lock_timeout', '${GATE_WAIT_MS}ms', true) IS NOT NULL
    THEN ${key(s, feed)} END)::text AS gate`;
