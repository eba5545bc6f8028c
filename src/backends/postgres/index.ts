import '../../core/node-version.js';

export { MissingDriverError } from '../../core/load-driver.js';
export type {
  PostgresPool,
  PostgresPoolClient,
  PostgresPoolConfig,
  PostgresQueryable,
  PostgresQueryConfig,
  PostgresQueryResult,
  PostgresRow,
} from './pool.js';
export { PostgresBackend, type PostgresOptions } from './postgres-backend.js';
export type { PostgresWakeups } from './wakeups.js';
