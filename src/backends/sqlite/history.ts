/**
 * Which document writes record a revision row instead of a write-log record: the schema's
 * triggers ask `HISTORY_FUNCTION()`, which answers for the statement under way. A write
 * statement runs synchronously on the caller's thread, triggers included, so one flag
 * for the whole process is exact, whichever connection or backend runs the statement.
 */
let historyWrite = false;

/** The SQL function the triggers call (see `registerHistoryFunction`). */
export const HISTORY_FUNCTION = 'noclobber_history';

/** What `registerHistoryFunction` needs of a connection (better-sqlite3's `Database`). */
export interface HistoryFunctionRegistry {
  function(
    name: string,
    options: { deterministic: boolean },
    implementation: () => number,
  ): unknown;
}

/** Adds `HISTORY_FUNCTION` to a connection: every connection that writes documents needs it. */
export function registerHistoryFunction(database: HistoryFunctionRegistry): void {
  database.function(HISTORY_FUNCTION, { deterministic: false }, () => (historyWrite ? 1 : 0));
}

/** Runs `statement` with its document write recording a revision when `history` is true. */
export function withHistory<R>(history: boolean, statement: () => R): R {
  if (!history) return statement();
  historyWrite = true;
  try {
    return statement();
  } finally {
    historyWrite = false;
  }
}
