import '../../runtime/node-version.js';

export { MissingDriverError } from '../../runtime/load-driver.js';
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
