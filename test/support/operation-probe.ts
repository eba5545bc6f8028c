import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { compileOperations as compilePostgres } from '../../src/backends/postgres/ops.js';
import {
  compileOperations as compileSqlite,
  registerOperationFunctions,
} from '../../src/backends/sqlite/ops.js';
import type { NormalizedOperation } from '../../src/concurrency/operations.js';
import type { BackendConfig } from './open-backend.js';

/**
 * Runs compiled operations in the database over a scratch table of documents, with the
 * backend's own compiler: the very SQL expression its write statement sets the body to,
 * over a column of the same type, in a SELECT instead of a write. Returns each document's
 * result by id: the new body as JSON text, or `null` where the expression says the
 * operations do not fit.
 */
export interface OperationProbe {
  load(documents: ReadonlyMap<string, unknown>): Promise<void>;
  apply(operations: readonly NormalizedOperation[]): Promise<Map<string, string | null>>;
  close(): Promise<void>;
}

/** Opens a probe on the database `config` names (a scratch table of its own). */
export function openOperationProbe(config: BackendConfig): OperationProbe {
  return config.kind === 'sqlite'
    ? sqliteProbe(config.filename)
    : postgresProbe(config.url, config.schema);
}

function sqliteProbe(filename: string): OperationProbe {
  const db = new BetterSqlite3(filename);
  registerOperationFunctions(db);
  db.exec('CREATE TABLE IF NOT EXISTS ops_scratch (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
  return {
    async load(documents) {
      const insert = db.prepare('INSERT INTO ops_scratch (id, body) VALUES (?, ?)');
      db.transaction(() => {
        db.exec('DELETE FROM ops_scratch');
        for (const [id, body] of documents) insert.run(id, JSON.stringify(body));
      })();
    },
    async apply(operations) {
      const { sql, params } = compileSqlite(operations);
      const rows = db.prepare(`SELECT id, ${sql} AS result FROM ops_scratch`).all(params) as {
        id: string;
        result: string | null;
      }[];
      return new Map(rows.map((r) => [r.id, r.result]));
    },
    async close() {
      db.close();
    },
  };
}

function postgresProbe(url: string, schema: string): OperationProbe {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const table = `"${schema}".ops_scratch`;
  const ready = pool.query(
    `CREATE SCHEMA IF NOT EXISTS "${schema}"; CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, body jsonb NOT NULL)`,
  );
  return {
    async load(documents) {
      await ready;
      await pool.query(`DELETE FROM ${table}`);
      const entries = [...documents];
      await pool.query(
        `INSERT INTO ${table} (id, body) SELECT * FROM unnest($1::text[], $2::jsonb[])`,
        [entries.map(([id]) => id), entries.map(([, body]) => JSON.stringify(body))],
      );
    },
    async apply(operations) {
      await ready;
      const values: unknown[] = [];
      const expression = compilePostgres(operations, (value) => {
        values.push(value);
        return `$${values.length}`;
      });
      const { rows } = await pool.query<{ id: string; result: string | null }>(
        `SELECT c.id, (${expression})::text AS result FROM ${table} c`,
        values,
      );
      return new Map(rows.map((r) => [r.id, r.result]));
    },
    async close() {
      await pool.end();
    },
  };
}
