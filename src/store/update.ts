import type { StoredDocument } from '../backends/kit/backend.js';
import type { ContentionMode, PolicyConfig, PolicyOptions } from '../concurrency/policy.js';
import type { Resolver } from '../concurrency/resolvers.js';
import { type RetryOptions, resolveRetry, retryOnConflict } from '../concurrency/retry.js';
import { checkForStrategy } from '../concurrency/strategy.js';
import {
  ConcurrencyError,
  DocumentNotFoundError,
  InvalidArgumentError,
  MergeConflictError,
  RetryExhaustedError,
} from '../core/errors.js';
import { isPlainObject } from '../core/json.js';
import type { DocumentMetadata } from '../core/metadata.js';
import type { Operation } from '../core/operation.js';
import { OperationObserver, type Outcome } from '../observe/observer.js';
import type { Collection } from './collection.js';
import { commitPlanned, settleOutcomes } from './commit.js';
import { readDocuments, type StoreContext } from './context.js';
import { policyFor } from './policy-for.js';
import { type PlannedWrite, planPut } from './writes.js';

/** Passed to an `update()` mutation beside the document. */
export interface UpdateContext {
  /** 1 on the first run, +1 on each retry after a conflict. */
  readonly attempt: number;
  /** The metadata of the document as loaded for this attempt. */
  readonly metadata: DocumentMetadata;
}

/** A change `update()` applies: in place (return nothing) or by returning a new document. */
export type Mutation<T> = (
  document: T,
  context: UpdateContext,
  // biome-ignore lint/suspicious/noConfusingVoidType: a mutation that changes its argument returns nothing
) => T | void | Promise<T | void>;

/** Options of `update()`. */
export interface UpdateOptions<T extends object = Record<string, unknown>> extends PolicyOptions {
  /** Backoff between attempts; see `RetryOptions`. */
  retry?: RetryOptions;
  /** Recorded as `lastModifiedBy`. */
  actor?: string;
  /**
   * Settles a conflict instead of running `mutate` again: `threeWayMerge()`,
   * `additiveMerge()`, `lastWriteWins`, `firstWriteWins` or your own. Default `'retry'`.
   */
  resolver?: Resolver<T> | 'retry';
  /** How writers of this document in this process take turns; see `ContentionMode`. */
  contention?: ContentionMode;
  /**
   * Called once with the saved document's metadata (for an ETag, a log line) and the
   * revision the saved write was checked against (`base`: what it was made on top of).
   */
  onSaved?: (metadata: DocumentMetadata, info: { base: number }) => void;
}

// A resolver said 'fail': the conflict is the answer, not a reason to try again.
class Surface {
  constructor(readonly error: Error) {}
}

/** One attempt: the document (saved, or found already saved) and the write it made. */
interface Step<T> {
  readonly result: T;
  readonly planned: PlannedWrite | undefined;
  /** The saved document's metadata, once its write landed. */
  saved?: DocumentMetadata;
  /** The revision the write was made on top of. */
  readonly base: number;
}

/**
 * Load, change, save with a check; on a conflict, resolve or reload and change again,
 * under the retry policy. Shared by `update()` and `patch()`.
 */
