import { PgProxy } from '../test/support/pg-proxy.js';

/** A loopback proxy to PostgreSQL that loses a share of the server's replies. */
export interface LostReplyProxy {
  /** `url` with its host and port pointing at the proxy. */
  readonly url: string;
  /** Replies lost so far. */
  readonly lost: number;
  close(): Promise<void>;
}

/**
 * Starts a proxy in front of the server at `url` that, for a `rate` share of the
 * requests clients send, lets the server run the request to its end (a write or a COMMIT
 * lands), drops the reply and resets the client's connection.
 */
export async function startLostReplyProxy(
  url: string,
  rate: number,
  random: () => number,
): Promise<LostReplyProxy> {
  const target = new URL(url);
  let lost = 0;
  const proxy = await PgProxy.start(
    { host: target.hostname, port: Number(target.port || 5432) },
    () =>
      random() < rate
        ? {
            mode: 'afterReply',
            done: () => {
              lost++;
            },
          }
        : undefined,
  );
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  return {
    url: proxied.href,
    get lost() {
      return lost;
    },
    close: () => proxy.close(),
  };
}
