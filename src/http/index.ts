export {
  type AccessEntry,
  type AccessLogger,
  accessLogger,
  type LogDestination,
} from './access-log.js';
export { expressHandler } from './adapters/express.js';
export { type FastifyLike, fastifyPlugin } from './adapters/fastify.js';
export { honoHandler } from './adapters/hono.js';
export {
  type NodeListenerOptions,
  serveNode,
  toNodeListener,
  writeResponse,
} from './adapters/node.js';
export {
  type ApiKeyEntry,
  apiKeyVerifier,
  generateApiKey,
  hashApiKey,
} from './auth/api-keys.js';
export {
  type Authentication,
  type Authenticator,
  type AuthOptions,
  authenticator,
} from './auth/authenticate.js';
export { type AuthFile, readAuthFile } from './auth/config.js';
export { AuthConfigError } from './auth/errors.js';
export { type JwtOptions, jwtVerifier } from './auth/jwt.js';
export { type Principal, ROLES, type Role } from './auth/principal.js';
export type { CorsOptions } from './cors.js';
export { type FeedCursors, feedCursors } from './cursor.js';
export { MalformedHeaderError } from './errors.js';
export {
  type EntityTag,
  type ETagCondition,
  formatETag,
  parseETagCondition,
  strongMatch,
  versionOfTag,
  weakMatch,
} from './etag.js';
export type { GuardOptions } from './guard.js';
export { LOOPBACK_HOSTS } from './host.js';
export { formatHttpDate, parseHttpDate } from './http-date.js';
export { closeGracefully, createLimitedServer, type ServerLimits } from './limits/node-server.js';
export type { RateLimitOptions } from './limits/rate-limit.js';
export {
  type Current,
  directCheck,
  evaluatePreconditions,
  type Preconditions,
  readPreconditions,
  type Verdict,
} from './preconditions.js';
export { type Problem, problemOf, problemResponse } from './problem.js';
export { type ErrorReporter, reportToStderr } from './report.js';
export { createHandler, type FetchHandler, type HandlerOptions } from './resource.js';
