import type { Backend } from '../backends/kit/backend.js';
import { InvalidArgumentError } from '../core/errors.js';

/** How long the write log keeps the record of a committed write, and how often it is pruned. */
export interface WriteLogOptions {
  /**
   * How long, in ms, "did this write land?" stays answerable after a commit. Default
   * 24 hours. The store settles a lost reply within seconds; keep it longer than the
   * longest a caller may hold an unknown outcome before asking.
   */
  keep?: number;
  /** How often, in ms, older records are deleted, in the background. Default 10 minutes. */
  pruneEvery?: number;
}

const HOUR = 60 * 60 * 1000;
const DEFAULTS = { keep: 24 * HOUR, pruneEvery: 10 * 60 * 1000 };
// Records deleted per statement, so one prune never holds the database for long.
const CHUNK = 5_000;

/**
 * Deletes write-log records older than `keep`, every `pruneEvery`, off the write path:
 * a timer that never keeps the process alive, stopped by `stop()`. A failed prune is
 * tried at the next tick; the log only grows meanwhile.
 */
export class WriteLogPruner {
  readonly keep: number;
  readonly pruneEvery: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;

  constructor(options: WriteLogOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new InvalidArgumentError('writeLog is { keep?, pruneEvery } in ms');
    }
    this.keep = duration(options.keep ?? DEFAULTS.keep, 'writeLog.keep');
    this.pruneEvery = duration(options.pruneEvery ?? DEFAULTS.pruneEvery, 'writeLog.pruneEvery');
  }

  /** Starts pruning `backend`'s log (once; later calls do nothing). */
  start(backend: Backend): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.prune(backend)
        .then(() => undefined)
        .catch(() => undefined)
        .finally(() => {
          this.#running = undefined;
        });
    }, this.pruneEvery);
    this.#timer.unref();
  }

  /** Deletes every record older than `keep` now; returns how many went. */
  async prune(backend: Backend, now = Date.now()): Promise<number> {
    let total = 0;
    for (;;) {
      const deleted = await backend.pruneWrites(now - this.keep, CHUNK);
      total += deleted;
      if (deleted < CHUNK) return total;
    }
  }

  /** Stops the timer and waits for a prune in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}

function duration(value: unknown, name: string): number {
  if (
    typeof value !== 'number' ||
    !Number.isSafeInteger(value) ||
    value < 1 ||
    value > 2 ** 31 - 1
  ) {
    throw new InvalidArgumentError(`${name} is a whole number of ms from 1 to 2^31-1`);
  }
  return value;
}
