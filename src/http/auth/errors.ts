/** A credential configuration that cannot be used (a short secret, a bad hash, no tenant). */
export class AuthConfigError extends Error {
  readonly code = 'AUTH_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'AuthConfigError';
  }
}
