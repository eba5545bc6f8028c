import { randomUUID } from 'node:crypto';
import type { AccessLogger } from './access-log.js';
import { type Authenticator, type AuthOptions, authenticator } from './auth/authenticate.js';
import { grants, type Principal, roleFor } from './auth/principal.js';
import { type CorsOptions, cors } from './cors.js';
import {
  challenge,
  roleTooWeak,
  tenantNotAllowed,
  tenantRequired,
  tooManyRequests,
  unauthenticated,
} from './guard-problems.js';
import { hostCheck, LOOPBACK_HOSTS } from './host.js';
import { type RateLimitOptions, rateLimiter } from './limits/rate-limit.js';
import { type Problem, problemResponse } from './problem.js';
import type { ErrorReporter } from './report.js';

/** The options of `createHandler()` that decide who may call it, and what is logged. */
export interface GuardOptions {
  /**
   * The credentials accepted (`Authorization: Bearer`): API keys, JWTs, or a function of
   * your own. Each names the tenants it may use and a role. Without it every request is
   * served, in the tenant `tenant` picks: only for a server that nobody else can reach.
   */
  auth?: AuthOptions | Authenticator;
  /** The tenant of a request (from a header, a path); with `auth`, one of the credential's. */
  tenant?: (request: Request) => string | undefined;
  /**
   * The request header that picks the tenant: with `auth` only among the credential's,
   * and needed only when it allows several. Ignored when `tenant` is given.
   */
  tenantHeader?: string;
  /**
   * The names the server answers to in `Host` (`.example.com` for a domain and every name
   * under it), or `'any'`. Default: `localhost`, `*.localhost`, `127.0.0.1`, `[::1]`.
   * Others get 421, so a browser sent here by a rebound DNS name reads nothing.
   */
  allowedHosts?: readonly string[] | 'any';
  /** Browser origins allowed to call the server. Default: none but its own. */
  cors?: CorsOptions;
  /** A per-credential token bucket; past it, 429 with `Retry-After`. Default: none. */
  rateLimit?: RateLimitOptions;
  /** One entry per request, with every 5xx's cause. Default: none (5xx causes go to `onError`). */
  accessLog?: AccessLogger;
  /** Take `X-Request-Id` from the request when well formed (behind a proxy that sets it). */
  trustRequestId?: boolean;
}

/** The part of a handler behind the guard: runs a request in a tenant (`undefined`: the store's). */
export type Core = (request: Request, tenant: string | undefined) => Promise<Response>;

interface Entry {
  tenant?: string;
  credential?: string;
  cause?: unknown;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Wraps `core` with what `options` ask: the `Host` check, CORS, authentication, the
 * tenant from the credential, the role, the rate limit, a request id on every response
 * (`X-Request-Id`, and `requestId` in problem details) and the access log. Returns the
 * handler and the reporter `core` must tell its 5xx causes to, so they reach the log.
 */
export function guard(
  core: Core,
  options: GuardOptions,
  report: ErrorReporter | undefined,
): { handler: (request: Request) => Promise<Response>; report: ErrorReporter | undefined } {
  const checkHost = hostCheck(options.allowedHosts ?? LOOPBACK_HOSTS);
  const tenantHeader = options.tenant ? undefined : options.tenantHeader?.toLowerCase();
  const crossOrigin = cors(options.cors, tenantHeader);
  const authenticate =
    options.auth === undefined
      ? undefined
      : typeof options.auth === 'function'
        ? options.auth
        : authenticator(options.auth);
  const limit = options.rateLimit ? rateLimiter(options.rateLimit) : undefined;
  const chooseTenant =
    options.tenant ??
    (tenantHeader
      ? (request: Request) => request.headers.get(tenantHeader) ?? undefined
      : () => undefined);
  const log = options.accessLog;
  const entries = new WeakMap<object, Entry>();
  const causeReporter: ErrorReporter | undefined = log
    ? (error, request) => {
        const entry = entries.get(request);
        if (entry) entry.cause = error;
        report?.(error, request);
      }
    : report;

  async function decide(request: Request, entry: Entry): Promise<Response> {
    const misdirected = checkHost(request);
    if (misdirected) return problemResponse(misdirected);
    const preflight = crossOrigin.preflight(request);
    if (preflight) return preflight;
    const refused = crossOrigin.refused(request);
    if (refused) return problemResponse(refused);
    let principal: Principal | undefined;
    if (authenticate) {
      const result = await authenticate(request);
      if (!result.ok) {
        const wait = limit?.('\0unauthenticated');
        if (wait) return limited(wait);
        return problemResponse(unauthenticated(result.reason), {
          'www-authenticate': challenge(result.reason),
        });
      }
      principal = result.principal;
      entry.credential = principal.id;
    }
    const wait = limit?.(principal?.id ?? '\0anonymous');
    if (wait) return limited(wait);
    const chosen = chooseTenant(request);
    let tenant = chosen;
    if (principal) {
      if (chosen === undefined) {
        if (principal.tenants.length !== 1) return problemResponse(tenantRequired(tenantHeader));
        tenant = principal.tenants[0];
      } else if (!principal.tenants.includes(chosen)) {
        return problemResponse(tenantNotAllowed());
      }
      const needed = roleFor(request.method);
      if (!grants(principal.role, needed)) {
        return problemResponse(roleTooWeak(principal.role, needed));
      }
    }
    if (tenant !== undefined) entry.tenant = tenant;
    return core(request, tenant);
  }

  const handler = async (request: Request): Promise<Response> => {
    const started = performance.now();
    const requestId = requestIdOf(request, options.trustRequestId === true);
    const entry: Entry = {};
    entries.set(request, entry);
    const write = (status: number, err?: unknown) => {
      if (!log) return;
      const line = {
        requestId,
        method: request.method,
        path: pathOf(request),
        status,
        duration: Math.round((performance.now() - started) * 10) / 10,
        ...(entry.tenant === undefined ? {} : { tenant: entry.tenant }),
        ...(entry.credential === undefined ? {} : { credential: entry.credential }),
        ...(err === undefined ? {} : { err }),
      };
      if (status >= 500) log.error(line, 'request failed');
      else log.info(line, 'request');
    };
    let response: Response;
    try {
      response = await decide(request, entry);
    } catch (error) {
      write(500, error);
      throw error;
    }
    const answered = await finished(response, requestId, crossOrigin.headers(request));
    write(
      answered.status,
      answered.status >= 500 ? (entry.cause ?? 'no cause reported') : undefined,
    );
    return answered;
  };
  return { handler, report: causeReporter };
}

const limited = (seconds: number) =>
  problemResponse(tooManyRequests(seconds), { 'retry-after': String(seconds) });

function requestIdOf(request: Request, trusted: boolean): string {
  const given = trusted ? request.headers.get('x-request-id') : null;
  return given !== null && REQUEST_ID.test(given) ? given : randomUUID();
}

function pathOf(request: Request): string {
  try {
    return new URL(request.url).pathname;
  } catch {
    return request.url.slice(0, 200);
  }
}

// The response with the request id (header, and in a problem's body) and CORS headers.
async function finished(
  response: Response,
  requestId: string,
  extra: Record<string, string>,
): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.set('x-request-id', requestId);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  let body: ReadableStream<Uint8Array> | string | null = response.body;
  if (body && headers.get('content-type') === 'application/problem+json') {
    const problem = JSON.parse(await response.text()) as Problem;
    body = JSON.stringify({ ...problem, requestId });
    headers.delete('content-length');
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
