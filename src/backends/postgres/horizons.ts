import type { Feed } from './gate.js';

/**
 * The feeds' horizons as one process asks for them (see `gate.ts`). Each horizon query
 * takes a gate exclusively, and writers that start meanwhile queue behind it, so readers
 * share queries: one in flight per feed at a time. A reader that arrives while a query is
 * in flight waits for the next one, which starts after it arrived and so covers every
 * write the reader saw committed; all readers that arrive during one query share the next.
 * A query that finds the gate held past its wait (`undefined`) leaves the last horizon
 * reached, which stays safe for good: the page is shorter, never wrong.
 */
export class Horizons {
  readonly #query: (feed: Feed) => Promise<string | undefined>;
  readonly #reached: Record<Feed, bigint> = { seq: 0n, event_position: 0n };
  readonly #current: Partial<Record<Feed, Promise<bigint>>> = {};
  readonly #next: Partial<Record<Feed, Promise<bigint>>> = {};

  /** `query` runs one horizon statement; `undefined` when the gate was not had in time. */
  constructor(query: (feed: Feed) => Promise<string | undefined>) {
    this.#query = query;
  }

  /** A horizon of `feed` no older than this call. */
  get(feed: Feed): Promise<bigint> {
    const current = this.#current[feed];
    if (!current) return this.#start(feed);
    this.#next[feed] ??= current
      .catch(() => undefined)
      .then(() => {
        this.#next[feed] = undefined;
        return this.#start(feed);
      });
    return this.#next[feed];
  }

  #start(feed: Feed): Promise<bigint> {
    const flight = this.#query(feed)
      .then((found) => {
        if (found !== undefined && BigInt(found) > this.#reached[feed]) {
          this.#reached[feed] = BigInt(found);
        }
        return this.#reached[feed];
      })
      .finally(() => {
        this.#current[feed] = undefined;
      });
    this.#current[feed] = flight;
    return flight;
  }
}
