import { expect, it } from 'vitest';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';

describeConformance('metadata', (fixture) => {
  it('revision starts at 1 and grows by one per write; the token is new on every write', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const tokens = new Set<string>();
    for (let i = 1; i <= 5; i++) {
      const meta = await store.getMetadata(c.orders, 'o-1');
      expect(meta?.revision).toBe(i);
      tokens.add(meta?.token ?? '');
      await store.update(c.orders, 'o-1', (o) => {
        o.total += 1;
      });
    }
    expect(tokens.size).toBe(5);
  });

  it('seq is strictly increasing across collections, writes and deletes', async () => {
    const { store, c } = fixture();
    const seqs: number[] = [];
    const record = (r: { written: boolean; metadata?: { seq: number } }) =>
      seqs.push(r.metadata?.seq ?? -1);
    record(await store.insert(c.orders, order('a')));
    record(await store.insert(c.counters, { id: 'a', n: 0, log: [] }));
    record(await store.put(c.orders, order('a', { total: 2 }), { check: 'none' }));
    record(await store.delete(c.counters, 'a'));
    record(await store.insert(c.tokened, order('b')));
    expect(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] as number))).toBe(true);
    expect(seqs[0]).toBeGreaterThan(0);
  });

  it('lastModified comes from the database clock at the write; lastModifiedBy names the actor', async () => {
    const { store, c, openStore } = fixture();
    const before = Date.now();
    await store.insert(c.orders, order('o-1'), { actor: 'alice' });
    const after = Date.now();
    const meta = await store.getMetadata(c.orders, 'o-1');
    expect(meta?.lastModified).toBeGreaterThanOrEqual(before - 1000);
    expect(meta?.lastModified).toBeLessThanOrEqual(after + 1000);
    expect(meta?.lastModifiedBy).toBe('alice');

    const bob = openStore({ actor: 'bob' });
    await bob.update('orders', 'o-1', (o: Record<string, unknown>) => {
      o.total = 1;
    });
    expect((await store.getMetadata(c.orders, 'o-1'))?.lastModifiedBy).toBe('bob');
    const session = bob.openSession({ actor: 'carol' });
    const loaded = await session.load(c.orders, 'o-1');
    if (loaded) loaded.total = 2;
    session.store(c.orders, loaded as never);
    await session.saveChanges();
    expect((await store.getMetadata(c.orders, 'o-1'))?.lastModifiedBy).toBe('carol');
  });

  it('the version field is filled on load and after every save, and is not stored in the body', async () => {
    const { store, c } = fixture();
    const entity = order('o-1');
    await store.insert(c.orders, entity);
    expect(entity.version).toBe(1);
    const loaded = await store.get(c.orders, 'o-1');
    expect(loaded?.version).toBe(1);
    const updated = await store.update(c.orders, 'o-1', (o) => {
      o.total = 3;
    });
    expect(updated.version).toBe(2);
    const { changes } = await store.changes();
    expect(changes[0]?.document).not.toHaveProperty('version');

    const tokenEntity = order('t-1');
    await store.insert(c.tokened, tokenEntity);
    expect(tokenEntity.version).toBe((await store.getMetadata(c.tokened, 't-1'))?.token as never);
  });

  it('getMetadata returns null for absent and deleted documents', async () => {
    const { store, c } = fixture();
    expect(await store.getMetadata(c.orders, 'nope')).toBeNull();
    await store.insert(c.orders, order('o-1'));
    await store.delete(c.orders, 'o-1');
    expect(await store.getMetadata(c.orders, 'o-1')).toBeNull();
  });

  it('insert generates an id when the entity has none', async () => {
    const { store, c } = fixture();
    const entity = { status: 'new', total: 0, lines: [] } as unknown as ReturnType<typeof order>;
    const result = await store.insert(c.orders, entity);
    expect(result.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(entity.id).toBe(result.id);
    expect(await store.get(c.orders, result.id)).toMatchObject({ status: 'new', id: result.id });
  });
});
