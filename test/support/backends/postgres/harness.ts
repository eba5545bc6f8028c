import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { rawPostgres } from '../../../../bench/raw.js';
import { rawQueriesPostgres } from '../../../../bench/raw-queries.js';
import type { Target } from '../../../../bench/workloads.js';
import { PostgresBackend } from '../../../../src/backends/postgres/index.js';
import { DocumentStore } from '../../../../src/index.js';
import { registerCleanup } from '../../../../stress/cleanup.js';
import { injectTerminations } from '../../../../stress/faults.js';
import { startLostReplyProxy } from '../../../../stress/lost-reply-proxy.js';
import { random } from '../../../../stress/random.js';
import type { StressSetup, StressTarget } from '../../../../stress/stress.js';

// PostgreSQL's parts of the benchmark and the stress run, loaded only by them (see ./index.ts).

/**
 * A bench run's target on the server at `url`: a fresh schema per workload for noclobber,
 * fresh tables for the hand-written drivers, all dropped by `cleanup()`.
 */
export async function postgresBenchTarget(
  url: string | undefined,
): Promise<Target & { cleanup(): Promise<void> }> {
  if (!url) throw new Error('A PostgreSQL bench run needs a server URL');
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
    async analyze(name) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`ANALYZE bench_${name}_${run}.documents`);
      } finally {
        await client.end();
      }
    },
    openRaw: (name, connections) => {
      const table = `bench_raw_${name}_${run}`;
      names.push(`DROP TABLE IF EXISTS ${table}, ${table}_events`);
      return rawPostgres(url, table, connections);
    },
    openRawQueries: (name, connections) => {
      const table = `bench_rawq_${name}_${run}`;
      names.push(`DROP TABLE IF EXISTS ${table}`);
      return rawQueriesPostgres(url, table, connections);
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

/**
 * A stress run's database: a fresh schema, its connections named so the fault injector
 * can terminate them, and (when replies are to be lost) a proxy in front of the server
 * that loses them, so the workers' own backends need not.
 */
export async function postgresStressTarget(setup: StressSetup): Promise<StressTarget> {
  const server = setup.url;
  if (!server) throw new Error('A PostgreSQL stress run needs a server URL');
  const schema = `nc_stress_${randomBytes(5).toString('hex')}`;
  const appName = `noclobber-stress-${schema}`;
  const proxy =
    setup.lostReplies > 0
      ? await startLostReplyProxy(server, setup.lostReplies, random(setup.seed ^ 0x1057))
      : undefined;
  const withApp = (url: string) => {
    const named = new URL(url);
    named.searchParams.set('application_name', appName);
    return named.href;
  };
  const config = { kind: 'postgres', url: withApp(server), schema, max: 4 } as const;
  const cleanup = registerCleanup(async () => {
    await proxy?.close();
    const client = new pg.Client({ connectionString: server });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } finally {
      await client.end();
    }
  });
  return {
    config,
    workerConfig: proxy ? { ...config, url: withApp(proxy.url) } : config,
    workerLostReplies: 0,
    lostOutside: () => proxy?.lost ?? 0,
    injectFaults: () => injectTerminations(server, appName),
    cleanup,
  };
}
