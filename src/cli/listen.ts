import type { Server } from 'node:http';

/** Resolves once `server` listens on `host`:`port`; rejects with Node's reason if it cannot. */
export function listening(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error) => reject(error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

// The usual reasons a port cannot be listened on, with what to do about each.
const LISTEN_FAILURES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is already in use (stop what holds it, or give another --port)',
  EACCES: 'permission denied (a port below 1024 needs privileges)',
  EADDRNOTAVAIL: 'this machine has no such address (check --host)',
};

/** What a failed `listening()` means for the user, when its reason is a usual one. */
export function listenFailure(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && Object.hasOwn(LISTEN_FAILURES, code)
    ? LISTEN_FAILURES[code]
    : undefined;
}

/** `host:port`, an IPv6 address in brackets as in a URL. */
export const hostPort = (host: string, port: number): string =>
  `${host.includes(':') ? `[${host}]` : host}:${port}`;
