import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { compileCondition as compilePostgres } from '../../src/backends/postgres/condition.js';
import { compileCondition as compileSqlite } from '../../src/backends/sqlite/condition.js';
import type { NormalizedCondition } from '../../src/concurrency/condition.js';
import type { BackendConfig } from './open-backend.js';

/**
 * Evaluates a condition in the database on every live document of one collection, with
 * the backend's own compiler: the very SQL expression its write statements put in their
 * check, over the same stored column, run in a SELECT instead of a write. Returns each
 * document's verdict by id, exactly as the database answered (so a NULL shows as `null`).
 */
export interface ConditionProbe {
  evaluate(condition: NormalizedCondition): Promise<Map<string, unknown>>;
  close(): Promise<void>;
}

/** Opens a probe on the database `config` names, over `tenant`'s `collection`. */
export function openConditionProbe(
  config: BackendConfig,
  tenant: string,
  collection: string,
): ConditionProbe {
  return config.kind === 'sqlite'
    ? sqliteProbe(config.filename, tenant, collection)
    : postgresProbe(config.url, config.schema, tenant, collection);
}

function sqliteProbe(filename: string, tenant: string, collection: string): ConditionProbe {
  const db = new BetterSqlite3(filename, { readonly: true });
  return {
    async evaluate(condition) {
      const { sql, params } = compileSqlite(condition);
      const rows = db
        .prepare(
          `SELECT id, (${sql}) AS verdict FROM noclobber_documents
           WHERE tenant = @probeTenant AND collection = @probeCollection AND deleted = 0`,
        )
        .all({ ...params, probeTenant: tenant, probeCollection: collection });
      return verdicts(
        rows as { id: string; verdict: unknown }[],
        (v) => v === 1,
        (v) => v === 0,
      );
    },
    async close() {
      db.close();
    },
  };
}

function postgresProbe(
  url: string,
  schema: string,
  tenant: string,
  collection: string,
): ConditionProbe {
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  return {
    async evaluate(condition) {
      const values: unknown[] = [tenant, collection];
      const expression = compilePostgres(condition, (value) => {
        values.push(value);
        return `$${values.length}`;
      });
      const { rows } = await pool.query<{ id: string; verdict: unknown }>(
        `SELECT c.id, (${expression}) AS verdict FROM "${schema}".documents c
         WHERE c.tenant = $1 AND c.collection = $2 AND NOT c.deleted`,
        values,
      );
      return verdicts(
        rows,
        (v) => v === true,
        (v) => v === false,
      );
    },
    async close() {
      await pool.end();
    },
  };
}

// true and false as JavaScript booleans; anything else (NULL above all) as it came.
function verdicts(
  rows: { id: string; verdict: unknown }[],
  isTrue: (v: unknown) => boolean,
  isFalse: (v: unknown) => boolean,
): Map<string, unknown> {
  return new Map(
    rows.map(({ id, verdict }) => [
      id,
      isTrue(verdict) ? true : isFalse(verdict) ? false : verdict,
    ]),
  );
}
