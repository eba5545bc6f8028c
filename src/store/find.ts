import { type FoundDocument, isFound, type PastBudget } from '../backends/kit/backend.js';
import { evaluateCondition } from '../concurrency/evaluate-condition.js';
import { encodeCursor } from '../query/cursor.js';
import type { Filter } from '../query/filter.js';
import { fieldName } from '../query/indexes.js';
import {
  type FindOptions,
  MAX_QUERY_LIMIT,
  type PreparedQuery,
  prepareQuery,
  type QueryOptions,
} from '../query/query.js';
import { sortValuesOf } from '../query/sort.js';
import type { Collection } from './collection.js';
import { type CollectionRef, readDocuments, type StoreContext } from './context.js';

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

/** A declared index a query plan uses. */
export interface UsedIndex {
  /** Its name in the database. */
  readonly name: string;
  /** Its field paths, in order. */
  readonly fields: readonly string[];
  /** Whether it is a unique constraint's index. */
  readonly unique: boolean;
}

/** How the database would run a query (see `explain()`). */
export interface QueryPlan {
  /** The database's own plan, as text (PostgreSQL's `EXPLAIN`, SQLite's `EXPLAIN QUERY PLAN`). */
  readonly plan: string;
  /** The collection's declared indexes the plan uses; empty when it uses none. */
  readonly indexes: readonly UsedIndex[];
}

/** A page of stored documents with their metadata, before they become entities. */
export interface StoredPage {
  readonly found: FoundDocument[];
  readonly next: string | null;
}

const NONE: ReadonlySet<string> = new Set();
// How many documents left out of a query (see `leftOut`) one read takes.
const LEFT_OUT_READ = 64;
// How many times a session's count is taken while its deletes are being written.
const COUNT_TRIES = 8;

// A query validated before anything is read (nothing is when it is refused), and the
// backend ready for it.
async function prepared(
  context: StoreContext,
  c: Collection<object>,
  filter: unknown,
  options?: QueryOptions,
): Promise<PreparedQuery> {
  const query = prepareQuery(c.name, filter, options);
  await context.ready([c.name]);
  return query;
}

/**
 * Runs one page of a query in the database: one read, tried again on a transient failure.
 * One more document than the page holds is read, to know whether more follow; with a byte
 * budget, the backend says so by the first document past it (`PastBudget`).
 */
export async function findStored(
  context: StoreContext,
  c: Collection<object>,
  filter: unknown,
  options: QueryOptions | undefined,
): Promise<StoredPage> {
  const { query, fingerprint } = prepareQuery(c.name, filter, options);
  await context.ready([c.name]);
  const rows = await context.backend.find(context.scope.tenant, c.name, {
    ...query,
    limit: query.limit + 1,
  });
  const found = documentsOf(rows, query.limit);
  const last = found.at(-1);
  if (rows.length <= found.length || !last) return { found, next: null };
  const values = sortValuesOf(JSON.parse(last.body), query.sort);
  return { found, next: encodeCursor(fingerprint(), { values, id: last.id }) };
}

// The page's documents: the rows before the first past the budget, at most `limit`.
function documentsOf(rows: readonly (FoundDocument | PastBudget)[], limit: number) {
  const found: FoundDocument[] = [];
  for (const row of rows) {
    if (!isFound(row) || found.length === limit) break;
    found.push(row);
  }
  return found;
}

/**
 * The reads by query that a store and its sessions share: `find`, `findOne`, `count` and
 * `exists`, over the context `queryContext()` gives, each found document made into an
 * entity by `adopt()`.
 */
export abstract class Queries {
  /** @internal The context queries run in. */
  protected abstract queryContext(): StoreContext;

  /**
   * @internal The ids of `c` that queries leave out although the database still holds them
   * (a session's unsaved deletes): `count()` and `exists()` do not count them either.
   */
  protected leftOut(_c: Collection<object>): ReadonlySet<string> {
    return NONE;
  }

  /** @internal What a query hands back for a document it found; `null` leaves it out. */
  protected adopt(
    c: Collection<object>,
    found: FoundDocument,
  ): object | null | Promise<object | null> {
    return c.entityOf(found.id, found);
  }

