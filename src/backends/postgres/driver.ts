import type * as Pg from 'pg';
import { loadDriver } from '../../core/load-driver.js';

/** node-postgres, an optional peer dependency: loaded with this backend, never with `noclobber`. */
export const nodePostgres: typeof Pg = loadDriver('pg', 'noclobber/postgres');
