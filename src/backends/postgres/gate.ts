/**
 * The feed gates. `seq` and event positions come from sequences, which hand out numbers in
 * the order writers ask for them, not the order they commit: a feed reader that went past
 * a number whose writer had not committed yet would never see that write. So a writer
 * holds its feed's gate, a shared transaction-level advisory lock, from before it draws a
 * number until it commits (writers never wait for each other on it), and a feed reader
 * reads up to a horizon: a last value of the sequence read when it saw every writer then
 * holding the gate finish since (see `horizon`).
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
 * The message of a reader without SELECT or USAGE on the feed's sequence. PostgreSQL 18's
 * `pg_sequence_last_value` answers such a reader NULL, as for a sequence never drawn from,
 * which would read as an empty feed forever; older versions refuse it.
 */
export const UNREADABLE = 'noclobber: reading the feed needs SELECT or USAGE on sequence';

/**
 * A candidate horizon of `feed` and the writers it waits for: the sequence's last value,
 * then the transactions holding the gate (`pg_locks.virtualtransaction`), listed after
 * the value was read. Every number at or below the value was drawn by a writer that held
 * the gate from before it drew until it committed, so once none of the listed writers
 * holds the gate any more, every write numbered up to the value has committed or rolled
 * back (a transaction's locks go after its commit is visible). The reader waits for no
 * one: it reads the lock table, which takes no lock a writer queues behind. The subquery
 * reads the value of the row it belongs to, so the lock table is read after the value.
 * `run` names the server's run: crash recovery discards the statistics, and with them
 * sets this time of their last reset, which nothing else changes but an administrator.
 */
export const horizon = (feed: Feed) => (s: string) =>
  `
SELECT h.value::text AS value,
  ARRAY(
    SELECT l.virtualtransaction FROM pg_lock_status() l
    WHERE h.value IS NOT NULL AND l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = (${key(s, feed)}::bigint >> 32) & 4294967295
      AND l.objid::bigint = ${key(s, feed)}::bigint & 4294967295
  ) AS holders,
  pg_stat_get_bgwriter_stat_reset_time()::text AS run
FROM (
  SELECT CASE WHEN has_sequence_privilege('${s}.${feed}', 'SELECT, USAGE')
    THEN coalesce(pg_sequence_last_value('${s}.${feed}'), 0)
    ELSE CAST((SELECT '${UNREADABLE} ${s}.${feed}'::text) AS bigint) END AS value
  OFFSET 0
) h`;
