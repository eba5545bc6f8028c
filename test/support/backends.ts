import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import type { Backend } from '../../src/index.js';

/** A serialisable description of a database, so worker threads and processes can connect too. */
export type BackendConfig =
  | { kind: 'sqlite'; filename: string }
  | { kind: 'postgres'; url: string; schema: string; max?: number };

/**
 * A backend as the tests, benchmarks and stress runs know it: how to make a fresh database,
 * open it, and point `noclobber serve` at one. A new backend is one more entry in `backends`.
 */
export interface BackendEntry<C extends BackendConfig = BackendConfig> {
  readonly name: C['kind'];
  /** A fresh, empty database: its config, and how to remove it. */
  create(): Promise<{ config: C; cleanup(): Promise<void> }>;
  /** A new connection (or pool, of at most `max` connections where that means anything). */
  open(config: C, options?: { max?: number }): Backend;
  /** The flags of `noclobber serve` for a fresh database kept in `dir`, and how to remove it. */
  serveDatabase(dir: string): { args: string[]; cleanup(): Promise<void> };
}

const sqlite: BackendEntry<{ kind: 'sqlite'; filename: string }> = {
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
};

// A fresh schema per test in the run's server (see test/support/global-setup.ts).
const postgres: BackendEntry<{ kind: 'postgres'; url: string; schema: string; max?: number }> = {
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
};

/** Every backend the suites run against, in the order they run. */
export const backends: readonly BackendEntry[] = [sqlite, postgres] as readonly BackendEntry[];

/** The registry entry of a config's backend. */
export function backendOf(config: BackendConfig): BackendEntry {
  const found = backends.find((b) => b.name === config.kind);
  if (!found) throw new Error(`No backend named ${config.kind} in test/support/backends.ts`);
  return found;
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
