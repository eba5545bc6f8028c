import type { StoredRevision } from '../backends/kit/backend.js';
import { InvalidArgumentError } from '../core/errors.js';
import { optionsObject } from '../core/json.js';
import type { Collection } from './collection.js';
import type { CollectionRef, StoreContext } from './context.js';
import { validateId } from './validate.js';

/** The most revisions one `history()` page holds. */
export const MAX_HISTORY_PAGE = 1_000;
const DEFAULT_HISTORY_PAGE = 50;

/** One revision of a document, as `history()` and `getRevision()` return it. */
export interface Revision<T> {
  /** The document's revision number this write made. */
  readonly revision: number;
  /** The document as this write left it, version field filled in; `null` for a delete. */
  readonly document: T | null;
  /** True when this write deleted the document. */
  readonly deleted: boolean;
  /** The token of the write that made this revision. */
  readonly token: string;
  /** When the write committed (database time, ms). */
  readonly lastModified: number;
  /** Who wrote it (`lastModifiedBy`), if known. */
  readonly actor: string | null;
  /** The revisions a merged revision joined; `null` for a plain write. */
  readonly parents: readonly number[] | null;
}

/** Options of `history()`: a page of revisions below `before`, newest first. */
export interface HistoryQuery {
  /** Most revisions in the page, 1 to 1,000. Default 50. */
  limit?: number;
  /** Only revisions numbered below this one (the `next` of the previous page). */
  before?: number;
}

/** A page of a document's history, newest first. */
export interface HistoryPage<T> {
  readonly revisions: Revision<T>[];
  /** Pass as `before` for the next (older) page; `null` when this page holds the oldest kept. */
  readonly next: number | null;
}

function revisionNumber(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError(`${name} is a revision number (a whole number from 1)`);
  }
  return value;
}

/** The entity a stored revision holds (`null` for a delete). */
async function revisionOf<T extends object>(
  c: Collection<T>,
  id: string,
  stored: StoredRevision,
): Promise<Revision<T>> {
  const metadata = {
    revision: stored.revision,
    token: stored.token,
    seq: stored.seq,
    lastModified: stored.at,
    lastModifiedBy: stored.actor,
  };
  const document =
    stored.body === null ? null : await c.entityOf(id, { body: stored.body, metadata });
  return {
    revision: stored.revision,
    document,
    deleted: stored.deleted,
    token: stored.token,
    lastModified: stored.at,
    actor: stored.actor,
    parents: stored.parents,
  };
}

/**
 * A page of one document's kept revisions, newest first, in the context's tenant. Bad
 * options throw `InvalidArgumentError` before anything is read.
 */
export async function readHistory<T extends object>(
  context: StoreContext,
  ref: CollectionRef<T>,
  id: string,
  options: HistoryQuery = {},
): Promise<HistoryPage<T>> {
  const c = context.resolve(ref);
  validateId(id);
  optionsObject(options, 'history()');
  const limit = options.limit ?? DEFAULT_HISTORY_PAGE;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_HISTORY_PAGE) {
    throw new InvalidArgumentError(`limit is a whole number from 1 to ${MAX_HISTORY_PAGE}`);
  }
  const before = options.before === undefined ? null : revisionNumber(options.before, 'before');
  await context.ready([c.name]);
  const key = { tenant: context.scope.tenant, collection: c.name, id };
  // One more than the page, to know whether an older one follows.
  const rows = await context.backend.revisions(key, { before, limit: limit + 1 });
  const page = rows.slice(0, limit);
  const revisions = await Promise.all(page.map((row) => revisionOf(c, id, row)));
  const last = page.at(-1);
  return { revisions, next: rows.length > limit && last ? last.revision : null };
}

/**
 * One kept revision of a document in the context's tenant, or `null` when the history
 * holds none by that number (never written, or pruned).
 */
export async function readRevision<T extends object>(
  context: StoreContext,
  ref: CollectionRef<T>,
  id: string,
  revision: number,
): Promise<Revision<T> | null> {
  const c = context.resolve(ref);
  validateId(id);
  const number = revisionNumber(revision, 'revision');
  await context.ready([c.name]);
  const key = { tenant: context.scope.tenant, collection: c.name, id };
  const stored = await context.backend.revision(key, number);
  return stored ? revisionOf(c, id, stored) : null;
}
