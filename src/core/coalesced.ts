/** Options of `Coalesced`. */
export interface CoalescedOptions {
  /**
   * Start each read at the end of the current turn of the event loop (`setImmediate`)
   * instead of at once, and let every caller that arrives before then share it. Callers
   * woken together (watchers of one commit) then ask for the same thing in one read; a
   * read not yet sent sees everything its callers saw committed. Default false.
   */
  readonly gather?: boolean;
}

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
  /** With `gather`, the reads not yet sent, which callers may still join. */
  readonly #gathering = new Map<K, Promise<V>>();
  readonly #gather: boolean;

  constructor(options: CoalescedOptions = {}) {
    this.#gather = options.gather ?? false;
  }

  /** The result of a run of `read` for `key` that started no earlier than this call. */
  get(key: K, read: () => Promise<V>): Promise<V> {
    const gathering = this.#gathering.get(key);
    if (gathering !== undefined) return gathering;
    const current = this.#current.get(key);
    if (current === undefined) return this.#start(key, read);
    let next = this.#next.get(key);
    if (next === undefined) {
      next = current
        .catch(() => undefined)
        .then(() => {
          this.#next.delete(key);
          return this.get(key, read);
        });
      this.#next.set(key, next);
    }
    return next;
  }

  #start(key: K, read: () => Promise<V>): Promise<V> {
    if (!this.#gather) return this.#send(key, read);
    const gathered = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      this.#gathering.delete(key);
      return this.#send(key, read);
    });
    this.#gathering.set(key, gathered);
    return gathered;
  }

  #send(key: K, read: () => Promise<V>): Promise<V> {
    const flight = read().finally(() => {
      if (this.#current.get(key) === flight) this.#current.delete(key);
    });
    this.#current.set(key, flight);
    return flight;
  }
}
