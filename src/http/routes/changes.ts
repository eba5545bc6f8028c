import { InvalidArgumentError } from '../../core/errors.js';
import type { ChangesPage } from '../../store/document-store.js';
import type { Context } from '../context.js';
import { changeEvents, resumeAfter, wantsEvents } from './change-events.js';
import { cursorOf, positionOf, publicChange } from './feed-position.js';

/**
 * `GET`/`HEAD /:collection/_changes?since=&limit=`: one page of the collection's changes
 * (or, with `Accept: text/event-stream`, every change as it commits: see `changeEvents`)
 * feed, `{ "changes": [...], "last": cursor }`. Positions are sealed cursors (see
 * `FeedCursors`): `since` is a `last` or a change's `cursor`, absent or `0` to start. The collection is filtered in the database, so
 * an empty page means there is nothing more after `since`. A page holds at most `limit`
 * changes (default 100, at most 10,000) and the store's byte budget of documents (4 MiB
 * by default; a larger document comes alone), and is written out change by change.
 */
export async function changes(ctx: Context): Promise<Response> {
  const params = new URL(ctx.request.url).searchParams;
  const number = (name: string, fallback: number) => {
    const value = params.get(name);
    if (value === null) return fallback;
    if (!/^[0-9]{1,15}$/.test(value)) {
      throw new InvalidArgumentError(`${name} is a non-negative integer`);
    }
    return Number(value);
  };
  const since = positionOf(ctx, params.get('since'));
  if (wantsEvents(ctx.request)) {
    return changeEvents(ctx, resumeAfter(ctx, since));
  }
  const page = await ctx.store.changes({
    since,
    limit: number('limit', 100),
    collection: ctx.c.name,
  });
  const body = ctx.request.method === 'HEAD' ? null : pageStream(ctx, page);
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
}

// The page's JSON, one change at a time: each is serialized when the client can take it,
// and let go of once written, so the text of a whole page is never held at once.
function pageStream(ctx: Context, page: ChangesPage): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const pending: (ChangesPage['changes'][number] | undefined)[] = page.changes;
  let next = -1;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (next === -1) {
        controller.enqueue(encoder.encode('{"changes":['));
      } else if (next < pending.length) {
        const text = JSON.stringify(
          publicChange(ctx, pending[next] as ChangesPage['changes'][number]),
        );
        pending[next] = undefined;
        controller.enqueue(encoder.encode(next === 0 ? text : `,${text}`));
      } else {
        controller.enqueue(encoder.encode(`],"last":${JSON.stringify(cursorOf(ctx, page.last))}}`));
        controller.close();
      }
      next++;
    },
  });
}
