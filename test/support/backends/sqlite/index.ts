import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { SqliteBackend } from '../../../../src/backends/sqlite/index.js';
import type { BackendEntry } from '../../backends.js';
import { sqliteAudit } from './audit.js';
import { sqliteProbe } from './condition-probe.js';
import { sqliteWiring } from './lost-reply.js';
import { sqliteOperationProbe } from './operation-probe.js';

/** A SQLite database as the tests, benchmarks and stress runs pass it around. */
export interface SqliteConfig {
  readonly kind: 'sqlite';
  readonly filename: string;
}

/** SQLite in the backend registry (test/support/backends.ts): a file in a fresh folder. */
export const sqlite: BackendEntry<SqliteConfig> = {
  name: 'sqlite',
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'noclobber-test-'));
    return {
      config: { kind: 'sqlite', filename: join(dir, 'store.db') },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
  open: (config) => new SqliteBackend({ filename: config.filename }),
  serveDatabase: (dir) => ({
    args: ['--db', join(dir, 'data.db')],
    cleanup: async () => {},
  }),
  audit: async (config) => sqliteAudit(config.filename),
  lostReply: async (config) => sqliteWiring(config),
  probeCondition: (config, tenant, collection) => sqliteProbe(config.filename, tenant, collection),
  probeOperations: (config) => sqliteOperationProbe(config.filename),
  // No patience for a lock another connection holds: writes fail at once, certainly unwritten.
  unavailable: async (config) => ({
    backend: new SqliteBackend({ filename: config.filename, busyTimeout: 0 }),
    takeAway() {
      const holder = new BetterSqlite3(config.filename);
      holder.exec('BEGIN IMMEDIATE');
      return () => {
        holder.exec('ROLLBACK');
        holder.close();
      };
    },
  }),
  // Loaded on use, so the tests never load the benchmark's and the stress run's modules.
  benchTarget: async ({ dir }) => (await import('./harness.js')).sqliteBenchTarget(dir),
  stressTarget: async (setup) => (await import('./harness.js')).sqliteStressTarget(setup),
};
