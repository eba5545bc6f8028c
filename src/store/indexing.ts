import { StoreClosedError } from '../core/errors.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { Collection } from './collection.js';

/**
 * Brings the indexes of each declared collection to what it declares, once per collection
 * and store (see `Backend.ensureIndexes`): the per-collection step of getting a store
 * ready, after the migration. A collection declared later is done on the next call.
 */
export class Indexing {
  readonly #done = new Set<string>();
  #running: Promise<void> | undefined;

  /**
   * Resolves once every collection in `collections` has its indexes. Once `closed()` says
   * the store is closing, work still to do is refused with `StoreClosedError` instead of
   * started on a backend that is going away (work already done answers at once).
   */
  ready(
    backend: BackendRuntime,
    collections: Map<string, Collection<object>>,
    closed: () => boolean,
  ): Promise<void> {
    if (this.#running === undefined) {
      const pending = [...collections.values()].filter((c) => !this.#done.has(c.name));
      if (pending.length === 0) return Promise.resolve();
      if (closed()) return Promise.reject(new StoreClosedError());
      // A failure is not kept, so the next call tries again.
      this.#running = this.#ensure(backend, pending).finally(() => {
        this.#running = undefined;
      });
    }
    // Collections declared while this ran are done by the next call.
    return this.#running.then(() => this.ready(backend, collections, closed));
  }

  /** Resolves once no index work is under way (whether it succeeded or not). */
  async idle(): Promise<void> {
    await this.#running?.catch(() => {});
  }

  async #ensure(backend: BackendRuntime, collections: Collection<object>[]): Promise<void> {
    for (const c of collections) {
      await backend.ensureIndexes(c.name, c.indexes);
      this.#done.add(c.name);
    }
  }
}
