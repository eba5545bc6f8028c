import { Coalesced } from '../../core/coalesced.js';
import type { Feed } from './gate.js';

/**
 * The feeds' horizons as one process asks for them (see `gate.ts`). Each horizon query
 * takes a gate exclusively, and writers that start meanwhile queue behind it, so readers
 * share queries (see `Coalesced`): one in flight per feed at a time, and a reader waits
 * at most for the next, which covers every write it saw committed. A query that finds
 * the gate held past its wait (`undefined`) leaves the last horizon reached, which stays
 * safe for good: the page is shorter, never wrong.
 */
export class Horizons {
  readonly #query: (feed: Feed) => Promise<string | undefined>;
  readonly #reached: Record<Feed, bigint> = { seq: 0n, event_position: 0n };
  readonly #reads = new Coalesced<Feed, bigint>();

  /** `query` runs one horizon statement; `undefined` when the gate was not had in time. */
  constructor(query: (feed: Feed) => Promise<string | undefined>) {
    this.#query = query;
  }

  /** A horizon of `feed` no older than this call. */
  get(feed: Feed): Promise<bigint> {
    return this.#reads.get(feed, async () => {
      const found = await this.#query(feed);
      if (found !== undefined && BigInt(found) > this.#reached[feed]) {
        this.#reached[feed] = BigInt(found);
      }
      return this.#reached[feed];
    });
  }
}
