import type BetterSqlite3 from 'better-sqlite3';
import { loadDriver } from '../../core/load-driver.js';

/** better-sqlite3, an optional peer dependency: loaded with this backend, never with `noclobber`. */
export const Sqlite: typeof BetterSqlite3 = loadDriver('better-sqlite3', 'noclobber/sqlite');
