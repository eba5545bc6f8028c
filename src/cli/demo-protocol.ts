/**
 * What the demo's main thread and its client workers say to each other. Everything here
 * crosses a `postMessage`, so it stays plain data.
 */

/** A line item of the demo order: each client adds exactly one, tagged with its number. */
export interface OrderLine {
  client: number;
  sku: string;
  qty: number;
}

/** The one document every client fights over. */
export interface Order {
  id: string;
  lines: OrderLine[];
  version?: number;
}

/** The collection and document the demo uses, the same in the main thread and every worker. */
export const COLLECTION = 'orders';
export const ORDER_ID = 'order-1';

/**
 * How a client saves: `lastWriteWins` reads, thinks and saves with `check: 'none'`;
 * `noclobber` runs the same steps inside `store.update()`, which checks the version.
 */
export type Strategy = 'lastWriteWins' | 'noclobber';

/** The `workerData` of one client. */
export interface ClientTask {
  client: number;
  filename: string;
  strategy: Strategy;
  /** The upper bound of the random pause between reading and saving, in ms. */
  thinkMs: number;
  /** `retry.maxAttempts` of the noclobber round. */
  maxAttempts: number;
  /** One Int32 that the main thread flips from 0 to 1 to start every client at once. */
  barrier: SharedArrayBuffer;
}

/**
 * How a client's write ended. `gaveUp`: every attempt met a concurrent change, so the
 * store refused it (the HTTP 409 case); it was never accepted, so it is not a lost write.
 * `failed`: anything else went wrong, which the demo does not expect.
 */
export type ClientOutcome = 'saved' | 'gaveUp' | 'failed';

/** One client's report. */
export interface ClientResult {
  client: number;
  attempts: number;
  outcome: ClientOutcome;
  /** The error message of a `failed` client. */
  error?: string;
}

/** The line a client adds: distinct per client, so the final document shows who survived. */
export function lineOf(client: number): OrderLine {
  return { client, sku: `sku-${client}`, qty: client + 1 };
}

/** Messages from a client worker, in the order it sends them. */
export type ClientMessage =
  | { type: 'ready' }
  | { type: 'attempt'; attempt: number }
  | { type: 'done'; result: ClientResult };
