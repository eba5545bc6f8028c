// The parts of better-sqlite3 that noclobber's public API names, described here so that an
// application's type checker needs no `@types/better-sqlite3`. Its `Database` fits them.

/** The result of `run()`. */
export interface SqliteRunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

/** A prepared statement (better-sqlite3's `Statement`). */
export interface SqliteStatement {
  run(...params: unknown[]): SqliteRunResult;
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as arrays instead of objects. */
  raw(toggle?: boolean): this;
  /** Integers as `bigint`. */
  safeIntegers(toggle?: boolean): this;
}

/** A function wrapped in a transaction; `immediate` takes the write lock at `BEGIN`. */
export interface SqliteTransaction<A extends unknown[], R> {
  (...args: A): R;
  immediate(...args: A): R;
}

/** An open SQLite connection (better-sqlite3's `Database`). */
export interface SqliteDatabase {
  readonly open: boolean;
  readonly name: string;
  prepare(source: string): SqliteStatement;
  exec(source: string): this;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): SqliteTransaction<A, R>;
  close(): this;
}
