import type { ConcurrencyError } from '../core/errors.js';
import type { Operation } from '../core/operation.js';
import type { Hooks, WriteEvent } from './hooks.js';
import { attributesOf, instruments } from './metrics.js';

/** How an operation ended, as metrics record it. */
export type Outcome = 'ok' | 'resolved' | 'gave_up' | 'failed';

/**
 * Reports one operation's conflicts, retries, resolutions and end to the application's
 * hooks and to OpenTelemetry.
 */
export class OperationObserver {
  readonly #hooks: Hooks | undefined;
  readonly #base: Omit<WriteEvent, 'attempt'>;

  constructor(
    hooks: Hooks | undefined,
    base: { collection: string; id: string; tenant: string; operation: Operation },
  ) {
    this.#hooks = hooks;
    this.#base = base;
  }

  conflict(attempt: number, error: ConcurrencyError): void {
    instruments().conflicts.add(1, this.#attributes('conflict'));
    call(this.#hooks?.onConflict, { ...this.#conflictEvent(attempt, error) });
  }

  retry(attempt: number, error: ConcurrencyError, delay: number): void {
    instruments().retries.add(1, this.#attributes('retry'));
    call(this.#hooks?.onRetry, { ...this.#conflictEvent(attempt, error), delay });
  }

  resolved(attempt: number, error: ConcurrencyError, resolver: string): void {
    instruments().resolutions.add(1, this.#attributes('resolved'));
    call(this.#hooks?.onResolved, { ...this.#conflictEvent(attempt, error), resolver });
  }

  gaveUp(attempt: number, error: Error): void {
    instruments().giveUps.add(1, this.#attributes('gave_up'));
    call(this.#hooks?.onGiveUp, { ...this.#base, attempt, error });
  }

  /** Records how many attempts the operation took and how it ended. */
  finished(attempts: number, outcome: Outcome): void {
    instruments().attempts.record(attempts, this.#attributes(outcome));
  }

  #conflictEvent(attempt: number, error: ConcurrencyError) {
    return { ...this.#base, attempt, expected: error.expected, actual: error.actual };
  }

  #attributes(outcome: string) {
    return attributesOf(this.#base.collection, outcome, this.#base.operation);
  }
}

function call<E>(hook: ((event: E) => void) | undefined, event: E): void {
  if (!hook) return;
  try {
    hook(event);
  } catch {
    // A broken hook must not turn a write that landed into a reported failure.
  }
}
