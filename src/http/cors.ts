import { hostnameOf } from './host.js';
import { type Problem, problem, problemResponse } from './problem.js';

/** Cross-origin access for browser applications. Off unless origins are given. */
export interface CorsOptions {
  /** The origins allowed, exactly as browsers send them: `https://app.example.com`. */
  readonly origins: readonly string[];
  /** How long a browser may keep a preflight's answer, in seconds. Default 600. */
  readonly maxAge?: number;
}

const METHODS = 'GET, HEAD, PUT, PATCH, POST, DELETE';
const EXPOSED =
  'ETag, Location, Last-Modified, Retry-After, X-Request-Id, WWW-Authenticate, Accept-Patch';
const ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'last-event-id',
  'x-request-id',
];

/** The CORS decisions of a handler. */
export interface Cors {
  /**
   * A request from an origin that may not use this server (a browser page elsewhere):
   * 403, answered before anything is read or written. Same-origin requests and requests
   * without `Origin` (not from a browser) pass.
   */
  refused(request: Request): Problem | undefined;
  /** The answer to a preflight (`OPTIONS` with `Access-Control-Request-Method`), else `undefined`. */
  preflight(request: Request): Response | undefined;
  /** The CORS headers of a response to an allowed cross-origin request. */
  headers(request: Request): Record<string, string>;
}

/**
 * CORS for `options` (`undefined`: no origin but the server's own). `tenantHeader` is
 * allowed in requests too, when tenants are chosen by a header.
 */
export function cors(options: CorsOptions | undefined, tenantHeader?: string): Cors {
  const origins = new Set(options?.origins ?? []);
  const allowedHeaders = [
    ...ALLOWED_HEADERS,
    ...(tenantHeader ? [tenantHeader.toLowerCase()] : []),
  ];
  const maxAge = String(options?.maxAge ?? 600);
  const allowed = (origin: string) => origins.has(origin);
  return {
    refused(request) {
      const origin = request.headers.get('origin');
      if (origin === null || allowed(origin) || sameOrigin(request, origin)) return undefined;
      return problem(
        403,
        'origin-not-allowed',
        'Forbidden',
        `Requests from ${origin} are not allowed`,
      );
    },
    preflight(request) {
      const origin = request.headers.get('origin');
      const method = request.headers.get('access-control-request-method');
      if (request.method !== 'OPTIONS' || origin === null || method === null) return undefined;
      if (!allowed(origin)) {
        return problemResponse(
          problem(
            403,
            'origin-not-allowed',
            'Forbidden',
            `Requests from ${origin} are not allowed`,
          ),
          { vary: 'Origin' },
        );
      }
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': METHODS,
          'access-control-allow-headers': allowedHeaders.join(', '),
          'access-control-max-age': maxAge,
          vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        },
      });
    },
    headers(request): Record<string, string> {
      const origin = request.headers.get('origin');
      if (origin === null || !allowed(origin)) return {};
      return {
        'access-control-allow-origin': origin,
        'access-control-expose-headers': EXPOSED,
        vary: 'Origin',
      };
    },
  };
}

// A page of this very server sends its own origin on writes: that is not cross-origin.
function sameOrigin(request: Request, origin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  const host = request.headers.get('host');
  return (
    host !== null && hostnameOf(host) !== undefined && parsed.host === host.trim().toLowerCase()
  );
}
