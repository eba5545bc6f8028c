import type pg from 'pg';
import type { CommitWakeups } from '../kit/backend.js';
import type { PostgresPool } from './pool.js';

/**
 * The shortest time between two NOTIFYs of one process: commits announced meanwhile share
 * the next one, so a busy writer sends at most a few hundred a second.
 */
const INTERVAL_MS = 5;

/**
 * Wake-ups between processes over PostgreSQL's LISTEN/NOTIFY, on one channel per schema.
 * A NOTIFY is its own statement, sent after a write settled and never inside a write's
 * transaction (where it would serialize every commit of the database on the notify queue
 * lock); several commits in a short while share one. Listening takes a connection of the
 * pool for itself while a watcher waits. A lost notification costs nothing but time:
 * watchers still poll.
 */
export class PostgresWakeups implements CommitWakeups {
  readonly #pool: pg.Pool;
  readonly #channel: string;
  #sending = false;
  #again = false;
  #closed = false;
  readonly #listeners = new Set<() => void>();
  #connection: Promise<pg.PoolClient | undefined> | undefined;

  /** `schema` is a validated identifier (lowercase letters, digits and underscores). */
  constructor(pool: PostgresPool, schema: string) {
    // The pool is node-postgres's own; the declarations name only noclobber's interface.
    this.#pool = pool as unknown as pg.Pool;
    this.#channel = `nc_${schema}`.slice(0, 63);
  }

  announce(): void {
    if (this.#closed) return;
    if (this.#sending) {
      this.#again = true;
      return;
    }
    this.#sending = true;
    void this.#send();
  }

  async #send(): Promise<void> {
    try {
      await this.#pool.query(`NOTIFY "${this.#channel}"`);
    } catch {
      // Watchers elsewhere see the commit at their next poll instead.
    }
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_MS));
    this.#sending = false;
    if (this.#again) {
      this.#again = false;
      this.announce();
    }
  }

  listen(wake: () => void): () => void {
    this.#listeners.add(wake);
    this.#connection ??= this.#connect();
    return () => this.#listeners.delete(wake);
  }

  async #connect(): Promise<pg.PoolClient | undefined> {
    if (this.#closed) return undefined;
    try {
      const client = await this.#pool.connect();
      const lost = () => {
        // Until a new connection listens, watchers poll.
        client.release(true);
        this.#connection = undefined;
        setTimeout(() => {
          if (this.#listeners.size > 0 && !this.#closed) this.#connection ??= this.#connect();
        }, 1_000).unref();
      };
      client.on('error', lost);
      client.on('notification', () => {
        for (const wake of this.#listeners) wake();
      });
      await client.query(`LISTEN "${this.#channel}"`);
      return client;
    } catch {
      this.#connection = undefined;
      return undefined;
    }
  }

  /** Stops listening and returns the connection; announcements stop. */
  async close(): Promise<void> {
    this.#closed = true;
    const client = await this.#connection;
    this.#connection = undefined;
    if (!client) return;
    await client.query(`UNLISTEN "${this.#channel}"`).catch(() => undefined);
    client.release();
  }
}
