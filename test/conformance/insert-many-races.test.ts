import { expect, it } from 'vitest';
import { z } from 'zod';
import type { Backend, Write } from '../../src/backends/kit/backend.js';
import { INSERT_CHUNK_ROWS } from '../../src/backends/postgres/insert-many.js';
import {
  BatchWriteError,
  type Change,
  DocumentStore,
  DuplicateDocumentError,
  TransientError,
} from '../../src/index.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

interface Row {
  id: string;
  n: number;
  email?: string;
  version?: number;
}

const rows = (ids: readonly number[]): Row[] =>
  ids.map((i) => ({ id: `r-${String(i).padStart(6, '0')}`, n: i }));

// Every change of a collection's feed, page by page from `since`.
async function feedFrom(store: DocumentStore, collection: string, since = 0): Promise<Change[]> {
  const all: Change[] = [];
  let at = since;
  for (;;) {
    const page = await store.changes({ since: at, collection, limit: 1000 });
    if (page.changes.length === 0) return all;
    all.push(...page.changes);
    at = page.last;
  }
}

describeConformance('insertMany under concurrency', (fixture) => {
  it('two calls over the same ids in opposite orders across chunks: exactly one lands every id, the other writes nothing', async () => {
    const { store, openStore } = fixture();
    const a = openStore({ actor: 'a' });
    const b = openStore({ actor: 'b' });
    // More than two chunks on PostgreSQL, and the two calls meet each other's keys in
    // opposite chunk orders.
    const n = 2 * INSERT_CHUNK_ROWS + 100;
    const ids = Array.from({ length: n }, (_, i) => i);
    const calls = await Promise.allSettled([
      a.insertMany(a.collection<Row>('rows'), rows(ids)),
      b.insertMany(b.collection<Row>('rows'), rows([...ids].reverse())),
    ]);
    const won = calls.filter((c) => c.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = calls.find((c) => c.status === 'rejected');
    expect(
      lost?.reason instanceof BatchWriteError || lost?.reason instanceof DuplicateDocumentError,
      String(lost?.reason),
    ).toBe(true);
    const winner = calls[0]?.status === 'fulfilled' ? 'a' : 'b';
    const c = store.collection<Row>('rows');
    expect(await store.count(c)).toBe(n);
    const feed = await feedFrom(store, 'rows');
    expect(feed).toHaveLength(n);
    expect(new Set(feed.map((f) => f.metadata.lastModifiedBy))).toEqual(new Set([winner]));
    expect(feed.every((f) => f.metadata.revision === 1)).toBe(true);
  });

  it('a reader polling the feed while large calls and single writes commit never passes over a change', async () => {
    const { store, openStore } = fixture();
    const loaders = [openStore({ actor: 'l1' }), openStore({ actor: 'l2' })];
    const single = openStore({ actor: 's' });
    const n = INSERT_CHUNK_ROWS + 500;
    let done = false;
    const seen: Change[] = [];
    const poll = (async () => {
      let since = 0;
      while (!done) {
        const page = await store.changes({ since, collection: 'rows', limit: 1000 });
        seen.push(...page.changes);
        since = page.last;
      }
      seen.push(...(await feedFrom(store, 'rows', since)));
    })();
    const writes = [
      ...loaders.map((s, k) =>
        s.insertMany(
          s.collection<Row>('rows'),
          rows(Array.from({ length: n }, (_, i) => k * n + i)),
        ),
      ),
      (async () => {
        const c = single.collection<Row>('rows');
        for (let i = 0; i < 200; i++) await single.insert(c, rows([10 * n + i])[0] as Row);
      })(),
    ];
    await Promise.all(writes);
    done = true;
    await poll;
    const all = await feedFrom(store, 'rows');
    expect(all).toHaveLength(2 * n + 200);
    // The reader saw every change once, in seq order: none was passed over.
    expect(seen.map((c) => c.metadata.seq)).toEqual(all.map((c) => c.metadata.seq));
  });

  it('a unique value held in another tenant does not refuse a call', async () => {
    const { store } = fixture();
    const other = store.withTenant('other');
    const declare = (s: DocumentStore) => s.collection<Row>('people', { unique: ['email'] });
    await other.insert(declare(other), { id: 'x', n: 0, email: 'taken@x.org' });
    const batch = rows(Array.from({ length: 100 }, (_, i) => i)).map((r) => ({
      ...r,
      email: r.n === 50 ? 'taken@x.org' : `${r.id}@x.org`,
    }));
    await store.insertMany(declare(store), batch);
    expect(await store.count(declare(store), { email: 'taken@x.org' })).toBe(1);
    expect(await other.count(declare(other))).toBe(1);
  });

  it('stores what a transforming schema makes, as insert() does', async () => {
    const { store } = fixture();
    const schema = z.object({
      id: z.string(),
      n: z.number(),
      email: z.string().transform((e) => e.toLowerCase()),
      tag: z.string().default('none'),
    });
    const bulk = store.collection('tx-bulk', { schema });
    const one = store.collection('tx-one', { schema });
    const input = () =>
      Array.from({ length: 100 }, (_, i) => ({ id: `t-${i}`, n: i, email: `U${i}@X.ORG` }));
    await store.insertMany(bulk, input() as never[]);
    for (const entity of input()) await store.insert(one, entity as never);
    for (let i = 0; i < 100; i++) {
      const [x, y] = [await store.get(bulk, `t-${i}`), await store.get(one, `t-${i}`)];
      expect(x).toEqual(y);
      expect(x).toMatchObject({ email: `u${i}@x.org`, tag: 'none' });
    }
  });

  for (const history of [false, true]) {
    it(`a lost reply after another writer deleted a loaded document settles every document once (history ${history})`, async () => {
      const { store: other, config } = fixture();
      const declare = (s: DocumentStore) =>
        s.collection<Row>('rows', history ? { history: { keep: 10 } } : {});
      const backend = openBackend(config);
      let lost = false;
      // The first bulk insert commits; another writer deletes one of its documents; then
      // the reply is lost, so the store sends the same tokens again.
      const lossy: Backend = new Proxy(backend, {
        get(target, property) {
          const value: unknown = Reflect.get(target, property, target);
          if (typeof value !== 'function') return value;
          if (property !== 'insertMany') return value.bind(target);
          return async (writes: readonly Write[]) => {
            const outcomes = await target.insertMany?.(writes);
            if (lost) return outcomes;
            lost = true;
            await other.delete(declare(other), 'r-000007');
            throw new TransientError('reply lost (test)', { ambiguous: true });
          };
        },
      });
      const store = new DocumentStore({ backend: lossy, actor: 'lossy' });
      try {
        const written = await store.insertMany(
          declare(store),
          rows(Array.from({ length: 100 }, (_, i) => i)),
        );
        expect(lost).toBe(true);
        expect(written.every((w) => w.metadata.revision === 1)).toBe(true);
        // The deleted document stays deleted: the second try revived nothing.
        expect(await other.get(declare(other), 'r-000007')).toBeNull();
        expect(await other.count(declare(other))).toBe(99);
        const feed = await feedFrom(other, 'rows');
        expect(feed).toHaveLength(100);
        expect(feed.find((c) => c.id === 'r-000007')).toMatchObject({
          deleted: true,
          metadata: { revision: 2 },
        });
      } finally {
        await store.close();
      }
    });
  }
});
