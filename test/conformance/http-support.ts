import { afterEach, expect } from 'vitest';
import { createHandler, type HandlerOptions } from '../../src/http/index.js';
import type { DocumentStore } from '../../src/index.js';
import { type Adapter, startServer, type TestServer } from '../support/http-server.js';
import type { Fixture } from './fixture.js';

/** A running test server and ways to call it. */
export interface Served {
  readonly url: string;
  call(path: string, init?: RequestInit): Promise<Response>;
  json(
    method: string,
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<Response>;
}

/**
 * Registers the cleanup of the servers a test file starts and returns `serve`, which
 * serves the fixture's store (orders and tokened, tenant from X-Tenant) through an
 * adapter, or another store and options when given.
 */
export function useServers() {
  let servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  return async function serve(
    fixture: Fixture,
    adapter: Adapter = 'node',
    options: Partial<HandlerOptions> = {},
    store: DocumentStore = fixture.store,
  ): Promise<Served> {
    const { c } = fixture;
    const server = await startServer(adapter, (basePath) =>
      createHandler(store, {
        collections: [c.orders, c.tokened],
        basePath,
        tenant: (request) => request.headers.get('x-tenant') ?? undefined,
        ...options,
      }),
    );
    servers.push(server);
    const call = (path: string, init: RequestInit = {}) => fetch(`${server.url}${path}`, init);
    const json = (
      method: string,
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) =>
      call(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    return { call, json, url: server.url };
  };
}

/** Asserts an RFC 9457 problem response and returns its body. */
export async function expectProblem(response: Response, status: number, code?: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, type: expect.stringMatching(/^urn:noclobber:problem:/) });
  if (code) expect(body.type).toBe(`urn:noclobber:problem:${code}`);
  return body;
}

/** A problem body without its `requestId`, which differs on every request. */
export function withoutRequestId(body: Record<string, unknown>): Record<string, unknown> {
  const { requestId, ...rest } = body;
  expect(requestId).toMatch(/^[\w.:-]+$/);
  return rest;
}
