import { expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../src/http/index.js';
import type { DocumentStore } from '../../src/index.js';
import { order } from '../support/model.js';
import type { Fixture } from './fixture.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

interface BulkBody {
  items: { id: string; etag: string }[];
  more: boolean;
}

describeConformance('http bulk writes', (fixture) => {
  // Orders o-0 … o-5 in `store`'s tenant: even ones open, odd ones paid.
  const seed = async (f: Fixture, store: DocumentStore = f.store) => {
    const session = store.openSession();
    for (let i = 0; i < 6; i++) {
      session.store(f.c.orders, order(`o-${i}`, { status: i % 2 === 0 ? 'open' : 'paid' }));
    }
    await session.saveChanges();
  };
  const revisions = async (store: DocumentStore, f: Fixture) =>
    Promise.all(
      Array.from(
        { length: 6 },
        async (_, i) => (await store.getMetadata(f.c.orders, `o-${i}`))?.revision,
      ),
    );

  it('POST /orders/_update writes the matches in the database and returns each id with its new ETag', async () => {
    const f = fixture();
    await seed(f);
    const { json } = await serve(f);
    const response = await json('POST', '/orders/_update', {
      filter: { status: 'open' },
      change: { $set: { status: 'held' }, $inc: { total: 5 } },
      limit: 2,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as BulkBody;
    expect(body).toEqual({
      items: [
        { id: 'o-0', etag: '"2"' },
        { id: 'o-2', etag: '"2"' },
      ],
      more: true,
    });
    expect(await f.store.get(f.c.orders, 'o-0')).toMatchObject({ status: 'held', total: 15 });
    expect(await f.store.get(f.c.orders, 'o-4')).toMatchObject({ status: 'open', total: 10 });
    // The ETag works as a precondition of the next write.
    const put = await json('PUT', '/orders/o-0', order('o-0', { status: 'sold' }), {
      'if-match': body.items[0]?.etag as string,
    });
    expect(put.status).toBe(200);
  });

  it('POST /orders/_delete deletes the matches; the ids stay usable as documents', async () => {
    const f = fixture();
    await seed(f);
    const { json, call } = await serve(f);
    const response = await json('POST', '/orders/_delete', { filter: { status: 'paid' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as BulkBody;
    expect(body.items.map((i) => i.id)).toEqual(['o-1', 'o-3', 'o-5']);
    expect(body.more).toBe(false);
    expect(await f.store.get(f.c.orders, 'o-1')).toBeNull();
    expect(await f.store.get(f.c.orders, 'o-0')).not.toBeNull();
    // A document named _update is a document: GET and PUT reach it, POST is the bulk route.
    const created = await json('PUT', '/orders/_update', order('_update'), {
      'if-none-match': '*',
    });
    expect(created.status).toBe(201);
    expect((await call('/orders/_update')).status).toBe(200);
    // OPTIONS and a 405 name POST among the methods of these two, and only of these.
    for (const path of ['/orders/_update', '/orders/_delete']) {
      const allowed = await call(path, { method: 'OPTIONS' });
      expect(allowed.headers.get('allow')?.split(', ')).toContain('POST');
      const refused = await call(path, { method: 'COPY' });
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')?.split(', ')).toContain('POST');
    }
    const plain = await call('/orders/o-0', { method: 'OPTIONS' });
    expect(plain.headers.get('allow')?.split(', ')).not.toContain('POST');
  });

  it('bad requests are 4xx problems and write nothing', async () => {
    const f = fixture();
    await seed(f);
    const { json, call } = await serve(f);
    const bad: [string, unknown, number, string][] = [
      [
        '_update',
        { filter: { status: { $near: 1 } }, change: { $set: { a: 1 } } },
        400,
        'invalid-condition',
      ],
      [
        '_update',
        { filter: { status: 'open' }, change: { $explode: { a: 1 } } },
        400,
        'invalid-operations',
      ],
      ['_update', { filter: { status: 'open' } }, 400, 'invalid-argument'],
      ['_update', { change: { $set: { a: 1 } } }, 400, 'invalid-argument'],
      [
        '_update',
        { filter: {}, change: { $set: { a: 1 } }, limit: 1_000_000 },
        400,
        'invalid-argument',
      ],
      ['_update', { filter: {}, change: { $set: { a: 1 } }, limit: '5' }, 400, 'invalid-argument'],
      ['_delete', { filter: {}, limit: 0 }, 400, 'invalid-argument'],
      ['_delete', { filter: {}, tenant: 'other' }, 400, 'invalid-argument'],
      ['_delete', [], 400, 'invalid-argument'],
      // $inc of a string: the database finds it does not fit, and writes none of the matches.
      ['_update', { filter: {}, change: { $inc: { status: 1 } } }, 422, 'operation-type-mismatch'],
    ];
    for (const [route, body, status, code] of bad) {
      await expectProblem(await json('POST', `/orders/${route}`, body), status, code);
    }
    await expectProblem(
      await call('/orders/_delete', {
        method: 'POST',
        body: '{"filter":',
        headers: { 'content-type': 'application/json' },
      }),
      400,
      'invalid-json',
    );
    await expectProblem(
      await call('/orders/_delete', {
        method: 'POST',
        body: '{"filter":{}}',
        headers: { 'content-type': 'text/plain' },
      }),
      415,
    );
    const huge = JSON.stringify({ filter: { status: { $in: Array(300_000).fill('xxxx') } } });
    await expectProblem(
      await call('/orders/_delete', {
        method: 'POST',
        body: huge,
        headers: { 'content-type': 'application/json' },
      }),
      413,
    );
    expect(await revisions(f.store, f)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it("a tenant's bulk write never touches another tenant's documents", async () => {
    const f = fixture();
    const acme = f.store.withTenant('acme');
    const beta = f.store.withTenant('beta');
    await seed(f, acme);
    await seed(f, beta);
    const { json } = await serve(f);
    const updated = await json(
      'POST',
      '/orders/_update',
      { filter: {}, change: { $set: { status: 'beta-was-here' } }, limit: 10_000 },
      { 'x-tenant': 'beta' },
    );
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as BulkBody).items).toHaveLength(6);
    const deleted = await json('POST', '/orders/_delete', { filter: {} }, { 'x-tenant': 'beta' });
    expect(((await deleted.json()) as BulkBody).items).toHaveLength(6);
    expect(await revisions(acme, f)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await acme.get(f.c.orders, 'o-0')).toMatchObject({ status: 'open' });
    // A tenant with nothing in the collection: the request is judged, and writes nothing.
    const empty = await json('POST', '/orders/_delete', { filter: {} }, { 'x-tenant': 'gamma' });
    expect(await empty.json()).toEqual({ items: [], more: false });
    await expectProblem(
      await json('POST', '/orders/_delete', { filter: { $bad: 1 } }, { 'x-tenant': 'gamma' }),
      400,
      'invalid-condition',
    );
  });

  it('needs the write role, and a key of one tenant cannot aim at another', async () => {
    const f = fixture();
    const acme = f.store.withTenant('acme');
    await seed(f, acme);
    const secrets = { writer: generateApiKey(), reader: generateApiKey(), beta: generateApiKey() };
    const apiKeys = [
      { id: 'writer', hash: hashApiKey(secrets.writer), tenants: ['acme'], role: 'write' as const },
      { id: 'reader', hash: hashApiKey(secrets.reader), tenants: ['acme'], role: 'read' as const },
      { id: 'beta', hash: hashApiKey(secrets.beta), tenants: ['beta'], role: 'write' as const },
    ];
    const { json } = await serve(f, 'node', { auth: { apiKeys } });
    const as = (key: keyof typeof secrets, tenant: string) => ({
      authorization: `Bearer ${secrets[key]}`,
      'x-tenant': tenant,
    });
    const body = { filter: {} };
    await expectProblem(await json('POST', '/orders/_delete', body, as('reader', 'acme')), 403);
    await expectProblem(
      await json('POST', '/orders/_delete', body, as('beta', 'acme')),
      403,
      'tenant-not-allowed',
    );
    await expectProblem(await json('POST', '/orders/_delete', body, {}), 401);
    expect(await revisions(acme, f)).toEqual([1, 1, 1, 1, 1, 1]);
    const done = await json('POST', '/orders/_delete', body, as('writer', 'acme'));
    expect(done.status).toBe(200);
    expect(await revisions(acme, f)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});
