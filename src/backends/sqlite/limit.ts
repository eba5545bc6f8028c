/**
 * A statement's LIMIT as text: written into the statement, never bound. SQLite reads a
 * bound LIMIT while planning, and so plans the statement again every time a value is bound
 * to it; for a query naming a number index's long key expression that took longer than
 * running it. Only a validated integer is ever written; each limit makes a statement of
 * its own, kept as any other (see `StatementCache`).
 */
export function limitText(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError('A limit is an integer');
  return String(limit);
}
