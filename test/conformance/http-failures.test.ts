import { createServer, type Server } from 'node:http';
import express from 'express';
import Fastify from 'fastify';
import pg from 'pg';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import {
  createHandler,
  expressHandler,
  fastifyPlugin,
  toNodeListener,
} from '../../src/http/index.js';
import { DocumentStore, TransientError } from '../../src/index.js';
import { CutProxy } from '../support/cut-proxy.js';
import { order } from '../support/model.js';
import { describeConformance, type Fixture } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

/**
 * A store on the fixture's database whose writes fail for certain, as databases do:
 * SQLite with its write lock held by another connection (and no patience for it), a
 * PostgreSQL server that refuses connections (each backend's entry says how).
 */
async function unavailable(fixture: Fixture): Promise<DocumentStore> {
  const { backend, takeAway } = await fixture.backend.unavailable(fixture.config);
  const store = new DocumentStore({ backend });
  cleanups.push(() => store.close());
  store.collection('orders', { versionField: 'version' });
  if (takeAway) {
    // Both migrated before the database goes away: only the write under test may meet it.
    await migrated(fixture.store);
    await migrated(store);
    cleanups.push(takeAway());
  }
  return store;
}

/** Migrates `store` and makes its indexes now: its first use must not be what fails. */
async function migrated(store: DocumentStore): Promise<DocumentStore> {
  await store.ready();
  return store;
}

describeConformance('http failures', (fixture) => {
  it('a database failure is 503 with Retry-After, reported to onError with its cause', async () => {
    const store = await unavailable(fixture());
    const reported: unknown[] = [];
    const { json } = await serve(fixture(), 'node', { onError: (e) => reported.push(e) }, store);
    const response = await json('PUT', '/orders/o-1', order('o-1'), { 'if-none-match': '*' });
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await expectProblem(response, 503, 'unavailable')).toMatchObject({ ambiguous: false });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(TransientError);
    expect(await fixture().store.get(fixture().c.orders, 'o-1')).toBeNull();
  });

  it('unexpected errors are never a silent 500: node reports them, Express and Fastify error handlers see them', async () => {
    const closed = fixture().openStore();
    await closed.close();
    const reported: unknown[] = [];
    const handler = createHandler(closed, { collections: 'any' });
    const node = createServer(toNodeListener(handler, { onError: (e) => reported.push(e) }));
    const app = express();
    const seenByExpress: unknown[] = [];
    app.use('/docs', expressHandler(handler));
    app.use((error: unknown, _req: unknown, res: express.Response, _next: unknown) => {
      seenByExpress.push(error);
      res.status(500).json({ handled: 'express' });
    });
    const fastify = Fastify();
    const seenByFastify: unknown[] = [];
    fastify.setErrorHandler((error, _request, reply) => {
      seenByFastify.push(error);
      return reply.code(500).send({ handled: 'fastify' });
    });
    await fastify.register(fastifyPlugin(handler), { prefix: '/docs' });
    const servers = [
      await listen(node),
      await listen(createServer(app)),
      await fastify.listen({ port: 0, host: '127.0.0.1' }).then(() => {
        cleanups.push(() => fastify.close());
        return `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`;
      }),
    ];
    const [viaNode, viaExpress, viaFastify] = await Promise.all(
      servers.map((base, i) => fetch(`${base}${i === 0 ? '' : '/docs'}/notes/a`)),
    );
    await expectProblem(viaNode as Response, 500, 'internal');
    expect(reported.map((e) => (e as { code?: string }).code)).toEqual(['STORE_CLOSED']);
    expect(await (viaExpress as Response).json()).toEqual({ handled: 'express' });
    expect(seenByExpress.map((e) => (e as { code?: string }).code)).toEqual(['STORE_CLOSED']);
    expect(await (viaFastify as Response).json()).toEqual({ handled: 'fastify' });
    expect(seenByFastify.map((e) => (e as { code?: string }).code)).toEqual(['STORE_CLOSED']);
  });

  it('by default a 5xx is one JSON line on stderr, with the request and the cause', async () => {
    const store = await unavailable(fixture());
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk, ...rest) => {
      if (String(chunk).includes('noclobber: request failed')) {
        lines.push(String(chunk));
        return true;
      }
      return write(chunk, ...(rest as []));
    });
    const { json } = await serve(fixture(), 'node', {}, store);
    await expectProblem(await json('PUT', '/orders/o-1', order('o-1')), 503);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 'error',
      method: 'PUT',
      path: '/docs/orders/o-1',
      error: { name: 'TransientError', code: 'TRANSIENT_FAILURE' },
    });
  });
});

async function listen(server: Server) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

// Only PostgreSQL can lose a reply after a commit: SQLite commits in this process.
describe('http: a write whose outcome is unknown, on postgres', () => {
  it('is 500 outcome-unknown with ambiguous: true, never the 503 of a write that did not happen', async () => {
    const url = new URL(inject('postgresUrl'));
    const schema = `nc_http_${Date.now().toString(36)}`;
    const proxy = await CutProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const direct = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url.href, schema }),
    });
    const lossy = new DocumentStore({
      backend: new PostgresBackend({
        connectionString: proxied.href,
        schema,
        poolConfig: { connectionTimeoutMillis: 2_000 },
      }),
    });
    cleanups.push(async () => {
      await lossy.close();
      await proxy.close().catch(() => {});
      await direct.close();
      const client = new pg.Client({ connectionString: url.href });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    });
    const c = direct.collection('orders');
    await direct.insert(c, { id: 'warm-up' });
    lossy.collection('orders');
    await lossy.get('orders', 'warm-up');
    const reported: unknown[] = [];
    const server = createServer(
      toNodeListener(
        createHandler(lossy, { collections: 'any', onError: (e) => reported.push(e) }),
      ),
    );
    const base = await listen(server);
    // The reply of the commit is lost after it committed, and the server stays away.
    void proxy.arm('lost-reply-marker', 'afterCommit').then(() => proxy.close());
    const response = await fetch(`${base}/orders/o-1`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'if-none-match': '*' },
      body: JSON.stringify({ note: 'lost-reply-marker' }),
    });
    expect(await expectProblem(response, 500, 'outcome-unknown')).toMatchObject({
      ambiguous: true,
    });
    expect(response.headers.get('retry-after')).toBeNull();
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ code: 'TRANSIENT_FAILURE', ambiguous: true });
    // It did land: unknown was the truth, not a guess either way.
    expect(await direct.get(c, 'o-1')).toMatchObject({ note: 'lost-reply-marker' });
  }, 30_000);
});
