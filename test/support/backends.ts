import type { Target } from '../../bench/workloads.js';
import type { Backend } from '../../src/index.js';
import type { StressSetup, StressTarget } from '../../stress/stress.js';
import type { Audit } from './audit.js';
import { type PostgresConfig, postgres } from './backends/postgres/index.js';
import { type SqliteConfig, sqlite } from './backends/sqlite/index.js';
import type { ConditionProbe } from './condition-probe.js';
import type { LostReplyWiring } from './lost-reply-rig.js';
import type { OperationProbe } from './operation-probe.js';

/** A serialisable description of a database, so worker threads and processes can connect too. */
export type BackendConfig = SqliteConfig | PostgresConfig;

/** A database server of a run's own (a benchmark's, a stress run's), and how to stop it. */
export interface RunServer {
  readonly url: string;
  stop(): Promise<void>;
  /** Stops and starts the server, where the run owns it (not a server named by the environment). */
  readonly restart?: () => Promise<void>;
}

/**
 * A backend as the tests, benchmarks and stress runs know it: everything about it that is
 * not the same for every backend. A new backend is a folder of its own under
 * test/support/backends/ holding its entry, and that entry in `backends` below; nothing
 * else in test/, bench/ or stress/ names a backend.
 */
export interface BackendEntry<C extends BackendConfig = BackendConfig> {
  readonly name: C['kind'];
  /** A fresh, empty database: its config, and how to remove it. */
  create(): Promise<{ config: C; cleanup(): Promise<void> }>;
  /** A new connection (or pool, of at most `max` connections where that means anything). */
  open(config: C, options?: { max?: number }): Backend;
  /** The flags of `noclobber serve` for a fresh database kept in `dir`, and how to remove it. */
  serveDatabase(dir: string): { args: string[]; cleanup(): Promise<void> };
  /** Installs the audit of committed versions on a migrated database (test/support/audit.ts). */
  audit(config: C): Promise<Audit>;
  /** The lost-reply rig's two ways into the database (test/support/lost-reply-rig.ts). */
  lostReply(config: C): Promise<LostReplyWiring>;
  /** Evaluates conditions with the backend's own compiler (test/support/condition-probe.ts). */
  probeCondition(config: C, tenant: string, collection: string): ConditionProbe;
  /** Runs compiled operations with the backend's own compiler (test/support/operation-probe.ts). */
  probeOperations(config: C): OperationProbe;
  /**
   * A backend on the database whose writes fail for certain, as this database fails when it
   * is unavailable. `takeAway`, where present, makes it so once the stores on the database
   * are migrated, and returns how to undo it; without it, the database is away from the start.
   */
  unavailable(config: C): Promise<{ backend: Backend; takeAway?(): () => void }>;
  /**
   * Makes writes on a migrated database wait a random while after drawing their seq (or
   * positions) and before committing, and returns how to undo it; absent where writers
   * cannot commit out of the order they drew (one writer at a time).
   */
  slowCommits?(config: C): Promise<() => Promise<void>>;
  /** A server of the run's own for a benchmark or stress run; absent for an embedded database. */
  startServer?(): Promise<RunServer>;
  /**
   * One benchmark run's target (bench/), in `dir` (not yet made) or on the server at `url`,
   * and how to remove it; absent: the benchmark skips this backend.
   */
  benchTarget?(place: {
    dir: string;
    url: string | undefined;
  }): Promise<Target & { cleanup(): Promise<void> }>;
  /** A stress run's database (stress/stress.ts), on the server at `setup.url` if it has one. */
  stressTarget(setup: StressSetup): Promise<StressTarget>;
}

/** Every backend the suites, the benchmark and the stress run use, in the order they run. */
export const backends: readonly BackendEntry[] = [sqlite, postgres] as readonly BackendEntry[];

/** The registry entry of a config's backend. */
export function backendOf(config: BackendConfig): BackendEntry {
  return backendNamed(config.kind);
}

/** The registry entry named `name`. */
export function backendNamed(name: string): BackendEntry {
  const found = backends.find((b) => b.name === name);
  if (!found) throw new Error(`No backend named ${name} in test/support/backends.ts`);
  return found;
}
