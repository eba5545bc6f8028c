import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Backend } from '../backends/kit/backend.js';
import { DocumentStore } from '../events/document-store.js';
import { toNodeListener } from '../http/adapters/node.js';
import { createHandler } from '../http/resource.js';
import { type Command, integerOption, parseCommandArgs, UsageError } from './command.js';

const USAGE = `Usage: noclobber serve [options]

A document server over HTTP: GET/HEAD/PUT/PATCH/DELETE /:collection/:id,
POST /:collection, GET /:collection/_changes?since=. Conditional requests
(If-Match, If-None-Match, If-Unmodified-Since, If-Modified-Since) are checked
in the database with the write. Any valid collection name is served.
The database is connected and migrated before the server listens; every
5xx answer is logged to stderr as one JSON line with its cause.

Options:
  --db <file>        SQLite database file (default ./noclobber.db)
  --postgres <url>   use PostgreSQL instead of SQLite
  --schema <name>    the PostgreSQL schema of noclobber's tables (default noclobber)
  --port <n>         port to listen on (default 3000; 0 picks a free one)
  --host <address>   address to listen on (default 127.0.0.1)
  --tenant-header <name>
                     take the tenant from this request header
  -h, --help         show this help
`;

// Only the chosen backend is loaded, so its driver is the only one that must be installed.
async function openBackend(options: {
  postgres?: string | undefined;
  db?: string | undefined;
  schema?: string | undefined;
}): Promise<Backend> {
  const { postgres, db, schema } = options;
  if (postgres === undefined) {
    if (schema !== undefined) throw new UsageError('--schema goes with --postgres');
    const { SqliteBackend } = await import('../backends/sqlite/index.js');
    return new SqliteBackend({ filename: db ?? './noclobber.db' });
  }
  const { PostgresBackend } = await import('../backends/postgres/index.js');
  // A bound on connecting, so an unreachable server is reported, not waited on for minutes.
  return new PostgresBackend({
    connectionString: postgres,
    ...(schema === undefined ? {} : { schema }),
    poolConfig: { connectionTimeoutMillis: CONNECT_TIMEOUT },
  });
}

const CONNECT_TIMEOUT = 10_000;

// The URL without its password, for messages.
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'given with --postgres';
  }
}

// The error and its causes in one line: a driver's reason is often in the cause.
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (let e = error; e !== undefined && parts.length < 4; e = (e as Error).cause) {
    parts.push(e instanceof Error ? e.message : String(e));
    if (!(e instanceof Error)) break;
  }
  // A cause already quoted by the message before it is not repeated.
  return parts.filter((p, i) => p && !parts.slice(0, i).some((q) => q.includes(p))).join(': ');
}

/** `noclobber serve`: the document resource on node:http, SQLite by default. */
export const serve: Command = {
  summary: 'serve documents over HTTP with ETags and conditional requests',
  usage: USAGE,
  async run(args) {
    const options = parseCommandArgs(args, {
      db: { type: 'string' },
      postgres: { type: 'string' },
      schema: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'tenant-header': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (options.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    if (options.db !== undefined && options.postgres !== undefined) {
      throw new UsageError('give --db or --postgres, not both');
    }
    const port = integerOption('port', options.port, 3000, 0, 65535);
    const backend = await openBackend(options);
    // Connected and migrated before listening: a database that cannot be reached or
    // used stops the server here with its reason, rather than a server answering 500.
    try {
      await backend.migrate();
    } catch (error) {
      await backend.close().catch(() => {});
      const where = options.postgres
        ? redacted(options.postgres)
        : (options.db ?? './noclobber.db');
      process.stderr.write(
        `noclobber serve: cannot use the database ${where}: ${reasonOf(error)}\n`,
      );
      return 1;
    }
    const store = new DocumentStore({ backend });
    const header = options['tenant-header']?.toLowerCase();
    const handler = createHandler(store, {
      collections: 'any',
      ...(header ? { tenant: (request: Request) => request.headers.get(header) ?? undefined } : {}),
    });
    const server = createServer(toNodeListener(handler));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host ?? '127.0.0.1', resolve);
    });
    const { address, port: bound } = server.address() as AddressInfo;
    process.stdout.write(`noclobber serving on http://${address}:${bound}/ (${backend.name})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await store.close();
    return 0;
  },
};
