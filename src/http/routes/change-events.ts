import type { Change } from '../../store/document-store.js';
import { type Context, etagOf } from '../context.js';
import { positionOf, publicChange } from './feed-position.js';

const encoder = new TextEncoder();

/**
 * `GET /:collection/_changes` with `Accept: text/event-stream`: the collection's changes as
 * Server-Sent Events, from `Last-Event-ID` (or `?since=`, else 0) on, then each new change
 * as it commits. Each event is `event: change`, `id:` the change's cursor (so a reconnecting
 * `EventSource` resumes after the last one it received), and `data:` the change with its
 * ETag. A comment line every `heartbeat` ms keeps idle connections (and proxies) open.
 * Changes are read only as fast as the client takes them: a slow client holds one page of
 * the feed at most, never a growing buffer. The stream ends when the handler's `closing`
 * signal aborts.
 */
export function changeEvents(ctx: Context, since: number): Response {
  const controller = new AbortController();
  const closing = ctx.settings.closing;
  const end = () => controller.abort();
  if (closing?.aborted) end();
  closing?.addEventListener('abort', end, { once: true });
  controller.signal.addEventListener('abort', () => closing?.removeEventListener('abort', end), {
    once: true,
  });
  const changes = ctx.store.watch({ since, collection: ctx.c.name, signal: controller.signal });
  const heartbeat = ctx.settings.eventsHeartbeat;
  let next: Promise<IteratorResult<Change>> | undefined;
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(stream) {
        next ??= changes.next();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const beat = new Promise<'beat'>((resolve) => {
          timer = setTimeout(() => resolve('beat'), heartbeat);
        });
        const result = await Promise.race([next, beat]).finally(() => clearTimeout(timer));
        if (result === 'beat') {
          stream.enqueue(encoder.encode(': heartbeat\n\n'));
          return;
        }
        next = undefined;
        if (result.done) {
          controller.abort();
          stream.close();
          return;
        }
        stream.enqueue(encoder.encode(eventOf(ctx, result.value)));
      },
      cancel() {
        controller.abort();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(ctx.request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // Proxies that buffer responses (nginx) would hold events back.
      'x-accel-buffering': 'no',
    },
  });
}

function eventOf(ctx: Context, change: Change): string {
  const { id, deleted, document, metadata, cursor } = publicChange(ctx, change);
  const etag = etagOf(ctx.c, change.metadata);
  const data = JSON.stringify({ id, deleted, document, etag, metadata });
  // JSON text has no raw line breaks, so one `data:` line carries it whole.
  return `event: change\nid: ${cursor}\ndata: ${data}\n\n`;
}

/** Whether the request asks for the event stream rather than a JSON page. */
export function wantsEvents(request: Request): boolean {
  return (request.headers.get('accept') ?? '').toLowerCase().includes('text/event-stream');
}

/** The position to resume after: `Last-Event-ID` (a cursor) when sent, else `fallback`. */
export function resumeAfter(ctx: Context, fallback: number): number {
  const last = ctx.request.headers.get('last-event-id');
  return last === null ? fallback : positionOf(ctx, last);
}
