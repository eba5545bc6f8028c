import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawSqlite } from '../../../../bench/raw.js';
import { rawQueriesSqlite } from '../../../../bench/raw-queries.js';
import type { Target } from '../../../../bench/workloads.js';
import { SqliteBackend } from '../../../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../../../src/index.js';
import { registerCleanup } from '../../../../stress/cleanup.js';
import type { StressSetup, StressTarget } from '../../../../stress/stress.js';

// SQLite's parts of the benchmark and the stress run, loaded only by them (see ./index.ts).

/** A bench run's target: SQLite files in `dir`, one per workload and side, removed after. */
export async function sqliteBenchTarget(
  dir: string,
): Promise<Target & { cleanup(): Promise<void> }> {
  await mkdir(dir);
  return {
    backend: 'sqlite',
    openStore: (name) =>
      new DocumentStore({
        backend: new SqliteBackend({ filename: join(dir, `${name}-noclobber.db`) }),
      }),
    openRaw: async (name) => rawSqlite(join(dir, `${name}-raw.db`)),
    openRawQueries: async (name) => rawQueriesSqlite(join(dir, `${name}-raw-queries.db`)),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * A stress run's database: a file in a fresh folder. There is no connection to cut, so
 * the workers' own backends lose the replies.
 */
export async function sqliteStressTarget(setup: StressSetup): Promise<StressTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'noclobber-stress-'));
  const config = { kind: 'sqlite', filename: join(dir, 'stress.db') } as const;
  const cleanup = registerCleanup(() => rm(dir, { recursive: true, force: true }));
  return {
    config,
    workerConfig: config,
    workerLostReplies: setup.lostReplies,
    lostOutside: () => 0,
    cleanup,
  };
}
