import { type Cut, PgProxy } from './pg-proxy.js';

interface Armed {
  current?: { marker: string; mode: 'before' | 'afterCommit'; done: () => void };
}

/**
 * A TCP proxy in front of PostgreSQL that can cut one connection at an exact point of
 * the protocol, to reproduce what a network failure does to a write in flight:
 * - `before`: the client's message never reaches the server (the write cannot land);
 * - `afterCommit`: the server runs the statement and commits, but its reply is lost.
 */
export class CutProxy {
  readonly #proxy: PgProxy;
  readonly #armed: Armed;

  private constructor(proxy: PgProxy, armed: Armed) {
    this.#proxy = proxy;
    this.#armed = armed;
  }

  static async start(target: { host: string; port: number }): Promise<CutProxy> {
    const armed: Armed = {};
    const proxy = await PgProxy.start(target, (chunk) => cutOnMarker(armed, chunk));
    return new CutProxy(proxy, armed);
  }

  get port(): number {
    return this.#proxy.port;
  }

  /** Cuts the next connection that sends a message containing `marker`; resolves once cut. */
  arm(marker: string, mode: 'before' | 'afterCommit'): Promise<void> {
    return new Promise((done) => {
      this.#armed.current = { marker, mode, done };
    });
  }

  close(): Promise<void> {
    return this.#proxy.close();
  }
}

function cutOnMarker(armed: Armed, chunk: Buffer): Cut | undefined {
  const current = armed.current;
  if (!current || !chunk.includes(current.marker)) return undefined;
  armed.current = undefined;
  return { mode: current.mode === 'before' ? 'before' : 'afterReply', done: current.done };
}
