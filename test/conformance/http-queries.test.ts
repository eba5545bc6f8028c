import { expect, it } from 'vitest';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

interface ListBody {
  items: { id: string; etag: string; document: { id: string; total: number; status: string } }[];
  next: string | null;
}

describeConformance('http queries', (fixture) => {
  const seed = async () => {
    const { store, c } = fixture();
    const session = store.openSession();
    for (let i = 0; i < 12; i++) {
      const status = i % 3 === 0 ? 'open' : 'paid';
      session.store(c.orders, order(`o-${i}`, { status, total: (i * 7) % 50 }));
    }
    await session.saveChanges();
    await store.update(c.orders, 'o-3', (o) => {
      o.customer = { name: 'Ada', tier: 'gold' };
    });
  };

  it('lists with field tests, sort, limit and next, each item with its ETag', async () => {
    await seed();
    const { store, c } = fixture();
    const { call } = await serve(fixture());
    const walked: string[] = [];
    let path = '/orders?status=paid&total[$gte]=10&sort=-total,id&limit=3';
    for (;;) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json');
      const body = (await response.json()) as ListBody;
      expect(body.items.length).toBeLessThanOrEqual(3);
      for (const item of body.items) {
        const metadata = await store.getMetadata(c.orders, item.id);
        expect(item.etag).toBe(`"${metadata?.revision}"`);
        expect(item.document.id).toBe(item.id);
      }
      walked.push(...body.items.map((i) => i.id));
      if (body.next === null) break;
      path = `/orders?status=paid&total[$gte]=10&sort=-total,id&limit=3&after=${encodeURIComponent(body.next)}`;
    }
    const expected = await store.find(
      c.orders,
      { status: 'paid', total: { $gte: 10 } },
      { sort: ['-total', 'id'], limit: 1000 },
    );
    expect(walked).toEqual(expected.documents.map((d) => d.id));
    expect(walked.length).toBeGreaterThan(3);
  });

  it('takes a JSON filter, typed values, lists for $in, and HEAD', async () => {
    await seed();
    const { call } = await serve(fixture());
    const ids = async (query: string) => {
      const response = await call(`/orders?${query}`);
      expect(response.status, query).toBe(200);
      return ((await response.json()) as ListBody).items.map((i) => i.id);
    };
    const filter = encodeURIComponent(
      JSON.stringify({ $or: [{ total: 0 }, { 'customer.tier': 'gold' }] }),
    );
    expect(await ids(`filter=${filter}&sort=id`)).toEqual(['o-0', 'o-3']);
    expect(await ids(`filter=${filter}&status=paid`)).toEqual([]);
    expect(await ids('total=21&sort=id')).toEqual(['o-3']);
    // A quoted value is a string, and 21 is stored as a number.
    expect(await ids('total="21"')).toEqual([]);
    expect(await ids('total[$in]=0,21&sort=-total')).toEqual(['o-3', 'o-0']);
    expect(await ids('total[$in]=[0,"21"]')).toEqual(['o-0']);
    expect(await ids('customer[$exists]=true')).toEqual(['o-3']);
    expect(await ids('limit=2&sort=id')).toEqual(['o-0', 'o-1']);
    const head = await call('/orders?status=open', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers a bad query with 400 problem details', async () => {
    await seed();
    const { call } = await serve(fixture());
    const first = (await (await call('/orders?sort=total&limit=1')).json()) as ListBody;
    const cursor = encodeURIComponent(first.next as string);
    await expectProblem(await call('/orders?total[$regex]=1'), 400, 'invalid-condition');
    await expectProblem(await call('/orders?filter={nope'), 400, 'invalid-condition');
    await expectProblem(await call('/orders?filter=[]'), 400, 'invalid-condition');
    await expectProblem(await call('/orders?total[$gt]=true'), 400, 'invalid-condition');
    await expectProblem(await call('/orders?a]b=1'), 400, 'invalid-condition');
    await expectProblem(await call('/orders?total=1&total=2'), 400, 'invalid-condition');
    await expectProblem(await call('/orders?limit=0'), 400, 'invalid-argument');
    await expectProblem(await call('/orders?limit=1001'), 400, 'invalid-argument');
    await expectProblem(await call('/orders?limit=x'), 400, 'invalid-argument');
    await expectProblem(await call('/orders?sort=a..b'), 400, 'invalid-condition');
    await expectProblem(await call(`/orders?sort=-total&after=${cursor}`), 400, 'invalid-cursor');
    await expectProblem(await call('/orders?sort=total&after=xyz'), 400, 'invalid-cursor');
    expect((await call(`/orders?sort=total&after=${cursor}`)).status).toBe(200);
  });

  it('keeps tenants apart and answers an undeclared collection as empty', async () => {
    await seed();
    const { call } = await serve(fixture());
    const other = await call('/orders', { headers: { 'x-tenant': 'other' } });
    expect(((await other.json()) as ListBody).items).toEqual([]);
    const any = await serve(fixture(), 'node', { collections: 'any' });
    const empty = await any.call('/nothing-here?status=open');
    expect(await empty.json()).toEqual({ items: [], next: null });
    await expectProblem(await any.call('/nothing-here?limit=0'), 400, 'invalid-argument');
    const all = (await (await any.call('/orders?limit=1000')).json()) as ListBody;
    expect(all.items).toHaveLength(12);
  });
});
