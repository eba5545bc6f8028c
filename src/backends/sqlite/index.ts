import '../../core/node-version.js';

export { MissingDriverError } from '../../core/load-driver.js';
export type {
  SqliteDatabase,
  SqliteRunResult,
  SqliteStatement,
  SqliteTransaction,
} from './database.js';
export { SqliteBackend, type SqliteOptions } from './sqlite-backend.js';