  /**
   * One page of the live documents of a collection that match `filter`: the condition
   * language of checks, typed by the collection (`{}` matches all), evaluated by the
   * database. Ordered by `sort` (paths, `'-path'` descending; values of different JSON
   * types order missing < null < false < true < numbers < strings < arrays < objects),
   * then by id. At most `limit` (default 100, at most 1,000), and with `maxBytes` at most
   * that much document JSON (the first document always); `next` continues after the last
   * one. Bad filters, sorts and cursors throw before anything is read.
   */
  async find<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
    options?: FindOptions<NoInfer<T>>,
  ): Promise<Page<T>> {
    const context = this.queryContext();
    const c = context.resolve(collection) as Collection<object>;
    const page = await findStored(context, c, filter, options);
    const adopted = page.found.map((found) => this.adopt(c, found));
    // Most collections adopt at once; waiting on each document cost more than reading it.
    const documents = (
      adopted.some((d) => d instanceof Promise) ? await Promise.all(adopted) : adopted
    ) as (T | null)[];
    return { documents: documents.filter((d): d is T => d !== null), next: page.next };
  }

  /** The first document `find()` would return, or `null`. */
  async findOne<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
    options: Pick<FindOptions<NoInfer<T>>, 'sort'> = {},
  ): Promise<T | null> {
    const context = this.queryContext();
    const c = context.resolve(collection) as Collection<object>;
    // A session leaves out what it deleted, so the first match may not be the one it
    // returns: each read after the first takes twice as many, so passing over n deleted
    // documents takes about log2(n) reads. Each starts again from the first match, so the
    // one returned is the first kept of one statement's matches: going on after the last
    // one read would miss a match another client moved before it meanwhile. Past the
    // largest page, reads go on after it. Only the document returned is adopted.
    let limit = 1;
    let after: string | undefined;
    for (;;) {
      const page = await findStored(context, c, filter, { ...options, limit, after });
      for (const found of page.found) {
        const document = await this.adopt(c, found);
        if (document !== null) return document as T;
      }
      if (page.next === null) return null;
      if (limit === MAX_QUERY_LIMIT) after = page.next;
      limit = Math.min(limit * 2, MAX_QUERY_LIMIT);
    }
  }

  /**
   * How the database would run `find(collection, filter, options)`, without running it:
   * its plan as text, and which of the collection's declared indexes it uses. The plan
   * depends on the data and the database's statistics (a small collection is read whole
   * whatever its indexes); validated as `find()` validates.
   */
  async explain<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
    options?: FindOptions<NoInfer<T>>,
  ): Promise<QueryPlan> {
    const context = this.queryContext();
    const c = context.resolve(collection) as Collection<object>;
    const { query } = await prepared(context, c, filter, options);
    const limit = query.limit + 1;
    const plan = await context.backend.explain(context.scope.tenant, c.name, { ...query, limit });
    const indexes = c.indexes
      .filter((index) => plan.includes(index.name))
      .map((index) => ({
        name: index.name,
        fields: index.fields.map(fieldName),
        unique: index.unique,
      }));
    return { plan, indexes };
  }

  /** How many live documents of a collection match `filter` (`{}`, the default: all). */
  async count<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>> = {} as Filter<T>,
  ): Promise<number> {
    const context = this.queryContext();
    const c = context.resolve(collection) as Collection<object>;
    const { query } = await prepared(context, c, filter);
    return this.#count(context, c, query.filter);
  }

  /** Whether any live document of a collection matches `filter`: a read of one row at most. */
  async exists<T extends object>(
    collection: CollectionRef<T>,
    filter: NoInfer<Filter<T>>,
  ): Promise<boolean> {
    const context = this.queryContext();
    const c = context.resolve(collection) as Collection<object>;
    const { query } = await prepared(context, c, filter);
    const left = this.leftOut(c);
    // A row past those left out is a match kept; when many are left out, a count says.
    const limit = Math.min(left.size, LEFT_OUT_READ) + 1;
    const rows = await context.backend.find(context.scope.tenant, c.name, { ...query, limit });
    if (rows.some((row) => !left.has(row.id))) return true;
    return rows.length < limit ? false : (await this.#count(context, c, query.filter)) > 0;
  }

  // The database's count, less the documents left out that the filter matches as stored
  // (judged by the reference evaluator). The count and the reads of those documents are
  // separate statements, so they are read before the count and after it, and the count is
  // taken again while one of them was written in between: each is taken off as the count
  // saw it, never as it was before or after.
  async #count(
    context: StoreContext,
    c: Collection<object>,
    filter: PreparedQuery['query']['filter'],
  ): Promise<number> {
    const tenant = context.scope.tenant;
    const left = [...this.leftOut(c)];
    if (left.length === 0) return context.backend.count(tenant, c.name, filter);
    let before = await leftOutMatches(context, c, left, filter);
    for (let attempt = 1; ; attempt++) {
      const counted = await context.backend.count(tenant, c.name, filter);
      const after = await leftOutMatches(context, c, left, filter);
      // Bounded, so that a client writing one of them without pause cannot hold the
      // count in this loop: past the tries, the last reads answer.
      if (after.versions === before.versions || attempt === COUNT_TRIES) {
        return Math.max(0, counted - after.matched);
      }
      before = after;
    }
  }
}

// How many of the documents `ids` the filter matches as stored, read a few at a time, and
// the write each was read at (its token, or none when it is not live).
async function leftOutMatches(
  context: StoreContext,
  c: Collection<object>,
  ids: readonly string[],
  filter: PreparedQuery['query']['filter'],
): Promise<{ matched: number; versions: string }> {
  let matched = 0;
  const versions: string[] = [];
  for (let from = 0; from < ids.length; from += LEFT_OUT_READ) {
    const chunk = ids.slice(from, from + LEFT_OUT_READ);
    const stored = await readDocuments(context, c, chunk);
    for (const id of chunk) {
      const found = stored.get(id);
      versions.push(found?.metadata.token ?? '');
      if (found && (!filter || evaluateCondition(filter, JSON.parse(found.body)))) matched++;
    }
  }
  return { matched, versions: versions.join(' ') };
}
