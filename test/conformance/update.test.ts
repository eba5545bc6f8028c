import { expect, it } from 'vitest';
import {
  ConcurrencyError,
  DocumentNotFoundError,
  InvalidArgumentError,
  RetryExhaustedError,
} from '../../src/index.js';
import { type Order, order } from '../support/model.js';
import { describeConformance } from './fixture.js';

describeConformance('update()', (fixture) => {
  it('reloads and re-runs the mutation after a conflict, so no change is lost', async () => {
    const { store, c, openStore } = fixture();
    await store.insert(c.orders, order('o-1'));
    const other = openStore();
    const seen: number[] = [];
    const result = await store.update(c.orders, 'o-1', async (doc, { attempt, metadata }) => {
      seen.push(metadata.revision);
      // A concurrent writer slips in during the first two attempts.
      if (attempt <= 2)
        await other.update(c.orders, 'o-1', (o) => {
          o.lines.push({ sku: `other-${attempt}`, qty: 1 });
        });
      doc.lines.push({ sku: 'mine', qty: 1 });
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(result.version).toBe(4);
    const stored = (await store.get(c.orders, 'o-1')) as Order;
    expect(stored.lines.map((l) => l.sku)).toEqual(['other-1', 'other-2', 'mine']);
  });

  it('accepts a returned document instead of an in-place change', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const result = await store.update(c.orders, 'o-1', (doc) => ({ ...doc, status: 'paid' }));
    expect(result).toMatchObject({ status: 'paid', version: 2 });
    expect((await store.get(c.orders, 'o-1'))?.status).toBe('paid');
  });

  it('a change that returns something other than a document says what it returned, and writes nothing', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1', { lines: [] }));
    for (const change of [
      (o: Order) => o.lines.push({ sku: 'tea', qty: 1 }),
      () => 'done',
      () => [1],
      () => null,
    ]) {
      const error = await store
        .update(c.orders, 'o-1', change as never)
        .catch((e: unknown) => e as Error);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/returned .*change the document in place/);
      expect((error as Error).message).not.toMatch(/cannot change the id/);
    }
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 1 });
  });

  it('failed checks say what they met: no document, a later change, a condition that does not hold', async () => {
    const { store, c } = fixture();
    const never = await store
      .put(c.orders, order('never'), { check: { version: 1 } })
      .catch((e: unknown) => e as Error);
    expect((never as Error).message).toMatch(/no document is stored \(never written, or deleted\)/);
    await store.insert(c.orders, order('o-1', { status: 'open' }));
    await store.update(c.orders, 'o-1', (o) => {
      o.total += 1;
    });
    const stale = await store
      .put(c.orders, order('o-1'), { check: { notModifiedSince: 0 } })
      .catch((e: unknown) => e as Error);
    expect((stale as Error).message).toMatch(/but it was modified at \d{4}-.*Z \(revision 2\)$/);
    const unmet = await store
      .put(c.orders, order('o-1'), { check: { condition: { status: 'closed' } } })
      .catch((e: unknown) => e as Error);
    expect((unmet as Error).message).toMatch(
      /the condition to hold, but it does not hold on the stored document \(revision 2\)$/,
    );
  });

  it('throws DocumentNotFoundError at once and never retries it', async () => {
    const { store, c } = fixture();
    let calls = 0;
    await expect(
      store.update(c.orders, 'nope', () => {
        calls++;
      }),
    ).rejects.toThrow(DocumentNotFoundError);
    expect(calls).toBe(0);
  });

  it('a document deleted between load and save ends in not-found after the reload', async () => {
    const { store, c, openStore } = fixture();
    await store.insert(c.orders, order('o-1'));
    const other = openStore();
    let calls = 0;
    const error = await store
      .update(c.orders, 'o-1', async (doc) => {
        calls++;
        await other.delete(c.orders, 'o-1');
        doc.total = 1;
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentNotFoundError);
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts with the attempt count and the last conflict as cause', async () => {
    const { store, c, openStore } = fixture();
    await store.insert(c.orders, order('o-1'));
    const other = openStore();
    let calls = 0;
    const error = await store
      .update(
        c.orders,
        'o-1',
        async (doc) => {
          calls++;
          await other.update(c.orders, 'o-1', (o) => {
            o.total += 1;
          });
          doc.status = 'never';
        },
        { retry: { maxAttempts: 3, initialDelay: 1, jitter: 'none' } },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryExhaustedError);
    expect(error).toMatchObject({ code: 'RETRY_EXHAUSTED', attempts: 3 });
    expect((error as RetryExhaustedError).cause).toBeInstanceOf(ConcurrencyError);
    expect((error as RetryExhaustedError).cause).toMatchObject({ expected: 3, actual: 4 });
    expect(calls).toBe(3);
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ status: 'pending', total: 13 });
  });

  it('maxAttempts: 1 never retries', async () => {
    const { store, c, openStore } = fixture();
    await store.insert(c.orders, order('o-1'));
    const other = openStore();
    await expect(
      store.update(
        c.orders,
        'o-1',
        async () => {
          await other.update(c.orders, 'o-1', (o) => {
            o.total += 1;
          });
        },
        { retry: { maxAttempts: 1 } },
      ),
    ).rejects.toMatchObject({ attempts: 1 });
  });

  it('an AbortSignal stops the loop during its backoff', async () => {
    const { store, c, openStore } = fixture();
    await store.insert(c.orders, order('o-1'));
    const other = openStore();
    const controller = new AbortController();
    const started = Date.now();
    const pending = store.update(
      c.orders,
      'o-1',
      async () => {
        await other.update(c.orders, 'o-1', (o) => {
          o.total += 1;
        });
        setTimeout(() => controller.abort(new Error('stop now')), 20);
      },
      {
        retry: {
          maxAttempts: 100,
          initialDelay: 10_000,
          jitter: 'none',
          signal: controller.signal,
        },
      },
    );
    await expect(pending).rejects.toThrow('stop now');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await store.get(c.orders, 'o-1'))?.total).toBe(11);
  });

  it('an already aborted signal runs nothing', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    let calls = 0;
    await expect(
      store.update(c.orders, 'o-1', () => void calls++, { retry: { signal: AbortSignal.abort() } }),
    ).rejects.toThrow();
    expect(calls).toBe(0);
  });

  it('errors thrown by the mutation propagate without retry and without a write', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    let calls = 0;
    await expect(
      store.update(c.orders, 'o-1', () => {
        calls++;
        throw new Error('business rule');
      }),
    ).rejects.toThrow('business rule');
    expect(calls).toBe(1);
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 1 });
  });

  it('refuses invalid retry options and id changes', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    for (const retry of [
      { maxAttempts: 0 },
      { maxAttempts: 1.5 },
      { initialDelay: -1 },
      { maxDelay: Number.POSITIVE_INFINITY },
      { multiplier: 0.5 },
      { jitter: 'random' },
    ]) {
      await expect(
        store.update(c.orders, 'o-1', () => {}, { retry: retry as never }),
      ).rejects.toThrow(InvalidArgumentError);
    }
    await expect(store.update(c.orders, 'o-1', (doc) => ({ ...doc, id: 'other' }))).rejects.toThrow(
      InvalidArgumentError,
    );
    expect(await store.get(c.orders, 'other')).toBeNull();
  });
});
