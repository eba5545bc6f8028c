import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { principalOf } from './api-keys.js';
import { AuthConfigError } from './errors.js';
import type { Principal } from './principal.js';

/**
 * How bearer JWTs are verified. Give `secrets` (HS256) or `jwks` (asymmetric keys by
 * `kid`). A token's `sub` is its credential id, `tenant` (a name) or `tenants` (a list)
 * its tenants, `role` its role; `exp` is required.
 */
export interface JwtOptions {
  /**
   * HS256 secrets, each at least 32 bytes. A token signed with any of them passes: list
   * the new secret next to the old one while tokens of both are in use, then drop the old.
   */
  readonly secrets?: readonly (string | Uint8Array)[];
  /**
   * A JSON Web Key Set: the set itself, a path to a file holding it (read once), or an
   * `https://` URL (fetched on demand and cached; a token with an unknown `kid` refetches,
   * so rotated keys are picked up). RS256, PS256, ES256, EdDSA and the like.
   */
  readonly jwks?: JSONWebKeySet | string | URL;
  /** The `iss` every token must carry. */
  readonly issuer?: string;
  /** The `aud` every token must carry. */
  readonly audience?: string;
  /** Leeway for `exp` and `nbf`, in seconds. Default 30. */
  readonly clockTolerance?: number;
}

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * A check of bearer tokens as JWTs: the principal a valid token names, or `undefined`
 * for anything else (not a JWT, a bad signature, expired, claims missing or malformed).
 * Throws `AuthConfigError` at once for options that cannot verify anything.
 */
export function jwtVerifier(
  options: JwtOptions,
): (token: string) => Promise<Principal | undefined> {
  const keys = keysOf(options);
  const verifyOptions = {
    requiredClaims: ['exp', 'sub'],
    clockTolerance: options.clockTolerance ?? 30,
    ...(options.issuer === undefined ? {} : { issuer: options.issuer }),
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };
  return async (token) => {
    if (!JWT_SHAPE.test(token)) return undefined;
    for (const key of keys) {
      let payload: JWTPayload;
      try {
        const options = { ...verifyOptions, algorithms: key.algorithms };
        ({ payload } =
          key.key instanceof Uint8Array
            ? await jwtVerify(token, key.key, options)
            : await jwtVerify(token, key.key, options));
      } catch {
        continue;
      }
      try {
        return principalOf(
          'token',
          String(payload.sub),
          payload.tenants ?? payload.tenant,
          payload.role,
        );
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
}

interface Key {
  readonly key: Uint8Array | JWTVerifyGetKey;
  readonly algorithms: string[];
}

function keysOf(options: JwtOptions): Key[] {
  const keys: Key[] = [];
  for (const secret of options.secrets ?? []) {
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (bytes.byteLength < 32) {
      throw new AuthConfigError('An HS256 secret must be at least 32 bytes');
    }
    keys.push({ key: bytes, algorithms: ['HS256'] });
  }
  if (options.jwks !== undefined) {
    keys.push({ key: jwksOf(options.jwks), algorithms: ASYMMETRIC });
  }
  if (keys.length === 0) throw new AuthConfigError('JWT verification needs secrets or jwks');
  return keys;
}

function jwksOf(jwks: JSONWebKeySet | string | URL): JWTVerifyGetKey {
  if (jwks instanceof URL || (typeof jwks === 'string' && /^https?:\/\//.test(jwks))) {
    return createRemoteJWKSet(new URL(jwks));
  }
  if (typeof jwks === 'string') {
    let set: JSONWebKeySet;
    try {
      set = JSON.parse(readFileSync(jwks, 'utf8')) as JSONWebKeySet;
    } catch (error) {
      throw new AuthConfigError(`Cannot read the JWKS file ${jwks}: ${(error as Error).message}`);
    }
    return createLocalJWKSet(set);
  }
  return createLocalJWKSet(jwks);
}
