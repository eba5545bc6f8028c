import { expect, it } from 'vitest';
import { ConcurrencyError, DuplicateDocumentError } from '../../../index.js';
import type { StoreFixture } from './fixture.js';

interface Doc {
  id: string;
  n: number;
  version?: number;
}

/** The store on the backend: sessions all or nothing, update() under contention, tenancy, changes. */
export function storeSuite(fixture: () => StoreFixture): void {
  it('saves a session all or nothing', async () => {
    const { store } = fixture();
    const docs = store.collection<Doc>('docs', { versionField: 'version' });
    await store.insert(docs, { id: 'a', n: 1 });
    const session = store.openSession();
    session.insert(docs, { id: 'a', n: 2 });
    session.insert(docs, { id: 'b', n: 2 });
    await expect(session.saveChanges()).rejects.toBeInstanceOf(DuplicateDocumentError);
    expect(await store.get(docs, 'b')).toBeNull();
    expect((await store.get(docs, 'a'))?.n).toBe(1);
  });

  it('loses no update of concurrent writers, on separate connections', async () => {
    const { openStore } = fixture();
    const stores = [openStore(), openStore(), openStore()];
    const [first] = stores.map((s) => s.collection<Doc>('docs'));
    await stores[0]?.insert(first as never, { id: 'counter', n: 0 });
    const writes = 30;
    await Promise.all(
      Array.from({ length: writes }, (_, i) => {
        const store = stores[i % stores.length];
        return store?.update<Doc>(
          'docs',
          'counter',
          (doc) => {
            doc.n += 1;
          },
          { retry: { maxAttempts: 100, initialDelay: 1, maxDelay: 20 } },
        );
      }),
    );
    const final = await stores[0]?.getWithMetadata<Doc>('docs', 'counter');
    expect(final?.document.n).toBe(writes);
    expect(final?.metadata.revision).toBe(writes + 1);
  });

  it('refuses a stale version with the version found', async () => {
    const { store } = fixture();
    const docs = store.collection<Doc>('docs', { versionField: 'version' });
    await store.insert(docs, { id: 'a', n: 1 });
    await store.put(docs, { id: 'a', n: 2, version: 1 });
    const error = await store.put(docs, { id: 'a', n: 3, version: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect((error as ConcurrencyError).actual).toBe(2);
  });

  it('keeps tenants apart and lists changes in seq order', async () => {
    const { store } = fixture();
    const other = store.withTenant('other');
    for (const s of [store, other]) s.collection<Doc>('docs');
    await store.insert<Doc>('docs', { id: 'a', n: 1 });
    await store.insert<Doc>('docs', { id: 'b', n: 1 });
    await store.update<Doc>('docs', 'a', (doc) => {
      doc.n = 2;
    });
    expect(await other.get('docs', 'a')).toBeNull();
    const page = await store.changes({ since: 0 });
    expect(page.changes.map((c) => c.id)).toEqual(['b', 'a']);
    expect((await other.changes({ since: 0 })).changes).toEqual([]);
  });
}
