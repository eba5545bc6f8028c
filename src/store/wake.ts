/**
 * An in-process wake-up: writers `notify()` after a commit, and watchers waiting in
 * `wait()` return at once instead of at their next poll. Notifications are not queued: a
 * watcher reads the feed after every wake and every poll anyway, so one that was not
 * waiting has missed nothing.
 */
export class Wake {
  #waiters = new Set<() => void>();

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
}
