import { StoreClosedError, TransientError } from '../core/errors.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { Collection } from './collection.js';

/**
 * How long a step that failed for good (a unique field the documents already repeat) is
 * answered with its failure before it is tried again: each try reads the whole table and
 * holds back every collection's writes meanwhile, so calls must not try it one by one.
 */
export const FAILED_STEP_KEPT_MS = 10_000;

/**
 * Brings the indexes of each declared collection to what it declares, once per collection
 * and store (see `Backend.ensureIndexes`): the per-collection step of getting a store
 * ready, after the migration. Each collection's step is its own, so one whose indexes
 * cannot be built (a unique field its stored documents already repeat) fails the calls
 * that touch it, and no others.
 */
export class Indexing {
  // A collection's step, under way or done; a failed one is forgotten (at once after a
  // transient failure, after FAILED_STEP_KEPT_MS otherwise), so a later call tries again.
  readonly #steps = new Map<string, Promise<void>>();
  // Steps run one at a time: each holds a connection while it waits for the index work of
  // other processes (their index lock), and several at once would take the pool from the
  // calls that touch none of their collections. They would queue for that lock anyway.
  #last: Promise<unknown> = Promise.resolve();
  // The collections whose step succeeded: calls that touch only these need not wait.
  readonly #done = new Set<string>();

  /**
   * Resolves once every collection in `collections` has its indexes. Once `closed()` says
   * the store is closing, work still to do (queued behind another step, too) is refused
   * with `StoreClosedError` instead of started on a backend that is going away (work
   * already done answers at once).
   */
  ready(
    backend: BackendRuntime,
    collections: Iterable<Collection<object>>,
    closed: () => boolean,
  ): Promise<void> {
    const steps: Promise<void>[] = [];
    for (const c of collections) {
      // A collection that declares no indexes leaves the database's as they are.
      if (!c.managesIndexes) continue;
      let step = this.#steps.get(c.name);
      if (step === undefined) {
        if (closed()) return Promise.reject(new StoreClosedError());
        const started = this.#last.then(() =>
          closed()
            ? Promise.reject(new StoreClosedError())
            : backend.ensureIndexes(c.name, c.indexes),
        );
        started.then(() => this.#done.add(c.name), noop);
        this.#last = started.catch(noop);
        started.catch((error: unknown) => {
          const forget = () => {
            if (this.#steps.get(c.name) === started) this.#steps.delete(c.name);
          };
          if (error instanceof TransientError || error instanceof StoreClosedError) forget();
          else setTimeout(forget, FAILED_STEP_KEPT_MS).unref();
        });
        this.#steps.set(c.name, started);
        step = started;
      }
      steps.push(step);
    }
    return Promise.all(steps).then(() => undefined);
  }

  /** Whether every collection in `collections` has its indexes already. */
  isReady(collections: Iterable<Collection<object>>): boolean {
    for (const c of collections) if (c.managesIndexes && !this.#done.has(c.name)) return false;
    return true;
  }

  /** Resolves once no index work is under way (whether it succeeded or not). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#steps.values()]);
  }
}

const noop = () => {};
