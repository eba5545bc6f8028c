import { expect, it } from 'vitest';
import { ADAPTERS } from '../support/http-server.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

describeConformance('http resource', (fixture) => {
  for (const adapter of ADAPTERS) {
    it(`${adapter}: create, read, conditional update, stale update, delete over a real socket`, async () => {
      const { call, json } = await serve(fixture(), adapter);
      const created = await json('PUT', '/orders/o-1', order('o-1'), { 'if-none-match': '*' });
      expect(created.status).toBe(201);
      expect(created.headers.get('etag')).toBe('"1"');
      // Relative, so it stays right under any mount path.
      expect(created.headers.get('location')).toBe('o-1');
      const got = await call('/orders/o-1');
      expect(got.status).toBe(200);
      expect(got.headers.get('last-modified')).toMatch(/GMT$/);
      expect(await got.json()).toMatchObject({ id: 'o-1', total: 10, version: 1 });
      expect((await call('/orders/o-1', { headers: { 'if-none-match': '"1"' } })).status).toBe(304);
      const updated = await json('PUT', '/orders/o-1', order('o-1', { total: 20 }), {
        'if-match': '"1"',
      });
      expect(updated.status).toBe(200);
      expect(updated.headers.get('etag')).toBe('"2"');
      const stale = await json('PUT', '/orders/o-1', order('o-1', { total: 30 }), {
        'if-match': '"1"',
      });
      expect(await expectProblem(stale, 412, 'precondition-failed')).toMatchObject({
        expected: '"1"',
        actual: '"2"',
      });
      const patched = await call('/orders/o-1', {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({ status: 'paid' }),
      });
      expect(patched.status).toBe(200);
      expect(patched.headers.get('etag')).toBe('"3"');
      expect(
        (await call('/orders/o-1', { method: 'DELETE', headers: { 'if-match': '"2"' } })).status,
      ).toBe(412);
      expect(
        (await call('/orders/o-1', { method: 'DELETE', headers: { 'if-match': '"3"' } })).status,
      ).toBe(204);
      await expectProblem(await call('/orders/o-1'), 404, 'not-found');
      expect(await fixture().store.get(fixture().c.orders, 'o-1')).toBeNull();
    });
  }

  it('conditional GET and HEAD: 304 by ETag list, weak tags, If-Modified-Since; 412 by If-Match', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const { call } = await serve(fixture());
    const head = await call('/orders/o-1', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const lastModified = head.headers.get('last-modified') as string;
    expect((await call('/orders/o-1', { headers: { 'if-none-match': '"9", W/"1"' } })).status).toBe(
      304,
    );
    expect((await call('/orders/o-1', { headers: { 'if-none-match': '*' } })).status).toBe(304);
    expect((await call('/orders/o-1', { headers: { 'if-none-match': '"2"' } })).status).toBe(200);
    expect(
      (await call('/orders/o-1', { headers: { 'if-modified-since': lastModified } })).status,
    ).toBe(304);
    // If-None-Match takes precedence over If-Modified-Since (RFC 9110 13.2.2).
    const both = await call('/orders/o-1', {
      headers: { 'if-none-match': '"2"', 'if-modified-since': lastModified },
    });
    expect(both.status).toBe(200);
    await expectProblem(await call('/orders/o-1', { headers: { 'if-match': '"7"' } }), 412);
    // If-Match only matches strongly.
    await expectProblem(await call('/orders/o-1', { headers: { 'if-match': 'W/"1"' } }), 412);
    expect((await call('/orders/o-1', { headers: { 'if-match': '"1"' } })).status).toBe(200);
    // A missing document is a 404 whatever the conditions (RFC 9110 13.2.1).
    await expectProblem(await call('/orders/missing', { headers: { 'if-match': '*' } }), 404);
  });

  it('428 for unconditional writes of existing documents; If-Unmodified-Since; token ETags', async () => {
    const { store, c } = fixture();
    const { call, json } = await serve(fixture());
    expect((await json('PUT', '/orders/new', order('new'))).status).toBe(201);
    await expectProblem(
      await json('PUT', '/orders/new', order('new', { total: 1 })),
      428,
      'precondition-required',
    );
    await expectProblem(await call('/orders/new', { method: 'DELETE' }), 428);
    await expectProblem(await call('/orders/ghost', { method: 'DELETE' }), 404);
    const future = new Date(Date.now() + 3_600_000).toUTCString();
    const past = new Date(Date.now() - 3_600_000).toUTCString();
    expect(
      (
        await json('PUT', '/orders/new', order('new', { total: 2 }), {
          'if-unmodified-since': future,
        })
      ).status,
    ).toBe(200);
    await expectProblem(
      await json('PUT', '/orders/new', order('new', { total: 3 }), { 'if-unmodified-since': past }),
      412,
    );
    expect((await store.get(c.orders, 'new'))?.total).toBe(2);
    // A token collection's ETag is the token.
    const tokened = await json('PUT', '/tokened/t-1', order('t-1'), { 'if-none-match': '*' });
    const etag = tokened.headers.get('etag') as string;
    expect(etag).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(
      (await json('PUT', '/tokened/t-1', order('t-1', { total: 5 }), { 'if-match': etag })).status,
    ).toBe(200);
    await expectProblem(
      await json('PUT', '/tokened/t-1', order('t-1', { total: 6 }), { 'if-match': etag }),
      412,
    );
    // Several tags, and If-Match with If-None-Match together, are judged against the
    // current version and the write pinned to it.
    const current = (await call('/orders/new')).headers.get('etag') as string;
    expect(
      (
        await json('PUT', '/orders/new', order('new', { total: 7 }), {
          'if-match': `"99", ${current}`,
        })
      ).status,
    ).toBe(200);
    await expectProblem(
      await json('PUT', '/orders/new', order('new', { total: 8 }), {
        'if-match': '*',
        'if-none-match': `"1", "2", "3"`,
      }),
      412,
    );
    // Without required preconditions, an unconditional PUT overwrites.
    const lax = await serve(fixture(), 'node', { requirePreconditions: false });
    expect((await lax.json('PUT', '/orders/new', order('new', { total: 9 }))).status).toBe(200);
    expect((await store.get(c.orders, 'new'))?.total).toBe(9);
  });

  it('PATCH: merge patch and JSON Patch, server-side retries without If-Match, strict with it', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1', { lines: [{ sku: 'a', qty: 1 }] }));
    const { call } = await serve(fixture());
    const patch = (body: unknown, type: string, headers: Record<string, string> = {}) =>
      call('/orders/o-1', {
        method: 'PATCH',
        headers: { 'content-type': type, ...headers },
        body: JSON.stringify(body),
      });
    const merged = await patch(
      { status: 'paid', customer: { name: 'Ann' } },
      'application/merge-patch+json',
    );
    expect(merged.status).toBe(200);
    expect(await merged.json()).toMatchObject({
      status: 'paid',
      customer: { name: 'Ann' },
      version: 2,
    });
    const jsonPatched = await patch(
      [
        { op: 'test', path: '/status', value: 'paid' },
        { op: 'add', path: '/lines/-', value: { sku: 'b', qty: 2 } },
      ],
      'application/json-patch+json',
    );
    expect(jsonPatched.headers.get('etag')).toBe('"3"');
    await expectProblem(
      await patch(
        [{ op: 'test', path: '/status', value: 'pending' }],
        'application/json-patch+json',
      ),
      409,
      'patch-test-failed',
    );
    await expectProblem(
      await patch({ total: 1 }, 'application/merge-patch+json', { 'if-match': '"2"' }),
      412,
    );
    expect(
      (await patch({ total: 1 }, 'application/merge-patch+json', { 'if-match': '"3"' })).status,
    ).toBe(200);
    await expectProblem(await patch({ total: 1 }, 'application/json'), 415);
    await expectProblem(await patch({ x: 1 }, 'application/json-patch+json'), 422, 'invalid-patch');
    await expectProblem(
      await patch([{ op: 'add', path: '/__proto__/x', value: 1 }], 'application/json-patch+json'),
      422,
    );
    await expectProblem(
      await call('/orders/zz', {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: '{}',
      }),
      404,
    );
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 1, version: 4 });
  });

  it('PATCH without If-Match lands every concurrent change (the seed endpoint); 409 when retries run out', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('hot', { total: 0 }));
    const { call } = await serve(fixture(), 'node', {
      retry: { maxAttempts: 200, initialDelay: 1, maxDelay: 10 },
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call('/orders/hot', {
          method: 'PATCH',
          headers: { 'content-type': 'application/json-patch+json' },
          body: JSON.stringify([{ op: 'add', path: `/field${i}`, value: i }]),
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    const final = (await store.get(c.orders, 'hot')) as unknown as Record<string, number>;
    for (let i = 0; i < 10; i++) expect(final[`field${i}`]).toBe(i);
    expect(final.version).toBe(11);
    const tight = await serve(fixture(), 'node', { retry: { maxAttempts: 1 } });
    const racing = await Promise.all(
      Array.from({ length: 10 }, () =>
        tight.call('/orders/hot', {
          method: 'PATCH',
          headers: { 'content-type': 'application/merge-patch+json' },
          body: JSON.stringify({ total: 1 }),
        }),
      ),
    );
    const statuses = racing.map((r) => r.status);
    expect(statuses.every((s) => s === 200 || s === 409)).toBe(true);
    // Every 200 is exactly one write, with an ETag of its own; every 409 wrote nothing.
    const accepted = racing.filter((r) => r.status === 200);
    expect(accepted.length).toBeGreaterThan(0);
    expect(new Set(accepted.map((r) => r.headers.get('etag'))).size).toBe(accepted.length);
    expect(await store.getMetadata(c.orders, 'hot')).toMatchObject({
      revision: 11 + accepted.length,
    });
  });

  it('POST creates with a generated id; the changes feed lists a collection’s changes', async () => {
    const { store, c } = fixture();
    const { call, json } = await serve(fixture());
    const created = await json('POST', '/orders', { status: 'new', total: 1, lines: [] });
    expect(created.status).toBe(201);
    const location = created.headers.get('location') as string;
    const id = decodeURIComponent(location.split('/').at(-1) as string);
    expect(await store.get(c.orders, id)).toMatchObject({ total: 1 });
    await expectProblem(await json('POST', '/orders', { id: 'mine' }), 400);
    await store.insert(c.tokened, order('t'));
    const feed = await call('/orders/_changes?since=0');
    const body = (await feed.json()) as { changes: { id: string }[]; last: number };
    expect(body.changes.map((ch) => ch.id)).toEqual([id]);
    await expectProblem(await call('/orders/_changes?since=-1'), 400);
  });

  it('refused requests write nothing: bad JSON, size, types, collections, ids, headers, methods', async () => {
    const { store } = fixture();
    const { call, json } = await serve(fixture(), 'node', { maxBodyBytes: 1000 });
    await expectProblem(
      await call('/orders/x', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"a":',
      }),
      400,
      'invalid-json',
    );
    await expectProblem(await json('PUT', '/orders/x', { pad: 'x'.repeat(2000) }), 413);
    await expectProblem(
      await call('/orders/x', {
        method: 'PUT',
        headers: { 'content-type': 'text/plain' },
        body: '{}',
      }),
      415,
    );
    await expectProblem(await json('PUT', '/orders/x', [1, 2]), 400);
    await expectProblem(await json('PUT', '/orders/x', JSON.parse('{"__proto__": {"a": 1}}')), 400);
    await expectProblem(await json('PUT', '/orders/x', { id: 'y' }), 400);
    await expectProblem(await json('PUT', '/nope/x', {}), 404, 'unknown-collection');
    await expectProblem(await call('/orders/%E0%A4%A'), 400);
    await expectProblem(
      await json('PUT', '/orders/x', order('x'), { 'if-match': 'not-quoted' }),
      400,
    );
    await expectProblem(
      await json('PUT', '/orders/x', order('x'), { 'if-none-match': '"a" "b"' }),
      400,
    );
    await expectProblem(
      await json('PUT', '/orders/x', order('x'), { 'if-unmodified-since': 'yesterday' }),
      400,
    );
    // A malformed If-Modified-Since is ignored (RFC 9110 13.1.3): the answer is the plain 404.
    await expectProblem(
      await call('/orders/x', {
        headers: { 'if-modified-since': 'Sun, 31 Feb 2026 00:00:00 GMT' },
      }),
      404,
    );
    await expectProblem(await call('/orders/x', { method: 'POST' }), 405);
    await expectProblem(await call('/a/b/c'), 404);
    expect((await store.changes()).changes).toEqual([]);
    // Ids with quotes, spaces and unicode are ordinary ids.
    const odd = `it's "ü" 🙂 a/b`;
    const put = await json('PUT', `/orders/${encodeURIComponent(odd)}`, order(odd), {
      'if-none-match': '*',
    });
    expect(put.status).toBe(201);
    expect(await (await call(`/orders/${encodeURIComponent(odd)}`)).json()).toMatchObject({
      id: odd,
    });
  });

  it('the tenant resolver isolates tenants', async () => {
    const { store, c } = fixture();
    await store.withTenant('acme').insert(c.orders, order('o-1', { total: 99 }));
    const { call, json } = await serve(fixture());
    await expectProblem(await call('/orders/o-1'), 404);
    expect(
      await (await call('/orders/o-1', { headers: { 'x-tenant': 'acme' } })).json(),
    ).toMatchObject({ total: 99 });
    expect((await json('PUT', '/orders/o-1', order('o-1'), { 'if-none-match': '*' })).status).toBe(
      201,
    );
    await expectProblem(await call('/orders/o-1', { headers: { 'x-tenant': 'bad tenant!' } }), 400);
    expect((await store.withTenant('acme').get(c.orders, 'o-1'))?.total).toBe(99);
  });
});
