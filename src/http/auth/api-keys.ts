import { createHash, randomBytes } from 'node:crypto';
import { AuthConfigError } from './errors.js';
import { isRole, type Principal, type Role } from './principal.js';

/** An API key as a configuration file keeps it: its hash, never the key itself. */
export interface ApiKeyEntry {
  /** A name for the key, shown in logs and used for its rate limit. */
  readonly id: string;
  /** `sha256:` and the key's SHA-256 in lowercase hex, as `hashApiKey` gives it. */
  readonly hash: string;
  /** The key's tenant, or several. */
  readonly tenants: readonly string[];
  readonly role: Role;
}

const PREFIX = 'nck_';
const HASH = /^sha256:[0-9a-f]{64}$/;

/**
 * A new API key: `nck_` and 32 random bytes in base64url. Give it to the client once and
 * keep only `hashApiKey(key)`.
 */
export const generateApiKey = (): string => `${PREFIX}${randomBytes(32).toString('base64url')}`;

/**
 * The form a configuration file stores a key in. SHA-256 without a salt is enough here:
 * the keys are 256 random bits, so there is nothing to guess from the hash, and checking
 * a request costs one hash, not a password-hashing function an attacker can make us run.
 */
export const hashApiKey = (key: string): string =>
  `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;

/**
 * A check of bearer tokens against API keys: the principal of the key presented, or
 * `undefined` when it is none of them. Throws `AuthConfigError` for an entry that cannot
 * be used (a malformed hash, no tenant, an unknown role, an id used twice).
 */
export function apiKeyVerifier(
  entries: readonly ApiKeyEntry[],
): (token: string) => Principal | undefined {
  const byHash = new Map<string, Principal>();
  const ids = new Set<string>();
  for (const entry of entries) {
    if (typeof entry.id !== 'string' || entry.id === '' || ids.has(entry.id)) {
      throw new AuthConfigError(`API key ids must be distinct, non-empty strings: ${entry.id}`);
    }
    if (typeof entry.hash !== 'string' || !HASH.test(entry.hash)) {
      throw new AuthConfigError(`API key ${entry.id}: hash must be sha256:<64 hex digits>`);
    }
    ids.add(entry.id);
    byHash.set(entry.hash, principalOf(`API key ${entry.id}`, entry.id, entry.tenants, entry.role));
  }
  // Looked up by the hash of what was sent: the map compares hashes, so nothing about a
  // stored key can be learned from how long a wrong guess took.
  return (token) => byHash.get(hashApiKey(token));
}

/** A principal from configured or claimed values; throws `AuthConfigError` when unusable. */
export function principalOf(what: string, id: string, tenants: unknown, role: unknown): Principal {
  const list = typeof tenants === 'string' ? [tenants] : tenants;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((t) => typeof t === 'string' && t !== '')
  ) {
    throw new AuthConfigError(`${what}: tenants must be a non-empty list of names`);
  }
  if (!isRole(role)) throw new AuthConfigError(`${what}: role must be read, write or admin`);
  return { id, tenants: Object.freeze([...list]), role };
}
