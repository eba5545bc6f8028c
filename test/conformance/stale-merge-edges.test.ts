import { expect, it } from 'vitest';
import { BaseRevisionUnavailableError } from '../../src/index.js';
import { describeConformance } from './fixture.js';

interface Order {
  id: string;
  status: string;
  note: string;
  v?: number | string;
}

const start = (id: string): Order => ({ id, status: 'open', note: '' });

describeConformance('stale merge edges', (fixture) => {
  it('session: a loaded document stored with an older explicit check merges from that version', async () => {
    const { store } = fixture();
    const orders = store.collection<Order>('orders_h', { history: { keep: 10 } });
    await store.insert(orders, start('o1'));
    const clientCopy = (await store.get(orders, 'o1')) as Order;
    await store.put(orders, { ...clientCopy, status: 'paid' }, { check: { version: 1 } });
    const session = store.openSession({ onStale: 'merge' });
    await session.load(orders, 'o1');
    session.store(orders, { ...clientCopy, note: 'from v1' }, { check: { version: 1 } });
    await session.saveChanges();
    expect(await store.get(orders, 'o1')).toMatchObject({ status: 'paid', note: 'from v1' });
  });

  it('store: the version field is neither a conflict nor stored', async () => {
    const { store } = fixture();
    const orders = store.collection<Order>('orders_vf', {
      history: { keep: 10 },
      versionField: 'v',
    });
    await store.insert(orders, start('o1'));
    const mine = (await store.get(orders, 'o1')) as Order;
    expect(mine.v).toBe(1);
    await store.put(orders, { ...mine, status: 'paid' });
    const result = await store.put(orders, { ...mine, note: 'n' }, { onStale: 'merge' });
    expect(result).toMatchObject({ written: true, version: 3 });
    const stored = (await store.get(orders, 'o1')) as Order;
    expect(stored).toEqual({ id: 'o1', status: 'paid', note: 'n', v: 3 });
    const rev = await store.getRevision(orders, 'o1', 3);
    expect(rev?.document).toEqual({ id: 'o1', status: 'paid', note: 'n', v: 3 });
  });

  it('token versions: a token of another document is no base', async () => {
    const { store } = fixture();
    const orders = store.collection<Order>('tok_h', { history: { keep: 10 }, version: 'token' });
    const other = await store.insert(orders, start('x'));
    const first = await store.insert(orders, start('o1'));
    await store.put(
      orders,
      { ...start('o1'), status: 'paid' },
      { check: { version: first.version } },
    );
    await expect(
      store.put(
        orders,
        { ...start('o1'), note: 'n' },
        { check: { version: other.version }, onStale: 'merge' },
      ),
    ).rejects.toBeInstanceOf(BaseRevisionUnavailableError);
    expect(await store.get(orders, 'o1')).toMatchObject({ status: 'paid', note: '' });
  });
});
