/**
 * Which document writes record a revision row instead of a write-log record: the schema's
 * triggers ask `HISTORY_FUNCTION()`, which answers for the statement under way. A write
 * statement runs synchronously on the caller's thread, triggers included, so one flag
 * for the whole process is exact, whichever connection or backend runs the statement.
 */
let historyWrite = false;
// The parents of the revision the statement under way records, as JSON text, or null.
let parents: string | null = null;

/** The SQL function the triggers call (see `registerHistoryFunction`). */
export const HISTORY_FUNCTION = 'noclobber_history';

/** The SQL function giving the parents of the revision a trigger records (JSON text or NULL). */
export const PARENTS_FUNCTION = 'noclobber_parents';

/** What `registerHistoryFunction` needs of a connection (better-sqlite3's `Database`). */
export interface HistoryFunctionRegistry {
  function(
    name: string,
    options: { deterministic: boolean },
    implementation: () => number | string | null,
  ): unknown;
}

/** Adds `HISTORY_FUNCTION` to a connection: every connection that writes documents needs it. */
export function registerHistoryFunction(database: HistoryFunctionRegistry): void {
  database.function(HISTORY_FUNCTION, { deterministic: false }, () => (historyWrite ? 1 : 0));
  database.function(PARENTS_FUNCTION, { deterministic: false }, () => parents);
}

/**
 * Runs `statement` with its document write recording a revision when `write.history` is
 * true, with `write.parents` on the revision row.
 */
export function withHistory<R>(
  write: { readonly history?: boolean; readonly parents?: readonly number[] },
  statement: () => R,
): R {
  if (write.history !== true) return statement();
  historyWrite = true;
  parents = write.parents === undefined ? null : JSON.stringify(write.parents);
  try {
    return statement();
  } finally {
    historyWrite = false;
    parents = null;
  }
}
