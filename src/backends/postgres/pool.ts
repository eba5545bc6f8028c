// The parts of node-postgres that noclobber's public API names, described here so that an
// application's type checker needs no `@types/pg`. A `pg.Pool` and its clients fit them.

/** A query's result, as far as noclobber reads it. */
export interface PostgresQueryResult<R> {
  rows: R[];
  rowCount: number | null;
}

/** A query as an object: a `name` prepares it once per connection. */
export interface PostgresQueryConfig {
  name?: string;
  text: string;
  values?: unknown[];
}

/** Something that runs queries: a pool or a checked-out client. */
export interface PostgresQueryable {
  query<R extends PostgresRow = PostgresRow>(
    text: string,
    values?: unknown[],
  ): Promise<PostgresQueryResult<R>>;
  query<R extends PostgresRow = PostgresRow>(
    config: PostgresQueryConfig,
  ): Promise<PostgresQueryResult<R>>;
}

/** A row as node-postgres returns it: column name to value. */
export type PostgresRow = Record<string, unknown>;

/** A connection checked out of a pool (`pg.PoolClient`). */
export interface PostgresPoolClient extends PostgresQueryable {
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  /** Returns the connection to the pool; with an error, the pool drops it instead. */
  release(error?: Error | boolean): void;
}

/** A connection pool (`pg.Pool`): what `PostgresOptions.pool` takes and `backend.pool` gives. */
export interface PostgresPool extends PostgresQueryable {
  connect(): Promise<PostgresPoolClient>;
  end(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Options for the pool noclobber creates (`pg.PoolConfig`). The common ones are named;
 * any other node-postgres pool or client option is passed through as it is.
 */
export interface PostgresPoolConfig {
  connectionString?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string | (() => string | Promise<string>);
  database?: string;
  /** `true`, or TLS options as node-postgres takes them. */
  ssl?: boolean | object;
  application_name?: string;
  max?: number;
  min?: number;
  idleTimeoutMillis?: number;
  connectionTimeoutMillis?: number;
  statement_timeout?: number;
  query_timeout?: number;
  [option: string]: unknown;
}
