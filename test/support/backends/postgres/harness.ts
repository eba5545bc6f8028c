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
 * fresh tables for the hand-written drivers, all dropped by `cleanup()`. A workload's
 * store and its hand-written drivers share one pool, so both sides' statements run on the
 * same server connections: on a 2-core machine a round trip to a server process on the
 * client's core took a third of one to the other core (27 against 83 µs), and which core
 * each connection's process lands on is luck, which on separate pools decided a lookup's
 * ratio more than either side's code did.
 */
export async function postgresBenchTarget(
  url: string | undefined,
): Promise<Target & { cleanup(): Promise<void> }> {
  if (!url) throw new Error('A PostgreSQL bench run needs a server URL');
  const run = randomBytes(4).toString('hex');
  const names: string[] = [];
  const pools = sharedPools(url);
  const raw = async <T extends { close(): Promise<void> }>(
    name: string,
    connections: number,
    open: (pool: pg.Pool) => Promise<T>,
  ): Promise<T> => {
    const lease = pools.lease(name, connections);
    return { ...(await open(lease.pool)), close: lease.release };
  };
  return {
    backend: 'postgres',
    openStore: (name, connections) => {
      const schema = `bench_${name}_${run}`;
      names.push(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      const lease = pools.lease(name, connections);
      return new DocumentStore({ backend: new LeasedPoolBackend(lease, schema) });
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
      return raw(name, connections, (pool) => rawPostgres(pool, table));
    },
    openRawQueries: (name, connections) => {
      const table = `bench_rawq_${name}_${run}`;
      names.push(`DROP TABLE IF EXISTS ${table}`);
      return raw(name, connections, (pool) => rawQueriesPostgres(pool, table));
    },
    openNaive: (name, connections) => {
      const table = `bench_naive_${name}_${run}`;
      names.push(`DROP TABLE IF EXISTS ${table}, ${table}_events`);
      return raw(name, connections, (pool) => rawPostgres(pool, table, { naive: true }));
    },
    async cleanup() {
      await pools.end();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const statement of names) await client.query(statement);
      await client.end();
    },
  };
}

interface PoolLease {
  readonly pool: pg.Pool;
  release(): Promise<void>;
}

/** One pool per workload name, ended when the last of its users lets it go. */
function sharedPools(url: string) {
  const open = new Map<string, { pool: pg.Pool; users: number }>();
  return {
    lease(name: string, connections: number): PoolLease {
      let entry = open.get(name);
      if (!entry) {
        const pool = new pg.Pool({ connectionString: url, max: connections });
        pool.on('error', () => {});
        entry = { pool, users: 0 };
        open.set(name, entry);
      } else if (entry.pool.options.max !== connections) {
        throw new Error(`Workload ${name} asked for pools of two sizes`);
      }
      const leased = entry;
      leased.users += 1;
      let released = false;
      return {
        pool: leased.pool,
        async release() {
          if (released) return;
          released = true;
          leased.users -= 1;
          // Ended already when `end()` took it first.
          if (leased.users > 0 || open.get(name) !== leased) return;
          open.delete(name);
          await leased.pool.end();
        },
      };
    },
    async end() {
      const entries = [...open.values()];
      open.clear();
      await Promise.all(entries.map((entry) => entry.pool.end()));
    },
  };
}

/** The store's backend on a leased pool, which it gives back when the store closes. */
class LeasedPoolBackend extends PostgresBackend {
  readonly #lease: PoolLease;

  constructor(lease: PoolLease, schema: string) {
    super({ pool: lease.pool, schema });
    this.#lease = lease;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#lease.release();
  }
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
