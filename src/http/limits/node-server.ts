import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** Bounds on what a client can hold of a Node HTTP server. */
export interface ServerLimits {
  /** Milliseconds a client has to send a request's headers. Default 10,000. */
  readonly headersTimeout?: number;
  /**
   * Milliseconds a client has to send a whole request, body included (a trickled upload
   * is cut off here with 408). Default 30,000; never less than `headersTimeout`.
   */
  readonly requestTimeout?: number;
  /** Connections open at once; more are closed as they arrive. Default 1,000. */
  readonly maxConnections?: number;
  /** Milliseconds an idle keep-alive connection stays open. Default 5,000. */
  readonly keepAliveTimeout?: number;
}

/**
 * A `node:http` server for `listener` within `limits`. The timeouts are checked every
 * quarter of the shorter one (at most every second), not Node's default 30 s, so a slow
 * client is cut off close to its deadline.
 */
export function createLimitedServer(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  limits: ServerLimits = {},
): Server {
  const headersTimeout = limits.headersTimeout ?? 10_000;
  const requestTimeout = Math.max(limits.requestTimeout ?? 30_000, headersTimeout);
  const server = createServer(
    {
      headersTimeout,
      requestTimeout,
      keepAliveTimeout: limits.keepAliveTimeout ?? 5_000,
      connectionsCheckingInterval: Math.max(10, Math.min(1_000, headersTimeout / 4)),
    },
    listener,
  );
  server.maxConnections = limits.maxConnections ?? 1_000;
  return server;
}

/**
 * Stops `server` gracefully: no new connections, idle ones closed at once and each other
 * one as soon as it goes idle (its response finished), requests in flight given until
 * `deadline` ms to finish, then every connection still open is cut. Resolves to `true`
 * when everything finished in time, `false` when some were cut. Works on any `node:http`
 * server, not only one from `createLimitedServer()`.
 */
export function closeGracefully(server: Server, deadline = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    let cut = false;
    // A keep-alive connection whose response finishes during shutdown would otherwise stay
    // open, holding the close, until the client or the keep-alive timeout ends it. Node
    // publishes every response's end on this channel, whichever server and whenever the
    // request came, so no request has to be tracked from before the shutdown.
    const finished = (message: unknown) => {
      if ((message as { server?: unknown }).server !== server) return;
      // After Node has detached the response from its connection, which then counts as idle.
      setImmediate(() => server.closeIdleConnections());
    };
    subscribe(RESPONSE_FINISHED, finished);
    const timer = setTimeout(() => {
      cut = true;
      server.closeAllConnections();
    }, deadline);
    server.close(() => {
      unsubscribe(RESPONSE_FINISHED, finished);
      clearTimeout(timer);
      resolve(!cut);
    });
    server.closeIdleConnections();
  });
}

const RESPONSE_FINISHED = 'http.server.response.finish';
