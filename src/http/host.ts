import { type Problem, problem } from './problem.js';

/** The names a server on a loopback address answers to unless told others. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '.localhost', '127.0.0.1', '[::1]'];

/**
 * A check of the `Host` a request names (port aside) against `allowed`: exact names, or
 * `.example.com` for that name and every name under it. Requests for other hosts are
 * refused with 421 (a rebound DNS name pointing a browser at this server reads nothing),
 * requests without a usable `Host` with 400.
 */
export function hostCheck(
  allowed: readonly string[] | 'any',
): (request: Request) => Problem | undefined {
  if (allowed === 'any') return () => undefined;
  const exact = new Set(allowed.filter((h) => !h.startsWith('.')).map((h) => h.toLowerCase()));
  const suffixes = allowed.filter((h) => h.startsWith('.')).map((h) => h.toLowerCase());
  return (request) => {
    const host = hostnameOf(request.headers.get('host') ?? new URL(request.url).host);
    if (host === undefined) {
      return problem(400, 'bad-host', 'Bad Request', 'The Host header is missing or malformed');
    }
    if (exact.has(host) || suffixes.some((s) => host.endsWith(s) || host === s.slice(1))) {
      return undefined;
    }
    return problem(
      421,
      'misdirected-request',
      'Misdirected Request',
      `This server does not answer for ${host}`,
    );
  };
}

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::\d{1,5})?$/;

/** The name in a `Host` value, lowercase and without its port; `undefined` when malformed. */
export function hostnameOf(value: string): string | undefined {
  const match = HOST.exec(value.trim().toLowerCase());
  return match?.[1]?.replace(/\.$/, '');
}
