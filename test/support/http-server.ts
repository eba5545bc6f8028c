import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve as serveHono } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import {
  expressHandler,
  type FetchHandler,
  fastifyPlugin,
  honoHandler,
  toNodeListener,
} from '../../src/http/index.js';

/** The adapters under test. */
export const ADAPTERS = ['node', 'express', 'fastify', 'hono'] as const;
export type Adapter = (typeof ADAPTERS)[number];

/** A server on a loopback port serving `handler` under `/docs` through one adapter. */
export interface TestServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts `adapter` on 127.0.0.1 with the handler mounted at `/docs`. `make` gets the
 * base path the handler must strip itself (adapters that strip it pass '').
 */
export async function startServer(
  adapter: Adapter,
  make: (basePath: string) => FetchHandler,
): Promise<TestServer> {
  switch (adapter) {
    case 'node':
      return listen(createServer(toNodeListener(make('/docs'))));
    case 'express': {
      const app = express();
      app.use('/docs', expressHandler(make('')));
      return listen(createServer(app));
    }
    case 'fastify': {
      const app = Fastify();
      await app.register(fastifyPlugin(make('')), { prefix: '/docs' });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}/docs`, close: () => app.close() };
    }
    case 'hono': {
      const app = new Hono();
      app.all('/docs/*', honoHandler(make('/docs')));
      const server = serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      return opened(server);
    }
  }
}

async function listen(server: Server): Promise<TestServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return opened(server);
}

function opened(server: Server): TestServer {
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/docs`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
