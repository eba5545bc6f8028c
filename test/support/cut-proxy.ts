import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of PostgreSQL that can cut one connection at an exact point of
 * the protocol, to reproduce what a network failure does to a write in flight:
 * - `before`: the client's message never reaches the server (the write cannot land);
 * - `afterCommit`: the server runs the statement and commits, but its reply is lost.
 */
export class CutProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  #armed: { marker: string; mode: 'before' | 'afterCommit'; done: () => void } | undefined;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<CutProxy> {
    let proxy: CutProxy | undefined;
    const server = createServer((client) => proxy?.handle(client, target));
    proxy = new CutProxy(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Cuts the next connection that sends a message containing `marker`; resolves once cut. */
  arm(marker: string, mode: 'before' | 'afterCommit'): Promise<void> {
    return new Promise((done) => {
      this.#armed = { marker, mode, done };
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  private handle(client: Socket, target: { host: string; port: number }): void {
    const server = connect(target.port, target.host);
    this.#sockets.add(client).add(server);
    const cut = () => {
      client.destroy();
      server.destroy();
    };
    let awaitingCommit: (() => void) | undefined;
    let pending = Buffer.alloc(0);
    client.on('data', (chunk) => {
      const armed = this.#armed;
      if (armed && chunk.includes(armed.marker)) {
        this.#armed = undefined;
        if (armed.mode === 'before') {
          cut();
          armed.done();
          return;
        }
        awaitingCommit = armed.done;
      }
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (!awaitingCommit) {
        client.write(chunk);
        return;
      }
      // Hold the reply back until ReadyForQuery ('Z'): by then the statement committed.
      pending = Buffer.concat([pending, chunk]);
      if (containsReadyForQuery(pending)) {
        const done = awaitingCommit;
        awaitingCommit = undefined;
        cut();
        done();
      }
    });
    client.on('error', cut);
    server.on('error', cut);
    client.on('close', cut);
    server.on('close', cut);
  }
}

// Walks the backend messages (type byte, int32 length) looking for ReadyForQuery.
function containsReadyForQuery(buffer: Buffer): boolean {
  let offset = 0;
  while (offset + 5 <= buffer.length) {
    if (buffer[offset] === 0x5a) return true;
    offset += 1 + buffer.readInt32BE(offset + 1);
  }
  return false;
}
