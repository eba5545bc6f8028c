/** What a credential may do: `read` (GET, HEAD), `write` (and POST, PUT, PATCH, DELETE), `admin` (everything). */
export type Role = 'read' | 'write' | 'admin';

/** The roles, weakest first. */
export const ROLES: readonly Role[] = ['read', 'write', 'admin'];

/** Who a request acts as, once its credential is verified. */
export interface Principal {
  /** The credential's id (an API key's id, a token's `sub`), for logs and rate limits. */
  readonly id: string;
  /** The tenants the credential may use, at least one; a request picks among them. */
  readonly tenants: readonly string[];
  readonly role: Role;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The weakest role that may send `method`. */
export const roleFor = (method: string): Role => (READS.has(method) ? 'read' : 'write');

/** Whether `role` includes `needed`. */
export const grants = (role: Role, needed: Role): boolean =>
  ROLES.indexOf(role) >= ROLES.indexOf(needed);

/** True for one of the three role names. */
export const isRole = (value: unknown): value is Role => ROLES.includes(value as Role);
