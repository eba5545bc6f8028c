import { expect, it } from 'vitest';
import { ADAPTERS } from '../support/http-server.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

interface ListBody {
  items: { id: string; etag: string; document: Record<string, unknown> }[];
  next: string | null;
}

// Own `$…` properties of the objects a query string's field names could reach.
const polluted = () =>
  [Object.prototype, Object, Object.prototype.toString, Object.prototype.valueOf].flatMap(
    (target) => Object.getOwnPropertyNames(target).filter((name) => name.startsWith('$')),
  );

// A malformed value of each conditional header that is refused when malformed.
const MALFORMED = [
  ['if-match', 'garbage'],
  ['if-none-match', '"unclosed'],
  ['if-unmodified-since', 'yesterday'],
] as const;

describeConformance('http list queries under attack', (fixture) => {
  it('a query-string field named like an Object.prototype property is a field: it pollutes nothing and filters', async () => {
    const { json } = await serve(fixture(), 'node', { collections: 'any' });
    for (const [id, note] of [
      ['n-1', { toString: 'yes', valueOf: 1 }],
      ['n-2', { toString: 'no', valueOf: 0 }],
    ] as const) {
      expect((await json('PUT', `/notes/${id}`, note)).status).toBe(201);
    }
    try {
      for (const adapter of ADAPTERS) {
        const { call } = await serve(fixture(), adapter, { collections: 'any' });
        const ids = async (query: string) => {
          const response = await call(`/notes?${query}`);
          expect(response.status, `${adapter} ${query}`).toBe(200);
          return ((await response.json()) as ListBody).items.map((item) => item.id);
        };
        expect(await ids('toString=yes')).toEqual(['n-1']);
        expect(await ids('valueOf[$gte]=1')).toEqual(['n-1']);
        expect(await ids('hasOwnProperty[$exists]=true')).toEqual([]);
        // No document holds these keys (the store refuses them), so nothing matches.
        expect(await ids('__proto__[$eq]=1')).toEqual([]);
        expect(await ids('__proto__=1')).toEqual([]);
        expect(await ids('constructor=1')).toEqual([]);
        expect(await ids('constructor[$ne]=1')).toEqual(['n-1', 'n-2']);
        expect(polluted(), adapter).toEqual([]);
      }
    } finally {
      for (const target of [Object.prototype, Object, Object.prototype.toString]) {
        for (const name of Object.getOwnPropertyNames(target).filter((n) => n.startsWith('$'))) {
          delete (target as unknown as Record<string, unknown>)[name];
        }
      }
    }
  });

  it('a list page of large documents stops at its byte budget, however high the limit, and next goes on', async () => {
    const f = fixture();
    const blobs = f.store.collection<{ id: string; data: string }>('blobs');
    const ids = Array.from({ length: 9 }, (_, i) => `b-${i}`);
    // About 1.5 MiB of JSON each: a page of 1,000 of them would hold gigabytes.
    const data = 'x'.repeat(1_500_000);
    for (const id of ids) await f.store.insert(blobs, { id, data });
    const { call } = await serve(f, 'node', { collections: 'any' });
    const pages: string[][] = [];
    let next: string | null = null;
    do {
      const query: string = next === null ? '' : `&after=${encodeURIComponent(next)}`;
      const response = await call(`/blobs?limit=1000${query}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text.length).toBeLessThan(5 * 1024 * 1024);
      const body = JSON.parse(text) as ListBody;
      pages.push(body.items.map((item) => item.id));
      next = body.next;
    } while (next !== null && pages.length <= ids.length);
    expect(pages.flat()).toEqual(ids);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 2, 1]);
  });

  it('a query string that is not percent-encoded UTF-8 is 400, never a search for U+FFFD or a literal %', async () => {
    const { json } = await serve(fixture(), 'node', { collections: 'any' });
    for (const [id, s] of [
      ['n-1', '\uFFFD'],
      ['n-2', '\uFFFD\uFFFD\uFFFD'],
      ['n-3', '%'],
      ['n-4', 'é'],
    ] as const) {
      expect((await json('PUT', `/notes/${id}`, { s })).status).toBe(201);
    }
    for (const adapter of ADAPTERS) {
      const { call } = await serve(fixture(), adapter, { collections: 'any' });
      // A lone byte of a sequence, an encoded surrogate, a cut sequence, a bare %.
      for (const query of ['s=%E9', 's=%ED%A0%80', 's=%C3&x=%A9', 's=%', 's=%2', 's%FF=1']) {
        const body = await expectProblem(await call(`/notes?${query}`), 400, 'invalid-argument');
        expect(body.detail, `${adapter} ${query}`).toMatch(/percent-encod/);
      }
      const found = await call('/notes?s=%C3%A9');
      expect(((await found.json()) as ListBody).items.map((item) => item.id)).toEqual(['n-4']);
      const literal = await call('/notes?s=%25');
      expect(((await literal.json()) as ListBody).items.map((item) => item.id)).toEqual(['n-3']);
    }
  });

  it('every listed ETag is the one GET answers and If-Match accepts, for revision and token collections', async () => {
    const { c } = fixture();
    const { call, json } = await serve(fixture());
    for (const name of ['orders', 'tokened'] as const) {
      for (const id of ['o-1', 'o-2']) {
        expect((await json('PUT', `/${name}/${id}`, order(id))).status).toBe(201);
      }
      await fixture().store.update(c[name], 'o-2', (o) => {
        o.total = 11;
      });
      const listed = (await (await call(`/${name}?sort=id`)).json()) as ListBody;
      expect(listed.items.map((item) => item.id)).toEqual(['o-1', 'o-2']);
      for (const item of listed.items) {
        const read = await call(`/${name}/${item.id}`);
        expect(read.headers.get('etag'), `${name}/${item.id}`).toBe(item.etag);
        const replaced = await json('PUT', `/${name}/${item.id}`, order(item.id, { total: 5 }), {
          'if-match': item.etag,
        });
        expect(replaced.status, `${name}/${item.id}`).toBe(200);
        const again = (await (await call(`/${name}?id=${item.id}`)).json()) as ListBody;
        expect(again.items[0]?.etag).toBe(replaced.headers.get('etag'));
        expect(again.items[0]?.etag).not.toBe(item.etag);
      }
    }
  });

  it('a cursor is refused by another collection or filter, and in another tenant moves only through that tenant’s documents', async () => {
    const { call, json } = await serve(fixture());
    const as = (tenant: string) => ({ 'x-tenant': tenant });
    for (const tenant of ['acme', 'beta']) {
      for (const n of [1, 2, 3, 4]) {
        const id = `${tenant}-${n}`;
        expect((await json('PUT', `/orders/${id}`, order(id), as(tenant))).status).toBe(201);
      }
    }
    const page = async (path: string, tenant: string) => {
      const response = await call(path, { headers: as(tenant) });
      expect(response.status, `${tenant} ${path}`).toBe(200);
      return (await response.json()) as ListBody;
    };
    const first = await page('/orders?status=pending&limit=2', 'acme');
    expect(first.items.map((item) => item.id)).toEqual(['acme-1', 'acme-2']);
    const after = encodeURIComponent(first.next as string);
    for (const path of [
      `/tokened?status=pending&limit=2&after=${after}`,
      `/orders?status=paid&limit=2&after=${after}`,
      `/orders?limit=2&after=${after}`,
      `/orders?status=pending&sort=id&limit=2&after=${after}`,
    ]) {
      await expectProblem(await call(path, { headers: as('acme') }), 400, 'invalid-cursor');
    }
    // A query cursor holds a position, not a tenant: in beta it may be refused, or be a
    // position among beta's ids (after "acme-2" comes all of beta), never acme's data.
    const theirs = await call(`/orders?status=pending&after=${after}`, { headers: as('beta') });
    if (theirs.status === 200) {
      const ids = ((await theirs.json()) as ListBody).items.map((item) => item.id);
      expect(ids).toEqual(['beta-1', 'beta-2', 'beta-3', 'beta-4']);
    } else {
      await expectProblem(theirs, 400, 'invalid-cursor');
    }
    // The page's last document deleted, the cursor still continues right after it.
    await fixture().store.withTenant('acme').delete(fixture().c.orders, 'acme-2');
    const rest = await page(`/orders?status=pending&after=${after}`, 'acme');
    expect(rest.items.map((item) => item.id)).toEqual(['acme-3', 'acme-4']);
  });

  it('a request with a malformed conditional header is 400 on every route, never answered as if it were absent', async () => {
    // Routes where no condition has anything to say: a list, the feed, a history.
    const paths = [
      '/orders?status=open',
      '/orders/_changes',
      '/orders/o-1/_revisions',
      '/orders/o-1/_revisions/1',
    ];
    for (const adapter of ADAPTERS) {
      const { call } = await serve(fixture(), adapter);
      for (const [name, value] of MALFORMED) {
        for (const path of paths) {
          for (const method of ['GET', 'HEAD']) {
            const response = await call(path, { method, headers: { [name]: value } });
            const label = `${adapter} ${method} ${path} ${name}`;
            expect(response.status, label).toBe(400);
            if (method === 'GET') await expectProblem(response, 400, 'invalid-argument');
          }
        }
      }
    }
  });

  it('a malformed conditional header changes no OPTIONS answer and no 405: no route reads it there', async () => {
    const requests = [
      ['OPTIONS', '/orders', 204],
      ['OPTIONS', '/orders/o-1', 204],
      ['OPTIONS', '/orders/_update', 204],
      ['OPTIONS', '/orders/_changes', 204],
      ['OPTIONS', '/orders/o-1/_revisions', 204],
      ['DELETE', '/orders', 405],
      ['POST', '/orders/o-1', 405],
      ['PUT', '/orders/_changes', 405],
      ['POST', '/orders/o-1/_revisions/1', 405],
    ] as const;
    for (const adapter of ADAPTERS) {
      const { call } = await serve(fixture(), adapter);
      for (const [name, value] of MALFORMED) {
        for (const [method, path, status] of requests) {
          const response = await call(path, { method, headers: { [name]: value } });
          expect(response.status, `${adapter} ${method} ${path} ${name}`).toBe(status);
          expect(response.headers.get('allow'), `${adapter} ${method} ${path}`).toContain('GET');
          await response.arrayBuffer();
        }
      }
    }
  });
});
