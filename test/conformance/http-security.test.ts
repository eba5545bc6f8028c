import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { expect, it } from 'vitest';
import {
  type AccessEntry,
  type ApiKeyEntry,
  accessLogger,
  generateApiKey,
  hashApiKey,
  type Role,
} from '../../src/http/index.js';
import { order } from '../support/model.js';
import { rawRequest } from '../support/raw-http.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

/** API keys for tests: each name is a key allowed `tenants` with `role`. */
function keys(spec: Record<string, { tenants: string[]; role: Role }>) {
  const secrets: Record<string, string> = {};
  const entries: ApiKeyEntry[] = [];
  for (const [id, { tenants, role }] of Object.entries(spec)) {
    secrets[id] = generateApiKey();
    entries.push({ id, hash: hashApiKey(secrets[id]), tenants, role });
  }
  const as = (id: string, headers: Record<string, string> = {}) => ({
    authorization: `Bearer ${secrets[id]}`,
    ...headers,
  });
  return { apiKeys: entries, as, secrets };
}

const SECRET = 'a-test-secret-of-at-least-32-bytes!!';
const jwtFor = (claims: Record<string, unknown>, secret = SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('5m')
    .sign(new TextEncoder().encode(secret));

const portOf = (url: string) => Number(new URL(url).port);

describeConformance('http: credentials, tenants and roles', (fixture) => {
  const team = () =>
    keys({
      acme: { tenants: ['acme'], role: 'write' },
      beta: { tenants: ['beta'], role: 'write' },
      reader: { tenants: ['acme'], role: 'read' },
      both: { tenants: ['acme', 'beta'], role: 'admin' },
    });

  it('a spoofed tenant header reads and writes nothing of another tenant: 403', async () => {
    const k = team();
    const { call, json } = await serve(fixture(), 'node', { auth: k });
    const created = await json(
      'PUT',
      '/orders/o-1',
      order('o-1'),
      k.as('acme', { 'if-none-match': '*' }),
    );
    expect(created.status).toBe(201);
    const spoof = k.as('beta', { 'x-tenant': 'acme' });
    await expectProblem(await call('/orders/o-1', { headers: spoof }), 403, 'tenant-not-allowed');
    await expectProblem(
      await call('/orders/_changes', { headers: spoof }),
      403,
      'tenant-not-allowed',
    );
    await expectProblem(
      await json('PUT', '/orders/o-1', order('o-1', { total: 99 }), {
        ...spoof,
        'if-match': '"1"',
      }),
      403,
      'tenant-not-allowed',
    );
    await expectProblem(
      await call('/orders/o-1', { method: 'DELETE', headers: { ...spoof, 'if-match': '"1"' } }),
      403,
    );
    const kept = await fixture().store.withTenant('acme').get(fixture().c.orders, 'o-1');
    expect(kept).toMatchObject({ total: 10, version: 1 });
    // Without the header, beta's key works in beta, where o-1 never existed.
    await expectProblem(await call('/orders/o-1', { headers: k.as('beta') }), 404, 'not-found');
  });

  it('a tenant with a trailing space or tab is the same name, and still not the caller’s: 403', async () => {
    const k = team();
    const { url } = await serve(fixture(), 'node', { auth: k });
    await fixture().store.withTenant('acme').insert(fixture().c.orders, order('o-1'));
    const port = portOf(url);
    for (const tenant of ['acme ', 'acme\t', ' acme']) {
      const answer = await rawRequest(
        port,
        `GET /docs/orders/o-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${k.secrets.beta}\r\nX-Tenant: ${tenant}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status).toBe(403);
      expect(answer.text).toContain('tenant-not-allowed');
      expect(answer.text).not.toContain('"total"');
    }
    // The store itself refuses a tenant name with a space: it is never a new tenant.
    const acme = await rawRequest(
      port,
      `GET /docs/orders/o-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${k.secrets.acme}\r\nX-Tenant: acme \r\nConnection: close\r\n\r\n`,
    );
    expect(acme.status).toBe(200);
  });

  it('no credential, or a wrong one: 401 with WWW-Authenticate, as a problem', async () => {
    const k = team();
    const { call, json } = await serve(fixture(), 'node', { auth: k });
    const missing = await call('/orders/o-1');
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="noclobber"');
    await expectProblem(missing, 401, 'unauthenticated');
    for (const authorization of [
      `Bearer ${generateApiKey()}`,
      `Basic ${Buffer.from('acme:acme').toString('base64')}`,
      `Bearer ${await jwtFor({ sub: 'x', tenant: 'acme', role: 'admin' }, 'another-secret-of-at-least-32-bytes!')}`,
      'Bearer',
    ]) {
      const wrong = await call('/orders/o-1', { headers: { authorization } });
      expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
      await expectProblem(wrong, 401, 'invalid-credential');
    }
    await expectProblem(
      await json('PUT', '/orders/o-1', order('o-1'), { 'if-none-match': '*' }),
      401,
    );
    expect(await fixture().store.get(fixture().c.orders, 'o-1')).toBeNull();
  });

  it('a role that does not allow the method: 403, nothing written', async () => {
    const k = team();
    const { call, json } = await serve(fixture(), 'node', { auth: k });
    await json('PUT', '/orders/o-1', order('o-1'), k.as('acme', { 'if-none-match': '*' }));
    expect((await call('/orders/o-1', { headers: k.as('reader') })).status).toBe(200);
    expect((await call('/orders/_changes', { headers: k.as('reader') })).status).toBe(200);
    for (const method of ['PUT', 'PATCH', 'DELETE', 'POST']) {
      const path = method === 'POST' ? '/orders' : '/orders/o-1';
      const response = await call(path, {
        method,
        headers: k.as('reader', { 'content-type': 'application/json', 'if-match': '"1"' }),
        body: JSON.stringify(order('o-1', { total: 1 })),
      });
      await expectProblem(response, 403, 'forbidden');
    }
    const acme = fixture().store.withTenant('acme');
    expect(await acme.get(fixture().c.orders, 'o-1')).toMatchObject({ total: 10, version: 1 });
  });

  it('the tenant comes from the credential: one tenant needs no header, several need one', async () => {
    const k = team();
    const { call, json } = await serve(fixture(), 'node', { auth: k });
    expect(
      (await json('PUT', '/orders/o-1', order('o-1'), k.as('acme', { 'if-none-match': '*' })))
        .status,
    ).toBe(201);
    expect(await fixture().store.get(fixture().c.orders, 'o-1')).toBeNull();
    expect(await fixture().store.withTenant('acme').get(fixture().c.orders, 'o-1')).not.toBeNull();
    await expectProblem(
      await call('/orders/o-1', { headers: k.as('both') }),
      400,
      'tenant-required',
    );
    expect(
      (await call('/orders/o-1', { headers: k.as('both', { 'x-tenant': 'acme' }) })).status,
    ).toBe(200);
    await expectProblem(
      await call('/orders/o-1', { headers: k.as('both', { 'x-tenant': 'default' }) }),
      403,
      'tenant-not-allowed',
    );
  });

  it('JWTs: HS256 with any of the listed secrets, tenants and role from the claims', async () => {
    const next = 'the-next-secret-of-at-least-32-bytes';
    const { call, json } = await serve(fixture(), 'node', {
      auth: { jwt: { secrets: [SECRET, next], issuer: 'https://id.test' } },
    });
    const token = (claims: Record<string, unknown>, secret = SECRET) =>
      jwtFor({ iss: 'https://id.test', ...claims }, secret).then((t) => ({
        authorization: `Bearer ${t}`,
      }));
    const writer = await token({ sub: 'svc', tenant: 'acme', role: 'write' });
    expect(
      (await json('PUT', '/orders/o-1', order('o-1'), { ...writer, 'if-none-match': '*' })).status,
    ).toBe(201);
    const rotated = await token({ sub: 'svc', tenants: ['acme'], role: 'read' }, next);
    expect((await call('/orders/o-1', { headers: rotated })).status).toBe(200);
    await expectProblem(
      await json('PUT', '/orders/o-1', order('o-1'), { ...rotated, 'if-match': '"1"' }),
      403,
    );
    for (const claims of [
      { sub: 'svc', tenant: 'acme', role: 'root' },
      { sub: 'svc', role: 'write' },
      { sub: 'svc', tenant: 'acme', role: 'write', iss: 'https://elsewhere.test' },
    ]) {
      await expectProblem(
        await call('/orders/o-1', { headers: await token(claims) }),
        401,
        'invalid-credential',
      );
    }
    const expired = await new SignJWT({
      sub: 'svc',
      tenant: 'acme',
      role: 'write',
      iss: 'https://id.test',
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(SECRET));
    await expectProblem(
      await call('/orders/o-1', { headers: { authorization: `Bearer ${expired}` } }),
      401,
    );
  });

  it('probing collections across tenants: another tenant’s is answered exactly as one never used, on every route', async () => {
    const k = team();
    const { call } = await serve(fixture(), 'node', { auth: k, collections: 'any' });
    const write = (path: string, body: unknown) =>
      call(path, {
        method: 'PUT',
        headers: k.as('acme', { 'content-type': 'application/json', 'if-none-match': '*' }),
        body: JSON.stringify(body),
      });
    expect((await write('/secretproj/x', { text: 'plans' })).status).toBe(201);
    expect((await write('/secretproj/y', { text: 'more' })).status).toBe(201);
    const requests: [string, string, Record<string, string>, string?][] = [
      ['GET', '/x', {}],
      ['HEAD', '/x', {}],
      ['GET', '', {}],
      ['GET', '?text=plans', {}],
      ['GET', '/_changes', {}],
      ['GET', '/_changes?since=0&limit=1', {}],
      ['OPTIONS', '/x', {}],
      ['PUT', '/x', { 'if-match': '"1"', 'content-type': 'application/json' }, '{"a":1}'],
      ['PATCH', '/x', { 'content-type': 'application/merge-patch+json' }, '{"a":1}'],
      ['PATCH', '/x', { 'content-type': 'application/json-patch+json', 'if-match': '"1"' }, '[]'],
      ['DELETE', '/x', { 'if-match': '"1"' }],
      ['DELETE', '/x', {}],
      // Last: it creates the caller's own x, which later requests would then find.
      ['PUT', '/x', { 'content-type': 'application/json' }, '{"a":1}'],
    ];
    const answer = async (
      collection: string,
      [method, rest, headers, body]: (typeof requests)[number],
    ) => {
      const response = await call(`/${collection}${rest}`, {
        method,
        headers: k.as('beta', headers),
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      // Last-Modified of the caller's own new document moves with the clock, as Date does.
      const seen = [...response.headers].filter(
        ([name]) => !['date', 'x-request-id', 'last-modified'].includes(name),
      );
      return {
        status: response.status,
        headers: seen,
        body: text.replace(/"requestId":"[^"]+"/, '').replaceAll(collection, 'C'),
      };
    };
    // The never-used names are fresh for each request: a PUT on one creates it.
    let n = 0;
    for (const request of requests) {
      const theirs = await answer('secretproj', request);
      const never = await answer(`neverused${n++}`, request);
      expect(theirs, `${request[0]} ${request[1]}`).toEqual(never);
    }
    const acme = fixture().store.withTenant('acme');
    expect(await acme.get(acme.collection('secretproj'), 'x')).toMatchObject({ text: 'plans' });
  });

  it('feed positions are sealed per tenant: no seq, nothing another tenant can use', async () => {
    const k = team();
    const { call } = await serve(fixture(), 'node', { auth: k });
    const f = fixture();
    const acme = f.store.withTenant('acme');
    const beta = f.store.withTenant('beta');
    await acme.insert(f.c.orders, order('a1'));
    for (let i = 0; i < 25; i++) await beta.insert(f.c.orders, order(`b${i}`));
    await acme.insert(f.c.orders, order('a2'));
    const page = (await (await call('/orders/_changes', { headers: k.as('acme') })).json()) as {
      changes: { cursor: string; metadata: Record<string, unknown> }[];
      last: string;
    };
    expect(page.changes).toHaveLength(2);
    for (const change of page.changes) {
      expect(change.metadata).not.toHaveProperty('seq');
      expect(change.cursor).toMatch(/^[A-Za-z0-9_-]{22}$/);
    }
    expect(page.last).toBe(page.changes[1]?.cursor);
    const seqs = await Promise.all(
      ['a1', 'a2'].map(async (id) => (await acme.getMetadata(f.c.orders, id))?.seq),
    );
    for (const change of page.changes) {
      expect(Object.keys(change.metadata).sort()).toEqual([
        'lastModified',
        'lastModifiedBy',
        'revision',
        'token',
      ]);
    }
    // A cursor of acme's means nothing in beta's feed, nor a seq in anyone's.
    const theirs = await call(`/orders/_changes?since=${page.last}`, { headers: k.as('beta') });
    await expectProblem(theirs, 400, 'invalid-cursor');
    await expectProblem(
      await call(`/orders/_changes?since=${seqs[0]}`, { headers: k.as('acme') }),
      400,
    );
    const after = await call(`/orders/_changes?since=${page.changes[0]?.cursor}`, {
      headers: k.as('acme'),
    });
    expect(
      ((await after.json()) as { changes: { id: string }[] }).changes.map((c) => c.id),
    ).toEqual(['a2']);
  });
});

describeConformance('http: hosts, origins, rate limits and the access log', (fixture) => {
  it('a foreign Host is 421, a malformed one 400; the allowed names are served', async () => {
    const { url } = await serve(fixture());
    const port = portOf(url);
    const get = (host: string | undefined) =>
      rawRequest(
        port,
        `GET /docs/orders/o-1 HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`,
      );
    for (const host of [
      'attacker.example',
      'attacker.example:80',
      '127.0.0.1.attacker.example',
      'localhost.',
    ]) {
      const answer = await get(host);
      expect(answer.status, host).toBe(host === 'localhost.' ? 404 : 421);
    }
    expect((await get('bad_host!')).status).toBe(400);
    for (const host of ['localhost', `127.0.0.1:${port}`, '[::1]', 'app.localhost']) {
      expect((await get(host)).status, host).toBe(404);
    }
    const widened = await serve(fixture(), 'node', {
      allowedHosts: ['docs.example.com', '.corp.test'],
    });
    const wide = (host: string) =>
      rawRequest(
        portOf(widened.url),
        `GET /docs/orders/o-1 HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
    expect((await wide('docs.example.com')).status).toBe(404);
    expect((await wide('a.corp.test')).status).toBe(404);
    expect((await wide('localhost')).status).toBe(421);
  });

  it('CORS: off by default; allowed origins get preflights and exposed ETag and Location', async () => {
    const closed = await serve(fixture());
    const from = (origin: string) => ({ origin, 'content-type': 'application/json' });
    await expectProblem(
      await closed.json('PUT', '/orders/o-1', order('o-1'), {
        ...from('https://evil.example'),
        'if-none-match': '*',
      }),
      403,
      'origin-not-allowed',
    );
    expect(await fixture().store.get(fixture().c.orders, 'o-1')).toBeNull();
    const { call, json } = await serve(fixture(), 'node', {
      cors: { origins: ['https://app.example'] },
    });
    const preflight = await call('/orders/o-1', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'if-match, authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/PUT/);
    for (const header of ['if-match', 'if-none-match', 'authorization', 'content-type']) {
      expect(preflight.headers.get('access-control-allow-headers')).toContain(header);
    }
    const refused = await call('/orders/o-1', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' },
    });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(refused.status).toBe(403);
    const created = await json('PUT', '/orders/o-1', order('o-1'), {
      ...from('https://app.example'),
      'if-none-match': '*',
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(created.headers.get('access-control-expose-headers')).toMatch(/ETag/);
    expect(created.headers.get('access-control-expose-headers')).toMatch(/Location/);
    // A plain OPTIONS (not a preflight) is still answered with Allow.
    expect((await call('/orders/o-1', { method: 'OPTIONS' })).headers.get('allow')).toMatch(/PUT/);
  });

  it('a credential past its rate gets 429 with Retry-After; others are not slowed', async () => {
    const k = keys({
      busy: { tenants: ['acme'], role: 'read' },
      calm: { tenants: ['acme'], role: 'read' },
    });
    const { call } = await serve(fixture(), 'node', {
      auth: k,
      rateLimit: { rate: 0.5, burst: 3 },
    });
    const statuses = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await call('/orders/o-1', { headers: k.as('busy') })).status);
    expect(statuses).toEqual([404, 404, 404, 429, 429]);
    const limited = await call('/orders/o-1', { headers: k.as('busy') });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await expectProblem(limited, 429, 'rate-limited');
    expect((await call('/orders/o-1', { headers: k.as('calm') })).status).toBe(404);
    // Wrong credentials share one bucket: guessing is slowed, never a way around it.
    const guesses = [];
    for (let i = 0; i < 5; i++) {
      guesses.push(
        (await call('/orders/o-1', { headers: { authorization: `Bearer ${generateApiKey()}` } }))
          .status,
      );
    }
    expect(guesses).toEqual([401, 401, 401, 429, 429]);
  });

  it('the access log has one JSON line per request; a 5xx has its cause; the request id is echoed', async () => {
    const lines: AccessEntry[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
        done();
      },
    });
    const k = keys({ acme: { tenants: ['acme'], role: 'write' } });
    const accessLog = accessLogger(destination);
    const { call, json } = await serve(fixture(), 'node', { auth: k, accessLog });
    const created = await json(
      'PUT',
      '/orders/o-1?x=secret',
      order('o-1'),
      k.as('acme', { 'if-none-match': '*' }),
    );
    const missing = await call('/orders/nope', { headers: k.as('acme') });
    const body = await expectProblem(missing, 404);
    expect(body.requestId).toBe(missing.headers.get('x-request-id'));
    await call('/orders/o-1');
    // A closed store: the handler fails in a way it does not know.
    const broken = fixture().openStore();
    await broken.close();
    const failing = await serve(fixture(), 'node', { auth: k, accessLog }, broken);
    expect((await failing.call('/orders/o-1', { headers: k.as('acme') })).status).toBe(500);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lines.map((l) => [l.method, l.path, l.status])).toEqual([
      ['PUT', '/docs/orders/o-1', 201],
      ['GET', '/docs/orders/nope', 404],
      ['GET', '/docs/orders/o-1', 401],
      ['GET', '/docs/orders/o-1', 500],
    ]);
    expect(lines[0]).toMatchObject({
      tenant: 'acme',
      credential: 'acme',
      requestId: created.headers.get('x-request-id'),
      duration: expect.any(Number),
    });
    expect(lines[2]).not.toHaveProperty('credential');
    expect(lines[3]).toMatchObject({
      level: 50,
      err: { message: expect.stringMatching(/closed/i) },
    });
    expect(JSON.stringify(lines)).not.toContain('secret');
  });
});
