import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterEach, expect, it } from 'vitest';
import {
  createHandler,
  createLimitedServer,
  generateApiKey,
  hashApiKey,
  type ServerLimits,
  toNodeListener,
} from '../../src/http/index.js';
import { order } from '../support/model.js';
import { closed, openSocket, rawRequest } from '../support/raw-http.js';
import { describeConformance, type Fixture } from './fixture.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const KEY = generateApiKey();

/** The fixture's store behind credentials, on a server with `limits`; resolves to its port. */
async function limited(fixture: Fixture, limits: ServerLimits): Promise<number> {
  const handler = createHandler(fixture.store, {
    collections: [fixture.c.orders],
    tenantHeader: 'x-tenant',
    auth: {
      apiKeys: [{ id: 'acme', hash: hashApiKey(KEY), tenants: ['acme'], role: 'write' }],
      jwt: { secrets: [SECRET] },
    },
  });
  const server = createLimitedServer(toNodeListener(handler, { onError: () => {} }), limits);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const SHORT = { headersTimeout: 300, requestTimeout: 600 };

describeConformance('http: connection limits over real sockets', (fixture) => {
  it('slow headers: a client that never finishes its headers is cut off at the header timeout', async () => {
    const port = await limited(fixture(), SHORT);
    const socket = await openSocket(port);
    socket.write('GET /orders/o-1 HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 50);
    let answer = '';
    socket.on('data', (chunk) => {
      answer += String(chunk);
    });
    await closed(socket);
    clearInterval(trickle);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('slow body: a trickled upload is cut off at the request timeout, and nothing is written', async () => {
    const port = await limited(fixture(), SHORT);
    const socket = await openSocket(port);
    socket.write(
      `PUT /orders/o-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${KEY}\r\nContent-Type: application/json\r\nIf-None-Match: *\r\nTransfer-Encoding: chunked\r\n\r\n`,
    );
    const body = JSON.stringify(order('o-1'));
    let sent = 0;
    const trickle = setInterval(() => {
      if (socket.writable && sent < body.length) socket.write(`1\r\n${body[sent++]}\r\n`);
    }, 50);
    socket.on('data', () => {});
    socket.on('error', () => {});
    await closed(socket);
    clearInterval(trickle);
    // Cut well before the body could have been sent whole (about 50 ms per byte).
    expect(sent).toBeLessThan(body.length);
    expect(await fixture().store.withTenant('acme').get(fixture().c.orders, 'o-1')).toBeNull();
  });

  it('2,000 idle connections: at most the cap is held open, each dropped by the header timeout, and the server still answers', async () => {
    const cap = 50;
    const port = await limited(fixture(), { ...SHORT, maxConnections: cap });
    const server = servers.at(-1) as Server;
    const held = () =>
      new Promise<number>((resolve, reject) =>
        server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
      );
    let most = 0;
    const sampling = setInterval(async () => {
      most = Math.max(most, await held());
    }, 20);
    const sockets = await Promise.all(
      Array.from({ length: 2000 }, () =>
        openSocket(port).then((socket) => {
          socket.on('error', () => {});
          return socket;
        }),
      ),
    );
    // Sockets past the kernel's accept queue look open to the client but never reach the
    // server: what counts is what the server holds, until it holds nothing.
    while ((await held()) > 0 || most === 0)
      await new Promise((resolve) => setTimeout(resolve, 50));
    clearInterval(sampling);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(cap);
    // Connections still in the kernel's accept queue reach the server as it drops others,
    // and may hold the cap a while longer: the attackers leave, then a client is served.
    for (const socket of sockets) socket.destroy();
    while ((await held()) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const response = await fetch(`http://127.0.0.1:${port}/orders/o-1`, {
      headers: { authorization: `Bearer ${KEY}` },
    });
    expect(response.status).toBe(404);
  }, 60_000);

  it('fuzzed Authorization headers: never a 5xx, never access', async () => {
    const port = await limited(fixture(), {});
    await fixture().store.withTenant('acme').insert(fixture().c.orders, order('o-1'));
    const valid = await new SignJWT({ sub: 'svc', tenant: 'acme', role: 'write' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/);
    const claims = fc.record(
      {
        sub: fc.oneof(fc.string(), fc.integer()),
        tenant: fc.oneof(fc.constant('acme'), fc.string(), fc.array(fc.string())),
        role: fc.oneof(fc.constantFrom('read', 'write', 'admin'), fc.string()),
        exp: fc.integer(),
      },
      { requiredKeys: [] },
    );
    const credential = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 200 }).map((s) => s.replace(/[\r\n\0]/g, '')),
      fc.string({ maxLength: 120 }).map((s) => `Bearer ${s.replace(/[^\x20-\x7e]/g, '')}`),
      fc.tuple(segment, segment, segment).map((parts) => `Bearer ${parts.join('.')}`),
      // Unsigned, or signed with nothing: alg none, or a header naming any algorithm.
      fc
        .tuple(fc.constantFrom('none', 'HS256', 'RS256', 'ES256', 'HS512', ''), claims, segment)
        .map(
          ([alg, body, signature]) =>
            `Bearer ${b64({ alg, typ: 'JWT' })}.${b64(body)}.${signature}`,
        ),
      // A valid token with one character changed (not a segment's last, whose spare bits
      // may decode to the same bytes).
      fc
        .tuple(fc.nat(valid.length - 1), fc.constantFrom(...'ABCxyz019-_'))
        .filter(
          ([i, c]) =>
            valid[i] !== '.' && valid[i + 1] !== '.' && i !== valid.length - 1 && valid[i] !== c,
        )
        .map(([i, c]) => `Bearer ${valid.slice(0, i)}${c}${valid.slice(i + 1)}`),
      fc.constantFrom(`bearer  ${KEY}x`, `Bearer ${KEY.slice(0, -1)}`, `Basic ${KEY}`, `${KEY}`),
    );
    await fc.assert(
      fc.asyncProperty(
        credential,
        fc.constantFrom('GET', 'PUT', 'DELETE'),
        async (authorization, method) => {
          // Raw bytes: fetch would refuse some values before they reach the server.
          const body = method === 'PUT' ? JSON.stringify(order('o-1', { total: 666 })) : '';
          const answer = await rawRequest(
            port,
            `${method} /orders/o-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${authorization}\r\nX-Tenant: acme\r\nIf-Match: "1"\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
          // 400 is Node refusing a header it cannot parse; 401 and 403 are ours.
          expect([400, 401, 403], JSON.stringify(authorization)).toContain(answer.status);
        },
      ),
      { numRuns: 300 },
    );
    expect(await fixture().store.withTenant('acme').get(fixture().c.orders, 'o-1')).toMatchObject({
      total: 10,
    });
  }, 120_000);
});
