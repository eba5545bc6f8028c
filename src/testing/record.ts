import { InvalidArgumentError, TransientError } from '../core/errors.js';
import type { DocumentStore } from '../events/document-store.js';
import type { CollectionRef } from '../store/context.js';
import { updateSaved } from '../store/document-store.js';
import type { Mutation, UpdateOptions } from '../store/update.js';
import type { History } from './history.js';

/**
 * Runs `store.update()` and records it in `history` as one operation of `process` on
 * `collection/id` carrying `value` (what the model applies): ok with the revision it read
 * and the one it produced, failed, or unknown when the database failed in a way that
 * leaves the outcome open. An `actor` in the options is recorded as the operation's mark
 * (an audit sees it as `lastModifiedBy`). Wrap your own update paths with it to check them.
 */
export async function recordUpdate<T extends object, Value>(
  history: History<Value>,
  process: string,
  store: DocumentStore,
  collection: CollectionRef<T>,
  id: string,
  value: Value,
  mutate: Mutation<T>,
  options: UpdateOptions<NoInfer<T>> = {},
): Promise<T | undefined> {
  const name = typeof collection === 'string' ? collection : collection.name;
  const invocation = history.invoke(process, `${name}/${id}`, value, undefined, options.actor);
  try {
    const saved = await updateSaved(store, collection, id, mutate, options);
    const { revision, token } = saved.metadata;
    invocation.ok({ revision, token, base: saved.base });
    return saved.document;
  } catch (error) {
    if (error instanceof TransientError) invocation.unknown(error);
    else invocation.fail(error);
    return undefined;
  }
}

/**
 * Runs `store.insert()` and records it in `history` as one operation of `process` on
 * `collection/<the document's id>` carrying `value`: ok with the revision it produced (the
 * first of the key, or the next after a delete), failed (the id was taken), or unknown
 * when the database left the outcome open. Record the insert of every key you check: the
 * checker accounts for every revision, the first included. Returns the inserted document,
 * or `undefined` when the insert did not succeed.
 */
export async function recordInsert<T extends object, Value>(
  history: History<Value>,
  process: string,
  store: DocumentStore,
  collection: CollectionRef<T>,
  document: T,
  value: Value,
  options: { actor?: string } = {},
): Promise<T | undefined> {
  const c = typeof collection === 'string' ? store.findCollection(collection) : collection;
  if (!c) throw new InvalidArgumentError(`recordInsert(): no collection ${String(collection)}`);
  const id = (document as Record<string, unknown>)[c.idField];
  if (typeof id !== 'string') {
    throw new InvalidArgumentError(
      `recordInsert() needs the document's ${c.idField} to name its key`,
    );
  }
  const invocation = history.invoke(process, `${c.name}/${id}`, value, undefined, options.actor);
  try {
    const written = await store.insert(collection, document, options);
    invocation.ok({ revision: written.metadata.revision, token: written.metadata.token });
    return document;
  } catch (error) {
    if (error instanceof TransientError) invocation.unknown(error);
    else invocation.fail(error);
    return undefined;
  }
}
