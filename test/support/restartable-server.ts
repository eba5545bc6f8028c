import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FetchHandler, toNodeListener } from '../../src/http/index.js';

/** A loopback server that can be taken down and brought back on the same port. */
export interface RestartableServer {
  readonly url: string;
  /** Closes the port and every open connection: clients get no answer until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/** Serves `handler` on 127.0.0.1 (a free port, kept across restarts). */
export async function restartableServer(handler: FetchHandler): Promise<RestartableServer> {
  let server: Server | undefined;
  let port = 0;
  const up = async () => {
    const next = createServer(toNodeListener(handler));
    await new Promise<void>((resolve) => next.listen(port, '127.0.0.1', resolve));
    port = (next.address() as AddressInfo).port;
    server = next;
  };
  const down = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = undefined;
      if (!current) return resolve();
      current.closeAllConnections();
      current.close(() => resolve());
    });
  await up();
  return { url: `http://127.0.0.1:${port}`, up, down, close: down };
}
