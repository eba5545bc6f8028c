import { InvalidArgumentError } from '../../core/errors.js';
import type { DocumentMetadata } from '../../core/metadata.js';
import type { Revision } from '../../store/revisions.js';
import { type Context, documentResponse, etagOf } from '../context.js';
import { problem, problemResponse } from '../problem.js';

/** The most revisions one page of `_revisions` holds, and how many when `limit` is not given. */
const MAX_PAGE = 100;
const DEFAULT_PAGE = 20;
const NUMBER = /^[1-9][0-9]{0,15}$/;

function whole(value: string | null, name: string): number | undefined {
  if (value === null) return undefined;
  const n = NUMBER.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(
      `${name} is a whole number from 1, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

// The metadata a revision's write left, for its ETag and Last-Modified.
const metadataOf = (r: Revision<object>): DocumentMetadata => ({
  revision: r.revision,
  token: r.token,
  seq: 0,
  lastModified: r.lastModified,
  lastModifiedBy: r.actor,
});

/**
 * `GET`/`HEAD /:collection/:id/_revisions?limit=&before=`: a page of the document's kept
 * revisions, newest first, `{ "items": [{ "revision", "etag", "deleted", "lastModified",
 * "actor", "parents", "document" }], "next": before | null }`. At most `limit` (default 20,
 * at most 100); a bad `limit` or `before` is 400 and reads nothing.
 */
export async function revisions(ctx: Context, id: string): Promise<Response> {
  const params = new URL(ctx.request.url).searchParams;
  const limit = whole(params.get('limit'), 'limit') ?? DEFAULT_PAGE;
  if (limit > MAX_PAGE) throw new InvalidArgumentError(`limit is at most ${MAX_PAGE}`);
  const before = whole(params.get('before'), 'before');
  const page = ctx.empty
    ? { revisions: [], next: null }
    : await ctx.store.history(ctx.c, id, { limit, ...(before === undefined ? {} : { before }) });
  const items = page.revisions.map((r: Revision<object>) => ({
    revision: r.revision,
    etag: etagOf(ctx.c, metadataOf(r)),
    deleted: r.deleted,
    lastModified: r.lastModified,
    actor: r.actor,
    parents: r.parents,
    document: r.document,
  }));
  const body = ctx.request.method === 'HEAD' ? null : JSON.stringify({ items, next: page.next });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

/**
 * `GET`/`HEAD /:collection/:id/_revisions/:revision`: the document as that revision left
 * it, with the revision's ETag and Last-Modified; 404 when the history holds no such
 * revision (never written, pruned) or it is a delete.
 */
export async function revision(ctx: Context, id: string, number: string): Promise<Response> {
  const n = whole(number, 'revision') as number;
  const found = ctx.empty ? null : await ctx.store.getRevision(ctx.c, id, n);
  if (!found || found.document === null) {
    const why = found ? 'is a delete' : 'is not kept';
    return problemResponse(problem(404, 'not-found', 'Not Found', `Revision ${n} of ${id} ${why}`));
  }
  return documentResponse(ctx, 200, found.document, metadataOf(found));
}
