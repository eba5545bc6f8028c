import type { FoundDocument } from '../backends/kit/backend.js';
import { encodeCursor } from '../query/cursor.js';
import { prepareQuery, type QueryOptions } from '../query/query.js';
import { sortValuesOf } from '../query/sort.js';
import type { Collection } from './collection.js';
import type { StoreContext } from './context.js';

/** One page of a query's results. */
export interface Page<T> {
  /** The documents, in the query's order. */
  readonly documents: T[];
  /**
   * Pass as `after` to the same query for the next page; `null` when this page holds the
   * last document that matches.
   */
  readonly next: string | null;
}

/** A page of stored documents with their metadata, before they become entities. */
export interface StoredPage {
  readonly found: FoundDocument[];
  readonly next: string | null;
}

/**
 * Runs one page of a query in the database: validated first (nothing is read when the
 * filter, sort, limit or cursor is refused), then one read, tried again on a transient
 * failure. One more document than the page holds is read, to know whether more follow.
 */
export async function findStored(
  context: StoreContext,
  c: Collection<object>,
  filter: unknown,
  options: QueryOptions | undefined,
): Promise<StoredPage> {
  const { query, fingerprint } = prepareQuery(c.name, filter, options);
  await context.ready();
  const rows = await context.backend.find(context.scope.tenant, c.name, {
    ...query,
    limit: query.limit + 1,
  });
  const found = rows.slice(0, query.limit);
  const last = found.at(-1);
  if (rows.length <= query.limit || !last) return { found, next: null };
  const values = sortValuesOf(JSON.parse(last.body), query.sort);
  return { found, next: encodeCursor(fingerprint, { values, id: last.id }) };
}

/** How many live documents of the collection match `filter` (`{}`: all). */
export async function countStored(
  context: StoreContext,
  c: Collection<object>,
  filter: unknown,
): Promise<number> {
  const { query } = prepareQuery(c.name, filter);
  await context.ready();
  return context.backend.count(context.scope.tenant, c.name, query.filter);
}

/** A page of entities: each stored document as `adopt` makes it (`null` drops it). */
export async function findPage<T extends object>(
  context: StoreContext,
  c: Collection<T>,
  filter: unknown,
  options: QueryOptions | undefined,
  adopt: (found: FoundDocument) => T | null = (found) => c.toEntity(found.id, found),
): Promise<Page<T>> {
  const page = await findStored(context, c as Collection<object>, filter, options);
  const documents = page.found.map(adopt).filter((d): d is T => d !== null);
  return { documents, next: page.next };
}

/** Whether any live document of the collection matches `filter`: one read of at most one row. */
export async function existsStored(
  context: StoreContext,
  c: Collection<object>,
  filter: unknown,
): Promise<boolean> {
  const { query } = prepareQuery(c.name, filter);
  await context.ready();
  const rows = await context.backend.find(context.scope.tenant, c.name, { ...query, limit: 1 });
  return rows.length > 0;
}
