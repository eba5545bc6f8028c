import type { NormalizedCondition } from '../concurrency/condition.js';
import { InvalidArgumentError } from '../core/errors.js';
import { optionsObject } from '../core/json.js';
import { type CursorPosition, decodeCursor, queryFingerprint } from './cursor.js';
import { normalizeFilter } from './filter.js';
import { normalizeSort, type Sort, type SortKey } from './sort.js';

/** Documents per page when a query names no `limit`. */
export const DEFAULT_QUERY_LIMIT = 100;
/** The most documents one page may hold. */
export const MAX_QUERY_LIMIT = 1000;
/**
 * The byte budget of a page that a reader outside the process asks for (the HTTP list
 * and changes routes), and of a `changes()` page by default: 4 MiB of document JSON.
 */
export const DEFAULT_PAGE_BYTES = 4 * 1024 * 1024;

/** Options of `find()`. */
export interface FindOptions<T> {
  /** The order: paths, `'-path'` descending; the id breaks ties. Default: by id alone. */
  sort?: Sort<T>;
  /** Documents on this page, 1 to 1,000. Default 100. */
  limit?: number;
  /** The `next` cursor of the previous page of this same query (collection, filter, sort). */
  after?: string;
  /**
   * The most bytes of document JSON the page may hold: it ends before the document that
   * would take it past this, and `next` goes on from there. The first document always
   * comes, however large. Default: no bound (`limit` alone bounds the page).
   */
  maxBytes?: number;
}

/**
 * A query as a backend runs it: live documents of one tenant's collection matching
 * `filter` (`null`: all), ordered by `sort` then id (code point order, ascending),
 * strictly after `after` in that order, at most `limit`.
 */
export interface NormalizedQuery {
  readonly filter: NormalizedCondition | null;
  readonly sort: readonly SortKey[];
  readonly after: CursorPosition | undefined;
  readonly limit: number;
  /**
   * The page's byte budget of document JSON (see `FindOptions.maxBytes`). A backend reads
   * documents in order while the page holds at most this many bytes, the first always;
   * the first document past the budget comes back with `body: null` in place of its
   * text, which says that more follow, and nothing after it. Absent: no bound.
   */
  readonly maxBytes?: number;
}

/** `FindOptions` of any document type, as they are validated. */
export interface QueryOptions {
  readonly sort?: unknown;
  readonly limit?: number;
  readonly after?: string;
  readonly maxBytes?: number;
}

/** A validated query and the fingerprint its cursors are bound to. */
export interface PreparedQuery {
  readonly query: NormalizedQuery;
  /** The fingerprint, made when asked: only a page with more after it needs one. */
  fingerprint(): string;
}

/**
 * Validates a `find()` call before anything is read: the filter (`InvalidConditionError`),
 * sort and limit (`InvalidArgumentError`) and cursor (`InvalidCursorError`).
 */
export function prepareQuery(
  collection: string,
  filter: unknown,
  options: QueryOptions = {},
): PreparedQuery {
  optionsObject(options, 'find()');
  const normalized = normalizeFilter(filter);
  const sort = normalizeSort(options.sort);
  const limit = options.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new InvalidArgumentError(`limit is an integer from 1 to ${MAX_QUERY_LIMIT}`);
  }
  const { maxBytes } = options;
  if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 1)) {
    throw new InvalidArgumentError('maxBytes is a positive integer');
  }
  const fingerprint = () => queryFingerprint(collection, normalized, sort);
  const after =
    options.after === undefined
      ? undefined
      : decodeCursor(options.after, fingerprint(), sort.length);
  const query = { filter: normalized, sort, after, limit };
  return { query: maxBytes === undefined ? query : { ...query, maxBytes }, fingerprint };
}
