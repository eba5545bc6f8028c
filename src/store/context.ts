import type { StoredDocument } from '../backends/kit/backend.js';
import type { ConflictRates, KeyedQueue } from '../concurrency/contention.js';
import type { Policies } from '../concurrency/policy.js';
import type { Hooks } from '../observe/hooks.js';
import type { BackendRuntime } from './backend-runtime.js';
import type { Collection } from './collection.js';
import type { WriteScope } from './writes.js';

/** A collection handle, or the name of a declared collection. */
export type CollectionRef<T extends object> = Collection<T> | string;

/**
 * What a store hands to the sessions it opens: the backend behind its runtime (migrated
 * before first use),
 * the collections it declared, and the scope its writes run in.
 */
export interface StoreContext {
  readonly backend: BackendRuntime;
  readonly scope: WriteScope;
  resolve<T extends object>(ref: CollectionRef<T>): Collection<T>;
  /**
   * Resolves once the backend's schema is in place, and the indexes of the collections
   * named (a call waits only for the collections it touches); rejects if the store is closed.
   */
  ready(collections: readonly string[]): Promise<void>;
  /** The store's policies, hooks and contention state, shared by its tenant views. */
  readonly runtime: Runtime;
}

/** What a store shares with everything it runs: configuration and per-key state. */
export interface Runtime {
  readonly policies: Policies | undefined;
  readonly hooks: Hooks | undefined;
  readonly environment: string | undefined;
  /** Writers of one document queue here under `contention: 'queue' | 'lock' | 'adaptive'`. */
  readonly queue: KeyedQueue<StoredDocument>;
  readonly rates: ConflictRates;
}

/** Reads live documents by id through a context, in one backend call. */
export async function readDocuments(
  context: StoreContext,
  collection: Collection<object>,
  ids: readonly string[],
): Promise<Map<string, StoredDocument>> {
  await context.ready([collection.name]);
  if (ids.length === 0) return new Map();
  return context.backend.read(context.scope.tenant, collection.name, ids);
}
