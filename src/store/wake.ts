/**
 * A wake-up for watchers: writers `notify()` after a commit, and watchers waiting in
 * `wait()` return at once instead of at their next poll. Notifications are not queued: a
 * watcher reads the feed after every wake and every poll anyway, so one that was not
 * waiting has missed nothing. With a `source` (the backend's wake-ups from other
 * processes), it subscribes when the first watcher waits and stays subscribed until
 * `close()`.
 */
export class Wake {
  #waiters = new Set<() => void>();
  readonly #source: ((wake: () => void) => () => void) | undefined;
  #unsubscribe: (() => void) | undefined;
  #closed = false;

  constructor(source?: (wake: () => void) => () => void) {
    this.#source = source;
  }

  /** Wakes every watcher waiting now. */
  notify(): void {
    const waiters = this.#waiters;
    if (waiters.size === 0) return;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next `notify()`, after `ms`, or when `signal` aborts, whichever is first. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    if (this.#source && !this.#unsubscribe && !this.#closed) {
      this.#unsubscribe = this.#source(() => this.notify());
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Stops listening to the source. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
