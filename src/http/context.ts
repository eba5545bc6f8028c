import type { RetryOptions } from '../concurrency/retry.js';
import { ConcurrencyError, DocumentNotFoundError } from '../core/errors.js';
import type { DocumentMetadata } from '../core/metadata.js';
import type { DocumentStore } from '../events/document-store.js';
import type { Collection } from '../store/collection.js';
import type { LandingCheck } from '../store/document-store.js';
import { validateId } from '../store/validate.js';
import type { FeedCursors } from './cursor.js';
import { formatETag } from './etag.js';
import { formatHttpDate } from './http-date.js';
import type { Current, Preconditions } from './preconditions.js';
import { problem, problemOf, problemResponse } from './problem.js';
import { type ErrorReporter, safely } from './report.js';

/** What the routes of one request share. */
export interface Context {
  readonly request: Request;
  /** The store of the request's tenant. */
  readonly store: DocumentStore;
  readonly c: Collection<Record<string, unknown>> | Collection<object>;
  /**
   * True when `c` is not declared in the store and the tenant has nothing in it: reads
   * are answered without the store (which would declare it), and only a write that
   * creates a document declares it. Answers are the same as for an empty declared one.
   */
  readonly empty: boolean;
  readonly settings: Settings;
  /**
   * The request's conditional headers, read before any route runs: a malformed one is
   * refused with 400 on every route, even where none has anything to say.
   */
  readonly preconditions: Preconditions;
}

/** The handler's options, with defaults applied. */
export interface Settings {
  readonly maxBodyBytes: number;
  readonly requirePreconditions: boolean;
  readonly retry: RetryOptions | undefined;
  readonly report: ErrorReporter;
  /** How often an idle event stream sends a comment line, in ms. */
  readonly eventsHeartbeat: number;
  /** Seals and opens the feed's positions (see `FeedCursors`). */
  readonly cursors: FeedCursors;
  /** Ends every open event stream when aborted (the server is closing). */
  readonly closing: AbortSignal | undefined;
}

/** The strong ETag of a document in the collection's public version. */
export const etagOf = (c: Context['c'], metadata: DocumentMetadata): string =>
  formatETag(metadata[c.versionKind]);

/** A document with its `ETag` and `Last-Modified`; no body for HEAD. */
export function documentResponse(
  ctx: Context,
  status: number,
  document: object,
  metadata: DocumentMetadata,
  extra: Record<string, string> = {},
): Response {
  const headers = {
    'content-type': 'application/json',
    etag: etagOf(ctx.c, metadata),
    'last-modified': formatHttpDate(metadata.lastModified),
    ...extra,
  };
  const body = ctx.request.method === 'HEAD' ? null : JSON.stringify(document);
  return new Response(body, { status, headers });
}

/** What preconditions are judged against. */
export const currentOf = (c: Context['c'], metadata: DocumentMetadata): Current => ({
  etag: String(metadata[c.versionKind]),
  lastModified: metadata.lastModified,
});

/** The check that pins a write to the version its preconditions were judged against. */
export const pinned = (c: Context['c'], metadata: DocumentMetadata | undefined): LandingCheck => {
  if (!metadata) return 'mustNotExist';
  return c.versionKind === 'token' ? { token: metadata.token } : { version: metadata.revision };
};

/** 404 for a document that does not exist, the same for every route and collection. */
export const noDocument = (id: string): Response =>
  problemResponse(problem(404, 'not-found', 'Not Found', `No document ${id}`));

/** 412 Precondition Failed. */
export const preconditionFailed = (detail: string, extensions = {}): Response =>
  problemResponse(problem(412, 'precondition-failed', 'Precondition Failed', detail, extensions));

/** 412 for a PUT whose `If-Match` met no document: the same wherever that was found out. */
export const absentPrecondition = (ctx: Context, id: string): Response =>
  preconditionFailed(`${ctx.c.name}/${id} does not exist`, {
    ...ifMatchOf(ctx),
    actual: null,
  });

const ifMatchOf = (ctx: Context) => {
  const value = ctx.request.headers.get('if-match');
  return value === null ? {} : { expected: value };
};

/** True for a store error that says the document was not there. */
export const isAbsence = (error: unknown): boolean =>
  error instanceof DocumentNotFoundError ||
  (error instanceof ConcurrencyError && error.actual === null);

/**
 * The answer to a store error: its problem (412 when a precondition asked, else 409 for a
 * conflict), reported when it is a 5xx. Errors that map to no problem are rethrown.
 */
export function failure(
  ctx: Pick<Context, 'request' | 'settings'>,
  error: unknown,
  preconditioned: boolean,
): Response {
  const found = problemOf(error, preconditioned, ctx.request.headers.get('if-match') ?? undefined);
  if (found.status >= 500) safely(ctx.settings.report, error, ctx.request);
  return problemResponse(found);
}

/** The document and its metadata, or `null`; an empty collection is not asked. */
export async function lookup(
  ctx: Context,
  id: string,
): Promise<{ document: object; metadata: DocumentMetadata } | null> {
  if (ctx.empty) return null;
  return ctx.store.getWithMetadata(ctx.c, id);
}

/** The document's metadata, or `null`; an empty collection is not asked. */
export async function lookupMetadata(ctx: Context, id: string): Promise<DocumentMetadata | null> {
  if (ctx.empty) return null;
  return ctx.store.getMetadata(ctx.c, id);
}

/** Checks an id as the store would, before anything is read or declared. */
export const checkedId = (id: string): string => validateId(id);

// A relative reference: an adapter may have stripped a mount path from the URL seen here,
// so only the last segment is ours to name; clients resolve it against their own URL.
/** The `Location` of a document created by PUT. */
export const locationOf = (id: string): string => encodeURIComponent(id);
