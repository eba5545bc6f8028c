import { expect, it } from 'vitest';
import { z } from 'zod';
import type { Backend } from '../../src/backends/kit/backend.js';
import { INSERT_CHUNK_ROWS } from '../../src/backends/postgres/insert-many.js';
import {
  BatchWriteError,
  type Change,
  DocumentStore,
  DuplicateDocumentError,
  InvalidArgumentError,
  TransientError,
  UniqueConstraintError,
  ValidationError,
} from '../../src/index.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

interface Item {
  id: string;
  code: string;
  total: number;
  email?: string;
  version?: number;
}

// Declared as an application that loads in bulk would: an index to query by, a number
// index, a unique field, and the version in the entity.
const itemsIn = (store: DocumentStore, name = 'items', history = false) =>
  store.collection<Item>(name, {
    indexes: [{ field: 'code' }, { field: 'total', type: 'number' }],
    unique: ['email'],
    versionField: 'version',
    ...(history ? { history: { keep: 10 } } : {}),
  });

const item = (i: number, fields: Partial<Item> = {}): Item => ({
  id: `i-${String(i).padStart(5, '0')}`,
  code: `C-${i}`,
  total: i * 1.5,
  email: `u${i}@x.org`,
  ...fields,
});

// Enough documents that a batch takes the bulk path (`BULK_INSERT_MIN`) with room to spare.
const N = 150;

async function feedOf(store: DocumentStore, collection: string): Promise<Change[]> {
  const all: Change[] = [];
  let since = 0;
  for (;;) {
    const page = await store.changes({ since, collection, limit: 1000 });
    if (page.changes.length === 0) return all;
    all.push(...page.changes);
    since = page.last;
  }
}

async function rejection(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    () => {
      throw new Error('the call was expected to fail');
    },
    (error: unknown) => error,
  );
}

// A backend that hands each bulk insert to `around`, which runs it (`send`) and may do more.
function aroundInsertMany(
  backend: Backend,
  around: (send: () => Promise<unknown>) => Promise<unknown>,
): Backend {
  return new Proxy(backend, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
      if (property !== 'insertMany') return bound;
      return (...args: unknown[]) => around(() => bound(...args));
    },
  });
}

