/** One caller's batch, waiting in a group. */
interface Queued<B, R> {
  readonly batch: B;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/** How a group runs its batches. */
export interface CommitGroupRunners<B, R> {
  /** Runs one batch on its own; throws what its caller is to see. */
  readonly alone: (batch: B) => R;
  /**
   * Runs several batches in one transaction, each all or nothing and with its own result.
   * Throws, having written nothing, when the transaction fails as a whole: then each batch
   * runs `alone`, and learns what it alone meets.
   */
  readonly together: (batches: readonly B[]) => R[];
  /**
   * What every batch of a group that failed as a whole is to see instead of running alone,
   * when running alone would meet it again (the database stayed locked); else undefined.
   */
  readonly shared: (error: unknown) => unknown;
}

/**
 * Group commit: the batches that callers submit in one turn of the microtask queue run in
 * one transaction. Callers that are under way together (clients of one process, each
 * awaiting its own write) reach their commits in the same turn, and a transaction costs
 * its pages once: a page written by several of its writes (the write log's and the
 * indexes' right edges) goes to the WAL once, and the commit's own work is paid once. A
 * lone caller waits one microtask and runs alone, as without grouping.
 */
export class CommitGroup<B, R> {
  readonly #runners: CommitGroupRunners<B, R>;
  #queue: Queued<B, R>[] = [];

  constructor(runners: CommitGroupRunners<B, R>) {
    this.#runners = runners;
  }

  /** Runs `batch` with the others submitted in this turn: its result, or its error. */
  submit(batch: B): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (this.#queue.push({ batch, resolve, reject }) === 1) queueMicrotask(() => this.#flush());
    });
  }

  #flush(): void {
    const queued = this.#queue;
    this.#queue = [];
    if (queued.length > 1) {
      let results: R[] | undefined;
      try {
        results = this.#runners.together(queued.map((q) => q.batch));
      } catch (error) {
        // Nothing was written: each batch runs alone below and meets its own outcome.
        const shared = this.#runners.shared(error);
        if (shared !== undefined) {
          for (const q of queued) q.reject(shared);
          return;
        }
      }
      if (results) {
        queued.forEach((q, i) => {
          q.resolve(results[i] as R);
        });
        return;
      }
    }
    for (const q of queued) {
      try {
        q.resolve(this.#runners.alone(q.batch));
      } catch (error) {
        q.reject(error);
      }
    }
  }
}
