import pg from 'pg';
import { compileOperations } from '../../../../src/backends/postgres/ops.js';
import type { OperationProbe } from '../../operation-probe.js';

/** The operation probe (see test/support/operation-probe.ts) on a PostgreSQL schema. */
export function postgresOperationProbe(config: { url: string; schema: string }): OperationProbe {
  const pool = new pg.Pool({ connectionString: config.url, max: 1 });
  const table = `"${config.schema}".ops_scratch`;
  const ready = pool.query(
    `CREATE SCHEMA IF NOT EXISTS "${config.schema}"; CREATE TABLE IF NOT EXISTS ${table} (id text PRIMARY KEY, body jsonb NOT NULL)`,
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
      const expression = compileOperations(operations, (value) => {
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
