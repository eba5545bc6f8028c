import { parentPort, workerData } from 'node:worker_threads';
import {
  ConcurrencyError,
  DocumentStore,
  type RecordedEvent,
  TransientError,
  threeWayMerge,
} from '../src/index.js';
import { History, recordUpdate } from '../src/testing/index.js';
import { type BackendConfig, openBackend } from '../test/support/open-backend.js';
import { type Change, chain, type State } from './model.js';

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
}

/** What a worker sends back: its history and the appends it saw accepted. */
export interface WorkerReport {
  readonly operations: History<Change>['operations'];
  readonly appends: { stream: string; version: number; id: string }[];
  readonly done: number;
}

const task = workerData as WorkerTask;

// A small seeded PRNG (mulberry32), so a run can be replayed from its seed.
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = random(task.seed);
const pick = (n: number) => Math.floor(rand() * n);
const store = new DocumentStore({ backend: openBackend(task.config) });
const docs = store.collection<State & { id: string; version?: number }>('docs', {
  versionField: 'version',
});
const history = new History<Change>();
const appends: WorkerReport['appends'] = [];
const retry = { maxAttempts: 50, initialDelay: 1, maxDelay: 20 };
const name = `w${task.worker}`;
let serial = 0;

const counter = (doc: State, tag: string) => {
  doc.n = Number(doc.n ?? 0) + 1;
  doc.h = chain(String(doc.h ?? ''), tag);
};

// Counters take plain retries or adaptive contention; merge documents get one field per
// worker, settled by a three-way merge.
async function increment(key: string) {
  const tag = `${name}.${serial++}`;
  const contention = rand() < 0.3 ? 'adaptive' : 'none';
  await recordUpdate(
    history,
    name,
    store,
    docs,
    key,
    { t: 'inc', tag },
    (doc) => counter(doc, tag),
    {
      retry,
      contention,
    },
  );
}

async function merged(key: string) {
  const value = serial++;
  const set = (doc: State) => {
    doc[name] = value;
  };
  const change: Change = { t: 'set', field: name, value };
  await recordUpdate(history, name, store, docs, key, change, set, {
    retry,
    resolver: threeWayMerge(),
  });
}

// A session saving 2–3 cold counters at once: one operation per document, all or none.
async function batch() {
  const keys = [...new Set(Array.from({ length: 2 + pick(2) }, () => `cold-${pick(task.cold)}`))];
  const session = store.openSession();
  const loaded = await session.loadMany(docs, keys);
  const live = loaded.filter((d): d is State & { id: string; version?: number } => d !== null);
  if (live.length === 0) return;
  const invocations = live.map((doc) => {
    const tag = `${name}.${serial++}`;
    const base = doc.version as number;
    counter(doc, tag);
    session.store(docs, doc);
    return history.invoke(name, `docs/${doc.id}`, { t: 'inc', tag } as Change, base);
  });
  try {
    await session.saveChanges();
    invocations.forEach((inv, i) => {
      const doc = live[i] as { version?: number };
      inv.ok({ revision: doc.version as number, base: inv.operation.base as number });
    });
  } catch (error) {
    for (const inv of invocations) {
      if (error instanceof TransientError) inv.unknown(error);
      else inv.fail(error);
    }
  }
}

// Delete a cold counter, or bring a deleted one back: revisions go on through both.
async function churn() {
  const id = `cold-${pick(task.cold)}`;
  const found = await store.getMetadata(docs, id);
  if (found) {
    const inv = history.invoke(name, `docs/${id}`, { t: 'del' } as Change, found.revision);
    try {
      await store.delete(docs, id, { check: { version: found.revision } });
      inv.ok({ revision: found.revision + 1, base: found.revision });
    } catch (error) {
      if (error instanceof TransientError) inv.unknown(error);
      else inv.fail(error);
    }
    return;
  }
  const tag = `${name}.${serial++}`;
  const inv = history.invoke(name, `docs/${id}`, { t: 'ins', tag } as Change);
  try {
    const result = await store.insert(docs, { id, n: 1, h: chain('', tag) });
    if (result.written) inv.ok({ revision: result.metadata.revision });
    else inv.fail(new Error('not written'));
  } catch (error) {
    if (error instanceof TransientError) inv.unknown(error);
    else inv.fail(error);
  }
}

const streamAggregate = { initialState: () => 0, evolve: (n: number) => n + 1 };

async function append() {
  const stream = `stream-${pick(task.streams)}`;
  try {
    const result = await store.events.handle(
      stream,
      streamAggregate,
      () => ({ type: 'Tick', data: { by: name } }),
      { retry },
    );
    for (const e of result.events as RecordedEvent[])
      appends.push({ stream, version: e.version, id: e.id });
  } catch (error) {
    if (
      !(error instanceof ConcurrencyError) &&
      !(error instanceof TransientError) &&
      (error as { code?: string }).code !== 'RETRY_EXHAUSTED'
    )
      throw error;
  }
}

let done = 0;
while (done < task.ops && Date.now() < task.deadline) {
  const roll = rand();
  try {
    if (roll < 0.45)
      await increment(rand() < 0.5 ? `hot-${pick(task.hot)}` : `cold-${pick(task.cold)}`);
    else if (roll < 0.6) await merged(`merge-${pick(task.hot)}`);
    else if (roll < 0.8) await batch();
    else if (roll < 0.9) await churn();
    else await append();
  } catch (error) {
    // A read that kept failing before any write was invoked: nothing to record.
    if (!(error instanceof TransientError)) throw error;
  }
  done++;
}
await store.close();
const report: WorkerReport = { operations: history.operations, appends, done };
parentPort?.postMessage(report);
