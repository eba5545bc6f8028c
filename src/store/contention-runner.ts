import type { StoredDocument } from '../backends/kit/backend.js';
import type { ContentionMode } from '../concurrency/policy.js';
import { ConcurrencyError } from '../core/errors.js';
import type { Collection } from './collection.js';
import { commitLanding, landedOf } from './commit.js';
import { readDocuments, type StoreContext } from './context.js';
import type { Attempted, Saved } from './update-attempts.js';

/** Makes an attempt's write from what it read (`undefined`: the document is absent). */
export type MakeWrite<T> = (stored: StoredDocument | undefined) => Promise<Attempted<T>>;

/**
 * Runs one read-change-write attempt on one document under a contention mode, and says
 * whether it met a conflict to the key's conflict rate:
 * - `'none'`: read, change, write with a check.
 * - `'queue'`: wait behind this process's other writers of the key, and start from the
 *   state the one before saved instead of reading (its check still catches anyone else).
 * - `'lock'`: read under the backend's row lock, which other writers wait for.
 * - `'adaptive'`: as `'none'` until the key is hot, then queued, under the row lock for
 *   the first writer in line or after a first try met a writer from elsewhere.
 */
export async function writeContended<T>(
  context: StoreContext,
  c: Collection<object>,
  id: string,
  mode: ContentionMode,
  attempt: number,
  make: MakeWrite<T>,
  signal: AbortSignal | undefined,
): Promise<Saved<T>> {
  const { runtime, scope } = context;
  const key = `${scope.tenant}\u0000${c.name}\u0000${id}`;
  const hot = mode === 'adaptive' && runtime.rates.isHot(key);
  const path = mode === 'adaptive' ? (hot ? 'hybrid' : 'none') : mode;
  const write = { context, c, id, make, signal };
  try {
    const saved =
      path === 'none' ? await optimistic(write) : await queued(write, key, attempt, path);
    if (mode === 'adaptive') runtime.rates.record(key, false);
    return saved;
  } catch (error) {
    if (mode === 'adaptive' && error instanceof ConcurrencyError) runtime.rates.record(key, true);
    throw error;
  }
}

interface Write<T> {
  readonly context: StoreContext;
  readonly c: Collection<object>;
  readonly id: string;
  readonly make: MakeWrite<T>;
  readonly signal: AbortSignal | undefined;
}

// The plain path: read (unless a queued predecessor handed on what it saved), change, write.
async function optimistic<T>(w: Write<T>, handoff?: StoredDocument): Promise<Saved<T>> {
  const stored = handoff ?? (await readDocuments(w.context, w.c, [w.id])).get(w.id);
  const made = await w.make(stored);
  const metadata = await commitLanding(w.context.backend, made.planned, w.signal);
  return { ...made, metadata };
}

// The pessimistic path: the backend holds the row from the read to the commit.
async function locked<T>(w: Write<T>): Promise<Saved<T>> {
  const backend = w.context.backend;
  if (!backend.lockedWrite) return optimistic(w);
  await w.context.ready([w.c.name]);
  let made: Attempted<T> | undefined;
  const outcome = await backend.lockedWrite(
    { tenant: w.context.scope.tenant, collection: w.c.name, id: w.id },
    async (stored) => {
      made = await w.make(stored);
      return made.planned.write;
    },
    w.signal,
  );
  if (!made) throw new Error('lockedWrite() returned without deciding');
  return { ...made, metadata: landedOf(made.planned, outcome) };
}

// Queued writers of one key: each hands the state it saved to the next.
function queued<T>(
  w: Write<T>,
  key: string,
  attempt: number,
  path: 'queue' | 'lock' | 'hybrid',
): Promise<Saved<T>> {
  return w.context.runtime.queue.run(key, async (handoff) => {
    const previous = handoff.take();
    const pessimistic =
      path === 'lock' || (path === 'hybrid' && (previous === undefined || attempt > 1));
    const saved = pessimistic ? await locked(w) : await optimistic(w, previous);
    handoff.give({ body: saved.planned.write.body as string, metadata: saved.metadata });
    return saved;
  });
}
