import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FetchHandler } from '../resource.js';
import { respond, writeResponse } from './node.js';

/** The parts of a Fastify instance the plugin uses (Fastify 5). */
export interface FastifyLike {
  readonly prefix: string;
  removeAllContentTypeParsers(): void;
  addContentTypeParser(
    type: string,
    options: { parseAs: 'buffer'; bodyLimit: number },
    parser: (
      req: unknown,
      body: Buffer,
      done: (error: Error | null, body?: Buffer) => void,
    ) => void,
  ): void;
  setErrorHandler(
    handler: (
      error: { statusCode?: number; message: string },
      request: unknown,
      reply: { code(status: number): { type(t: string): { send(body: string): unknown } } },
    ) => unknown,
  ): void;
  route(options: {
    method: string[];
    url: string;
    handler: (
      request: { raw: IncomingMessage; body?: unknown },
      reply: { raw: ServerResponse; hijack(): void },
    ) => Promise<void>;
  }): void;
}

/**
 * A Fastify (5) plugin: `app.register(fastifyPlugin(handler, { maxBodyBytes }), { prefix: '/docs' })`.
 * The prefix is stripped before the handler routes; bodies reach it unparsed. A body over
 * `maxBodyBytes` (default 1 MiB) is cut off by Fastify; keep it equal to the handler's.
 */
export function fastifyPlugin(
  handler: FetchHandler,
  options: { maxBodyBytes?: number } = {},
): (fastify: FastifyLike) => Promise<void> {
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  return async (fastify) => {
    fastify.removeAllContentTypeParsers();
    // One byte over the limit, so the handler sees the oversized body and answers 413 itself.
    fastify.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: limit + 1 },
      (_req, body, done) => done(null, body),
    );
    const serve = async (
      request: { raw: IncomingMessage; body?: unknown },
      reply: { raw: ServerResponse; hijack(): void },
    ) => {
      const url = request.raw.url ?? '/';
      const path = url.startsWith(fastify.prefix) ? url.slice(fastify.prefix.length) || '/' : url;
      const body = request.body instanceof Uint8Array ? request.body : undefined;
      // The reply is taken over only once there is a response: until then, an error the
      // handler does not answer goes through Fastify's error handlers like any other.
      const response = await respond(handler, request.raw, body ?? new Uint8Array(), path);
      reply.hijack();
      try {
        await writeResponse(reply.raw, response);
      } catch (error) {
        reply.raw.destroy();
        throw error;
      }
    };
    // Fastify's own refusals (a body past the limit, a broken stream) as problem details
    // too; a server error is passed on to the application's error handler (by default,
    // Fastify's, which logs it) rather than answered here.
    fastify.setErrorHandler((error, _request, reply) => {
      if (!error.statusCode || error.statusCode >= 500) throw error;
      const status = error.statusCode >= 400 ? error.statusCode : 500;
      const code = status === 413 ? 'content-too-large' : status < 500 ? 'bad-request' : 'internal';
      return reply
        .code(status)
        .type('application/problem+json')
        .send(
          JSON.stringify({ type: `urn:noclobber:problem:${code}`, status, detail: error.message }),
        );
    });
    fastify.route({
      method: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE', 'POST', 'OPTIONS', 'TRACE'],
      url: '/*',
      handler: serve,
    });
  };
}
