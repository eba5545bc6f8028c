import { expect, it } from 'vitest';
import { newToken } from '../../src/core/token.js';
import type { DocumentMetadata } from '../../src/index.js';
import { type Order, order } from '../support/model.js';
import { describeConformance, type Fixture } from './fixture.js';
import { useServers } from './http-support.js';

const serve = useServers();

// Ids that look like a found row's own text (numbers and spaces, a leading or trailing
// space), quotes, characters outside the BMP, C1 controls and line separators (which ids
// may hold), and the longest ids, of surrogate pairs and of spaces.
const IDS = [
  '1 2 3 4',
  ' ',
  '  x  ',
  '-1 -2 9007199254740993',
  'a\u0080b\u009fc\u0085',
  '\u2028\u2029\ufeff',
  'x\'y"z\\',
  '😀'.repeat(256),
  'a '.repeat(256),
  'e\u0301 注文 🧾',
];

// No actor, the empty actor, and actors that look like the row's text or are the longest.
const ACTORS = [undefined, '', ' ', '1 2 3', 'tok\u0085 x', ' '.repeat(256), '😀'.repeat(128)];

const actorAt = (i: number) => ACTORS[i % ACTORS.length];
const withActor = (i: number) => {
  const actor = actorAt(i);
  return actor === undefined ? {} : { actor };
};

// The documents of IDS (`total` is the index, the sort), written by every write path, so
// the found rows carry revisions above 1, bulk tokens and each kind of actor.
async function load(fixture: Fixture, which: 'orders' | 'tokened') {
  const { store } = fixture;
  const c = fixture.c[which];
  const docs = IDS.map((id, i) => order(id, { total: i, status: 'new' }));
  // Put, insertMany, a session each write some of them, each with its own actor.
  await store.insert(c, docs[0] as Order, withActor(0));
  await store.put(c, docs[1] as Order, withActor(1));
  await store.insertMany(c, [docs[2] as Order], withActor(2));
  await store.insertMany(c, [docs[3] as Order, docs[4] as Order], withActor(3));
  for (const i of [5, 6, 7, 8, 9]) {
    const session = store.openSession(withActor(i));
    session.store(c, docs[i] as Order);
    await session.saveChanges();
  }
  // Tokens `<uuid>.<n>` and the bulk write's actor.
  await store.updateWhere(c, { total: { $gte: 7 } }, { $set: { status: 'bulk' } }, withActor(1));
  await store.apply(c, IDS[4] as string, { $inc: { total: 0 } }, withActor(5));
  await store.patch(c, IDS[5] as string, { status: 'patched' }, withActor(0));
  await store.update(c, IDS[6] as string, (d) => {
    d.status = 'updated';
  });
  return c;
}

