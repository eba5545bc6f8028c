import BetterSqlite3 from 'better-sqlite3';
import { compileCondition } from '../../../../src/backends/sqlite/condition.js';
import { registerNumberKeyFunction } from '../../../../src/backends/sqlite/number-order.js';
import type { ConditionProbe } from '../../condition-probe.js';

/** The condition probe (see test/support/condition-probe.ts) on a SQLite file, read-only. */
export function sqliteProbe(filename: string, tenant: string, collection: string): ConditionProbe {
  const db = new BetterSqlite3(filename, { readonly: true });
  // The backend's connection has it: a list of numbers is matched by their keys.
  registerNumberKeyFunction(db);
  return {
    async evaluate(condition) {
      const { sql, params } = compileCondition(condition);
      const rows = db
        .prepare(
          `SELECT id, (${sql}) AS verdict FROM noclobber_documents
           WHERE tenant = @probeTenant AND collection = @probeCollection AND deleted = 0`,
        )
        .all({ ...params, probeTenant: tenant, probeCollection: collection }) as {
        id: string;
        verdict: unknown;
      }[];
      // SQLite's true and false are 1 and 0; anything else (NULL above all) as it came.
      return new Map(
        rows.map(({ id, verdict }) => [id, verdict === 1 ? true : verdict === 0 ? false : verdict]),
      );
    },
    async close() {
      db.close();
    },
  };
}
