import { expect, it } from 'vitest';
import type { Change } from '../../src/index.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers, withoutRequestId } from './http-support.js';

const serve = useServers();

type Page = { changes: Change[]; last: string };

/** Follows a collection's feed to its end, as a follower does: until an empty page. */
async function follow(call: (path: string) => Promise<Response>, path: string) {
  const pages: Page[] = [];
  let since = '0';
  for (;;) {
    const response = await call(`${path}?since=${since}&limit=10000`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as Page;
    if (page.changes.length === 0) return pages;
    pages.push(page);
    since = page.last;
  }
}

describeConformance('http: bounded state and pages', (fixture) => {
  it("'any': collections are known from the database, per tenant: after a restart, and never across tenants", async () => {
    const { json } = await serve(fixture(), 'node', { collections: 'any' });
    expect((await json('PUT', '/notes/a', { text: 'one' }, { 'x-tenant': 'acme' })).status).toBe(
      201,
    );
    // A restart: a new store and handler on the same database, nothing in memory.
    const restarted = await serve(fixture(), 'node', { collections: 'any' }, fixture().openStore());
    const got = await restarted.call('/notes/a', { headers: { 'x-tenant': 'acme' } });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ text: 'one' });
    // Another tenant sees acme's collection exactly as one that never existed, before and
    // after the handler has learned of it.
    for (const server of [await serve(fixture(), 'node', { collections: 'any' }), restarted]) {
      const theirs = await server.call('/notes/a', { headers: { 'x-tenant': 'other' } });
      const never = await server.call('/never/a', { headers: { 'x-tenant': 'other' } });
      expect(withoutRequestId(await expectProblem(theirs, 404, 'not-found'))).toEqual(
        withoutRequestId(await expectProblem(never, 404, 'not-found')),
      );
      const feed = await server.call('/notes/_changes', { headers: { 'x-tenant': 'other' } });
      const nothing = await server.call('/never/_changes', { headers: { 'x-tenant': 'other' } });
      expect(await feed.json()).toEqual(await nothing.json());
      const del = await server.call('/notes/a', {
        method: 'DELETE',
        headers: { 'x-tenant': 'other', 'if-match': '"1"' },
      });
      await expectProblem(del, 404, 'not-found');
    }
  });

  it("'any': requests that write nothing declare nothing and lock no tenant out", async () => {
    const store = fixture().openStore();
    const { call, json } = await serve(fixture(), 'node', { collections: 'any' }, store);
    for (let batch = 0; batch < 11; batch++) {
      const misses = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          call(`/junk${batch * 100 + i}/x`, {
            method: 'DELETE',
            headers: { 'x-tenant': 'mallory' },
          }),
        ),
      );
      expect(misses.map((r) => r.status)).toEqual(Array(100).fill(404));
    }
    // Failed writes to new names declare nothing either.
    await expectProblem(await json('PUT', '/junkput/x', order('x'), { 'if-match': '"1"' }), 412);
    await expectProblem(await call('/junkpatch/x', { method: 'PATCH', body: '{}' }), 415);
    for (const name of ['junk0', 'junk1099', 'junkput', 'junkpatch']) {
      expect(store.findCollection(name)).toBeUndefined();
    }
    const fresh = await json('PUT', '/fresh/x', { text: 'hi' }, { 'x-tenant': 'alice' });
    expect(fresh.status).toBe(201);
    expect(store.findCollection('fresh')).toBeDefined();
  });

  it('a collection feed is filtered in the database: a change after a page of others is found', async () => {
    const { store, c } = fixture();
    const session = store.openSession();
    for (let i = 0; i < 150; i++) session.store(c.tokened, order(`t-${i}`));
    await session.saveChanges();
    await store.insert(c.orders, order('o-1'));
    const { call } = await serve(fixture());
    const first = (await (await call('/orders/_changes?since=0')).json()) as Page;
    expect(first.changes.map((ch) => ch.id)).toEqual(['o-1']);
    const after = (await (await call(`/orders/_changes?since=${first.last}`)).json()) as Page;
    expect(after).toEqual({ changes: [], last: first.last });
    expect((await call('/orders/_changes', { method: 'HEAD' })).status).toBe(200);
  });

  it('feed pages are bounded in bytes: 1 MiB documents come a few per page, each exactly once', async () => {
    const { store, c } = fixture();
    const blob = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 9; i++) await store.insert(c.orders, order(`big-${i}`, { status: blob }));
    const { call } = await serve(fixture());
    const pages = await follow(call, '/orders/_changes');
    // The default budget is 4 MiB: three documents of just over 1 MiB fit, a fourth does not.
    expect(pages.map((p) => p.changes.length)).toEqual([3, 3, 3]);
    const ids = pages.flatMap((p) => p.changes.map((ch) => ch.id));
    expect(ids).toEqual(Array.from({ length: 9 }, (_, i) => `big-${i}`));
    // A document larger than the budget still comes, alone.
    const small = await store.changes({ since: 0, limit: 10, maxBytes: 1000 });
    expect(small.changes.map((ch) => ch.id)).toEqual(['big-0']);
    const byCollection = await store.changes({
      limit: 10,
      maxBytes: 3_200_000,
      collection: 'orders',
    });
    expect(byCollection.changes.map((ch) => ch.id)).toEqual(['big-0', 'big-1', 'big-2']);
  });

  it('readStream() without a limit reads one page of 1,000 events, not the whole stream', async () => {
    const { store } = fixture();
    const events = Array.from({ length: 1200 }, (_, i) => ({ type: 'Counted', data: { i } }));
    await store.events.appendToStream('long', events, { expectedVersion: 'noStream' });
    const page = await store.events.readStream('long');
    expect(page).toHaveLength(1000);
    expect(page.at(-1)?.version).toBe(1000);
    const rest = await store.events.readStream('long', { from: 1001 });
    expect(rest.map((e) => e.version)).toEqual(Array.from({ length: 200 }, (_, i) => 1001 + i));
    const backward = await store.events.readStream('long', { direction: 'backward' });
    expect(backward[0]?.version).toBe(1200);
    expect(backward).toHaveLength(1000);
  });
});
