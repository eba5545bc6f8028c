import '../../runtime/node-version.js';

export { MissingDriverError } from '../../runtime/load-driver.js';
export type {
  SqliteDatabase,
  SqliteRunResult,
  SqliteStatement,
  SqliteTransaction,
} from './database.js';
export { SqliteBackend, type SqliteOptions } from './sqlite-backend.js';
