import pg from 'pg';
import { compileCondition } from '../../../../src/backends/postgres/condition.js';
import type { ConditionProbe } from '../../condition-probe.js';

/** The condition probe (see test/support/condition-probe.ts) on a PostgreSQL schema. */
export function postgresProbe(
  config: { url: string; schema: string },
  tenant: string,
  collection: string,
): ConditionProbe {
  const pool = new pg.Pool({ connectionString: config.url, max: 1 });
  return {
    async evaluate(condition) {
      const values: unknown[] = [tenant, collection];
      const expression = compileCondition(condition, (value) => {
        values.push(value);
        return `$${values.length}`;
      });
      const { rows } = await pool.query<{ id: string; verdict: unknown }>(
        `SELECT c.id, (${expression}) AS verdict FROM "${config.schema}".documents c
         WHERE c.tenant = $1 AND c.collection = $2 AND NOT c.deleted`,
        values,
      );
      // Booleans arrive as JavaScript booleans, NULL as null: every verdict as it came.
      return new Map(rows.map(({ id, verdict }) => [id, verdict]));
    },
    async close() {
      await pool.end();
    },
  };
}
