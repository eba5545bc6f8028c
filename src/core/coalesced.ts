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

// A read of one key: `sent` once it has started, after which no caller may join it.
interface Flight<V> {
  readonly promise: Promise<V>;
  sent: boolean;
}

/**
 * One read shared by the callers that ask for it at the same time, per key. A caller that
 * arrives while a read of its key is in flight waits for the next read, which starts once
 * that one ends and so sees everything the caller saw committed; every caller that
 * arrives during one read shares the next. At most two reads per key are ever pending,
 * however many callers there are.
 */
export class Coalesced<K, V> {
  readonly #current = new Map<K, Flight<V>>();
  readonly #next = new Map<K, Promise<V>>();
  readonly #gather: boolean;

  constructor(options: CoalescedOptions = {}) {
    this.#gather = options.gather ?? false;
  }

  /** The result of a run of `read` for `key` that started no earlier than this call. */
  get(key: K, read: () => Promise<V>): Promise<V> {
    const current = this.#current.get(key);
    if (current === undefined) return this.#start(key, read);
    if (!current.sent) return current.promise;
    let next = this.#next.get(key);
    if (next === undefined) {
      next = current.promise
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
    const flight: { promise?: Promise<V>; sent: boolean } = { sent: !this.#gather };
    const send = () => {
      flight.sent = true;
      return read();
    };
    const started = this.#gather
      ? new Promise<void>((resolve) => setImmediate(resolve)).then(send)
      : send();
    const promise = started.finally(() => {
      if (this.#current.get(key)?.promise === promise) this.#current.delete(key);
    });
    flight.promise = promise;
    this.#current.set(key, flight as Flight<V>);
    return promise;
  }
}
