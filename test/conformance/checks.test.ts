import { expect, it } from 'vitest';
import {
  ConcurrencyError,
  type Condition,
  DocumentNotFoundError,
  DuplicateDocumentError,
  InvalidArgumentError,
  InvalidConditionError,
} from '../../src/index.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';

describeConformance('checks', (fixture) => {
  it('version: passes on the stored revision, fails on any other with the actual metadata', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const saved = await store.put(c.orders, order('o-1', { total: 11 }), { check: { version: 1 } });
    expect(saved).toMatchObject({ written: true, version: 2 });

    const error = await store
      .put(c.orders, order('o-1', { total: 12 }), { check: { version: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({
      code: 'CONCURRENCY_CONFLICT',
      collection: 'orders',
      id: 'o-1',
      expected: 1,
      actual: 2,
      actualMetadata: { revision: 2 },
      message: 'Optimistic concurrency check failed for orders/o-1: expected revision 1, found 2',
    });
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(11);
  });

  it('version: a token collection checks the token and rejects a stale one', async () => {
    const { store, c } = fixture();
    const first = await store.insert(c.tokened, order('t-1'));
    if (!first.written) throw new Error('insert did not write');
    expect(typeof first.version).toBe('string');
    const second = await store.put(c.tokened, order('t-1', { total: 2 }), {
      check: { version: first.version },
    });
    if (!second.written) throw new Error('put did not write');
    expect(second.version).not.toBe(first.version);
    await expect(
      store.put(c.tokened, order('t-1', { total: 3 }), { check: { version: first.version } }),
    ).rejects.toMatchObject({ expected: first.version, actual: second.version });
  });

  it('version: a deleted document is a conflict with actual null, not a not-found', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await store.delete(c.orders, 'o-1');
    const error = await store
      .put(c.orders, order('o-1'), { check: { version: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({ actual: null, actualMetadata: null });
    expect((error as Error).message).toBe(
      'Optimistic concurrency check failed for orders/o-1: expected revision 1, but no document is stored (never written, or deleted)',
    );
  });

  it('mustNotExist: inserts once, then reports the duplicate with its metadata', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const error = await store
      .insert(c.orders, order('o-1', { total: 99 }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DuplicateDocumentError);
    expect(error).toMatchObject({ code: 'DUPLICATE_DOCUMENT', actualMetadata: { revision: 1 } });
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(10);
  });

  it('mustNotExist: re-creating a deleted document continues its revision (no ABA)', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await store.put(c.orders, order('o-1'), { check: { version: 1 } });
    await store.delete(c.orders, 'o-1');
    const again = await store.insert(c.orders, order('o-1'));
    expect(again).toMatchObject({ written: true, version: 4 });
    // A writer still holding revision 1 or 2 of the old document cannot touch the new one.
    await expect(store.put(c.orders, order('o-1'), { check: { version: 1 } })).rejects.toThrow(
      ConcurrencyError,
    );
  });

  it('mustExist: writes any version, reports not-found for absent and deleted documents', async () => {
    const { store, c } = fixture();
    await expect(store.put(c.orders, order('nope'), { check: 'mustExist' })).rejects.toThrow(
      DocumentNotFoundError,
    );
    expect(await store.get(c.orders, 'nope')).toBeNull();
    await store.insert(c.orders, order('o-1'));
    await store.put(c.orders, order('o-1', { total: 5 }), { check: 'none' });
    expect(
      await store.put(c.orders, order('o-1', { total: 6 }), { check: 'mustExist' }),
    ).toMatchObject({
      version: 3,
    });
    await store.delete(c.orders, 'o-1');
    await expect(store.put(c.orders, order('o-1'), { check: 'mustExist' })).rejects.toMatchObject({
      code: 'DOCUMENT_NOT_FOUND',
      message: 'Document orders/o-1 does not exist',
    });
  });

  it('notModifiedSince: passes at or after lastModified, fails before it', async () => {
    const { store, c } = fixture();
    const inserted = await store.insert(c.orders, order('o-1'));
    if (!inserted.written) throw new Error('insert did not write');
    const at = inserted.metadata.lastModified;
    await expect(
      store.put(c.orders, order('o-1', { total: 1 }), { check: { notModifiedSince: at - 1 } }),
    ).rejects.toMatchObject({
      code: 'CONCURRENCY_CONFLICT',
      expected: null,
      actualMetadata: { revision: 1 },
    });
    await store.put(c.orders, order('o-1', { total: 2 }), {
      check: { notModifiedSince: new Date(at) },
    });
    await expect(
      store.put(c.orders, order('gone'), { check: { notModifiedSince: Date.now() } }),
    ).rejects.toThrow(DocumentNotFoundError);
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(2);
  });

  it('condition: equality, $in, comparisons and $exists are evaluated on the stored document', async () => {
    const { store, c } = fixture();
    await store.insert(
      c.orders,
      order('o-1', { status: 'pending', total: 40, customer: { name: 'Ann', tier: 'gold' } }),
    );
    const passing = [
      { status: 'pending' },
      { status: { $in: ['pending', 'paid'] } },
      { total: { $gt: 39, $lte: 40 } },
      { 'customer.tier': 'gold' },
      { 'customer.name': { $exists: true }, 'customer.zip': { $exists: false } },
      { status: { $ne: 'shipped' }, missing: { $ne: 'x' } },
      { $or: [{ status: 'paid' }, { total: { $gte: 40 } }] },
      { $not: { status: 'shipped' } },
      { status: { $nin: ['shipped', 'cancelled'] } },
      { 'customer.name': { $lt: 'Bob' } },
    ];
    for (const [i, condition] of passing.entries()) {
      await expect(
        store.put(
          c.orders,
          order('o-1', {
            total: 40,
            status: 'pending',
            customer: { name: 'Ann', tier: 'gold' },
            lines: [{ sku: String(i), qty: 1 }],
          }),
          {
            check: { condition },
          },
        ),
        JSON.stringify(condition),
      ).resolves.toMatchObject({ written: true });
    }
    const failing = [
      { status: 'paid' },
      { total: { $gt: 40 } },
      { total: '40' },
      { status: { $in: ['paid'] } },
      { 'customer.zip': { $exists: true } },
      { missing: 'x' },
      { $and: [{ status: 'pending' }, { total: { $lt: 0 } }] },
    ];
    for (const condition of failing) {
      await expect(
        store.put(c.orders, order('o-1', { status: 'changed' }), { check: { condition } }),
        JSON.stringify(condition),
      ).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', expectation: { kind: 'condition' } });
    }
    expect((await store.get(c.orders, 'o-1'))?.status).toBe('pending');
  });

  it('condition: types are strict (true is not 1, null is not missing)', async () => {
    const { store } = fixture();
    const docs = store.collection('flags');
    await store.insert(docs, { id: 'f', paid: true, count: 1, note: null });
    const miss = (condition: Condition) =>
      expect(
        store.put(docs, { id: 'f', paid: true, count: 1, note: null }, { check: { condition } }),
      ).rejects.toThrow(ConcurrencyError);
    const hit = (condition: Condition) =>
      expect(
        store.put(docs, { id: 'f', paid: true, count: 1, note: null }, { check: { condition } }),
      ).resolves.toMatchObject({ written: true });
    await miss({ paid: 1 });
    await miss({ count: true });
    await miss({ count: '1' });
    await miss({ absent: null });
    await hit({ paid: true });
    await hit({ count: 1 });
    await hit({ note: null });
    await hit({ note: { $exists: true } });
  });

  it('condition: a missing document is not-found, never a conflict', async () => {
    const { store, c } = fixture();
    await expect(
      store.put(c.orders, order('nope'), { check: { condition: { status: 'pending' } } }),
    ).rejects.toThrow(DocumentNotFoundError);
  });

  it('condition: malformed predicates are refused before anything is written', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const bad: unknown[] = [
      {},
      { $and: [{}] },
      { $or: [{ status: 'pending' }, {}] },
      { $not: {} },
      { status: 'pending', $not: { $and: [{ $not: {} }] } },
      { status: {} },
      { status: { $regex: 'x' } },
      { $where: 'true' },
      { status: { $in: 'pending' } },
      { status: { nested: 1 } },
      { 'a..b': 1 },
      { 'a"b': 1 },
      { total: { $gt: Number.NaN } },
      { lines: [1] },
      // No document can hold these; PostgreSQL refused the NUL with a raw error.
      { status: 'a\u0000b' },
      { status: { $in: ['ok', '\ud800'] } },
      { status: { $gt: 'a\u0000' } },
      [],
      'status = 1',
    ];
    for (const condition of bad) {
      await expect(
        store.put(c.orders, order('o-1', { total: 1 }), { check: { condition } as never }),
        JSON.stringify(condition),
      ).rejects.toThrow(InvalidConditionError);
    }
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 1 });
  });

  it('revisionAbove: jumps the revision to n when the stored one is lower, else conflicts', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    expect(await store.put(c.orders, order('o-1'), { check: { revisionAbove: 5 } })).toMatchObject({
      version: 5,
    });
    await expect(
      store.put(c.orders, order('o-1', { total: 1 }), { check: { revisionAbove: 5 } }),
    ).rejects.toMatchObject({ code: 'CONCURRENCY_CONFLICT', actualMetadata: { revision: 5 } });
    await expect(
      store.put(c.orders, order('o-1', { total: 1 }), { check: { revisionAbove: 3 } }),
    ).rejects.toThrow(ConcurrencyError);
    // On an absent document it inserts at revision n.
    expect(await store.put(c.orders, order('o-2'), { check: { revisionAbove: 7 } })).toMatchObject({
      version: 7,
    });
  });

  it('tryRevisionAbove: a miss is a silent no-op', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await store.put(c.orders, order('o-1', { total: 3 }), { check: { tryRevisionAbove: 4 } });
    const miss = await store.put(c.orders, order('o-1', { total: 4 }), {
      check: { tryRevisionAbove: 4 },
    });
    expect(miss).toEqual({ id: 'o-1', written: false });
    const stored = await store.get(c.orders, 'o-1');
    expect(stored).toMatchObject({ total: 3, version: 4 });
  });

  it('revisions above 2^31 are stored and checked exactly', async () => {
    const { store, c } = fixture();
    const big = 2 ** 31 + 7;
    await store.put(c.orders, order('o-1'), { check: { revisionAbove: big } });
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: big });
    await expect(
      store.put(c.orders, order('o-1'), { check: { version: big - 1 } }),
    ).rejects.toThrow(ConcurrencyError);
    expect(await store.put(c.orders, order('o-1'), { check: { version: big } })).toMatchObject({
      version: big + 1,
    });
    const huge = 2 ** 52;
    await store.put(c.orders, order('o-1'), { check: { revisionAbove: huge } });
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ version: huge });
  });

  it('none: overwrites any version and creates absent documents, but only when asked', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await store.put(c.orders, order('o-1', { total: 2 }), { check: { version: 1 } });
    expect(await store.put(c.orders, order('o-1', { total: 3 }), { check: 'none' })).toMatchObject({
      version: 3,
    });
    expect(await store.put(c.orders, order('o-2'), { check: 'none' })).toMatchObject({
      version: 1,
    });
    // Without a check, an entity with an empty version field is an insert, not an overwrite.
    await expect(store.put(c.orders, order('o-1', { total: 4 }))).rejects.toThrow(
      DuplicateDocumentError,
    );
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(3);
  });

  it("put: the entity's version field is the default check", async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const loaded = await store.get(c.orders, 'o-1');
    if (!loaded) throw new Error('missing');
    loaded.total = 50;
    await store.put(c.orders, loaded);
    expect(loaded.version).toBe(2);
    await expect(store.put(c.orders, { ...loaded, version: 1 })).rejects.toThrow(ConcurrencyError);
  });

  it('delete: checks like a write; `none` on an absent document is a silent no-op', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    await expect(store.delete(c.orders, 'o-1', { check: { version: 2 } })).rejects.toThrow(
      ConcurrencyError,
    );
    await expect(
      store.delete(c.orders, 'o-1', { check: { condition: { status: 'paid' } } }),
    ).rejects.toThrow(ConcurrencyError);
    expect(await store.delete(c.orders, 'o-1', { check: { version: 1 } })).toMatchObject({
      written: true,
    });
    expect(await store.get(c.orders, 'o-1')).toBeNull();
    await expect(store.delete(c.orders, 'o-1')).rejects.toThrow(DocumentNotFoundError);
    expect(await store.delete(c.orders, 'o-1', { check: 'none' })).toEqual({
      id: 'o-1',
      written: false,
    });
    await expect(store.delete(c.orders, 'o-1', { check: 'mustNotExist' })).rejects.toThrow(
      InvalidArgumentError,
    );
    await expect(store.delete(c.orders, 'o-1', { check: { revisionAbove: 9 } })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('delete by entity checks its version field', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const stale = await store.get(c.orders, 'o-1');
    await store.update(c.orders, 'o-1', (o) => {
      o.total = 1;
    });
    await expect(store.delete(c.orders, stale as never)).rejects.toMatchObject({
      expected: 1,
      actual: 2,
    });
  });

  it('a check names exactly one kind', async () => {
    const { store, c } = fixture();
    for (const check of [{}, { version: 1, mustExist: true }, { nope: 1 }, 'always', 7, null]) {
      await expect(
        store.put(c.orders, order('o-1'), { check: check as never }),
        JSON.stringify(check),
      ).rejects.toThrow(InvalidArgumentError);
    }
    expect(await store.get(c.orders, 'o-1')).toBeNull();
  });
});
