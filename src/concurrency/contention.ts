/**
 * Per-document coordination inside one process. Writers of the same key run one at a
 * time, in arrival order, so they stop colliding with each other; and while a key has
 * writers waiting, the state the last of them saved is handed to the next, which then
 * needs no read before its write. That state is only a guess: every write still carries
 * its version check, so a change made elsewhere (another process, another path) turns
 * into an ordinary conflict and a fresh read.
 */
export class KeyedQueue<State> {
  readonly #tails = new Map<string, { tail: Promise<void>; waiting: number; state?: State }>();

  /** Runs `task` when every earlier task of `key` has finished. */
  async run<T>(key: string, task: (handoff: Handoff<State>) => Promise<T>): Promise<T> {
    let entry = this.#tails.get(key);
    if (!entry) {
      entry = { tail: Promise.resolve(), waiting: 0 };
      this.#tails.set(key, entry);
    }
    const slot = entry;
    const previous = slot.tail;
    let release = () => {};
    slot.tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    slot.waiting++;
    try {
      await previous;
      return await task({
        take: () => {
          const state = slot.state;
          slot.state = undefined;
          return state;
        },
        give: (state) => {
          slot.state = state;
        },
      });
    } finally {
      slot.waiting--;
      if (slot.waiting === 0) this.#tails.delete(key);
      release();
    }
  }

  /** Keys with writers running or waiting. */
  get size(): number {
    return this.#tails.size;
  }
}

/** What one queued task passes to the next. */
export interface Handoff<State> {
  /** The state the previous task left, once; `undefined` if it left none. */
  take(): State | undefined;
  /** Leaves `state` for the next task of this key (dropped if there is none). */
  give(state: State): void;
}

/**
 * A recent conflict rate per key: an exponentially weighted average of "this write
 * conflicted". A key whose rate passes the threshold turns hot and stays hot for
 * `coolDown` ms after its last conflict: writes that land because the key is coordinated
 * must not cool it, or it would swing back to colliding at once.
 */
export class ConflictRates {
  readonly #rates = new Map<string, { rate: number; hotUntil: number }>();
  readonly #weight: number;
  readonly #threshold: number;
  readonly #coolDown: number;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(
    options: {
      weight?: number;
      threshold?: number;
      coolDown?: number;
      maxKeys?: number;
      now?: () => number;
    } = {},
  ) {
    this.#weight = options.weight ?? 0.2;
    this.#threshold = options.threshold ?? 0.3;
    this.#coolDown = options.coolDown ?? 1000;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records one write of `key`: `conflicted` or landed. */
  record(key: string, conflicted: boolean): void {
    const entry = this.#rates.get(key) ?? { rate: 0, hotUntil: 0 };
    entry.rate += this.#weight * ((conflicted ? 1 : 0) - entry.rate);
    const now = this.#now();
    if (conflicted && entry.rate > this.#threshold) entry.hotUntil = now + this.#coolDown;
    if (entry.rate < 0.01 && entry.hotUntil <= now) {
      this.#rates.delete(key);
      return;
    }
    // A bounded table: the oldest entry makes room (Map keeps insertion order).
    if (!this.#rates.has(key) && this.#rates.size >= this.#maxKeys) {
      const oldest = this.#rates.keys().next().value;
      if (oldest !== undefined) this.#rates.delete(oldest);
    }
    this.#rates.set(key, entry);
  }

  /** True while `key` is hot: within `coolDown` ms of a conflict that passed the threshold. */
  isHot(key: string): boolean {
    return (this.#rates.get(key)?.hotUntil ?? 0) > this.#now();
  }
}
