/**
 * A statement's LIMIT as text: written into the statement, never bound. SQLite reads a
 * bound LIMIT while planning, and so plans the statement again every time a value is bound
 * to it; for a query naming a number index's long key expression that took longer than
 * running it. Only a validated integer is ever written. A query's limit, which a caller
 * may vary call by call, is instead bound through `(SELECT ?)` (see `findStatement`): as
 * text each limit would be a statement of its own.
 */
export function limitText(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError('A limit is an integer');
  return String(limit);
}