describeConformance('insertMany', (fixture) => {
  it('stores each document as insert() stores it: body, metadata, write log, feed, indexes', async () => {
    const { store, config } = fixture();
    const store2 = store.withTenant('other');
    const bulk = itemsIn(store, 'bulk');
    const single = itemsIn(store, 'single');
    const entities = Array.from({ length: N }, (_, i) => item(i));
    const written = await store.insertMany(bulk, entities, { actor: 'loader' });
    for (const entity of Array.from({ length: N }, (_, i) => item(i))) {
      await store.insert(single, entity, { actor: 'loader' });
    }
    expect(written.map((w) => w.id)).toEqual(entities.map((e) => e.id));
    expect(new Set(written.map((w) => w.metadata.token)).size).toBe(N);
    // Seqs rise in input order, after every earlier write.
    const seqs = written.map((w) => w.metadata.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const [i, w] of written.entries()) {
      expect(w).toMatchObject({ written: true, version: 1 });
      expect(w.metadata).toMatchObject({ revision: 1, lastModifiedBy: 'loader' });
      expect(entities[i]?.version).toBe(1);
      const one = await store.getWithMetadata(single, w.id);
      const many = await store.getWithMetadata(bulk, w.id);
      expect(many?.document).toEqual(one?.document);
      expect(many?.metadata).toEqual(w.metadata);
      expect(many?.metadata).toMatchObject({
        revision: one?.metadata.revision,
        lastModifiedBy: one?.metadata.lastModifiedBy,
      });
    }
    // The changes feed holds each once, in seq order, as single inserts' feed does.
    const feed = await feedOf(store, 'bulk');
    expect(feed.map((c) => c.id)).toEqual(written.map((w) => w.id));
    expect(feed.map((c) => c.metadata)).toEqual(written.map((w) => w.metadata));
    expect((await feedOf(store, 'single')).length).toBe(N);
    // Every document's token is in the write log, with what it wrote.
    const backend = openBackend(config);
    try {
      const landed = await backend.landed(
        'default',
        written.map((w) => w.metadata.token),
      );
      for (const w of written) {
        expect(landed.get(w.metadata.token)).toMatchObject({
          collection: 'bulk',
          id: w.id,
          revision: 1,
          seq: BigInt(w.metadata.seq),
        });
      }
    } finally {
      await backend.close();
    }
    // Declared indexes answer, and serve the query.
    expect((await store.find(bulk, { code: 'C-42' })).documents.map((d) => d.id)).toEqual([
      'i-00042',
    ]);
    const range = await store.find(bulk, { total: { $gte: 3, $lt: 6 } }, { sort: ['total'] });
    expect(range.documents.map((d) => d.id)).toEqual(['i-00002', 'i-00003']);
    const plan = await store.explain(bulk, { code: 'C-42' });
    expect(
      plan.indexes.map((i) => i.fields),
      plan.plan,
    ).toEqual([['code']]);
    // The unique field is enforced against what was loaded.
    const taken = await rejection(store.insert(bulk, item(9999, { email: 'u7@x.org' })));
    expect(taken).toBeInstanceOf(UniqueConstraintError);
    expect(taken).toMatchObject({ fields: ['email'], holder: 'i-00007' });
    // The tenant is the store's: another tenant sees none of it.
    expect(await store2.count(itemsIn(store2, 'bulk'))).toBe(0);
    expect(await store.count(bulk)).toBe(N);
  });

  it('writes into its tenant, as its actor, and a generated id for an entity without one', async () => {
    const { store } = fixture();
    const tenant = store.withTenant('acme');
    const c = itemsIn(tenant);
    // No id: insertMany() makes one, as insert() does.
    const entities = Array.from({ length: N }, (_, i) => {
      const { id: _id, ...rest } = item(i);
      return rest as unknown as Item;
    });
    const written = await tenant.insertMany(c, entities);
    expect(new Set(written.map((w) => w.id)).size).toBe(N);
    expect(await tenant.count(c)).toBe(N);
    expect(await store.count(itemsIn(store))).toBe(0);
    const first = await tenant.get(c, written[0]?.id as string);
    expect(first).toMatchObject({ id: written[0]?.id, code: 'C-0', version: 1 });
    expect((await feedOf(tenant, 'items')).length).toBe(N);
    expect((await feedOf(store, 'items')).length).toBe(0);
  });

  it('records a revision of each document in a collection with history, and revives a tombstone as insert() does', async () => {
    const { store } = fixture();
    const c = itemsIn(store, 'kept', true);
    await store.insert(c, item(0));
    await store.delete(c, 'i-00000');
    const written = await store.insertMany(
      c,
      Array.from({ length: N }, (_, i) => item(i)),
    );
    // Inserted, deleted, inserted again: revision 3, as a single insert after a delete.
    expect(written[0]?.metadata.revision).toBe(3);
    expect(written.slice(1).every((w) => w.metadata.revision === 1)).toBe(true);
    const page = await store.history(c, 'i-00000');
    expect(page.revisions.map((r) => [r.revision, r.deleted])).toEqual([
      [3, false],
      [2, true],
      [1, false],
    ]);
    const other = await store.history(c, 'i-00077');
    expect(other.revisions).toHaveLength(1);
    expect(other.revisions[0]).toMatchObject({
      revision: 1,
      token: written[77]?.metadata.token,
      document: { code: 'C-77' },
    });
  });

  it('is all or nothing: a taken id in the middle fails the call with its metadata, and nothing is written', async () => {
    const { store } = fixture();
    const c = itemsIn(store);
    const held = await store.insert(c, item(70));
    const before = await feedOf(store, 'items');
    const error = await rejection(
      store.insertMany(
        c,
        Array.from({ length: N }, (_, i) => item(i)),
      ),
    );
    expect(error).toBeInstanceOf(DuplicateDocumentError);
    expect(error).toMatchObject({ id: 'i-00070', actual: 1, actualMetadata: held.metadata });
    expect(await store.count(c)).toBe(1);
    expect(await feedOf(store, 'items')).toEqual(before);
    // Two taken ids, one each side: both are named.
    await store.insert(c, item(140));
    const both = await rejection(
      store.insertMany(
        c,
        Array.from({ length: N }, (_, i) => item(i)),
      ),
    );
    expect(both).toBeInstanceOf(BatchWriteError);
    expect((both as BatchWriteError).errors.map((e) => (e as DuplicateDocumentError).id)).toEqual([
      'i-00070',
      'i-00140',
    ]);
    expect(await store.count(c)).toBe(2);
    // The same call once the ids are free lands whole.
    await store.delete(c, 'i-00070');
    await store.delete(c, 'i-00140');
    expect(
      await store.insertMany(
        c,
        Array.from({ length: N }, (_, i) => item(i)),
      ),
    ).toHaveLength(N);
    expect(await store.count(c)).toBe(N);
  });

  it('refuses a taken unique value, a value repeated in the call, an invalid document and an id given twice, writing nothing', async () => {
    const { store } = fixture();
    const c = itemsIn(store);
    await store.insert(c, item(9000, { email: 'taken@x.org' }));
    const docs = () => Array.from({ length: N }, (_, i) => item(i));
    const withTaken = docs();
    withTaken[100] = item(100, { email: 'taken@x.org' });
    const taken = await rejection(store.insertMany(c, withTaken));
    expect(taken).toBeInstanceOf(UniqueConstraintError);
    expect(taken).toMatchObject({ fields: ['email'], holder: 'i-09000' });
    const repeated = docs();
    repeated[120] = item(120, { email: 'u3@x.org' });
    const again = await rejection(store.insertMany(c, repeated));
    expect(again).toBeInstanceOf(UniqueConstraintError);
    expect(again).toMatchObject({ fields: ['email'], id: 'i-00120', holder: null });
    const twice = docs();
    twice[90] = item(5);
    expect(await rejection(store.insertMany(c, twice))).toBeInstanceOf(InvalidArgumentError);
    expect(await store.count(c)).toBe(1);

    const Shaped = z.object({ id: z.string(), code: z.string(), total: z.number().min(0) });
    const shaped = store.collection('shaped', { schema: Shaped });
    const invalid = Array.from({ length: N }, (_, i) => ({
      id: `s-${i}`,
      code: `C-${i}`,
      total: i === 60 ? -1 : i,
    }));
    const refused = await rejection(store.insertMany(shaped, invalid));
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ id: 's-60' });
    expect(await store.count(shaped)).toBe(0);
  });

  it('sends a large call in bounded chunks, still all or nothing: a taken id or value in the last chunk undoes the first', async () => {
    const { store } = fixture();
    const c = store.collection<Item>('big', { indexes: [{ field: 'code' }], unique: ['email'] });
    const count = INSERT_CHUNK_ROWS * 2 + 500;
    const docs = () => Array.from({ length: count }, (_, i) => item(i));
    await store.insert(c, item(count - 3, { email: 'elsewhere@x.org' }));
    const error = await rejection(store.insertMany(c, docs()));
    expect(error).toBeInstanceOf(DuplicateDocumentError);
    expect(error).toMatchObject({ id: item(count - 3).id });
    expect(await store.count(c)).toBe(1);
    expect((await feedOf(store, 'big')).length).toBe(1);
    await store.delete(c, item(count - 3).id);
    await store.insert(c, { id: 'holder', code: 'H', total: 0, email: item(count - 50).email });
    const taken = await rejection(store.insertMany(c, docs()));
    expect(taken).toBeInstanceOf(UniqueConstraintError);
    expect(taken).toMatchObject({ id: item(count - 50).id, holder: 'holder' });
    expect(await store.count(c)).toBe(1);
    await store.delete(c, 'holder');
    const written = await store.insertMany(c, docs());
    expect(await store.count(c)).toBe(count);
    const seqs = written.map((w) => w.metadata.seq);
    expect(new Set(seqs).size).toBe(count);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect((await store.find(c, { code: `C-${count - 1}` })).documents).toHaveLength(1);
  });

  it('saveChanges() of many inserts takes the same path, all or nothing, versions set', async () => {
    const { store: other, config } = fixture();
    let bulk = 0;
    const store = new DocumentStore({
      backend: aroundInsertMany(openBackend(config), (send) => {
        bulk++;
        return send();
      }),
    });
    try {
      const c = itemsIn(store);
      await store.insert(c, item(30));
      const failing = store.openSession({ actor: 'clerk' });
      for (let i = 0; i < N; i++) failing.insert(c, item(i));
      expect(await rejection(failing.saveChanges())).toBeInstanceOf(DuplicateDocumentError);
      expect(await other.count(itemsIn(other))).toBe(1);
      await store.delete(c, 'i-00030');
      const session = store.openSession({ actor: 'clerk' });
      const entities = Array.from({ length: N }, (_, i) => item(i));
      for (const entity of entities) session.insert(c, entity);
      await session.saveChanges();
      expect(bulk).toBe(2);
      expect(entities.every((e, i) => e.version === (i === 30 ? 3 : 1))).toBe(true);
      expect(await other.getWithMetadata(itemsIn(other), 'i-00099')).toMatchObject({
        metadata: { revision: 1, lastModifiedBy: 'clerk' },
      });
    } finally {
      await store.close();
    }
  });

  it('settles a lost reply from the write log: every document lands once, even after another writer moved one on', async () => {
    const { store: other, config } = fixture();
    let lost = false;
    // The bulk insert commits, another writer moves one document on, then the reply is lost.
    const lossy = new DocumentStore({
      backend: aroundInsertMany(openBackend(config), async (send) => {
        const outcomes = await send();
        if (lost) return outcomes;
        lost = true;
        await other.put(itemsIn(other), { ...item(5), code: 'moved', version: 1 });
        throw new TransientError('The reply was lost after the insert committed (test)', {
          ambiguous: true,
        });
      }),
      actor: 'lossy',
    });
    try {
      const c = itemsIn(lossy);
      const written = await lossy.insertMany(
        c,
        Array.from({ length: N }, (_, i) => item(i)),
      );
      expect(lost).toBe(true);
      expect(written.map((w) => w.metadata.revision)).toEqual(written.map(() => 1));
      expect(written.every((w) => w.metadata.lastModifiedBy === 'lossy')).toBe(true);
      expect(await other.count(itemsIn(other))).toBe(N);
      expect((await feedOf(other, 'items')).length).toBe(N);
      // The document the other writer moved on keeps its write; the others are as landed.
      const moved = await other.getWithMetadata(itemsIn(other), 'i-00005');
      expect(moved).toMatchObject({ document: { code: 'moved' }, metadata: { revision: 2 } });
      expect(written[5]?.metadata.token).not.toBe(moved?.metadata.token);
      const kept = await other.getWithMetadata(itemsIn(other), 'i-00006');
      expect(kept?.metadata).toEqual(written[6]?.metadata);
    } finally {
      await lossy.close();
    }
  });
});
