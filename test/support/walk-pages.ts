import type { Collection, DocumentStore, Filter, FindOptions } from '../../src/index.js';

/** Every document `filter` matches, read page by page through the cursors `find()` hands out. */
export async function walkPages<T extends object>(
  store: DocumentStore,
  collection: Collection<T>,
  filter: Filter<T>,
  options: FindOptions<T>,
): Promise<T[]> {
  const seen: T[] = [];
  let after: string | undefined;
  do {
    const page = await store.find(collection, filter, { ...options, after });
    seen.push(...page.documents);
    after = page.next ?? undefined;
  } while (after);
  return seen;
}
