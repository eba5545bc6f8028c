import { HttpError } from './errors.js';
import { readEvents } from './sse.js';
import { failureOf, send, type Transport } from './transport.js';

/** One change of a watched collection, as the server's event stream sends it. */
export interface ChangeEvent<T> {
  /**
   * The change's position in the feed, opaque (the event's `id:`): a later `watch()` with
   * it as `since` starts right after this change.
   */
  readonly cursor: string;
  readonly id: string;
  readonly deleted: boolean;
  /** The document as this change left it; `null` when deleted. */
  readonly document: T | null;
  /** The ETag of that version: a write starting from this change sends it as `If-Match`. */
  readonly etag: string;
}

/** Options of `watch()`. */
export interface WatchOptions {
  /** Changes after this position (a change's `cursor`; default: every change there is). */
  since?: string;
  /** Ends the watch: the iterator finishes and the connection closes. */
  signal?: AbortSignal;
  /**
   * `'eventsource'` (browsers), `'fetch'` (a stream parser, sends `Last-Event-ID`), or
   * `'auto'` (the default): EventSource where the runtime has it and the client uses the
   * global fetch and no extra headers, which EventSource cannot send; fetch otherwise.
   */
  transport?: 'auto' | 'eventsource' | 'fetch';
  /** Wait before reconnecting after the connection dropped, in ms. Default 1000. */
  retryMs?: number;
  /**
   * With the fetch transport: a connection on which nothing, not even a heartbeat, came
   * for this many ms is taken for dead (a silently dropped network path sends no error)
   * and replaced, resuming after the last change. Default 45,000: three of the server's
   * default heartbeats; keep it a few heartbeats long.
   */
  idleTimeoutMs?: number;
}

interface EventSourceLike {
  readonly readyState: number;
  onerror: (() => void) | null;
  addEventListener(
    type: string,
    listener: (event: { data: string; lastEventId: string }) => void,
  ): void;
  close(): void;
}
type EventSourceClass = new (url: string) => EventSourceLike;

// What the connections share: where the feed is, and what was delivered last.
interface Feed {
  readonly transport: Transport;
  readonly url: string;
  readonly retryMs: number;
  readonly idleMs: number;
  readonly signal: AbortSignal;
  last: string;
  deliver(type: string, data: string, id: string): void;
  fail(error: unknown): void;
}

/**
 * The changes at `url` (`…/_changes`) as an async iterator over Server-Sent Events,
 * reconnecting after a drop and resuming after the last change delivered: a change
 * repeated by the server after a reconnect is dropped, so none comes twice.
 */
export function watchChanges<T>(
  transport: Transport,
  url: string,
  options: WatchOptions = {},
): AsyncIterableIterator<ChangeEvent<T>> {
  const stop = new AbortController();
  const ended = () => stop.abort();
  options.signal?.addEventListener('abort', ended, { once: true });
  if (options.signal?.aborted) ended();
  const buffered: ChangeEvent<T>[] = [];
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const feed: Feed = {
    transport,
    url,
    retryMs: options.retryMs ?? 1000,
    idleMs: options.idleTimeoutMs ?? 45_000,
    signal: stop.signal,
    last: options.since ?? '',
    deliver(type, data, cursor) {
      // The server resumes after Last-Event-ID, so a change never comes twice; an event
      // without a new id would not be resumable, so it is not taken either.
      if (type !== 'change' || cursor === '' || cursor === feed.last) return;
      feed.last = cursor;
      const { id, deleted, document, etag } = JSON.parse(data) as ChangeEvent<T>;
      buffered.push({ cursor, id, deleted, document, etag });
      wake?.();
    },
    fail(error) {
      failure = { error };
      stop.abort();
    },
  };
  stop.signal.addEventListener('abort', () => wake?.(), { once: true });
  const EventSource = (globalThis as unknown as { EventSource?: EventSourceClass }).EventSource;
  const choice = options.transport ?? 'auto';
  if (EventSource && (choice === 'eventsource' || (choice === 'auto' && !transport.custom))) {
    viaEventSource(feed, EventSource);
  } else {
    void viaFetch(feed);
  }
  const iterator: AsyncIterableIterator<ChangeEvent<T>> = {
    async next() {
      for (;;) {
        const change = buffered.shift();
        if (change) return { value: change, done: false };
        if (failure) throw failure.error;
        if (stop.signal.aborted) return { value: undefined, done: true };
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
    async return() {
      ended();
      buffered.length = 0;
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });

// A status worth trying again: the server is there but busy, restarting or timing out.
const passing = (status: number) => status >= 500 || status === 408 || status === 429;

async function viaFetch(feed: Feed): Promise<void> {
  const since = feed.last;
  const url = since ? `${feed.url}?since=${encodeURIComponent(since)}` : feed.url;
  while (!feed.signal.aborted) {
    // The connection ends with the watch, or when it has been silent too long.
    const connection = new AbortController();
    const end = () => connection.abort();
    feed.signal.addEventListener('abort', end, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const heard = () => {
      clearTimeout(timer);
      timer = setTimeout(end, feed.idleMs);
    };
    heard();
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (feed.last !== since) headers['last-event-id'] = feed.last;
      const response = await send(feed.transport, url, { headers, signal: connection.signal });
      if (!response.ok) throw await failureOf(response);
      for await (const event of readEvents(response.body as ReadableStream<Uint8Array>, heard)) {
        feed.deliver(event.type, event.data, event.id);
      }
    } catch (error) {
      if (feed.signal.aborted) return;
      // Any other failure is the connection's: it dropped, so connect again.
      if (error instanceof HttpError && !passing(error.status)) return feed.fail(error);
    } finally {
      clearTimeout(timer);
      feed.signal.removeEventListener('abort', end);
    }
    await pause(feed.retryMs, feed.signal);
  }
}

function viaEventSource(feed: Feed, EventSource: EventSourceClass): void {
  let source: EventSourceLike | undefined;
  const open = () => {
    if (feed.signal.aborted) return;
    // EventSource reconnects by itself with Last-Event-ID; after an answer it cannot take
    // (an error status) it gives up, and a new one resumes from the last change delivered.
    const since = feed.last ? `?since=${encodeURIComponent(feed.last)}` : '';
    const current = new EventSource(feed.url + since);
    source = current;
    current.addEventListener('change', (event) =>
      feed.deliver('change', event.data, event.lastEventId),
    );
    current.onerror = () => {
      if (current.readyState === 2) void pause(feed.retryMs, feed.signal).then(open);
    };
  };
  open();
  feed.signal.addEventListener('abort', () => source?.close(), { once: true });
}