export async function runUpdate<T extends object>(
  context: StoreContext,
  c: Collection<T>,
  id: string,
  mutate: Mutation<T>,
  options: UpdateOptions<T>,
  operation: Operation,
): Promise<T> {
  const { runtime, scope } = context;
  const config: PolicyConfig = policyFor(context, c.name, operation, options);
  const policy = resolveRetry(options.retry ?? config.retry);
  const resolver = (options.resolver ?? config.resolver ?? 'retry') as Resolver<T> | 'retry';
  if (resolver !== 'retry' && typeof resolver !== 'function') {
    throw new InvalidArgumentError("resolver is a function or 'retry'");
  }
  const mode = options.contention ?? config.contention ?? 'none';
  const observer = new OperationObserver(runtime.hooks, {
    collection: c.name,
    id,
    tenant: scope.tenant,
    operation,
  });
  const key = `${scope.tenant}\u0000${c.name}\u0000${id}`;
  // After a conflict with a resolver: what this writer loaded and tried, to resolve
  // against whatever is current at the next attempt.
  let pending: { original: T; attempted: T; conflict: ConcurrencyError } | undefined;
  let lastBase: { original: T; attempted: T } | undefined;
  let outcome: Outcome = 'ok';
  let attempts = 0;

  const step = async (stored: StoredDocument | undefined, attempt: number): Promise<Step<T>> => {
    if (!stored) throw new DocumentNotFoundError(c.name, id);
    const loaded = c.toEntity(id, stored);
    let result: T | undefined;
    if (pending && resolver !== 'retry') {
      const decision = await resolver({
        original: pending.original,
        current: loaded,
        attempted: pending.attempted,
        currentMetadata: stored.metadata,
        collection: c.name,
        id,
        attempt: attempt - 1,
      });
      if (decision === 'fail') throw new Surface(pending.conflict);
      if (decision !== 'retry') {
        if (!isPlainObject(decision)) {
          throw new InvalidArgumentError(`The resolver of ${c.name}/${id} returned no document`);
        }
        result = decision;
        observer.resolved(attempt - 1, pending.conflict, resolver.name || 'anonymous');
        outcome = 'resolved';
        lastBase = pending;
      }
    }
    if (result === undefined) {
      outcome = 'ok';
      // The resolver gets its own copy of what was loaded, untouched by `mutate`.
      const original = resolver === 'retry' ? undefined : c.toEntity(id, stored);
      result = ((await mutate(loaded, { attempt, metadata: stored.metadata })) ?? loaded) as T;
      lastBase = original ? { original, attempted: result } : undefined;
    }
    if ((result as Record<string, unknown>)[c.idField] !== id) {
      throw new InvalidArgumentError(`update() cannot change the id of ${c.name}/${id}`);
    }
    const check =
      config.optimistic === false
        ? ({ kind: 'none' } as const)
        : checkForStrategy(
            config.strategy,
            c.versionKind,
            { metadata: stored.metadata },
            'mustExist',
            config.condition,
          );
    const planned = planPut(scope, c as Collection<object>, result, check);
    return { result, planned, base: stored.metadata.revision };
  };

  // The plain path: read, change, write. `handoff` is the state a queued predecessor saved.
  const optimistic = async (attempt: number, handoff?: StoredDocument): Promise<Step<T>> => {
    const stored = handoff ?? (await readDocuments(context, c as Collection<object>, [id])).get(id);
    const done = await step(stored, attempt);
    if (done.planned) {
      const [landed] = await commitPlanned(context.backend, [done.planned], policy.signal);
      if (landed?.status === 'ok') done.saved = landed.metadata;
    }
    return done;
  };

  // The pessimistic path: the backend holds the row from the read to the commit.
  const locked = async (attempt: number): Promise<Step<T>> => {
    const backend = context.backend;
    if (!backend.lockedWrite) return optimistic(attempt);
    await context.ready();
    let done: Step<T> | undefined;
    const outcome = await backend.lockedWrite(
      { tenant: scope.tenant, collection: c.name, id },
      async (stored) => {
        done = await step(stored, attempt);
        return done.planned?.write;
      },
      policy.signal,
    );
    if (!done) throw new Error('lockedWrite() returned without deciding');
    if (done.planned && outcome) {
      const [landed] = settleOutcomes([done.planned], [outcome]);
      if (landed?.status === 'ok') done.saved = landed.metadata;
    }
    return done;
  };

  // Queued writers of one key: each hands the state it saved to the next, which can then
  // skip its read (the write's check still catches anyone who wrote in between). 'lock'
  // always reads under the row lock. 'hybrid' (adaptive, on a hot key) uses a handed-on
  // state when there is one, and the row lock for the first writer in line or after its
  // first try met a writer from elsewhere.
  const queued = (attempt: number, path: 'queue' | 'lock' | 'hybrid') =>
    runtime.queue.run(key, async (handoff) => {
      const previous = handoff.take();
      const pessimistic =
        path === 'lock' || (path === 'hybrid' && (previous === undefined || attempt > 1));
      const done = pessimistic ? await locked(attempt) : await optimistic(attempt, previous);
      if (done.planned && done.saved) {
        handoff.give({ body: done.planned.write.body as string, metadata: done.saved });
      }
      return done;
    });

  const attemptOnce = async (attempt: number): Promise<T> => {
    attempts = attempt;
    const hot = mode === 'adaptive' && runtime.rates.isHot(key);
    const path = mode === 'adaptive' ? (hot ? 'hybrid' : 'none') : mode;
    try {
      const done = path === 'none' ? await optimistic(attempt) : await queued(attempt, path);
      if (done.saved) {
        c.setVersion(done.result, done.saved);
        options.onSaved?.(done.saved, { base: done.base });
      }
      if (mode === 'adaptive') runtime.rates.record(key, false);
      return done.result;
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        if (mode === 'adaptive') runtime.rates.record(key, true);
        observer.conflict(attempt, error);
        if (lastBase) pending = { ...lastBase, conflict: error };
      }
      throw error;
    }
  };

  try {
    const result = await retryOnConflict(policy, attemptOnce, (attempt, error, delay) => {
      if (error instanceof ConcurrencyError) observer.retry(attempt, error, delay);
    });
    observer.finished(attempts, outcome);
    return result;
  } catch (error) {
    const thrown = error instanceof Surface ? error.error : error;
    const gaveUp =
      error instanceof Surface ||
      error instanceof RetryExhaustedError ||
      error instanceof MergeConflictError;
    if (gaveUp) observer.gaveUp(attempts, thrown as Error);
    observer.finished(attempts, gaveUp ? 'gave_up' : 'failed');
    throw thrown;
  }
}
