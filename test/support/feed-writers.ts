// A thread of feed writers for the watch proof (test/conformance/watch-scale.test.ts): its
// own store on its own connections, `writers` loops inserting new documents alone or in
// batches of up to 20 through a session, until the thread has inserted `count`.
import { parentPort, workerData } from 'node:worker_threads';
import { DocumentStore } from '../../src/index.js';
import { type BackendConfig, openBackend } from './open-backend.js';

/** What a thread of writers is asked to do. */
export interface FeedWritersTask {
  readonly config: BackendConfig;
  readonly tag: string;
  readonly writers: number;
  readonly count: number;
}

/** The worker data a thread starts with (see test/support/boot-worker.mjs). */
export interface FeedWritersData {
  readonly entry: string;
  readonly task: FeedWritersTask;
}

/** The ids the thread inserted, every one committed. */
export type FeedWritersResult = { ids: string[] } | { error: string };

async function run(task: FeedWritersTask): Promise<string[]> {
  const store = new DocumentStore({ backend: openBackend(task.config, { max: task.writers }) });
  const items = store.collection<{ id: string; n: number }>('items');
  const ids: string[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: task.writers }, async (_, w) => {
        while (next < task.count) {
          const size = Math.min(task.count - next, 1 + Math.floor(Math.random() * 20));
          const batch = Array.from({ length: size }, () => `${task.tag}-${w}-${next++}`);
          if (size === 1) {
            await store.insert(items, { id: batch[0] as string, n: 0 });
          } else {
            const session = store.openSession();
            for (const id of batch) session.insert(items, { id, n: 0 });
            await session.saveChanges();
          }
          ids.push(...batch);
        }
      }),
    );
    return ids;
  } finally {
    await store.close();
  }
}

const { task } = workerData as FeedWritersData;
run(task).then(
  (ids) => parentPort?.postMessage({ ids } satisfies FeedWritersResult),
  (error: unknown) =>
    parentPort?.postMessage({
      error: String((error as Error)?.stack ?? error),
    } satisfies FeedWritersResult),
);
