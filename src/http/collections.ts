import { UnknownCollectionError } from '../core/errors.js';
import type { DocumentStore } from '../events/document-store.js';
import { Collection } from '../store/collection.js';

/** A request's collection, and whether its tenant has nothing in it (see `Context.empty`). */
export interface Served {
  readonly c: Collection<object>;
  readonly empty: boolean;
}

/** Finds the collection of a request in the store of its tenant. */
export type CollectionResolver = (store: DocumentStore, name: string) => Promise<Served>;

/**
 * The collections a handler serves. A list serves those and no other (404
 * `unknown-collection`). `'any'` serves every valid name to every tenant, with nothing
 * kept in memory per request: a name the store has not declared is looked up in the
 * database, in the request's tenant, and declared only once something of it is stored,
 * or when a write is about to create it. A tenant's collection is therefore
 * indistinguishable, to another tenant, from one that never existed: both read as empty.
 */
export function collectionResolver(
  collections: readonly Collection<object>[] | 'any',
): CollectionResolver {
  if (collections !== 'any') {
    const served = new Map(collections.map((c) => [c.name, c]));
    return async (_store, name) => {
      const found = served.get(name);
      if (!found) throw new UnknownCollectionError(name);
      return { c: found, empty: false };
    };
  }
  return async (store, name) => {
    const known = store.findCollection(name);
    if (known) return { c: known, empty: false };
    let candidate: Collection<object>;
    try {
      candidate = new Collection(name);
    } catch {
      throw new UnknownCollectionError(name);
    }
    const { changes } = await store.changes({ collection: name, limit: 1 });
    if (changes.length === 0) return { c: candidate, empty: true };
    return { c: store.collection(name), empty: false };
  };
}
