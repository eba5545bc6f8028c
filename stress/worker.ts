import { parentPort, workerData } from 'node:worker_threads';
import { DocumentStore, TransientError } from '../src/index.js';
import { History, withLostReplies } from '../src/testing/index.js';
import { type BackendConfig, openBackend } from '../test/support/open-backend.js';
import type { AppendRecord, Doc, WorkerContext } from './context.js';
import {
  batch,
  churn,
  increment,
  merged,
  patched,
  unpinnedDelete,
  unpinnedPut,
  unpinnedSession,
} from './doc-ops.js';
import {
  httpDelete,
  httpPatchUnpinned,
  httpPinned,
  httpPutUnpinned,
  serveHttp,
} from './http-ops.js';
import type { Change } from './model.js';
import { random } from './random.js';
import { appendedAny, handled } from './stream-ops.js';

/** What the coordinator sends a stress worker. */
export interface WorkerTask {
  readonly config: BackendConfig;
  readonly worker: number;
  readonly ops: number;
  readonly deadline: number;
  readonly seed: number;
  readonly hot: number;
  readonly cold: number;
  readonly streams: number;
  /** Share of writes whose reply the worker's backend loses after they commit (SQLite). */
  readonly lostReplies: number;
}

/** What a worker sends back: its history, its appends, what it did. */
export interface WorkerReport {
  readonly operations: History<Change>['operations'];
  readonly appends: readonly AppendRecord[];
  readonly done: number;
  /** Replies its backend lost on purpose. */
  readonly lostReplies: number;
}

// The mix, by weight: pinned writes, unpinned ones, appends, and HTTP writes.
const MIX: readonly [number, (ctx: WorkerContext) => Promise<void>][] = [
  [22, increment],
  [6, merged],
  [6, patched],
  [8, batch],
  [5, unpinnedSession],
  [6, churn],
  [8, unpinnedPut],
  [5, unpinnedDelete],
  [5, handled],
  [5, appendedAny],
  [7, httpPutUnpinned],
  [4, httpDelete],
  [5, httpPatchUnpinned],
  [8, httpPinned],
];
const TOTAL = MIX.reduce((sum, [weight]) => sum + weight, 0);

function choose(roll: number) {
  let left = roll * TOTAL;
  for (const [weight, op] of MIX) {
    left -= weight;
    if (left < 0) return op;
  }
  return MIX[0]?.[1] as (ctx: WorkerContext) => Promise<void>;
}

const task = workerData as WorkerTask;
const rand = random(task.seed);
// Losing replies is the backend's business on SQLite; on PostgreSQL a proxy does it.
const lossy =
  task.lostReplies > 0
    ? withLostReplies(openBackend(task.config), {
        rate: task.lostReplies,
        random: random(task.seed ^ 0x5eed),
        delay: 5,
      })
    : undefined;
const store = new DocumentStore({ backend: lossy ?? openBackend(task.config) });
const docs = store.collection<Doc>('docs', { versionField: 'version' });
const retry = { maxAttempts: 50, initialDelay: 1, maxDelay: 20 };
const http = await serveHttp(store, docs, retry);
let serial = 0;
const name = `w${task.worker}`;
const ctx: WorkerContext = {
  store,
  docs,
  history: new History<Change>(),
  appends: [],
  name,
  rand,
  retry,
  http: http.url,
  hot: task.hot,
  cold: task.cold,
  streams: task.streams,
  serial: () => serial++,
  tag: () => `${name}.${serial++}`,
};

let done = 0;
while (done < task.ops && Date.now() < task.deadline) {
  try {
    await choose(rand())(ctx);
  } catch (error) {
    // A read that kept failing before any write was invoked: nothing to record.
    if (!(error instanceof TransientError)) throw error;
  }
  done++;
}
await http.close();
await store.close();
const report: WorkerReport = {
  operations: ctx.history.operations,
  appends: ctx.appends,
  done,
  lostReplies: lossy?.lostReplies ?? 0,
};
parentPort?.postMessage(report);
