import {
  type Context,
  currentOf,
  documentResponse,
  etagOf,
  lookup,
  noDocument,
  preconditionFailed,
} from '../context.js';
import { formatHttpDate } from '../http-date.js';
import { evaluatePreconditions } from '../preconditions.js';

/** `GET`/`HEAD /:collection/:id`: the document, 304 or 412 by its conditions, or 404. */
export async function read(ctx: Context, id: string): Promise<Response> {
  const p = ctx.preconditions;
  const found = await lookup(ctx, id);
  // Without its conditions this request would be a 404, so they are ignored (RFC 9110 13.2.1).
  if (!found) return noDocument(id);
  const verdict = evaluatePreconditions(p, ctx.request.method, currentOf(ctx.c, found.metadata));
  if (verdict === 'failed') return preconditionFailed(`The precondition does not hold for ${id}`);
  if (verdict === 'not-modified') {
    return new Response(null, {
      status: 304,
      headers: {
        etag: etagOf(ctx.c, found.metadata),
        'last-modified': formatHttpDate(found.metadata.lastModified),
      },
    });
  }
  return documentResponse(ctx, 200, found.document, found.metadata);
}
