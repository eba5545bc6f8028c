/**
 * The body of one demo client, run in its own worker thread with its own SQLite connection,
 * so the clients race the way separate processes would. Loaded by `demo-round.ts`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBackend } from '../backends/sqlite/index.js';
import { DocumentStore, RetryExhaustedError } from '../index.js';
import {
  type ClientMessage,
  type ClientResult,
  type ClientTask,
  COLLECTION,
  lineOf,
  ORDER_ID,
  type Order,
} from './demo-protocol.js';

const task = workerData as ClientTask;
const port = parentPort;
if (!port) throw new Error('demo-client.js runs as a worker thread of the demo');
const send = (message: ClientMessage) => port.postMessage(message);

const store = new DocumentStore({
  backend: new SqliteBackend({ filename: task.filename }),
  actor: `client-${task.client}`,
});
const orders = store.collection<Order>(COLLECTION, { versionField: 'version' });
const think = () => sleep(Math.random() * task.thinkMs);

// Kept outside the attempts themselves, so a client that fails still reports how far it got.
let attempts = 0;
function startAttempt(attempt: number): void {
  attempts = attempt;
  send({ type: 'attempt', attempt });
}

/** Read, think, add the line, save with no check: the write always lands, on whatever is there. */
async function lastWriteWins(): Promise<ClientResult> {
  startAttempt(1);
  const order = await store.get(orders, ORDER_ID);
  if (!order) throw new Error(`${ORDER_ID} is missing`);
  await think();
  order.lines.push(lineOf(task.client));
  await store.put(orders, order, { check: 'none' });
  return { client: task.client, attempts, outcome: 'saved' };
}

/** The same steps inside `update()`: a save that meets a newer version reloads and runs again. */
async function noclobber(): Promise<ClientResult> {
  try {
    await store.update(
      orders,
      ORDER_ID,
      async (order, { attempt }) => {
        startAttempt(attempt);
        await think();
        order.lines.push(lineOf(task.client));
      },
      { retry: { maxAttempts: task.maxAttempts } },
    );
    return { client: task.client, attempts, outcome: 'saved' };
  } catch (error) {
    if (error instanceof RetryExhaustedError) {
      return { client: task.client, attempts: error.attempts, outcome: 'gaveUp' };
    }
    throw error;
  }
}

async function run(): Promise<ClientResult> {
  try {
    return await (task.strategy === 'noclobber' ? noclobber() : lastWriteWins());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { client: task.client, attempts, outcome: 'failed', error: message };
  }
}

// Open the connection and run the migration check now, so that the race measures
// the read-think-save cycle and not each worker's start-up.
await store.getMetadata(orders, ORDER_ID);
send({ type: 'ready' });
// Block this thread until the main thread releases every client at the same moment.
Atomics.wait(new Int32Array(task.barrier), 0, 0);
const result = await run();
await store.close();
send({ type: 'done', result });
