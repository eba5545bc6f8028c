import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * How one client request fares on its way through a `PgProxy`:
 * - `before`: it never reaches the server (a write in it cannot land);
 * - `afterReply`: the server runs it to the end (a write or a COMMIT lands), but its reply
 *   is dropped and the client's connection reset, as a network failure would.
 * `done` runs once the connection is cut.
 */
export interface Cut {
  readonly mode: 'before' | 'afterReply';
  readonly done?: () => void;
}

/** Decides, for each chunk a client sends once its session is ready, whether to cut. */
export type CutPolicy = (chunk: Buffer) => Cut | undefined;

/**
 * A TCP proxy on loopback in front of PostgreSQL that passes everything through, except
 * where its policy cuts a connection at an exact point of the protocol. The server's
 * messages are framed as they stream by, so "the reply is complete" means its
 * ReadyForQuery arrived: by then the server has committed whatever the request held.
 * Clients must not ask for TLS (node-postgres does not by default).
 */
export class PgProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(target: { host: string; port: number }, policy: CutPolicy) {
    this.#server = createServer((client) => this.#handle(client, target, policy));
  }

  /** Listens on a free loopback port and forwards each connection to `target`. */
  static async start(target: { host: string; port: number }, policy: CutPolicy): Promise<PgProxy> {
    const proxy = new PgProxy(target, policy);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #handle(client: Socket, target: { host: string; port: number }, policy: CutPolicy): void {
    const server = connect(target.port, target.host);
    this.#sockets.add(client).add(server);
    const replies = new ReadyCounter();
    let ready = false;
    let doomed: Cut | undefined;
    const cut = (cause?: Cut) => {
      // A reset, not a FIN: the client sees its connection fail mid-request.
      if (!client.destroyed) client.resetAndDestroy();
      server.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(server);
      cause?.done?.();
    };
    client.on('data', (chunk) => {
      const decided = ready && !doomed ? policy(chunk) : undefined;
      if (decided?.mode === 'before') return cut(decided);
      if (decided) doomed = decided;
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      const completed = replies.feed(chunk);
      if (completed > 0) ready = true;
      if (!doomed) {
        client.write(chunk);
        return;
      }
      // The doomed reply is held back whole; once it is complete the work is done.
      if (completed > 0) cut(doomed);
    });
    client.on('error', () => cut());
    server.on('error', () => cut());
    client.on('close', () => cut());
    server.on('close', () => cut());
  }
}

/**
 * Frames PostgreSQL backend messages (a type byte, then an int32 length that counts
 * itself) across chunk boundaries and counts the ReadyForQuery ('Z') messages.
 */
class ReadyCounter {
  #header = Buffer.alloc(0);
  #skip = 0;

  /** How many ReadyForQuery messages begin in `chunk`. */
  feed(chunk: Buffer): number {
    let count = 0;
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#skip > 0) {
        const taken = Math.min(this.#skip, chunk.length - offset);
        this.#skip -= taken;
        offset += taken;
        continue;
      }
      const needed = 5 - this.#header.length;
      this.#header = Buffer.concat([this.#header, chunk.subarray(offset, offset + needed)]);
      offset += Math.min(needed, chunk.length - offset);
      if (this.#header.length < 5) break;
      if (this.#header[0] === 0x5a) count++;
      this.#skip = this.#header.readInt32BE(1) - 4;
      this.#header = Buffer.alloc(0);
    }
    return count;
  }
}

/** `url` (a PostgreSQL URL) with its host and port those of a proxy on loopback at `port`. */
export function viaProxy(url: string | URL, port: number): string {
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(port);
  return proxied.href;
}
