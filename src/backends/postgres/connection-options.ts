import { InvalidArgumentError } from '../../core/errors.js';

/** The options that say where `PostgresBackend` connects. */
interface ConnectionOptions {
  connectionString?: unknown;
  pool?: unknown;
  poolConfig?: unknown;
}

/**
 * Refuses options that name no database, or name it in conflicting ways. Without this, an
 * unset `process.env.DATABASE_URL` would be taken as "no connection string" and
 * node-postgres would quietly connect to its defaults (localhost, the OS user's database).
 */
export function checkConnectionOptions(options: ConnectionOptions): void {
  if (options === null || typeof options !== 'object') {
    throw new InvalidArgumentError(
      'PostgresBackend takes an options object with connectionString, poolConfig or pool',
    );
  }
  const { connectionString, pool, poolConfig } = options;
  if (
    connectionString !== undefined &&
    (typeof connectionString !== 'string' || connectionString.trim() === '')
  ) {
    throw new InvalidArgumentError(
      `PostgresBackend's connectionString must be a non-empty string, not ${describe(connectionString)}`,
    );
  }
  if (poolConfig !== undefined && (poolConfig === null || typeof poolConfig !== 'object')) {
    throw new InvalidArgumentError(
      `PostgresBackend's poolConfig must be an object, not ${describe(poolConfig)}`,
    );
  }
  if (pool !== undefined) {
    if (typeof (pool as { connect?: unknown } | null)?.connect !== 'function') {
      throw new InvalidArgumentError(
        `PostgresBackend's pool must be a pg.Pool, not ${describe(pool)}`,
      );
    }
    if (connectionString !== undefined || poolConfig !== undefined) {
      throw new InvalidArgumentError(
        'PostgresBackend takes either pool or connectionString/poolConfig, not both: a given pool is used as it is',
      );
    }
    return;
  }
  if (connectionString === undefined && poolConfig === undefined) {
    throw new InvalidArgumentError(
      'PostgresBackend needs connectionString, poolConfig or pool' +
        ('connectionString' in options
          ? ': connectionString is undefined (is the environment variable it came from set?)'
          : ''),
    );
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return value === null ? 'null' : typeof value;
}
