import type { AddressInfo } from 'node:net';
import type { Backend } from '../backends/kit/backend.js';
import { DocumentStore } from '../events/document-store.js';
import { accessLogger } from '../http/access-log.js';
import { toNodeListener } from '../http/adapters/node.js';
import { closeGracefully, createLimitedServer } from '../http/limits/node-server.js';
import { createHandler } from '../http/resource.js';
import { type Command, integerOption, parseCommandArgs, UsageError } from './command.js';
import { hostPort, listenFailure, listening } from './listen.js';
import { SERVE_OPTIONS, securityOf } from './serve-security.js';
import { shutdownSignals } from './shutdown-signals.js';

const USAGE = `Usage: noclobber serve [options]

A document server over HTTP: GET/HEAD/PUT/PATCH/DELETE /:collection/:id,
POST /:collection, GET /:collection/_changes?since=. Conditional requests
(If-Match, If-None-Match, If-Unmodified-Since, If-Modified-Since) are checked
in the database with the write. Any valid collection name is served.
The database is connected and migrated before the server listens. Every
request is logged to stdout as one JSON line (5xx with their cause).

Without --auth the server takes no credentials: it listens on loopback only
and answers every request. Binding another address needs --auth, or
--insecure for a network you trust entirely.

Options:
  --db <file>        SQLite database file (default ./noclobber.db)
  --postgres <url>   use PostgreSQL instead of SQLite
  --schema <name>    the PostgreSQL schema of noclobber's tables (default noclobber)
  --port <n>         port to listen on (default 3000; 0 picks a free one)
  --host <address>   address to listen on (default 127.0.0.1)
  --auth <file>      credentials (API key hashes, JWT secrets or JWKS) and their
                     tenants and roles, as JSON; see docs/deployment.md
  --tenant-header <name>
                     the request header that picks among a credential's tenants
  --allowed-host <name>
                     a Host name to answer for (repeatable; .example.com for a
                     domain and its subdomains; default the loopback names and
                     the --host address)
  --cors-origin <origin>
                     a browser origin allowed to call the server (repeatable)
  --header-timeout <s>
                     seconds to send a request's headers (default 10)
  --body-timeout <s> seconds to send a whole request (default 30)
  --max-connections <n>
                     connections open at once (default 1000)
  --rate-limit <n>   requests per second per credential (default: no limit)
  --rate-burst <n>   requests at once per credential (default the rate)
  --shutdown-timeout <s>
                     seconds requests in flight get after SIGTERM or SIGINT
                     (default 10); a second signal exits at once
  --trust-request-id take X-Request-Id from requests (behind a proxy that sets it)
  --insecure         allow a non-loopback --host without --auth
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
      ...SERVE_OPTIONS,
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
    const host = options.host ?? '127.0.0.1';
    const security = securityOf(options, host);
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
    const log = accessLogger();
    const closing = new AbortController();
    const handler = createHandler(store, {
      collections: 'any',
      ...security.handler,
      accessLog: log,
      closing: closing.signal,
    });
    // Stopped by a signal from the moment the port opens: a SIGTERM sent as soon as the URL
    // is printed closes the server gracefully, where before a listener it would kill it.
    const signals = shutdownSignals((signal) =>
      process.stderr.write(`noclobber serve: ${signal} again: exiting now\n`),
    );
    try {
      const server = createLimitedServer(toNodeListener(handler), security.limits);
      try {
        await listening(server, port, host);
      } catch (error) {
        process.stderr.write(
          `noclobber serve: cannot listen on ${hostPort(host, port)}: ${listenFailure(error) ?? reasonOf(error)}\n`,
        );
        return 1;
      }
      const { address, port: bound } = server.address() as AddressInfo;
      process.stdout.write(
        `noclobber serving on http://${hostPort(address, bound)}/ (${backend.name})\n`,
      );
      if (!security.handler.auth) {
        process.stdout.write(
          'noclobber: no credentials configured (--auth): every request is served, listening on loopback only\n',
        );
      }
      const signal = await signals.requested;
      process.stderr.write(
        `noclobber serve: ${signal}: shutting down, requests in flight get ${security.shutdownTimeout / 1000} s (SIGINT or SIGTERM again exits at once)\n`,
      );
      // Event streams never finish by themselves: they end now, and clients resume elsewhere.
      closing.abort();
      await closeGracefully(server, security.shutdownTimeout);
      return 0;
    } finally {
      // The store is closed however the server ends, its failure to listen included; a
      // second signal still cuts this short until it is done.
      await store.close();
      signals.dispose();
    }
  },
};
