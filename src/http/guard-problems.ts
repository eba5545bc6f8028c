import { type Problem, problem } from './problem.js';

/** 401: no credential, or one that is not valid. */
export const unauthenticated = (reason: 'missing' | 'invalid'): Problem =>
  reason === 'missing'
    ? problem(
        401,
        'unauthenticated',
        'Unauthorized',
        'Send a credential: Authorization: Bearer <token>',
      )
    : problem(401, 'invalid-credential', 'Unauthorized', 'The credential is not valid');

/** The `WWW-Authenticate` challenge of a 401 (RFC 6750). */
export const challenge = (reason: 'missing' | 'invalid'): string =>
  reason === 'missing'
    ? 'Bearer realm="noclobber"'
    : 'Bearer realm="noclobber", error="invalid_token"';

/** 403: the credential does not allow this tenant. */
export const tenantNotAllowed = (): Problem =>
  problem(403, 'tenant-not-allowed', 'Forbidden', 'The credential does not allow this tenant');

/** 400: the credential allows several tenants and the request named none. */
export const tenantRequired = (header: string | undefined): Problem =>
  problem(
    400,
    'tenant-required',
    'Bad Request',
    header
      ? `The credential allows several tenants: name one with ${header}`
      : 'The credential allows several tenants and this server has no way to choose one',
  );

/** 403: the credential's role does not allow the method. */
export const roleTooWeak = (role: string, needed: string): Problem =>
  problem(
    403,
    'forbidden',
    'Forbidden',
    `This credential can ${role}; the request needs ${needed}`,
  );

/** 429 with how long to wait. */
export const tooManyRequests = (seconds: number): Problem =>
  problem(429, 'rate-limited', 'Too Many Requests', `Slow down: try again in ${seconds} s`, {
    retryAfter: seconds,
  });
