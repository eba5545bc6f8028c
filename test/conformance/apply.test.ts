import { expect, it } from 'vitest';
import {
  ConcurrencyError,
  DocumentNotFoundError,
  DocumentStore,
  InvalidArgumentError,
  InvalidDocumentError,
  InvalidOperationsError,
  OperationTypeError,
} from '../../src/index.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

interface Product {
  id: string;
  stock: number;
  log: string[];
  name?: string;
  version?: number;
}

describeConformance('apply', (fixture) => {
  const products = (store: DocumentStore) =>
    store.collection<Product>('products', { versionField: 'version' });

  it('applies operations in one write: new document, version, metadata and changes feed', async () => {
    const { store } = fixture();
    const c = products(store);
    const first = await store.insert(c, { id: 'p', stock: 10, log: [] });
    const applied = await store.apply(c, 'p', { $inc: { stock: -3 }, $push: { log: 'sold 3' } });
    expect(applied.document).toEqual({ id: 'p', stock: 7, log: ['sold 3'], version: 2 });
    expect(applied.version).toBe(2);
    expect(applied.metadata.seq).toBeGreaterThan(first.metadata.seq);
    expect(applied.metadata.token).not.toBe(first.metadata.token);
    expect(await store.get(c, 'p')).toEqual(applied.document);
    const { changes } = await store.changes({ since: first.metadata.seq });
    expect(changes.map((ch) => [ch.id, ch.metadata.revision])).toEqual([['p', 2]]);
  });

  it('guards with a condition or a version in the same statement', async () => {
    const { store } = fixture();
    const c = products(store);
    await store.insert(c, { id: 'p', stock: 2, log: [] });
    const sell = (n: number) =>
      store.apply(
        c,
        'p',
        { $inc: { stock: -n } },
        { check: { condition: { stock: { $gte: n } } } },
      );
    await expect(sell(3)).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await sell(2)).document?.stock).toBe(0);
    await expect(
      store.apply(c, 'p', { $set: { name: 'x' } }, { check: { version: 1 } }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    expect(
      (await store.apply(c, 'p', { $set: { name: 'x' } }, { check: { version: 2 } })).version,
    ).toBe(3);
  });

  it('refuses operations that do not fit, or a result past maxDocumentBytes, writing nothing', async () => {
    const { store, config } = fixture();
    const c = products(store);
    await store.insert(c, { id: 'p', stock: 1, log: [], name: 'n' });
    const before = await store.getMetadata(c, 'p');
    await expect(store.apply(c, 'p', { $inc: { name: 1 } } as never)).rejects.toBeInstanceOf(
      OperationTypeError,
    );
    await expect(store.apply(c, 'p', { $push: { stock: 1 } } as never)).rejects.toMatchObject({
      code: 'OPERATION_TYPE_MISMATCH',
      collection: 'products',
      id: 'p',
    });
    await expect(store.apply(c, 'p', { $set: { 'name.first': 'a' } })).rejects.toBeInstanceOf(
      OperationTypeError,
    );
    await expect(
      store.apply(c, 'p', { $inc: { stock: 1 }, $set: { 'stock.x': 1 } }),
    ).rejects.toBeInstanceOf(InvalidOperationsError);
    await expect(store.apply(c, 'p', { $set: { id: 'q' } } as never)).rejects.toBeInstanceOf(
      InvalidOperationsError,
    );
    const small = new DocumentStore({ backend: openBackend(config), maxDocumentBytes: 200 });
    try {
      await expect(
        small.apply(products(small), 'p', { $push: { log: 'x'.repeat(300) } }),
      ).rejects.toBeInstanceOf(InvalidDocumentError);
    } finally {
      await small.close();
    }
    expect(await store.getMetadata(c, 'p')).toEqual(before);
    await expect(store.apply(c, 'missing', { $inc: { stock: 1 } })).rejects.toBeInstanceOf(
      DocumentNotFoundError,
    );
  });

  it('$unset and $pull through an array by a key address nothing and change nothing', async () => {
    const { store } = fixture();
    const grid = store.collection<{ id: string; a: unknown[] }>('grid');
    await store.insert(grid, { id: 'g', a: [[1], { x: [2] }] });
    // Paths that address nothing change nothing, and are no error.
    const saved = await store.apply(grid, 'g', {
      $unset: { 'a.0.x': true },
      $pull: { 'a.0.y': 1 },
    });
    expect(saved.document).toEqual({ id: 'g', a: [[1], { x: [2] }] });
    expect(saved.metadata.revision).toBe(2);
  });

  it('$unset and $pull on a large (compressed) document, present and absent paths', async () => {
    const { store } = fixture();
    const big = store.collection<{
      id: string;
      text: string;
      a: unknown[];
      o: Record<string, number>;
    }>('big');
    const text = 'x'.repeat(50_000);
    await store.insert(big, { id: 'b', text, a: [1, 2, 1], o: { k: 1, j: 2 }, n: [[3]] } as never);
    const saved = await store.apply(big, 'b', {
      $unset: { 'o.k': true, 'n.0.0': true, 'missing.deep.0': true, 'n.0.key.0': true },
      $pull: { a: 1, 'o.none': 2 },
    } as never);
    expect(saved.document).toEqual({ id: 'b', text, a: [2], o: { j: 2 }, n: [[null]] });
    expect(await store.get(big, 'b')).toEqual(saved.document);
  });

  it('$addToSet takes up to 256 values in one call; more is refused before the database', async () => {
    const { store } = fixture();
    const sets = store.collection<{ id: string; a: number[] }>('sets');
    await store.insert(sets, { id: 's', a: [0] });
    const values = Array.from({ length: 256 }, (_, i) => i);
    const saved = await store.apply(sets, 's', { $addToSet: { a: { $each: values } } });
    expect(saved.document?.a).toEqual(values);
    // $push too: SQLite refused 1,000 values as too many arguments.
    const pushed = await store.apply(sets, 's', { $push: { a: { $each: values } } });
    expect(pushed.document?.a).toHaveLength(512);
    await expect(
      store.apply(sets, 's', { $addToSet: { a: { $each: [...values, 256] } } }),
    ).rejects.toThrow(InvalidOperationsError);
  });

  it('applies exact double arithmetic on both databases', async () => {
    const { store } = fixture();
    const c = store.collection<{ id: string; x: number }>('numbers');
    await store.insert(c, { id: 'n', x: 0.1 });
    expect((await store.apply(c, 'n', { $inc: { x: 0.2 } })).document?.x).toBe(0.30000000000000004);
    await store.put(c, { id: 'n', x: 1.2345678901234567e250 }, { check: 'none' });
    expect((await store.apply(c, 'n', { $mul: { x: 3 } })).document?.x).toBe(
      1.2345678901234567e250 * 3,
    );
    await expect(store.apply(c, 'n', { $mul: { x: 1e100 } })).rejects.toBeInstanceOf(
      OperationTypeError,
    );
  });

  it('session.apply() commits with the batch, all or nothing, and updates a loaded copy', async () => {
    const { store } = fixture();
    const c = products(store);
    await store.insert(c, { id: 'p', stock: 5, log: [] });
    const session = store.openSession();
    const loaded = (await session.load(c, 'p')) as Product;
    session.apply(c, 'p', { $inc: { stock: -2 } });
    session.insert(c, { id: 'q', stock: 1, log: [] });
    await session.saveChanges();
    expect(loaded).toMatchObject({ stock: 3, version: 2 });
    expect(await store.get(c, 'q')).not.toBeNull();

    const guarded = store.openSession();
    guarded.insert(c, { id: 'r', stock: 1, log: [] });
    guarded.apply(
      c,
      'p',
      { $inc: { stock: -9 } },
      { check: { condition: { stock: { $gte: 9 } } } },
    );
    await expect(guarded.saveChanges()).rejects.toBeInstanceOf(ConcurrencyError);
    const unfit = store.openSession();
    unfit.insert(c, { id: 'r', stock: 1, log: [] });
    unfit.apply(c, 'p', { $push: { stock: 1 } } as never);
    await expect(unfit.saveChanges()).rejects.toBeInstanceOf(OperationTypeError);
    expect(await store.get(c, 'r')).toBeNull();
    expect(await store.get(c, 'p')).toMatchObject({ stock: 3, version: 2 });
    expect(() => unfit.apply(c, 'p', { $inc: { stock: 1 } })).toThrow(InvalidArgumentError);
  });

  it('64 clients selling stock 1,000 with a guard: never oversold, stock = 1,000 - acknowledged', async () => {
    const { store, openStore } = fixture();
    const c = products(store);
    await store.insert(c, { id: 'hot', stock: 1000, log: [] });
    const stores = Array.from({ length: 8 }, () => openStore());
    const acknowledged: number[] = [];
    let refused = 0;
    await Promise.all(
      Array.from({ length: 64 }, async (_, client) => {
        const mine = stores[client % stores.length] as DocumentStore;
        for (let k = 0; k < 12; k++) {
          const n = 1 + Math.floor(Math.random() * 5);
          try {
            const done = await mine.apply(
              c,
              'hot',
              { $inc: { stock: -n } },
              { check: { condition: { stock: { $gte: n } } } },
            );
            expect(done.document?.stock).toBeGreaterThanOrEqual(0);
            acknowledged.push(n);
          } catch (error) {
            if (!(error instanceof ConcurrencyError)) throw error;
            refused++;
          }
        }
      }),
    );
    const sold = acknowledged.reduce((a, b) => a + b, 0);
    const final = (await store.get(c, 'hot')) as Product;
    expect(final.stock).toBe(1000 - sold);
    expect(final.stock).toBeGreaterThanOrEqual(0);
    expect(final.version).toBe(1 + acknowledged.length);
    // The stock ran out under the racers: the guard refused some of them.
    expect(refused).toBeGreaterThan(0);
    expect(final.stock).toBeLessThan(5);
  });
});
