import { ConcurrencyError, InvalidArgumentError, RetryExhaustedError } from '../core/errors.js';
import { stripUndefined } from '../core/json.js';
import { sleep } from '../core/sleep.js';

/** How `update()` spaces its attempts after a conflict. */
export interface RetryOptions {
  /** Attempts in all, the first included. Default 10. `1` means never retry. */
  maxAttempts?: number;
  /** Delay before the second attempt, in ms. Default 5. */
  initialDelay?: number;
  /** No delay exceeds this, in ms. Default 1000. */
  maxDelay?: number;
  /** Growth of the delay from one attempt to the next. Default 2. */
  multiplier?: number;
  /**
   * Randomisation, so that writers that collided do not collide again in step:
   * `'none'` (exact exponential delays), `'full'` (uniform in [0, delay], the default),
   * `'equal'` (delay/2 plus uniform in [0, delay/2]) or `'decorrelated'` (uniform in
   * [initialDelay, 3 × previous delay], capped at `maxDelay`).
   */
  jitter?: 'none' | 'full' | 'equal' | 'decorrelated';
  /** Stops the loop: the pending delay ends at once and the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Retry options with every default filled in. */
export type RetryPolicy = Required<Omit<RetryOptions, 'signal'>> & { signal?: AbortSignal };

export const defaultRetry: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 10,
  initialDelay: 5,
  maxDelay: 1000,
  multiplier: 2,
  jitter: 'full',
});

// setTimeout fires at once for longer delays, which would turn a backoff into a busy loop.
const MAX_TIMER_DELAY = 2 ** 31 - 1;
const JITTERS = new Set(['none', 'full', 'equal', 'decorrelated']);

/** Fills in defaults and rejects options no loop could follow. */
export function resolveRetry(options: RetryOptions | undefined): RetryPolicy {
  if (options === undefined) return defaultRetry;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError('retry takes an options object');
  }
  const policy: RetryPolicy = { ...defaultRetry, ...stripUndefined(options) };
  const { maxAttempts, initialDelay, maxDelay, multiplier, jitter } = policy;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new InvalidArgumentError('retry.maxAttempts is an integer of at least 1');
  }
  for (const [name, value] of [
    ['initialDelay', initialDelay],
    ['maxDelay', maxDelay],
  ] as const) {
    if (typeof value !== 'number' || !(value >= 0 && value <= MAX_TIMER_DELAY)) {
      throw new InvalidArgumentError(
        `retry.${name} is a number of ms from 0 to ${MAX_TIMER_DELAY} (what a timer can wait)`,
      );
    }
  }
  if (typeof multiplier !== 'number' || !Number.isFinite(multiplier) || multiplier < 1) {
    throw new InvalidArgumentError('retry.multiplier is a finite number of at least 1');
  }
  if (policy.signal !== undefined && !(policy.signal instanceof AbortSignal)) {
    throw new InvalidArgumentError('retry.signal is an AbortSignal');
  }
  if (!JITTERS.has(jitter)) {
    throw new InvalidArgumentError(`retry.jitter is one of ${[...JITTERS].join(', ')}`);
  }
  return policy;
}

/**
 * The delay before attempt `attempt + 1`, after `attempt` failed ones (`attempt >= 1`).
 * `previous` is the delay used before the last attempt (0 for the first retry).
 */
export function backoffDelay(
  policy: RetryPolicy,
  attempt: number,
  previous: number,
  random: () => number = Math.random,
): number {
  const { initialDelay, maxDelay, multiplier } = policy;
  const exponential = Math.min(maxDelay, initialDelay * multiplier ** (attempt - 1));
  switch (policy.jitter) {
    case 'none':
      return exponential;
    case 'full':
      return random() * exponential;
    case 'equal':
      return exponential / 2 + (random() * exponential) / 2;
    case 'decorrelated': {
      const upper = Math.max(initialDelay, previous * 3);
      return Math.min(maxDelay, initialDelay + random() * (upper - initialDelay));
    }
  }
}

/** How a conflict loop tells a conflict worth another attempt, and what it does between attempts. */
export interface ConflictHandling {
  /**
   * The conflicts a failed attempt met, when another attempt may succeed; `undefined`
   * ends the loop with the error as it is.
   */
  readonly conflictsOf: (error: unknown) => readonly ConcurrencyError[] | undefined;
  /** Runs after a conflict, before the pause (a batch resolves its conflicts here). */
  readonly beforeRetry?: (attempt: number, conflicts: readonly ConcurrencyError[]) => Promise<void>;
  /** Told of each retry and its delay, before the pause. */
  readonly onRetry?: (
    attempt: number,
    conflicts: readonly ConcurrencyError[],
    delay: number,
  ) => void;
}

/**
 * The one conflict loop of the store, shared by `update()`, `saveChanges()` resolution and
 * command handling: runs `attempt` until it returns; after a conflict, pauses with the
 * policy's backoff and runs it again. Out of attempts, the first conflict becomes
 * `RetryExhaustedError`. Anything that is not a conflict ends the loop at once.
 */
export async function conflictLoop<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  handling: ConflictHandling,
): Promise<T> {
  let delay = 0;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(attemptNumber);
    } catch (error) {
      const conflicts = handling.conflictsOf(error);
      const first = conflicts?.[0];
      if (!conflicts || !first) throw error;
      if (attemptNumber >= policy.maxAttempts) throw new RetryExhaustedError(attemptNumber, first);
      await handling.beforeRetry?.(attemptNumber, conflicts);
      delay = backoffDelay(policy, attemptNumber, delay);
      handling.onRetry?.(attemptNumber, conflicts, delay);
      await sleep(delay, policy.signal);
    }
  }
}

/**
 * Runs `attempt` until it returns, retrying on `ConcurrencyError` with the policy's
 * backoff (see `conflictLoop`). Any other error (not found, bad input, an abort, a
 * database failure that the store's runtime already tried again) ends the loop at once.
 * Each attempt must start from fresh state: it is the attempt's job to reload. The signal
 * is checked before every attempt.
 */
export function retryOnConflict<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  onRetry?: (attemptNumber: number, error: ConcurrencyError, delay: number) => void,
): Promise<T> {
  return conflictLoop(
    policy,
    (attemptNumber) => {
      policy.signal?.throwIfAborted();
      return attempt(attemptNumber);
    },
    {
      conflictsOf: (error) => (error instanceof ConcurrencyError ? [error] : undefined),
      onRetry: (attemptNumber, [conflict], delay) =>
        onRetry?.(attemptNumber, conflict as ConcurrencyError, delay),
    },
  );
}
