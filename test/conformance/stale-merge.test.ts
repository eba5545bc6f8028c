import { expect, it, onTestFinished } from 'vitest';
import {
  BaseRevisionUnavailableError,
  ConcurrencyError,
  DocumentStore,
  InvalidArgumentError,
  MergeConflictError,
  Policies,
} from '../../src/index.js';
import { MAX_MERGE_ATTEMPTS } from '../../src/store/stale-merge.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

interface Line {
  sku: string;
  qty: number;
}

interface Order {
  id: string;
  status: string;
  note: string;
  lines: Line[];
  [field: string]: unknown;
}

const start = (id: string): Order => ({
  id,
  status: 'open',
  note: '',
  lines: [
    { sku: 'a', qty: 1 },
    { sku: 'b', qty: 1 },
  ],
});

const serve = useServers();

const ordersOf = (store: DocumentStore, keep = 100) =>
  store.collection<Order>('orders_h', { history: { keep } });

describeConformance('stale writes merged on the server', (fixture) => {
  it('merges disjoint changes into the newer document and records both parents', async () => {
    const { store } = fixture();
    const orders = ordersOf(store);
    await store.insert(orders, start('o1'));
    const mine = (await store.get(orders, 'o1')) as Order;
    await store.put(orders, { ...mine, status: 'paid' }, { check: { version: 1 } });

    const edited = { ...mine, note: 'leave at the door' };
    const result = await store.put(orders, edited, { check: { version: 1 }, onStale: 'merge' });
    expect(result).toMatchObject({ written: true, version: 3, merged: { base: 1, theirs: 2 } });
    const stored = await store.get(orders, 'o1');
    expect(stored).toMatchObject({ status: 'paid', note: 'leave at the door' });
    if (!('merged' in result)) throw new Error('expected a merge');
    expect(result.merged.document).toEqual(stored);
    const revision = await store.getRevision(orders, 'o1', 3);
    expect(revision?.parents).toEqual([1, 2]);
    expect((await store.getRevision(orders, 'o1', 2))?.parents).toBeNull();
  });

  it('merges array items by identity, and a fresh write is not a merge', async () => {
    const { store } = fixture();
    const orders = ordersOf(store);
    await store.insert(orders, start('o1'));
    const mine = (await store.get(orders, 'o1')) as Order;
    const theirs = { ...mine, lines: [...mine.lines, { sku: 'c', qty: 3 }] };
    await store.put(orders, theirs, { check: { version: 1 } });
    const edited = { ...mine, lines: [{ sku: 'a', qty: 5 }, mine.lines[1] as Line] };
    const merge = { identity: { lines: 'sku' } };
    await store.put(orders, edited, { check: { version: 1 }, onStale: 'merge', merge });
    expect((await store.get(orders, 'o1'))?.lines).toEqual([
      { sku: 'a', qty: 5 },
      { sku: 'b', qty: 1 },
      { sku: 'c', qty: 3 },
    ]);
    const fresh = await store.put(
      orders,
      { ...mine, note: 'n' },
      { check: { version: 3 }, onStale: 'merge' },
    );
    expect(fresh).not.toHaveProperty('merged');
    expect((await store.getRevision(orders, 'o1', 4))?.parents).toBeNull();
  });

  it('refuses overlapping changes with their paths, and writes nothing', async () => {
    const { store } = fixture();
    const orders = ordersOf(store);
    await store.insert(orders, start('o1'));
    const mine = (await store.get(orders, 'o1')) as Order;
    await store.put(orders, { ...mine, status: 'paid', note: 'x' }, { check: { version: 1 } });
    const attempt = store.put(
      orders,
      { ...mine, status: 'cancelled', note: 'y' },
      { check: { version: 1 }, onStale: 'merge' },
    );
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect([...(error as MergeConflictError).paths].sort()).toEqual(['note', 'status']);
    expect(await store.getMetadata(orders, 'o1')).toMatchObject({ revision: 2 });
    const ours = await store.put(
      orders,
      { ...mine, status: 'cancelled' },
      { check: { version: 1 }, onStale: 'merge', merge: { onConflict: 'ours' } },
    );
    expect(ours).toMatchObject({ version: 3 });
    expect(await store.get(orders, 'o1')).toMatchObject({ status: 'cancelled', note: 'x' });
  });

  it('never guesses a base: no history, or a pruned base, is BaseRevisionUnavailableError', async () => {
    const { store } = fixture();
    const plain = store.collection<Order>('orders_plain');
    await store.insert(plain, start('o1'));
    await store.put(plain, { ...start('o1'), status: 'paid' }, { check: { version: 1 } });
    const stale = { ...start('o1'), note: 'n' };
    await expect(
      store.put(plain, stale, { check: { version: 1 }, onStale: 'merge' }),
    ).rejects.toBeInstanceOf(BaseRevisionUnavailableError);
    expect(await store.getMetadata(plain, 'o1')).toMatchObject({ revision: 2 });

    // A revision number the document never had is no base either.
    const orders = ordersOf(store);
    await store.insert(orders, start('o2'));
    await store.put(orders, { ...start('o2'), status: 'paid' }, { check: { version: 1 } });
    await expect(
      store.put(orders, start('o2'), { check: { version: 7 }, onStale: 'merge' }),
    ).rejects.toBeInstanceOf(BaseRevisionUnavailableError);
    await expect(
      store.put(orders, start('o2'), { check: { version: 1 }, onStale: 'sometimes' as 'merge' }),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('fails as before without onStale, and when the document was deleted meanwhile', async () => {
    const { store } = fixture();
    const orders = ordersOf(store);
    await store.insert(orders, start('o1'));
    await store.put(orders, { ...start('o1'), status: 'paid' }, { check: { version: 1 } });
    await expect(
      store.put(orders, { ...start('o1'), note: 'n' }, { check: { version: 1 } }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
    await store.delete(orders, 'o1');
    await expect(
      store.put(orders, { ...start('o1'), note: 'n' }, { check: { version: 1 }, onStale: 'merge' }),
    ).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it('follows a policy that asks for merging, and token versions find their base', async () => {
    const policies = new Policies()
      .when((ctx) => ctx.collection === 'tokened_h')
      .then({ onStale: 'merge' });
    const store = new DocumentStore({ backend: openBackend(fixture().config), policies });
    onTestFinished(() => store.close());
    const orders = store.collection<Order>('tokened_h', {
      history: { keep: 10 },
      version: 'token',
    });
    const first = await store.insert(orders, start('o1'));
    await store.put(
      orders,
      { ...start('o1'), status: 'paid' },
      { check: { version: first.version } },
    );
    const merged = await store.put(
      orders,
      { ...start('o1'), note: 'n' },
      { check: { version: first.version } },
    );
    expect(merged).toHaveProperty('merged.base', 1);
    expect(await store.get(orders, 'o1')).toMatchObject({ status: 'paid', note: 'n' });
  });

  it('merges every racing stale writer of disjoint fields, and reports every overlap', async () => {
    const { store, openStore } = fixture();
    ordersOf(store);
    await store.insert(ordersOf(store), start('race'));
    // Each failed try of a writer is another writer's commit, and each commits once: with
    // as many writers as a merge has tries, every one of them lands whatever the timing.
    const writers = Array.from({ length: MAX_MERGE_ATTEMPTS }, () => openStore());
    const outcomes = await Promise.all(
      writers.map(async (writer, i) => {
        const orders = ordersOf(writer);
        const seen = (await writer.get(orders, 'race')) as Order;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
        const edited = { ...seen, [`field${i}`]: i };
        return writer.put(orders, edited, { check: { version: 1 }, onStale: 'merge' });
      }),
    );
    expect(outcomes.every((o) => o.written)).toBe(true);
    const final = (await store.get(ordersOf(store), 'race')) as Order;
    for (let i = 0; i < writers.length; i++) expect(final[`field${i}`]).toBe(i);
    // Each writer landed exactly once: one revision each after the insert.
    expect(await store.getMetadata(ordersOf(store), 'race')).toMatchObject({
      revision: writers.length + 1,
    });

    await store.insert(ordersOf(store), start('clash'));
    const clashes = await Promise.allSettled(
      writers.map(async (writer, i) => {
        const orders = ordersOf(writer);
        const seen = (await writer.get(orders, 'clash')) as Order;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
        return writer.put(
          orders,
          { ...seen, status: `s${i}` },
          { check: { version: 1 }, onStale: 'merge' },
        );
      }),
    );
    const won = clashes.filter((c) => c.status === 'fulfilled');
    const refused = clashes.filter((c) => c.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(MergeConflictError);
      expect(((r as PromiseRejectedResult).reason as MergeConflictError).paths).toEqual(['status']);
    }
    const winner = clashes.findIndex((c) => c.status === 'fulfilled');
    expect(await store.get(ordersOf(store), 'clash')).toMatchObject({ status: `s${winner}` });
    expect(await store.getMetadata(ordersOf(store), 'clash')).toMatchObject({ revision: 2 });
  });

  it('in sessions: a loaded document or a carried version merges, all or nothing with the batch', async () => {
    const { store } = fixture();
    const orders = store.collection<Order & { v?: number }>('orders_v', {
      history: { keep: 10 },
      versionField: 'v',
    });
    await store.insert(orders, start('o1'));
    await store.insert(orders, start('o2'));
    const session = store.openSession({ onStale: 'merge' });
    const loaded = (await session.load(orders, 'o1')) as Order;
    await store.update(orders, 'o1', (o) => {
      o.status = 'paid';
    });
    loaded.note = 'from the session';
    session.store(orders, loaded);
    // Carried version, never loaded by this session: the base comes from the history.
    await store.update(orders, 'o2', (o) => {
      o.status = 'paid';
    });
    session.store(orders, { ...start('o2'), v: 1, note: 'carried' });
    await session.saveChanges();
    expect(await store.get(orders, 'o1')).toMatchObject({
      status: 'paid',
      note: 'from the session',
    });
    expect(await store.get(orders, 'o2')).toMatchObject({ status: 'paid', note: 'carried' });
    expect((await store.getRevision(orders, 'o1', 3))?.parents).toEqual([1, 2]);
    expect((await store.getRevision(orders, 'o2', 3))?.parents).toEqual([1, 2]);

    // An overlap anywhere refuses the whole batch.
    const again = store.openSession();
    const one = (await again.load(orders, 'o1')) as Order;
    const two = (await again.load(orders, 'o2')) as Order;
    await store.update(orders, 'o2', (o) => {
      o.status = 'shipped';
    });
    one.note = 'kept?';
    two.status = 'void';
    again.store(orders, one);
    again.store(orders, two);
    await expect(again.saveChanges({ onStale: 'merge' })).rejects.toBeInstanceOf(
      MergeConflictError,
    );
    expect(await store.get(orders, 'o1')).toMatchObject({ note: 'from the session' });
    expect(await store.get(orders, 'o2')).toMatchObject({ status: 'shipped' });
  });

  it('over HTTP: Prefer: merge merges a stale PUT; overlaps are 409, a missing base 412', async () => {
    const f = fixture();
    const orders = ordersOf(f.store);
    const plain = f.store.collection<Order>('orders_plain');
    await f.store.insert(orders, start('o1'));
    await f.store.insert(plain, start('o1'));
    const { json } = await serve(f, 'node', { collections: [orders, plain] });
    const put = (path: string, body: object, headers: Record<string, string>) =>
      json('PUT', path, body, headers);
    expect(
      (await put('/orders_h/o1', { ...start('o1'), status: 'paid' }, { 'if-match': '"1"' })).status,
    ).toBe(200);
    const stale = { ...start('o1'), note: 'n' };
    await expectProblem(
      await put('/orders_h/o1', stale, { 'if-match': '"1"' }),
      412,
      'precondition-failed',
    );
    const merged = await put('/orders_h/o1', stale, {
      'if-match': '"1"',
      prefer: 'return=representation, merge',
    });
    expect(merged.status).toBe(200);
    expect(merged.headers.get('preference-applied')).toBe('merge');
    expect(merged.headers.get('etag')).toBe('"3"');
    expect(await merged.json()).toMatchObject({ status: 'paid', note: 'n' });

    const clash = await put(
      '/orders_h/o1',
      { ...start('o1'), status: 'void' },
      {
        'if-match': '"1"',
        prefer: 'merge',
      },
    );
    expect(await expectProblem(clash, 409, 'merge-conflict')).toMatchObject({ paths: ['status'] });

    await put('/orders_plain/o1', { ...start('o1'), status: 'paid' }, { 'if-match': '"1"' });
    const unavailable = await put('/orders_plain/o1', stale, {
      'if-match': '"1"',
      prefer: 'merge',
    });
    await expectProblem(unavailable, 412, 'base-revision-unavailable');
    expect(await f.store.get(plain, 'o1')).toMatchObject({ note: '' });
  });
});
