import type { FetchHandler } from '../resource.js';

/**
 * A Hono (4) handler: `app.all('/docs/*', honoHandler(handler))` with the handler's
 * `basePath: '/docs'`, or simply `app.mount('/docs', handler)`, which strips the prefix.
 */
export function honoHandler(
  handler: FetchHandler,
): (c: { req: { raw: Request } }) => Promise<Response> {
  return (c) => handler(c.req.raw);
}
