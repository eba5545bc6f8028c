import { expect, it } from 'vitest';
import { z } from 'zod';
import { BaseRevisionUnavailableError, ValidationError } from '../../src/index.js';
import { describeConformance } from './fixture.js';
import { useServers } from './http-support.js';

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

  it('a stale write re-sent after it landed adds no revision', async () => {
    const { store } = fixture();
    const orders = store.collection<Order>('orders_h', { history: { keep: 10 } });
    await store.insert(orders, start('o1'));
    await store.put(orders, { ...start('o1'), status: 'paid' }, { check: { version: 1 } });
    const edit = { ...start('o1'), note: 'n' };
    const first = await store.put(orders, edit, { check: { version: 1 }, onStale: 'merge' });
    expect(first).toMatchObject({ version: 3, merged: { base: 1, theirs: 2 } });
    // The same write again, as a client replays it when it never heard the answer.
    const again = await store.put(orders, edit, { check: { version: 1 }, onStale: 'merge' });
    expect(again).toMatchObject({ written: true, version: 3, merged: { base: 1, theirs: 3 } });
    const page = await store.history(orders, 'o1');
    expect(page.revisions.map((r) => r.revision)).toEqual([3, 2, 1]);
    expect(await store.get(orders, 'o1')).toMatchObject({ status: 'paid', note: 'n' });
  });

  it('session: a loaded document stored as a copy carrying an older version field is checked against that version', async () => {
    const { store } = fixture();
    const orders = store.collection<Order>('orders_v', {
      history: { keep: 10 },
      versionField: 'v',
    });
    await store.insert(orders, { id: 'o1', status: 'open', note: '' });
    const client = (await store.get(orders, 'o1')) as Order;
    await store.put(orders, { ...client, status: 'paid' });
    const session = store.openSession({ onStale: 'merge' });
    await session.load(orders, 'o1');
    session.store(orders, { ...client, note: 'from v1' });
    await session.saveChanges();
    expect(await store.get(orders, 'o1')).toMatchObject({ status: 'paid', note: 'from v1' });
    // The loaded entity, and the entity saved, go on from the version saved.
    const loaded = (await session.load(orders, 'o1')) as Order;
    loaded.note = 'again';
    session.store(orders, loaded);
    await session.saveChanges();
    expect(await store.get(orders, 'o1')).toMatchObject({ status: 'paid', note: 'again', v: 4 });
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

describeConformance('stale merge edges with a schema', (fixture) => {
  const Shipment = z
    .object({
      id: z.string(),
      qty: z.number().int(),
      max: z.number().int(),
      when: z.coerce.date(),
      note: z.string().default(''),
      version: z.number().optional(),
    })
    .refine((s) => s.qty <= s.max, { message: 'qty over max' });

  it('merges Dates as the schema stores them, and validates the merged document', async () => {
    const { store } = fixture();
    const shipments = store.collection('ship_h', {
      schema: Shipment,
      versionField: 'version',
      history: { keep: 10 },
    });
    const when = new Date('2025-03-01T10:00:00.000Z');
    await store.insert(shipments, { id: 's1', qty: 1, max: 5, when, note: '' });
    const mine = (await store.get(shipments, 's1')) as z.infer<typeof Shipment>;
    const later = new Date('2025-04-01T10:00:00.000Z');
    await store.put(shipments, { ...mine, when: later });
    const merged = await store.put(shipments, { ...mine, note: 'n' }, { onStale: 'merge' });
    expect(merged).toMatchObject({ written: true, version: 3 });
    const stored = await store.get(shipments, 's1');
    expect(stored).toEqual({ id: 's1', qty: 1, max: 5, when: later, note: 'n', version: 3 });

    // Each side fits the schema, the merge does not: refused, nothing written.
    await store.put(shipments, { ...(stored as z.infer<typeof Shipment>), max: 2 });
    await expect(
      store.put(
        shipments,
        { ...(stored as z.infer<typeof Shipment>), qty: 4 },
        { onStale: 'merge' },
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await store.get(shipments, 's1')).toMatchObject({ qty: 1, max: 2, version: 4 });
  });
});

const serve = useServers();

describeConformance('stale merge edges over HTTP', (fixture) => {
  it('Prefer: merge merges a stale PUT of a collection versioned by tokens', async () => {
    const f = fixture();
    const orders = f.store.collection<Order>('tok_http', {
      history: { keep: 10 },
      version: 'token',
    });
    const first = await f.store.insert(orders, start('o1'));
    await f.store.put(
      orders,
      { ...start('o1'), status: 'paid' },
      { check: { version: first.version } },
    );
    const { json } = await serve(f, 'node', { collections: [orders] });
    const merged = await json(
      'PUT',
      '/tok_http/o1',
      { ...start('o1'), note: 'n' },
      {
        'if-match': `"${first.version}"`,
        prefer: 'merge',
      },
    );
    expect(merged.status).toBe(200);
    expect(merged.headers.get('preference-applied')).toBe('merge');
    const stored = await f.store.getMetadata(orders, 'o1');
    expect(merged.headers.get('etag')).toBe(`"${stored?.token}"`);
    expect(await f.store.get(orders, 'o1')).toMatchObject({ status: 'paid', note: 'n' });
  });
});
