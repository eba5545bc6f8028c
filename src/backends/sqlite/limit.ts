/**
 * A statement's LIMIT as text: written into the statement, never bound. SQLite reads a
 * bound LIMIT while planning, and so plans the statement again every time a value is bound
 * to it; for a query naming a number index's long key expression that took longer than
 * running it. Only a validated integer is ever written.
 */
export function limitText(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError('A limit is an integer');
  return String(limit);
}

/**
 * A read's LIMIT as text: `limit` rounded up to the next of 1, 2, 3, 4, 6, 8, 12, 16, 24, …
 * (each step at most half as large again as the one before), so that the limits a caller
 * may ask for make about twenty statement texts per query shape, not one per limit: every
 * distinct text is a prepared statement of its own. The reader keeps the first `limit`
 * rows it gets.
 */
export function readLimitText(limit: number): string {
  limitText(limit);
  let step = 1;
  // 1 → 2; a power of two 2^k → 3·2^(k-1); 3·2^(k-1) → 2^(k+1).
  while (step < limit)
    step = step === 1 ? 2 : (step & (step - 1)) === 0 ? step * 1.5 : (step * 4) / 3;
  return String(step);
}