describeConformance('found rows', (fixture) => {
  for (const which of ['orders', 'tokened'] as const) {
    it(`${which}: every way of finding a document gives its id and metadata as a load does`, async () => {
      const { store } = fixture();
      const c = await load(fixture(), which);
      const loaded = new Map<string, DocumentMetadata | null>();
      for (const id of IDS) loaded.set(id, await store.getMetadata(c, id));
      const kind = which === 'orders' ? 'revision' : 'token';
      const versionOf = (id: string) => loaded.get(id)?.[kind];
      // Some of the paths wrote each kind of actor, revisions above 1 and bulk tokens.
      const seen = [...loaded.values()];
      expect(seen.map((m) => m?.lastModifiedBy)).toContain(null);
      expect(seen.map((m) => m?.lastModifiedBy)).toContain('');
      expect(seen.some((m) => /\.\d+$/.test(m?.token ?? ''))).toBe(true);
      expect(seen.some((m) => (m?.revision ?? 0) > 1)).toBe(true);

      for (const maxBytes of [undefined, 1, 700, 1_000_000]) {
        for (const limit of [1, 3, 100]) {
          const what = `maxBytes ${maxBytes}, limit ${limit}`;
          const session = store.openSession();
          const walked: string[] = [];
          let after: string | undefined;
          do {
            const options = { sort: 'total' as const, limit, after, maxBytes };
            const page = await session.find(c, {}, options);
            for (const d of page.documents) {
              walked.push(d.id);
              expect(session.getMetadata(c, d.id), `${what} ${d.id.slice(0, 20)}`).toEqual(
                loaded.get(d.id),
              );
              expect(d.version, what).toBe(versionOf(d.id));
            }
            after = page.next ?? undefined;
          } while (after !== undefined);
          expect(walked, what).toEqual(IDS);
        }
      }

      // The store's own queries, one at a time and as a page, and a query session.
      for (const [i, id] of IDS.entries()) {
        const one = await store.findOne(c, { total: i });
        expect(one?.id).toBe(id);
        expect(one?.version).toBe(versionOf(id));
        const reader = store.querySession();
        const [found] = (await reader.find(c, { total: i })).documents;
        expect(found?.id).toBe(id);
        expect(found?.version).toBe(versionOf(id));
      }
      const all = await store.find(c, { total: { $gte: 0 } }, { sort: '-total' });
      expect(all.documents.map((d) => [d.id, d.version])).toEqual(
        [...IDS].reverse().map((id) => [id, versionOf(id)]),
      );
      expect(await store.count(c, { status: 'bulk' })).toBe(3);
    });
  }

  it('a page cut at its byte budget ends where the text of its documents does', async () => {
    const { store } = fixture();
    const c = await load(fixture(), 'orders');
    const sizes = new Map<string, number>();
    for (const d of (await store.find(c, {}, { sort: 'total' })).documents) {
      const { version: _version, ...body } = d;
      sizes.set(d.id, Buffer.byteLength(JSON.stringify(body)));
    }
    // Budgets that end exactly at a document, one byte before and after it.
    const first = sizes.get(IDS[0] as string) as number;
    const second = sizes.get(IDS[1] as string) as number;
    for (const [maxBytes, count] of [
      [first, 1],
      [first + second - 1, 1],
      [first + second, 2],
      [first + second + 1, 2],
    ] as const) {
      const session = store.openSession();
      const page = await session.find(c, {}, { sort: 'total', limit: 5, maxBytes });
      expect(
        page.documents.map((d) => d.id),
        String(maxBytes),
      ).toEqual(IDS.slice(0, count));
      expect(page.next).not.toBeNull();
      for (const d of page.documents) {
        expect(session.getMetadata(c, d.id)).toEqual(await store.getMetadata(c, d.id));
      }
      const rest = await session.find(c, {}, { sort: 'total', limit: 100, after: page.next ?? '' });
      expect(rest.documents.map((d) => d.id)).toEqual(IDS.slice(count));
    }
  });

  it('lists over HTTP carry each document id and its ETag as a load reads them', async () => {
    for (const which of ['orders', 'tokened'] as const) {
      const { store } = fixture();
      const c = await load(fixture(), which);
      const { call } = await serve(fixture());
      const listed: string[] = [];
      let path = `/${which}?sort=total&limit=3`;
      for (;;) {
        const response = await call(path);
        expect(response.status).toBe(200);
        const body = (await response.json()) as {
          items: { id: string; etag: string; document: { id: string } }[];
          next: string | null;
        };
        for (const item of body.items) {
          const metadata = await store.getMetadata(c, item.id);
          const version = which === 'orders' ? metadata?.revision : metadata?.token;
          expect(item.etag).toBe(`"${version}"`);
          expect(item.document.id).toBe(item.id);
          listed.push(item.id);
        }
        if (body.next === null) break;
        path = `/${which}?sort=total&limit=3&after=${encodeURIComponent(body.next)}`;
      }
      expect(listed).toEqual(IDS);
    }
  });

  it('a document whose actor an older version stored with control characters is found with it', async () => {
    const { store, c, backend, config } = fixture();
    await store.insert(c.orders, order('now'));
    // Actors were refused only past 256 characters before: rows may hold U+0001, the
    // character that ends the id in a found row, and other control characters.
    const actors = ['a\u0001b', '\u0001', '\u0001 1 2 \u0001', 'x\ny\t\u001f\u007f'];
    const older = backend.open(config);
    try {
      await older.migrate();
      for (const [i, actor] of actors.entries()) {
        const id = `old ${i}`;
        const [outcome] = await older.commit([
          {
            tenant: store.tenant,
            collection: c.orders.name,
            id,
            op: 'put',
            body: JSON.stringify(order(id, { total: i })),
            check: { kind: 'none' },
            token: newToken(),
            actor,
          },
        ]);
        expect(outcome?.status).toBe('ok');
      }
    } finally {
      await older.close();
    }
    for (const maxBytes of [undefined, 1]) {
      const session = store.openSession();
      const walked: string[] = [];
      let after: string | undefined;
      do {
        const filter = { id: { $ne: 'now' } };
        const page = await session.find(c.orders, filter, {
          sort: 'total',
          limit: 2,
          after,
          maxBytes,
        });
        for (const d of page.documents) {
          walked.push(d.id);
          const metadata = await store.getMetadata(c.orders, d.id);
          expect(metadata?.lastModifiedBy).toBe(actors[d.total]);
          expect(session.getMetadata(c.orders, d.id)).toEqual(metadata);
        }
        after = page.next ?? undefined;
      } while (after !== undefined);
      expect(walked).toEqual(actors.map((_, i) => `old ${i}`));
    }
  });
});
