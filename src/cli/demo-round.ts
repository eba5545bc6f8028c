import { Worker } from 'node:worker_threads';
import { SqliteBackend } from '../backends/sqlite/index.js';
import { DocumentStore } from '../index.js';
import {
  type ClientMessage,
  type ClientResult,
  type ClientTask,
  COLLECTION,
  ORDER_ID,
  type Order,
  type Strategy,
} from './demo-protocol.js';

// Built JS beside this file: the demo runs from dist/, which is why `npm run demo` builds first.
const CLIENT_URL = new URL('./demo-client.js', import.meta.url);

/** One round of the race. */
export interface RoundSpec {
  strategy: Strategy;
  /** A fresh database file for this round, so every round starts at revision 1. */
  filename: string;
  clients: number;
  thinkMs: number;
  maxAttempts: number;
}

/** Hears what the clients do while they run, for a progress display. */
export interface RoundObserver {
  attempt(client: number, attempt: number): void;
  done(result: ClientResult): void;
}

/** What a round produced: every client's report and the order as it ended up. */
export interface RoundRun {
  results: ClientResult[];
  /** The client numbers of the lines in the final document, in document order. */
  finalLines: number[];
  finalRevision: number;
}

/** Creates the empty order, races the clients on it and reads what is left. */
export async function runRound(spec: RoundSpec, observer?: RoundObserver): Promise<RoundRun> {
  const store = new DocumentStore({ backend: new SqliteBackend({ filename: spec.filename }) });
  const orders = store.collection<Order>(COLLECTION, { versionField: 'version' });
  try {
    await store.insert(orders, { id: ORDER_ID, lines: [] });
    const results = await race(spec, observer);
    const final = await store.get(orders, ORDER_ID);
    if (!final) throw new Error(`${ORDER_ID} disappeared during the round`);
    return {
      results,
      finalLines: final.lines.map((line) => line.client),
      // The collection's version field holds the revision after a load.
      finalRevision: final.version ?? 0,
    };
  } finally {
    await store.close();
  }
}

/** Starts one worker per client, waits until all are ready, then releases them together. */
async function race(spec: RoundSpec, observer: RoundObserver | undefined): Promise<ClientResult[]> {
  const barrier = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  const clients = Array.from({ length: spec.clients }, (_, i) =>
    spawnClient(
      {
        client: i + 1,
        filename: spec.filename,
        strategy: spec.strategy,
        thinkMs: spec.thinkMs,
        maxAttempts: spec.maxAttempts,
        barrier,
      },
      observer,
    ),
  );
  try {
    await Promise.all(clients.map((c) => c.ready));
  } catch (error) {
    // The others are blocked on the barrier and would wait forever.
    await Promise.all(clients.map((c) => c.worker.terminate()));
    throw error;
  }
  const go = new Int32Array(barrier);
  Atomics.store(go, 0, 1);
  Atomics.notify(go, 0);
  return Promise.all(clients.map((c) => c.finished));
}

interface RunningClient {
  worker: Worker;
  /** Resolves when the client is connected and waiting; rejects if it dies before that. */
  ready: Promise<void>;
  /** Always resolves: a client that dies after the start is reported as `failed`. */
  finished: Promise<ClientResult>;
}

function spawnClient(task: ClientTask, observer: RoundObserver | undefined): RunningClient {
  const worker = new Worker(CLIENT_URL, { workerData: task });
  let markReady = () => {};
  const readySignal = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  const finished = new Promise<ClientResult>((resolve) => {
    let result: ClientResult | undefined;
    let attempts = 0;
    let failure: string | undefined;
    worker.on('message', (message: ClientMessage) => {
      switch (message.type) {
        case 'ready':
          markReady();
          break;
        case 'attempt':
          attempts = message.attempt;
          observer?.attempt(task.client, message.attempt);
          break;
        case 'done':
          result = message.result;
          observer?.done(message.result);
          break;
      }
    });
    worker.once('error', (error) => {
      failure = error.message;
    });
    worker.once('exit', (code) => {
      if (result) return resolve(result);
      const error = failure ?? `the worker exited with code ${code} before reporting`;
      const failed: ClientResult = { client: task.client, attempts, outcome: 'failed', error };
      observer?.done(failed);
      resolve(failed);
    });
  });
  const diedEarly = finished.then((r) =>
    Promise.reject(new Error(`Demo client ${task.client} stopped before the start: ${r.error}`)),
  );
  return { worker, ready: Promise.race([readySignal, diedEarly]), finished };
}
