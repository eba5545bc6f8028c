import type { ContentionMode, PolicyConfig, PolicyOptions } from '../concurrency/policy.js';
import type { Resolver } from '../concurrency/resolvers.js';
import { type RetryOptions, resolveRetry, retryOnConflict } from '../concurrency/retry.js';
import { writeCheck } from '../concurrency/write-check.js';
import {
  ConcurrencyError,
  InvalidArgumentError,
  MergeConflictError,
  RetryExhaustedError,
} from '../core/errors.js';
import type { DocumentMetadata } from '../core/metadata.js';
import type { Operation } from '../core/operation.js';
import { OperationObserver } from '../observe/observer.js';
import type { Collection } from './collection.js';
import { writeContended } from './contention-runner.js';
import type { StoreContext } from './context.js';
import { policyFor } from './policy-for.js';
import {
  type Mutation,
  ResolverFailed,
  type Saved,
  UpdateAttempts,
  type UpdateContext,
} from './update-attempts.js';

export type { Mutation, Saved, UpdateContext };

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

/**
 * Load, change, save with a check; on a conflict, resolve or reload and change again,
 * under the retry policy. Shared by `update()` and `patch()`. Returns what was saved: the
 * document, its new metadata and the revision it was made on.
 */
export async function runUpdate<T extends object>(
  context: StoreContext,
  c: Collection<T>,
  id: string,
  mutate: Mutation<T>,
  options: UpdateOptions<T>,
  operation: Operation,
): Promise<Saved<T>> {
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
  const attempts = new UpdateAttempts<T>({
    scope,
    collection: c,
    id,
    mutate,
    resolver,
    observer,
    checkOf: (stored) =>
      writeCheck(config, c.versionKind, {
        operation,
        seen: { metadata: stored.metadata },
        fallback: 'mustExist',
      }),
  });
  let tries = 0;
  const attempt = async (n: number): Promise<Saved<T>> => {
    tries = n;
    try {
      const saved = await writeContended(
        context,
        c as Collection<object>,
        id,
        mode,
        n,
        (stored) => attempts.make(stored, n),
        policy.signal,
      );
      c.setVersion(saved.document, saved.metadata);
      options.onSaved?.(saved.metadata, { base: saved.base });
      return saved;
    } catch (error) {
      if (error instanceof ConcurrencyError) {
        observer.conflict(n, error);
        attempts.conflicted(error);
      }
      throw error;
    }
  };
  try {
    const saved = await retryOnConflict(policy, attempt, (n, error, delay) =>
      observer.retry(n, error, delay),
    );
    observer.finished(tries, attempts.resolved ? 'resolved' : 'ok');
    return saved;
  } catch (error) {
    const thrown = error instanceof ResolverFailed ? error.conflict : error;
    const gaveUp =
      error instanceof ResolverFailed ||
      error instanceof RetryExhaustedError ||
      error instanceof MergeConflictError;
    if (gaveUp) observer.gaveUp(tries, thrown as Error);
    observer.finished(tries, gaveUp ? 'gave_up' : 'failed');
    throw thrown;
  }
}
