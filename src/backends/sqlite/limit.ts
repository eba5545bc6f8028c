/** A statement's LIMIT, checked to be a whole number of rows (it is only ever validated input). */
export function limitOf(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError('A limit is an integer');
  return limit;
}

/**
 * A statement's LIMIT as text, for a statement that writes it in rather than binding it.
 * SQLite reads a bare bound LIMIT while planning, and so plans the statement again every
 * time a value is bound to it; for a statement naming a number index's long key expression
 * that took longer than running it. A limit a caller may vary call by call is instead
 * read through `(SELECT ?)` (see `findStatement`): as text each limit would be a
 * statement of its own.
 */
export function limitText(limit: number): string {
  return String(limitOf(limit));
}
