import { DEFAULT_PAGE_BYTES, prepareQuery } from '../../query/query.js';
import { contextOf } from '../../store/document-store.js';
import { findStored, type StoredPage } from '../../store/find.js';
import { type Context, etagOf } from '../context.js';
import { parseListQuery } from '../list-query.js';

/**
 * `GET`/`HEAD /:collection?…`: one page of the collection's documents that match the
 * query string's filter (see `parseListQuery`), in its order,
 * `{ "items": [{ "id", "etag", "document" }], "next": cursor | null }`. At most `limit`
 * (default 100, at most 1,000) and 4 MiB of document JSON (a larger document comes alone,
 * and `next` goes on after it); a malformed query is 400 and reads nothing. A page has no
 * ETag, so conditional headers have nothing to say here, but a malformed one is still
 * refused with 400, as on every route.
 */
export async function list(ctx: Context): Promise<Response> {
  const { filter, options: asked } = parseListQuery(new URL(ctx.request.url).search);
  // A page's text is built whole, so its documents are read up to a budget, not a count.
  const options = { ...asked, maxBytes: DEFAULT_PAGE_BYTES };
  let page: StoredPage;
  if (ctx.empty) {
    prepareQuery(ctx.c.name, filter, options);
    page = { found: [], next: null };
  } else {
    page = await findStored(contextOf(ctx.store), ctx.c, filter, options);
  }
  const items = page.found.map((found) => ({
    id: found.id,
    etag: etagOf(ctx.c, found.metadata),
    document: ctx.c.toEntity(found.id, found),
  }));
  const body = ctx.request.method === 'HEAD' ? null : JSON.stringify({ items, next: page.next });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}
