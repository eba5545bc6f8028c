import { expect, it } from 'vitest';
import { BatchWriteError, DuplicateDocumentError } from '../../../index.js';
import type { StoreFixture } from './fixture.js';

interface Item {
  id: string;
  n: number;
  version?: number;
}

// More than the least a batch needs to take a backend's bulk insert path.
const MANY = 150;
const items = (prefix: string, count = MANY) =>
  Array.from({ length: count }, (_, i): Item => ({ id: `${prefix}${i}`, n: i }));

/**
 * `insertMany` (and a session saving many inserts), which a backend may serve with its
 * own bulk statement: each document stored as `insert()` stores it, all or nothing, and
 * racing calls over the same ids each id won once.
 */
export function insertManySuite(fixture: () => StoreFixture): void {
  it('insertMany stores every document as insert() would, in one run of the feed', async () => {
    const { store } = fixture();
    const c = store.collection<Item>('items', { versionField: 'version' });
    const written = await store.insertMany(c, items('a'));
    expect(written.map((w) => w.id)).toEqual(items('a').map((i) => i.id));
    const page = await store.changes({ since: 0, limit: 1000 });
    expect(page.changes.map((ch) => ch.id)).toEqual(items('a').map((i) => i.id));
    const seqs = page.changes.map((ch) => ch.metadata.seq);
    expect(new Set(seqs).size).toBe(MANY);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    for (const i of [0, 77, MANY - 1]) {
      const found = await store.getWithMetadata(c, `a${i}`);
      expect(found?.document).toEqual({ id: `a${i}`, n: i, version: 1 });
      expect(found?.metadata).toMatchObject({ revision: 1, token: written[i]?.metadata.token });
    }
  });

  it('insertMany is all or nothing: one taken id refuses the call and writes none', async () => {
    const { store } = fixture();
    const c = store.collection<Item>('items');
    await store.insert(c, { id: 'b77', n: -1 });
    const error = await store.insertMany(c, items('b')).catch((e: unknown) => e);
    expect(error instanceof DuplicateDocumentError || error instanceof BatchWriteError).toBe(true);
    expect(await store.count(c)).toBe(1);
    expect(await store.get(c, 'b77')).toEqual({ id: 'b77', n: -1 });
  });

  it('racing insertMany calls over the same ids on separate stores: exactly one wins', async () => {
    const { openStore } = fixture();
    const stores = Array.from({ length: 4 }, () => openStore());
    const outcomes = await Promise.all(
      stores.map((s, k) =>
        s
          .insertMany(
            s.collection<Item>('items'),
            items('c').map((i) => ({ ...i, n: k })),
          )
          .then(
            () => k,
            () => -1,
          ),
      ),
    );
    const winners = outcomes.filter((k) => k >= 0);
    expect(winners).toHaveLength(1);
    const store = stores[0] ?? openStore();
    const c = store.collection<Item>('items');
    const stored = (await store.find(c, {}, { limit: 1000 })).documents;
    expect(stored).toHaveLength(MANY);
    expect(new Set(stored.map((d) => d.n))).toEqual(new Set(winners));
  });
}
