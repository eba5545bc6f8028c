// One racer: a thread or process with its own connection, driven by test/support/racers.ts.
import { parentPort } from 'node:worker_threads';
import {
  BatchWriteError,
  type Collection,
  ConcurrencyError,
  type DocumentSession,
  DocumentStore,
  RetryExhaustedError,
} from '../../src/index.js';
import { type Counter, collections } from './model.js';
import { type BackendConfig, openBackend } from './open-backend.js';

/** What a racer is asked to do. */
export type RacerTask =
  /** `times` increments of one counter through `update()`. */
  | { kind: 'increment'; config: BackendConfig; id: string; tag: string; times: number }
  /** `sessions` sessions that each load `id`, then all save it at once. */
  | { kind: 'session-race'; config: BackendConfig; id: string; tag: string; sessions: number }
  /** `rounds` sessions, each loading `ids`, incrementing every one and saving them as one batch. */
  | { kind: 'batch'; config: BackendConfig; ids: string[]; tag: string; rounds: number }
  /** Opens the store (running its migration) and reads a document. */
  | { kind: 'open'; config: BackendConfig }
  /** For each seat in turn, `updateWhere()` booking it if its status is open. */
  | { kind: 'book'; config: BackendConfig; seats: string[]; tag: string };

/** One accepted write: its tag and the revision it produced. */
export interface Accepted {
  tag: string;
  revision: number;
}

/** A save outcome in a session race. */
export interface SaveOutcome {
  tag: string;
  ok: boolean;
  code?: string;
  expected?: unknown;
  actual?: unknown;
}

export type RacerResult =
  | { kind: 'increment'; accepted: Accepted[]; gaveUp: number; attempts: number }
  | { kind: 'session-race'; outcomes: SaveOutcome[] }
  | { kind: 'batch'; accepted: string[]; failed: number }
  | { kind: 'open'; ok: true }
  | { kind: 'book'; booked: string[] };

export type RacerMessage =
  | { type: 'ready' }
  | { type: 'done'; result: RacerResult }
  | { type: 'error'; message: string };

type Inbound = { type: 'task'; task: RacerTask } | { type: 'go' };

const send = (message: RacerMessage) =>
  parentPort ? parentPort.postMessage(message) : process.send?.(message);

function onMessage(listener: (message: Inbound) => void) {
  if (parentPort) parentPort.on('message', listener);
  else process.on('message', (m) => listener(m as Inbound));
}

let go: () => void;
const released = new Promise<void>((resolve) => {
  go = resolve;
});

onMessage((message) => {
  if (message.type === 'go') go();
  else
    race(message.task).then(
      (result) => {
        send({ type: 'done', result });
        // Let the message flush before a process exits; threads are terminated by the parent.
        if (!parentPort) process.disconnect?.();
      },
      (error: unknown) =>
        send({ type: 'error', message: String((error as Error)?.stack ?? error) }),
    );
});

async function race(task: RacerTask): Promise<RacerResult> {
  const store = new DocumentStore({ backend: openBackend(task.config) });
  const { counters } = collections(store);
  try {
    switch (task.kind) {
      case 'open': {
        send({ type: 'ready' });
        await released;
        await store.get(counters, 'any');
        return { kind: 'open', ok: true };
      }
      case 'increment': {
        await store.get(counters, task.id);
        send({ type: 'ready' });
        await released;
        return await increment(store, task);
      }
      case 'session-race': {
        const sessions = Array.from({ length: task.sessions }, () => store.openSession());
        const loaded = await Promise.all(sessions.map((s) => s.load(counters, task.id)));
        send({ type: 'ready' });
        await released;
        return {
          kind: 'session-race',
          outcomes: await saveAll(sessions, loaded, task.tag, counters),
        };
      }
      case 'batch': {
        send({ type: 'ready' });
        await released;
        return await batches(store, task);
      }
      case 'book': {
        await store.get(store.collection(SEATS), 'any');
        send({ type: 'ready' });
        await released;
        return await book(store, task);
      }
    }
  } finally {
    await store.close();
  }
}

async function increment(
  store: DocumentStore,
  task: Extract<RacerTask, { kind: 'increment' }>,
): Promise<RacerResult> {
  const { counters } = collections(store);
  const accepted: Accepted[] = [];
  let gaveUp = 0;
  let attempts = 0;
  for (let k = 0; k < task.times; k++) {
    const tag = `${task.tag}:${k}`;
    try {
      const saved = await store.update(
        counters,
        task.id,
        (doc, ctx) => {
          attempts++;
          doc.n += 1;
          doc.log.push(tag);
          if (ctx.attempt > 1000) throw new Error('unreachable');
        },
        { retry: { maxAttempts: 200, initialDelay: 1, maxDelay: 20 } },
      );
      accepted.push({ tag, revision: saved.version as number });
    } catch (error) {
      if (!(error instanceof RetryExhaustedError)) throw error;
      gaveUp++;
    }
  }
  return { kind: 'increment', accepted, gaveUp, attempts };
}

async function saveAll(
  sessions: DocumentSession[],
  loaded: (Counter | null)[],
  tag: string,
  counters: Collection<Counter>,
): Promise<SaveOutcome[]> {
  return Promise.all(
    sessions.map(async (session, j) => {
      const doc = loaded[j];
      if (!doc) throw new Error('the raced document is missing');
      const who = `${tag}-${j}`;
      doc.n += 1;
      doc.log.push(who);
      session.store(counters, doc);
      try {
        await session.saveChanges();
        return { tag: who, ok: true };
      } catch (error) {
        if (!(error instanceof ConcurrencyError)) throw error;
        return {
          tag: who,
          ok: false,
          code: error.code,
          expected: error.expected,
          actual: error.actual,
        };
      }
    }),
  );
}

async function batches(
  store: DocumentStore,
  task: Extract<RacerTask, { kind: 'batch' }>,
): Promise<RacerResult> {
  const { counters } = collections(store);
  const accepted: string[] = [];
  let failed = 0;
  for (let r = 0; r < task.rounds; r++) {
    const tag = `${task.tag}:${r}`;
    const session = store.openSession();
    const docs = await session.loadMany(counters, task.ids);
    for (const doc of docs) {
      if (!doc) throw new Error('a batch document is missing');
      doc.n += 1;
      doc.log.push(tag);
      session.store(counters, doc);
    }
    try {
      await session.saveChanges();
      accepted.push(tag);
    } catch (error) {
      if (!(error instanceof ConcurrencyError || error instanceof BatchWriteError)) throw error;
      failed++;
    }
  }
  return { kind: 'batch', accepted, failed };
}

/** The collection of the seat-booking race: a seat is `open` until one client books it. */
export const SEATS = 'seats';

async function book(
  store: DocumentStore,
  task: Extract<RacerTask, { kind: 'book' }>,
): Promise<RacerResult> {
  const seats = store.collection<{ id: string; status: string; by?: string }>(SEATS);
  const booked: string[] = [];
  for (const id of task.seats) {
    const { written } = await store.updateWhere(
      seats,
      { id, status: 'open' },
      { $set: { status: 'booked', by: task.tag } },
      { actor: task.tag },
    );
    booked.push(...written.map((w) => w.id));
  }
  return { kind: 'book', booked };
}
