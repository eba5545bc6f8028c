import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { readEvents } from '../../src/client/sse.js';
import { createHandler } from '../../src/http/index.js';
import type { DocumentStore } from '../../src/index.js';
import type {
  FeedWritersData,
  FeedWritersResult,
  FeedWritersTask,
} from '../support/feed-writers.js';
import { startServer } from '../support/http-server.js';
import { describeConformance } from './fixture.js';
import { withSlowCommits } from './slow-commits.js';

// The proof of the live feed at scale. 100,000 changes take minutes on a loaded 2-core
// machine, so `npm test` writes fewer by default; NOCLOBBER_WATCH_CHANGES=100000 runs it in full.
const CHANGES = Number(process.env.NOCLOBBER_WATCH_CHANGES ?? 2_000);
const THREADS = 4;
const WRITERS_EACH = 8;
// A watcher reconnects after a random number of changes up to this, or a random while.
const RUN = Math.max(50, Math.round(CHANGES / 40));

const random = (below: number) => Math.floor(Math.random() * below);

// One thread of writers (test/support/feed-writers.ts); resolves with the ids it committed.
function writers(task: FeedWritersTask): Promise<string[]> {
  const data: FeedWritersData = {
    entry: new URL('../support/feed-writers.ts', import.meta.url).href,
    task,
  };
  const worker = new Worker(new URL('../support/boot-worker.mjs', import.meta.url), {
    workerData: data,
  });
  return new Promise<string[]>((resolve, reject) => {
    worker.once('message', (result: FeedWritersResult) => {
      if ('error' in result) reject(new Error(result.error));
      else resolve(result.ids);
      void worker.terminate();
    });
    worker.once('error', reject);
  }).finally(() => worker.terminate());
}

// Aborts `controller` after a random while up to `ms`; returns how to cancel that.
function abortLater(controller: AbortController, ms: number): () => void {
  const timer = setTimeout(() => controller.abort(), random(ms));
  return () => clearTimeout(timer);
}

/**
 * A `store.watch()` loop that stops after a random number of changes or a random while and
 * resumes after the last seq it handled, until it has taken `total` changes (or `deadline`).
 */
async function storeWatcher(store: DocumentStore, total: number, deadline: () => boolean) {
  const seen: { id: string; seq: number }[] = [];
  let since = 0;
  while (seen.length < total && !deadline()) {
    const controller = new AbortController();
    let cancel = () => {};
    const idle = setInterval(() => deadline() && controller.abort(), 200);
    const stopAfter = 1 + random(RUN);
    let taken = 0;
    try {
      for await (const change of store.watch({
        since,
        pollInterval: 20,
        signal: controller.signal,
      })) {
        seen.push({ id: change.id, seq: change.metadata.seq });
        since = change.metadata.seq;
        // Cut off a random while after the first change: a connection always gets one.
        if (taken === 0) cancel = abortLater(controller, 2_000);
        if (++taken >= stopAfter || seen.length >= total) controller.abort();
      }
    } finally {
      cancel();
      clearInterval(idle);
    }
  }
  return seen;
}

/**
 * The same over `GET /items/_changes` as Server-Sent Events on a real socket: each
 * connection is cut at random, and the next sends `Last-Event-ID`, the last event taken.
 */
async function sseWatcher(url: string, total: number, deadline: () => boolean) {
  const seen: string[] = [];
  let last = '';
  while (seen.length < total && !deadline()) {
    const controller = new AbortController();
    let cancel = () => {};
    const idle = setInterval(() => deadline() && controller.abort(), 200);
    const stopAfter = 1 + random(RUN);
    let taken = 0;
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (last !== '') headers['last-event-id'] = last;
      const response = await fetch(`${url}/items/_changes`, { headers, signal: controller.signal });
      expect(response.status).toBe(200);
      for await (const event of readEvents(response.body as ReadableStream<Uint8Array>)) {
        if (event.type !== 'change') continue;
        seen.push((JSON.parse(event.data) as { id: string }).id);
        last = event.id;
        if (taken === 0) cancel = abortLater(controller, 2_000);
        if (++taken >= stopAfter || seen.length >= total) break;
      }
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    } finally {
      cancel();
      clearInterval(idle);
      controller.abort();
    }
  }
  return seen;
}

// Every change of the feed, in order, with its seq.
async function wholeFeed(store: DocumentStore) {
  const all = new Map<string, number>();
  let since = 0;
  for (;;) {
    const page = await store.changes({ since, limit: 10_000 });
    if (page.changes.length === 0) return all;
    for (const change of page.changes) all.set(change.id, change.metadata.seq);
    since = page.last;
  }
}

const rising = (seqs: number[]) => seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number));

describeConformance('the live feed at scale', (fixture) => {
  it(
    `32 writers in ${THREADS} threads, ${CHANGES} changes, watchers reconnecting at random (store and SSE): each sees every change once, in commit order`,
    async () => {
      const f = fixture();
      const { store, config } = f;
      const server = await startServer('node', (basePath) =>
        createHandler(store, { collections: [store.collection('items')], basePath }),
      );
      try {
        await withSlowCommits(f, async () => {
          let stopAt = Number.POSITIVE_INFINITY;
          const deadline = () => Date.now() > stopAt;
          const watching = Promise.all([
            storeWatcher(store, CHANGES, deadline),
            storeWatcher(store, CHANGES, deadline),
            sseWatcher(server.url, CHANGES, deadline),
            sseWatcher(server.url, CHANGES, deadline),
          ]);
          const each = Math.ceil(CHANGES / THREADS);
          const written = (
            await Promise.all(
              Array.from({ length: THREADS }, (_, t) =>
                writers({
                  config,
                  tag: `t${t}`,
                  writers: WRITERS_EACH,
                  count: Math.min(each, CHANGES - t * each),
                }),
              ),
            )
          ).flat();
          expect(written).toHaveLength(CHANGES);
          // A watcher that missed a change would wait for it forever; one that is only
          // slow (an event stream on a loaded machine) gets time in proportion.
          stopAt = Date.now() + 60_000 + CHANGES * 3;
          const [byStore1, byStore2, bySse1, bySse2] = await watching;
          const feed = await wholeFeed(store);
          const expected = [...written].sort();
          expect([...feed.keys()].sort()).toEqual(expected);
          for (const seen of [byStore1, byStore2]) {
            expect(rising(seen.map((c) => c.seq))).toBe(true);
            expect(seen.map((c) => c.id).sort()).toEqual(expected);
          }
          for (const seen of [bySse1, bySse2]) {
            expect(rising(seen.map((id) => feed.get(id) ?? -1))).toBe(true);
            expect([...seen].sort()).toEqual(expected);
          }
        });
      } finally {
        await server.close();
      }
    },
    60_000 + CHANGES * 20,
  );
});
