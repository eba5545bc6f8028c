import BetterSqlite3 from 'better-sqlite3';
import { registerNumberKeyFunction } from '../../../../src/backends/sqlite/number-order.js';
import {
  compileOperations,
  registerOperationFunctions,
} from '../../../../src/backends/sqlite/ops.js';
import type { OperationProbe } from '../../operation-probe.js';

/** The operation probe (see test/support/operation-probe.ts) on a SQLite file. */
export function sqliteOperationProbe(filename: string): OperationProbe {
  const db = new BetterSqlite3(filename);
  registerOperationFunctions(db);
  // As the backend's connection: a condition's list of numbers is matched by their keys.
  registerNumberKeyFunction(db);
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
      const { sql, params } = compileOperations(operations);
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
