import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { PostgresBackend } from '../src/backends/postgres/index.js';
import { SqliteBackend } from '../src/backends/sqlite/index.js';
import { DocumentStore } from '../src/index.js';
import { rawPostgres, rawSqlite } from './raw.js';
import type { Target } from './workloads.js';

/** SQLite files in `dir`, one per workload and side; one folder per run of the suite. */
export function sqliteTarget(dir: string): Target {
  return {
    backend: 'sqlite',
    openStore: (name) =>
      new DocumentStore({
        backend: new SqliteBackend({ filename: join(dir, `${name}-noclobber.db`) }),
      }),
    openRaw: async (name) => rawSqlite(join(dir, `${name}-raw.db`)),
  };
}

/**
 * A PostgreSQL server: a fresh schema per workload for noclobber, fresh tables for the
 * hand-written drivers; one target per run of the suite.
 */
export function postgresTarget(url: string): Target & { cleanup(): Promise<void> } {
  const run = randomBytes(4).toString('hex');
  const names: string[] = [];
  return {
    backend: 'postgres',
    openStore: (name, connections) => {
      const schema = `bench_${name}_${run}`;
      names.push(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      return new DocumentStore({
        backend: new PostgresBackend({ connectionString: url, schema, max: connections }),
      });
    },
    openRaw: (name, connections) => {
      const table = `bench_raw_${name}_${run}`;
      names.push(`DROP TABLE IF EXISTS ${table}, ${table}_events`);
      return rawPostgres(url, table, connections);
    },
    openNaive: (name, connections) => {
      const table = `bench_naive_${name}_${run}`;
      names.push(`DROP TABLE IF EXISTS ${table}, ${table}_events`);
      return rawPostgres(url, table, connections, { naive: true });
    },
    async cleanup() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const statement of names) await client.query(statement);
      await client.end();
    },
  };
}
