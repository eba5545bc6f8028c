import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/index.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';

describeConformance('changes()', (fixture) => {
  it('lists documents written after a point in seq order, each with its latest state', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('a'));
    await store.insert(c.counters, { id: 'k', n: 0, log: [] });
    const { last: mark } = await store.changes();
    await store.insert(c.orders, order('b'));
    await store.update(c.orders, 'a', (o) => {
      o.total = 99;
    });
    await store.delete(c.counters, 'k');
    const page = await store.changes({ since: mark });
    expect(page.changes.map((ch) => [ch.collection, ch.id, ch.deleted])).toEqual([
      ['orders', 'b', false],
      ['orders', 'a', false],
      ['counters', 'k', true],
    ]);
    expect(page.changes[1]?.document).toMatchObject({ total: 99 });
    expect(page.changes[2]?.document).toBeNull();
    const seqs = page.changes.map((ch) => ch.metadata.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(page.last).toBe(seqs.at(-1));
    expect((await store.changes({ since: page.last })).changes).toEqual([]);
    expect((await store.changes({ since: page.last })).last).toBe(page.last);
  });

  it('pages with limit without skipping or repeating', async () => {
    const { store, c } = fixture();
    for (let i = 0; i < 25; i++) await store.insert(c.orders, order(`o-${i}`));
    const ids: string[] = [];
    let since = 0;
    for (;;) {
      const page = await store.changes({ since, limit: 7 });
      if (page.changes.length === 0) break;
      expect(page.changes.length).toBeLessThanOrEqual(7);
      ids.push(...page.changes.map((ch) => ch.id));
      since = page.last;
    }
    expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `o-${i}`));
  });

  it('shows each tenant only its own documents', async () => {
    const { store, c } = fixture();
    const acme = store.withTenant('acme');
    await store.insert(c.orders, order('shared-id', { total: 1 }));
    await acme.insert(c.orders, order('shared-id', { total: 2 }));
    await acme.insert(c.orders, order('acme-only'));
    expect((await store.changes()).changes.map((ch) => ch.id)).toEqual(['shared-id']);
    expect((await acme.changes()).changes.map((ch) => ch.id)).toEqual(['shared-id', 'acme-only']);
    expect((await store.get(c.orders, 'shared-id'))?.total).toBe(1);
    expect((await acme.get(c.orders, 'shared-id'))?.total).toBe(2);
    expect(await store.get(c.orders, 'acme-only')).toBeNull();
    await expect(store.update(c.orders, 'acme-only', () => {})).rejects.toMatchObject({
      code: 'DOCUMENT_NOT_FOUND',
    });
  });

  it('refuses bad positions and limits', async () => {
    const { store } = fixture();
    for (const options of [
      { since: -1 },
      { since: 1.5 },
      { limit: 0 },
      { limit: 10_001 },
      { since: '3' },
    ]) {
      await expect(store.changes(options as never)).rejects.toThrow(InvalidArgumentError);
    }
  });
});
