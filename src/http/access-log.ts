import { pino } from 'pino';

/**
 * Where a handler writes its access log: one call per request. A pino logger is one;
 * `accessLogger()` makes one that writes JSON lines.
 */
export interface AccessLogger {
  info(entry: AccessEntry, message: string): void;
  error(entry: AccessEntry, message: string): void;
}

/** One line of the access log. */
export interface AccessEntry {
  readonly requestId: string;
  readonly method: string;
  /** The path without its query string (a query's values are data, not for logs). */
  readonly path: string;
  readonly status: number;
  /** Milliseconds from the request to its response's status and headers. */
  readonly duration: number;
  /** The tenant the request ran in, once known. */
  readonly tenant?: string;
  /** The id of the credential that authenticated it, once known. */
  readonly credential?: string;
  /** What broke, for a 5xx. */
  readonly err?: unknown;
}

/** Where log lines go: anything with `write`, as pino's destinations and Node streams have. */
export interface LogDestination {
  write(line: string): unknown;
}

/**
 * A pino logger writing one JSON line per request to `destination` (default stdout), with
 * `err` serialized with its stack and causes. Its signature names no pino type, so the
 * declarations of `noclobber/http` type-check without pino's (which need esModuleInterop).
 */
export function accessLogger(destination?: LogDestination): AccessLogger {
  const logger = pino(
    { base: null, messageKey: 'msg', serializers: { err: pino.stdSerializers.errWithCause } },
    (destination as pino.DestinationStream | undefined) ??
      pino.destination({ dest: 1, sync: false }),
  );
  return logger;
}
