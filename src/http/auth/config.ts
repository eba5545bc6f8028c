import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { ApiKeyEntry } from './api-keys.js';
import type { AuthOptions } from './authenticate.js';
import { AuthConfigError } from './errors.js';
import type { JwtOptions } from './jwt.js';

/** A credentials file as `noclobber serve --auth <file>` reads it. */
export interface AuthFile {
  readonly auth: AuthOptions;
  /** The secret feed cursors are sealed with, so they stay valid across restarts. */
  readonly cursorSecret: string | undefined;
}

/**
 * Reads a credentials file (JSON): `apiKeys` (entries of `id`, `hash`, `tenants` or
 * `tenant`, `role`), `jwt` (`secrets`, `jwks` a file path relative to this file or a URL,
 * `issuer`, `audience`), `cursorSecret`. Throws `AuthConfigError` with what is wrong.
 */
export function readAuthFile(path: string): AuthFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AuthConfigError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AuthConfigError(`${path} must hold a JSON object`);
  }
  const { apiKeys, jwt, cursorSecret } = parsed as Record<string, unknown>;
  if (apiKeys !== undefined && !Array.isArray(apiKeys)) {
    throw new AuthConfigError('apiKeys must be a list');
  }
  if (
    cursorSecret !== undefined &&
    (typeof cursorSecret !== 'string' || cursorSecret.length < 32)
  ) {
    throw new AuthConfigError('cursorSecret must be a string of at least 32 characters');
  }
  const keys = (apiKeys ?? []).map(
    (entry: Record<string, unknown>): ApiKeyEntry =>
      ({ ...entry, tenants: entry.tenants ?? entry.tenant }) as ApiKeyEntry,
  );
  return {
    auth: { apiKeys: keys, ...(jwt === undefined ? {} : { jwt: jwtOf(jwt, dirname(path)) }) },
    cursorSecret: cursorSecret as string | undefined,
  };
}

function jwtOf(jwt: unknown, base: string): JwtOptions {
  if (typeof jwt !== 'object' || jwt === null) throw new AuthConfigError('jwt must be an object');
  const options = jwt as Record<string, unknown>;
  const jwks = options.jwks;
  if (typeof jwks === 'string' && !/^https?:\/\//.test(jwks) && !isAbsolute(jwks)) {
    return { ...options, jwks: resolve(base, jwks) } as JwtOptions;
  }
  return options as JwtOptions;
}
