import { type ApiKeyEntry, apiKeyVerifier } from './api-keys.js';
import { type JwtOptions, jwtVerifier } from './jwt.js';
import type { Principal } from './principal.js';

/** The credentials a handler accepts, as `Authorization: Bearer <token>`. */
export interface AuthOptions {
  /** Static API keys, stored hashed (see `hashApiKey`). */
  readonly apiKeys?: readonly ApiKeyEntry[];
  /** Signed JWTs. */
  readonly jwt?: JwtOptions;
}

/** What a request's `Authorization` header proved. */
export type Authentication =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' };

/** Checks a request's credential. */
export type Authenticator = (request: Request) => Promise<Authentication>;

// Longer than any key or token this server issues or accepts: not worth hashing or parsing.
const MAX_CREDENTIAL = 8192;
const BEARER = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i;

/**
 * The authenticator of `options`: the bearer token is an API key when one matches its
 * hash, else a JWT if `jwt` is configured. Anything else (no header, another scheme, a
 * malformed, unknown, expired or badly signed token) is not a principal.
 */
export function authenticator(options: AuthOptions): Authenticator {
  const apiKey = apiKeyVerifier(options.apiKeys ?? []);
  const jwt = options.jwt === undefined ? undefined : jwtVerifier(options.jwt);
  return async (request) => {
    const header = request.headers.get('authorization');
    if (header === null || header === '') return { ok: false, reason: 'missing' };
    const token = header.length <= MAX_CREDENTIAL ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) return { ok: false, reason: 'invalid' };
    const principal = apiKey(token) ?? (await jwt?.(token));
    return principal ? { ok: true, principal } : { ok: false, reason: 'invalid' };
  };
}
