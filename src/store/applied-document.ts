import type { DocumentMetadata } from '../core/metadata.js';
import type { Collection } from './collection.js';
import { readDocuments, type StoreContext } from './context.js';

/**
 * The document an apply made. The backend hands it back with the write's reply; when that
 * reply was lost after the commit and the write log settled it (the log keeps no bodies),
 * it is read back while the document still stands at the revision the apply wrote.
 * `null` when it does not: the apply landed, once, but what it made is no longer stored.
 */
export async function appliedDocument<T extends object>(
  context: StoreContext,
  c: Collection<T>,
  id: string,
  metadata: DocumentMetadata,
  body: string | undefined,
): Promise<T | null> {
  if (body !== undefined) return c.toEntity(id, { body, metadata });
  const stored = (await readDocuments(context, c as Collection<object>, [id])).get(id);
  if (stored?.metadata.token !== metadata.token) return null;
  return c.toEntity(id, stored);
}
