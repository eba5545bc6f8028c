import { expect, it } from 'vitest';
import { ADAPTERS } from '../support/http-server.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';
import { useServers } from './http-support.js';

interface Event {
  readonly id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly comment?: string;
}

// Reads Server-Sent Events off a response body as they arrive.
function eventsOf(response: Response) {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<Event> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) event.comment = line.slice(1).trim();
            else {
              const colon = line.indexOf(':');
              event[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
            }
          }
          return event;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the stream ended');
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

const STREAM = { accept: 'text/event-stream' };

// The cursors of a collection's changes, in feed order, as the JSON feed gives them.
async function cursorsOf(call: (path: string) => Promise<Response>, path: string) {
  const page = (await (await call(path)).json()) as { changes: { cursor: string }[] };
  return page.changes.map((change) => change.cursor);
}

describeConformance('the changes feed as Server-Sent Events', (fixture) => {
  const serve = useServers();

  it.each(ADAPTERS)(
    '%s: replays, then streams each change as it commits, with its ETag',
    async (adapter) => {
      const f = fixture();
      const { call } = await serve(f, adapter);
      await f.store.insert(f.c.orders, order('o1'));
      const response = await call('/orders/_changes', { headers: STREAM });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = eventsOf(response);
      const replayed = await events.next();
      expect(replayed.event).toBe('change');
      expect(replayed.id).toBe((await cursorsOf(call, '/orders/_changes'))[0]);
      await f.store.insert(f.c.orders, order('o2', { total: 5 }));
      const live = await events.next();
      expect(live.id).toBe((await cursorsOf(call, '/orders/_changes'))[1]);
      const data = JSON.parse(live.data as string) as {
        id: string;
        etag: string;
        document: { total: number };
      };
      expect(data.id).toBe('o2');
      expect(data.document.total).toBe(5);
      expect(data.etag).toBe((await call('/orders/o2')).headers.get('etag'));
      await events.cancel();
    },
  );

  it('resumes after Last-Event-ID, and refuses one that is not a cursor of this tenant', async () => {
    const f = fixture();
    const { call } = await serve(f);
    for (const id of ['a', 'b', 'c']) await f.store.insert(f.c.orders, order(id));
    const written = await cursorsOf(call, '/orders/_changes');
    const response = await call('/orders/_changes', {
      headers: { ...STREAM, 'last-event-id': written[0] as string },
    });
    const events = eventsOf(response);
    expect((await events.next()).id).toBe(written[1]);
    expect((await events.next()).id).toBe(written[2]);
    await events.cancel();
    // A seq, a cursor of another tenant, garbage: none is a position of this feed.
    const seq = String((await f.store.getMetadata(f.c.orders, 'a'))?.seq);
    const theirs = (await (
      await call('/orders/_changes', { headers: { 'x-tenant': 'other' } })
    ).json()) as {
      last: string;
    };
    for (const id of ['x', seq, theirs.last]) {
      const bad = await call('/orders/_changes', { headers: { ...STREAM, 'last-event-id': id } });
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });

  it('an idle stream sends heartbeats; another tenant sees none of the changes', async () => {
    const f = fixture();
    const { call } = await serve(f, 'node', { eventsHeartbeat: 50 });
    const response = await call('/orders/_changes', {
      headers: { ...STREAM, 'x-tenant': 'other' },
    });
    const events = eventsOf(response);
    await f.store.insert(f.c.orders, order('mine'));
    expect(await events.next()).toEqual({ comment: 'heartbeat' });
    expect(await events.next()).toEqual({ comment: 'heartbeat' });
    await events.cancel();
  });
});

describeConformance('an event stream opens at once', (fixture) => {
  const serve = useServers();

  it.each(ADAPTERS)(
    '%s: the headers arrive before the first change or heartbeat, then each change',
    async (adapter) => {
      const f = fixture();
      // No heartbeat within the test's time: only headers sent at once let the fetch resolve.
      const { call } = await serve(f, adapter, { eventsHeartbeat: 600_000 });
      const response = await call('/orders/_changes', { headers: STREAM });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = eventsOf(response);
      await f.store.insert(f.c.orders, order('after-open'));
      const first = await events.next();
      expect(first.event).toBe('change');
      expect(JSON.parse(first.data as string)).toMatchObject({ id: 'after-open' });
      await events.cancel();
    },
    30_000,
  );
});
