import { Coalesced } from '../../core/coalesced.js';
import { sleep } from '../../core/sleep.js';
import type { Feed } from './gate.js';

/** One answer of the horizon statement (see `gate.ts`). */
export interface HorizonReading {
  /** The sequence's last value. */
  readonly value: string;
  /** The transactions that held the gate after the value was read. */
  readonly holders: readonly string[];
  /**
   * The server's run it was read in: changed by crash recovery, after which the sequence
   * may hand out again numbers it had handed out to writers the crash ended.
   */
  readonly run: string;
}

/** A value that is safe once none of its holders holds the gate. */
interface Candidate {
  readonly value: bigint;
  readonly holders: readonly string[];
}

/**
 * Candidates kept per feed. Each is settled within one write transaction of being read,
 * so only readers far faster than the writers keep many; dropping the oldest is safe (a
 * later one covers it, only later).
 */
const MAX_CANDIDATES = 64;

/**
 * How long a reading waits for the writers in flight when it asked. Past it, the horizon
 * is the last one reached: the page is shorter, never wrong, and the writes it leaves out
 * come with a later page.
 */
const WAIT_MS = 200;

/**
 * The pauses between readings of the lock table while it waits: the first short, as most
 * writes commit within a few ms, then doubling, so a long transaction (a large
 * `insertMany()`) costs each process about ten readings, not a hundred: reading the lock
 * table briefly takes every lock-manager partition.
 */
const FIRST_RECHECK_MS = 1;
const MAX_RECHECK_MS = 50;

/**
 * The feeds' horizons as one process reads them. Each reading gives a candidate: the
 * sequence's last value and the writers then holding the gate. The horizon is the highest
 * candidate none of whose writers holds the gate at a later reading, so it trails the
 * writes by about one write transaction, and no writer ever waits for a reader. Readers
 * share readings (see `Coalesced`): one in flight per feed, and a reader waits at most
 * for the next, which starts after it asked. The horizon never goes back, but after a
 * crash of the server (see `run`).
 */
export class Horizons {
  readonly #query: (feed: Feed) => Promise<HorizonReading>;
  readonly #reached: Record<Feed, bigint> = { seq: 0n, event_position: 0n };
  readonly #candidates: Record<Feed, Candidate[]> = { seq: [], event_position: [] };
  readonly #runs: Record<Feed, string | undefined> = { seq: undefined, event_position: undefined };
  readonly #reads = new Coalesced<Feed, bigint>();

  /** `query` runs one horizon statement. */
  constructor(query: (feed: Feed) => Promise<HorizonReading>) {
    this.#query = query;
  }

  /**
   * A horizon of `feed` covering every write committed before this call, unless writers in
   * flight then hold the gate longer than `WAIT_MS`.
   */
  get(feed: Feed): Promise<bigint> {
    return this.#reads.get(feed, async () => {
      const deadline = Date.now() + WAIT_MS;
      let reading = await this.#query(feed);
      const wanted = BigInt(reading.value);
      this.#settle(feed, reading);
      for (
        let pause = FIRST_RECHECK_MS;
        this.#reached[feed] < wanted && Date.now() < deadline;
        pause = Math.min(pause * 2, MAX_RECHECK_MS)
      ) {
        await sleep(Math.min(pause, Math.max(1, deadline - Date.now())));
        reading = await this.#query(feed);
        this.#settle(feed, reading);
      }
      return this.#reached[feed];
    });
  }

  // Candidates whose writers have all gone are reached; the new reading joins the rest,
  // or is reached at once when no writer held the gate. After a crash of the server,
  // what was reached or listed before it counts for nothing: the numbers past its last
  // flushed WAL go out again, and transaction ids are reused.
  #settle(feed: Feed, reading: HorizonReading): void {
    const value = BigInt(reading.value);
    const holders = new Set(reading.holders);
    if (reading.run !== this.#runs[feed]) {
      if (this.#runs[feed] !== undefined) {
        this.#reached[feed] = 0n;
        this.#candidates[feed] = [];
      }
      this.#runs[feed] = reading.run;
    }
    let reached = this.#reached[feed];
    const waiting: Candidate[] = [];
    for (const candidate of this.#candidates[feed]) {
      if (candidate.holders.some((holder) => holders.has(holder))) waiting.push(candidate);
      else if (candidate.value > reached) reached = candidate.value;
    }
    if (holders.size === 0) {
      if (value > reached) reached = value;
    } else if (value > reached) {
      waiting.push({ value, holders: [...holders] });
    }
    this.#reached[feed] = reached;
    this.#candidates[feed] = waiting
      .filter((candidate) => candidate.value > reached)
      .slice(-MAX_CANDIDATES);
  }
}
