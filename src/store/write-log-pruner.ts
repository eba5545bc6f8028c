import type { Backend } from '../backends/kit/backend.js';
import { InvalidArgumentError } from '../core/errors.js';
import type { Collection } from './collection.js';
import { pruneHistory } from './history-pruner.js';

/** How long the write log keeps the record of a committed write, and how often it is pruned. */
export interface WriteLogOptions {
  /**
   * How long, in ms, "did this write land?" stays answerable after a commit. Default
   * 24 hours, at least 10 minutes. The store settles a lost reply within seconds, but a
   * record pruned while a re-send is still on its way would let that re-send commit a
   * second time; the floor also absorbs clock skew between the application (which sets
   * the cut-off) and the database (which stamps the records).
   */
  keep?: number;
  /** How often, in ms, older records are deleted, in the background. Default 10 minutes. */
  pruneEvery?: number;
}

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
/** The shortest retention a store accepts. */
export const MIN_WRITE_LOG_KEEP = 10 * MINUTE;
const DEFAULTS = { keep: 24 * HOUR, pruneEvery: 10 * 60 * 1000 };
// Records deleted per statement, so one prune never holds the database for long.
const CHUNK = 5_000;

/**
 * Deletes write-log records older than `keep`, every `pruneEvery`, off the write path:
 * a timer that never keeps the process alive, stopped by `stop()`. A failed prune is
 * tried at the next tick; the log only grows meanwhile. The same tick prunes the revision
 * history of the collections that keep one (`pruneHistory`), never a revision younger
 * than `keep`.
 */
export class WriteLogPruner {
  readonly keep: number;
  readonly pruneEvery: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;

  constructor(options: WriteLogOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('writeLog is { keep?, pruneEvery } in ms');
    }
    this.keep = duration(options.keep ?? DEFAULTS.keep, 'writeLog.keep', MIN_WRITE_LOG_KEEP);
    this.pruneEvery = duration(
      options.pruneEvery ?? DEFAULTS.pruneEvery,
      'writeLog.pruneEvery',
      1_000,
    );
  }

  /**
   * Starts pruning `backend`'s log, and the history of the collections `collections()`
   * returns (asked at each tick, so collections declared later are pruned too). Once;
   * later calls do nothing.
   */
  start(backend: Backend, collections: () => Iterable<Collection<object>> = () => []): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.prune(backend)
        .then(() => this.pruneHistory(backend, collections()))
        .then(() => undefined)
        .catch(() => undefined)
        .finally(() => {
          this.#running = undefined;
        });
    }, this.pruneEvery);
    this.#timer.unref();
  }

  /**
   * Deletes every record older than `keep` now; returns how many went. Chunk by chunk,
   * with a turn of the event loop between chunks: an embedded database works on the
   * caller's thread, and a long backlog must not stall it.
   */
  async prune(backend: Backend, now = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await backend.pruneWrites(now - this.keep, CHUNK);
      total += deleted;
      if (deleted < CHUNK || this.#stopping) return total;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Deletes the revisions the history of `collections` lets go now (see `pruneHistory`),
   * none younger than `keep`; returns how many went.
   */
  pruneHistory(
    backend: Backend,
    collections: Iterable<Collection<object>>,
    now = Date.now(),
  ): Promise<number> {
    return pruneHistory(backend, collections, now, now - this.keep, () => this.#stopping);
  }

  /** Stops the timer and waits for a prune in progress (which stops at its next chunk). */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

function duration(value: unknown, name: string, min: number): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < min ||
    value > 2 ** 31 - 1
  ) {
    throw new InvalidArgumentError(`${name} is a whole number of ms from ${min} to 2^31-1`);
  }
  return value;
}
