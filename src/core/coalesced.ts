/**
 * One read shared by the callers that ask for it at the same time, per key. A caller that
 * arrives while a read of its key is in flight waits for the next read, which starts once
 * that one ends and so sees everything the caller saw committed; every caller that
 * arrives during one read shares the next. At most two reads per key are ever pending,
 * however many callers there are.
 */
export class Coalesced<K, V> {
  readonly #current = new Map<K, Promise<V>>();
  readonly #next = new Map<K, Promise<V>>();

  /** The result of a run of `read` for `key` that started no earlier than this call. */
  get(key: K, read: () => Promise<V>): Promise<V> {
    const current = this.#current.get(key);
    if (current === undefined) return this.#start(key, read);
    let next = this.#next.get(key);
    if (next === undefined) {
      next = current
        .catch(() => undefined)
        .then(() => {
          this.#next.delete(key);
          return this.#start(key, read);
        });
      this.#next.set(key, next);
    }
    return next;
  }

  #start(key: K, read: () => Promise<V>): Promise<V> {
    const flight = read().finally(() => {
      if (this.#current.get(key) === flight) this.#current.delete(key);
    });
    this.#current.set(key, flight);
    return flight;
  }
}
