import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { PostgresBackend } from '../../../../src/backends/postgres/index.js';
import type { BackendEntry } from '../../backends.js';
import { closedPort } from '../../closed-port.js';
import { dropSchema } from '../../postgres-schema.js';
import { startPostgres } from '../../postgres-server.js';
import { postgresAudit } from './audit.js';
import { postgresProbe } from './condition-probe.js';
import { postgresWiring } from './lost-reply.js';
import { postgresOperationProbe } from './operation-probe.js';
import { postgresSlowCommits } from './slow-commits.js';

/** A PostgreSQL schema as the tests, benchmarks and stress runs pass it around. */
export interface PostgresConfig {
  readonly kind: 'postgres';
  readonly url: string;
  readonly schema: string;
  readonly max?: number;
}

/**
 * PostgreSQL in the backend registry (test/support/backends.ts): a fresh schema per test
 * in the run's server (see test/support/global-setup.ts).
 */
export const postgres: BackendEntry<PostgresConfig> = {
  name: 'postgres',
  async create() {
    const url = inject('postgresUrl');
    const schema = `nc_test_${randomBytes(6).toString('hex')}`;
    return {
      config: { kind: 'postgres', url, schema },
      cleanup: () => dropSchema(url, schema),
    };
  },
  open: (config, options = {}) =>
    new PostgresBackend({
      connectionString: config.url,
      schema: config.schema,
      max: options.max ?? config.max ?? 4,
    }),
  // A schema of its own, dropped after the test: a test never writes to the default one.
  serveDatabase: () => {
    const url = inject('postgresUrl');
    const schema = `nc_serve_${randomBytes(6).toString('hex')}`;
    return {
      args: ['--postgres', url, '--schema', schema],
      cleanup: () => dropSchema(url, schema),
    };
  },
  audit: postgresAudit,
  lostReply: postgresWiring,
  probeCondition: postgresProbe,
  probeOperations: postgresOperationProbe,
  slowCommits: postgresSlowCommits,
  // A server that refuses connections: nothing is ever sent, so nothing was written.
  unavailable: async () => ({
    backend: new PostgresBackend({
      connectionString: `postgres://postgres@127.0.0.1:${await closedPort()}/test`,
      poolConfig: { connectionTimeoutMillis: 2_000 },
    }),
  }),
  startServer: () => startPostgres(),
  // Loaded on use, so the tests never load the benchmark's and the stress run's modules.
  benchTarget: async ({ url }) => (await import('./harness.js')).postgresBenchTarget(url),
  stressTarget: async (setup) => (await import('./harness.js')).postgresStressTarget(setup),
};
