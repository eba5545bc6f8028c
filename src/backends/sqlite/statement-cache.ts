import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepares `text` with integers read as numbers, whatever the connection's default: an
 * application may hand the backend a connection that reads them as `bigint`
 * (`defaultSafeIntegers`), and the store's numbers (revisions, seqs, times) are numbers.
 */
export function prepareStatement(db: Database, text: string): Statement {
  return db.prepare(text).safeIntegers(false);
}

/**
 * Prepared statements by text, the least recently used dropped once `size` are kept.
 * Statements whose text is built per call (conditions, queries) come and go; one caller's
 * stream of distinct texts must not push out the statements everyone else reuses, so a
 * hit moves its statement to the young end instead of the cache starting over when full.
 */
export class StatementCache {
  readonly #statements = new Map<string, Statement>();
  readonly #db: Database;
  readonly #size: number;
  readonly #raw: boolean;

  /** `raw`: statements that return rows as arrays (see better-sqlite3's `raw()`). */
  constructor(db: Database, size: number, raw = false) {
    this.#db = db;
    this.#size = size;
    this.#raw = raw;
  }

  /** The statement of `text`, prepared now if it is not kept. */
  get(text: string): Statement {
    let statement = this.#statements.get(text);
    if (statement) {
      this.#statements.delete(text);
    } else {
      statement = prepareStatement(this.#db, text);
      if (this.#raw) statement.raw(true);
      if (this.#statements.size >= this.#size) {
        const oldest = this.#statements.keys().next();
        if (!oldest.done) this.#statements.delete(oldest.value);
      }
    }
    this.#statements.set(text, statement);
    return statement;
  }

  /** Forgets every statement. */
  clear(): void {
    this.#statements.clear();
  }
}

/**
 * The cached prepared statement of a text, its rows as objects or, with `arrays`, as
 * arrays. The two kinds are kept apart, as `raw()` changes a statement for every caller.
 */
export type StatementOf = (text: string, arrays?: boolean) => Statement;
