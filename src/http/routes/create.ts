import { type Context, documentResponse } from '../context.js';
import { documentOf } from '../document-body.js';

/**
 * `POST /:collection`: creates a document with a generated id (201, `Location`). A new id
 * can match no ETag, so conditional headers have nothing to say here, but a malformed one
 * is still refused with 400, as on every route.
 */
export async function create(ctx: Context): Promise<Response> {
  const document = await documentOf(ctx, undefined);
  if (document instanceof Response) return document;
  const result = await ctx.store.insert(ctx.c, document);
  return documentResponse(ctx, 201, document, result.metadata, {
    location: `${encodeURIComponent(ctx.c.name)}/${encodeURIComponent(result.id)}`,
  });
}
