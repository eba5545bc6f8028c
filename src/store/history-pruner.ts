import type { Backend } from '../backends/kit/backend.js';
import type { Collection } from './collection.js';

// Revisions deleted per statement, so one prune never holds the database for long.
const CHUNK = 2_000;

/**
 * Deletes the revisions each collection's `history` lets go, chunk by chunk with a turn of
 * the event loop between chunks (an embedded database works on the caller's thread), and
 * never one committed after `protectFrom` (ms): the write log's promise that a token says
 * exactly whether its write landed holds for revisions too. Returns how many went.
 */
export async function pruneHistory(
  backend: Backend,
  collections: Iterable<Collection<object>>,
  now: number,
  protectFrom: number,
  stopping: () => boolean = () => false,
): Promise<number> {
  let total = 0;
  for (const collection of collections) {
    const history = collection.history;
    if (history === undefined) continue;
    const rule = {
      collection: collection.name,
      protectFrom,
      limit: CHUNK,
      ...('keep' in history ? { keep: history.keep } : { before: now - history.keepFor }),
    };
    for (;;) {
      if (stopping()) return total;
      const deleted = await backend.pruneRevisions(rule);
      total += deleted;
      await new Promise((resolve) => setImmediate(resolve));
      if (deleted < CHUNK) break;
    }
  }
  return total;
}
