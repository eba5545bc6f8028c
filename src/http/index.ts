export { expressHandler } from './adapters/express.js';
export { type FastifyLike, fastifyPlugin } from './adapters/fastify.js';
export { honoHandler } from './adapters/hono.js';
export {
  type NodeListenerOptions,
  serveNode,
  toNodeListener,
  writeResponse,
} from './adapters/node.js';
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
export { formatHttpDate, parseHttpDate } from './http-date.js';
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
