import { expect, it } from 'vitest';
import {
  ConcurrencyError,
  DocumentNotFoundError,
  type DocumentStore,
  OperationTypeError,
} from '../../src/index.js';
import { describeConformance } from './fixture.js';

interface Item {
  id: string;
  stock: number;
  name?: string;
  meta?: Record<string, unknown>;
  version?: number;
}

const items = (store: DocumentStore) =>
  store.collection<Item>('items', { versionField: 'version' });

describeConformance('apply at the edges', (fixture) => {
  it('never reads or writes another tenant’s document of the same collection and id', async () => {
    const { store } = fixture();
    const acme = store.withTenant('acme');
    const other = store.withTenant('other');
    const c = items(store);
    await acme.insert(c, { id: 'p', stock: 10 });
    for (const check of [undefined, 'none' as const, 'mustExist' as const]) {
      await expect(
        other.apply(c, 'p', { $inc: { stock: -1 } }, check ? { check } : {}),
      ).rejects.toBeInstanceOf(DocumentNotFoundError);
    }
    const session = other.openSession();
    session.apply(c, 'p', { $inc: { stock: -1 } });
    await expect(session.saveChanges()).rejects.toBeInstanceOf(DocumentNotFoundError);
    await other.insert(c, { id: 'p', stock: 1 });
    const theirs = await other.apply(c, 'p', { $inc: { stock: 1 } });
    expect(theirs.document).toEqual({ id: 'p', stock: 2, version: 2 });
    expect(await acme.getWithMetadata(c, 'p')).toMatchObject({
      document: { stock: 10, version: 1 },
      metadata: { revision: 1 },
    });
    expect((await other.changes()).changes.map((ch) => ch.metadata.token)).toEqual([
      theirs.metadata.token,
    ]);
    expect((await acme.changes()).changes.map((ch) => ch.document)).toEqual([
      { id: 'p', stock: 10 },
    ]);
  });

  it("check 'none' (or none given) on a missing or deleted document writes nothing", async () => {
    const { store } = fixture();
    const c = items(store);
    await store.insert(c, { id: 'gone', stock: 1 });
    await store.delete(c, 'gone');
    for (const id of ['never', 'gone']) {
      for (const options of [{}, { check: 'none' as const }]) {
        await expect(store.apply(c, id, { $inc: { stock: 1 } }, options)).rejects.toBeInstanceOf(
          DocumentNotFoundError,
        );
      }
    }
    expect(await store.get(c, 'never')).toBeNull();
    expect(await store.get(c, 'gone')).toBeNull();
  });

  it('guards on missing paths, a version with unfit operations, a type at the path', async () => {
    const { store } = fixture();
    const c = items(store);
    await store.insert(c, { id: 'p', stock: 3, name: 'n' });
    const absent = { check: { condition: { 'meta.flag': { $exists: false } } } };
    expect((await store.apply(c, 'p', { $set: { 'meta.flag': true } }, absent)).version).toBe(2);
    await expect(store.apply(c, 'p', { $inc: { stock: 1 } }, absent)).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    const equalOnMissing = { check: { condition: { 'meta.count': 0 } } };
    await expect(
      store.apply(c, 'p', { $inc: { stock: 1 } }, equalOnMissing),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    const before = await store.getMetadata(c, 'p');
    // A stale version fails as a conflict before the operations are judged; a fresh one
    // reaches them, and they do not fit.
    await expect(
      store.apply(c, 'p', { $inc: { name: 1 } } as never, { check: { version: 1 } }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await expect(
      store.apply(c, 'p', { $inc: { name: 1 } } as never, { check: { version: 2 } }),
    ).rejects.toMatchObject({ code: 'OPERATION_TYPE_MISMATCH', collection: 'items', id: 'p' });
    for (const operations of [
      { $push: { 'meta.flag': 1 } },
      { $pull: { stock: 1 } },
      { $min: { name: 1 } },
      { $set: { 'stock.x': 1 } },
      { $inc: { stock: 1 }, $addToSet: { name: 'x' } },
    ]) {
      await expect(store.apply(c, 'p', operations as never)).rejects.toBeInstanceOf(
        OperationTypeError,
      );
    }
    expect(await store.getMetadata(c, 'p')).toEqual(before);
    expect(await store.get(c, 'p')).toEqual({
      id: 'p',
      stock: 3,
      name: 'n',
      meta: { flag: true },
      version: 2,
    });
  });
});
