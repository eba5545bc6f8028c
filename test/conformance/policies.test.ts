import { expect, it } from 'vitest';
import {
  ConcurrencyError,
  DocumentStore,
  InvalidArgumentError,
  InvalidDocumentError,
  lastWriteWins,
  PatchTestFailedError,
  Policies,
  type PolicyContext,
  threeWayMerge,
} from '../../src/index.js';
import { collections, type Order, order } from '../support/model.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance, type Fixture } from './fixture.js';

/** A store on the fixture's database with the given policies (closed by the caller). */
function storeWith(fixture: Fixture, policies: Policies, environment?: string) {
  const store = new DocumentStore({
    backend: openBackend(fixture.config),
    policies,
    ...(environment === undefined ? {} : { environment }),
  });
  return { store, c: collections(store) };
}

describeConformance('policies', (fixture) => {
  it('rules see collection, operation, tags, flags, tenant, environment and actor', async () => {
    const seen: PolicyContext[] = [];
    const policies = new Policies()
      .when((ctx) => {
        seen.push(ctx);
        return false;
      })
      .then({});
    const { store, c } = storeWith(fixture(), policies, 'staging');
    try {
      await store.insert(c.orders, order('o-1'), { actor: 'ann' });
      await store.update(
        c.orders,
        'o-1',
        (o) => {
          o.total = 2;
        },
        {
          tags: ['high-volume'],
          flags: ['load-testing'],
        },
      );
      await store.patch(c.orders, 'o-1', { status: 'paid' });
      await store.delete(c.orders, 'o-1');
      expect(seen.map((ctx) => ctx.operation)).toEqual(['insert', 'update', 'patch', 'delete']);
      expect(seen[0]).toMatchObject({
        collection: 'orders',
        tenant: 'default',
        environment: 'staging',
      });
      expect(seen[1]?.hasTag('high-volume')).toBe(true);
      expect(seen[1]?.hasFlag('load-testing')).toBe(true);
      expect(seen[1]?.hasTag('other')).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('the first matching rule decides; continue lets later rules fill in; operations override or bypass', async () => {
    const policies = new Policies()
      .when((ctx) => ctx.hasTag('urgent'))
      .then({ retry: { maxAttempts: 1 } }, { continue: true })
      .when((ctx) => ctx.collection === 'orders')
      .then({ strategy: 'lastWriteWins', retry: { maxAttempts: 50 } })
      .when(() => true)
      .then({ strategy: 'expectedVersion' });
    const ctx = (collection: string, tags: string[] = []) =>
      policies.evaluate({
        collection,
        operation: 'update',
        tags,
        flags: [],
        tenant: 't',
        environment: undefined,
        actor: null,
        hasTag: (t) => tags.includes(t),
        hasFlag: () => false,
      });
    expect(ctx('orders')).toEqual({ strategy: 'lastWriteWins', retry: { maxAttempts: 50 } });
    expect(ctx('orders', ['urgent'])).toEqual({
      strategy: 'lastWriteWins',
      retry: { maxAttempts: 1 },
    });
    expect(ctx('other')).toEqual({ strategy: 'expectedVersion' });

    const { store, c } = storeWith(fixture(), policies);
    try {
      await store.insert(c.orders, order('o-1'));
      // lastWriteWins from the rule: a put without a version overwrites.
      await store.put(c.orders, order('o-1', { total: 5 }));
      expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 5, version: 2 });
      // The operation's own policy wins over the rules…
      await expect(
        store.put(c.orders, order('o-1', { total: 6 }), {
          policy: { strategy: 'expectedVersion' },
        }),
      ).rejects.toThrow(/already exists/);
      // …and bypassing the rules leaves the defaults.
      await expect(
        store.put(c.orders, order('o-1', { total: 7 }), { bypassPolicies: true }),
      ).rejects.toThrow(/already exists/);
      expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 5 });
    } finally {
      await store.close();
    }
  });

  it('a policy resolver applies to update() and to sessions', async () => {
    const policies = new Policies()
      .when((ctx) => ctx.collection === 'orders')
      .then({ resolver: threeWayMerge() });
    const { store, c } = storeWith(fixture(), policies);
    const other = fixture().store;
    try {
      await store.insert(c.orders, order('o-1'));
      let runs = 0;
      await store.update(c.orders, 'o-1', async (o) => {
        if (runs++ === 0)
          await other.update(fixture().c.orders, 'o-1', (x) => {
            x.status = 'paid';
          });
        o.total = 3;
      });
      expect(runs).toBe(1);
      expect(await store.get(c.orders, 'o-1')).toMatchObject({ status: 'paid', total: 3 });
      const session = store.openSession();
      const loaded = (await session.load(c.orders, 'o-1')) as Order;
      await other.update(fixture().c.orders, 'o-1', (x) => {
        x.lines = [{ sku: 'a', qty: 1 }];
      });
      loaded.total = 4;
      session.store(c.orders, loaded);
      await session.saveChanges();
      expect(await store.get(c.orders, 'o-1')).toMatchObject({
        status: 'paid',
        total: 4,
        lines: [{ sku: 'a', qty: 1 }],
      });
    } finally {
      await store.close();
    }
  });

  it('strategies: timestamp, token, revision and conditional checks', async () => {
    const { store: base, c } = fixture();
    for (const id of ['ts', 'tok', 'rev', 'cond']) await base.insert(c.orders, order(id));
    const cases = [
      { id: 'ts', strategy: 'timestamp', expectation: 'notModifiedSince' },
      { id: 'tok', strategy: 'token', expectation: 'version' },
      { id: 'rev', strategy: 'revision', expectation: 'version' },
    ] as const;
    for (const { id, strategy, expectation } of cases) {
      const session = base.openSession({ policy: { strategy } });
      const loaded = (await session.load(c.orders, id)) as Order;
      await new Promise((resolve) => setTimeout(resolve, 5));
      await base.update(c.orders, id, (o) => {
        o.total = 1;
      });
      loaded.total = 2;
      session.store(c.orders, loaded);
      const error = await session.saveChanges().catch((e: unknown) => e);
      expect(error, strategy).toBeInstanceOf(ConcurrencyError);
      expect((error as ConcurrencyError).expectation.kind, strategy).toBe(expectation);
      expect((await base.get(c.orders, id))?.total).toBe(1);
    }
    const tokenError = (await base
      .openSession({ policy: { strategy: 'token' } })
      .load(c.orders, 'tok')
      .then(async (doc) => {
        const s = base.openSession({ policy: { strategy: 'token' } });
        s.store(c.orders, doc as Order, { check: { token: 'not-the-token' } });
        return s.saveChanges();
      })
      .catch((e: unknown) => e)) as ConcurrencyError;
    expect(tokenError.message).toMatch(/expected token not-the-token, found /);
    // Conditional: the write lands only while the stored document matches.
    const conditional = { strategy: 'conditional', condition: { status: 'pending' } } as const;
    await base.update(
      c.orders,
      'cond',
      (o) => {
        o.total = 3;
      },
      { policy: conditional },
    );
    await base.update(
      c.orders,
      'cond',
      (o) => {
        o.status = 'paid';
      },
      { policy: conditional },
    );
    await expect(
      base.update(
        c.orders,
        'cond',
        (o) => {
          o.total = 4;
        },
        {
          policy: conditional,
          retry: { maxAttempts: 2, initialDelay: 0 },
        },
      ),
    ).rejects.toMatchObject({
      code: 'RETRY_EXHAUSTED',
      cause: { expectation: { kind: 'condition' } },
    });
    expect(await base.get(c.orders, 'cond')).toMatchObject({ status: 'paid', total: 3 });
  });

  it('automaticRetry resolves session conflicts with a three-way merge; lastWriteWins skips checks', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const session = store.openSession({ policy: { strategy: 'automaticRetry' } });
    const loaded = (await session.load(c.orders, 'o-1')) as Order;
    await store.update(c.orders, 'o-1', (o) => {
      o.status = 'paid';
    });
    loaded.total = 50;
    session.store(c.orders, loaded);
    await session.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({
      status: 'paid',
      total: 50,
      version: 3,
    });

    const lax = store.openSession({ policy: { strategy: 'lastWriteWins' } });
    const stale = (await lax.load(c.orders, 'o-1')) as Order;
    await store.update(c.orders, 'o-1', (o) => {
      o.total = 1;
    });
    stale.total = 2;
    lax.store(c.orders, stale);
    await lax.saveChanges();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ total: 2, version: 5 });
  });

  it('getWithToken: the token of a read checks the save that comes back later', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    const first = await store.getWithToken(c.orders, 'o-1');
    expect(first?.token).toMatch(/^[0-9a-f-]{36}$/);
    const edited = { ...(first?.document as Order), total: 11 };
    await store.update(c.orders, 'o-1', (o) => {
      o.status = 'paid';
    });
    await expect(
      store.put(c.orders, edited, { check: { token: first?.token as string } }),
    ).rejects.toThrow(ConcurrencyError);
    const second = await store.getWithToken(c.orders, 'o-1');
    const result = await store.put(
      c.orders,
      { ...(second?.document as Order), total: 12 },
      { check: { token: second?.token as string } },
    );
    expect(result).toMatchObject({ written: true, version: 3 });
    expect(await store.getWithToken(c.orders, 'missing')).toBeNull();
    await expect(store.put(c.orders, edited, { check: { token: '' } })).rejects.toThrow(
      InvalidArgumentError,
    );
  });

  it('patch(): RFC 7396 merge patch, reapplied over concurrent changes, hostile keys refused', async () => {
    const { store, c, openStore } = fixture();
    const other = openStore();
    await store.insert(c.orders, order('o-1', { customer: { name: 'Ann', tier: 'gold' } }));
    const patched = await store.patch(c.orders, 'o-1', {
      status: 'paid',
      customer: { tier: null, name: 'Anna' },
    });
    expect(patched).toEqual({
      id: 'o-1',
      status: 'paid',
      total: 10,
      lines: [],
      customer: { name: 'Anna' },
      version: 2,
    });
    await Promise.all([
      store.patch(c.orders, 'o-1', { total: 20 }),
      other.patch(c.orders, 'o-1', { status: 'shipped' }),
    ]);
    expect(await store.get(c.orders, 'o-1')).toMatchObject({
      total: 20,
      status: 'shipped',
      version: 4,
    });
    for (const bad of ['{"__proto__": {"x": 1}}', '{"a": {"constructor": {}}}', '"x"', 'null']) {
      await expect(store.patch(c.orders, 'o-1', JSON.parse(bad))).rejects.toThrow(
        InvalidDocumentError,
      );
    }
    await expect(store.patch(c.orders, 'o-1', { id: 'other' })).rejects.toThrow(
      InvalidArgumentError,
    );
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 4 });
  });

  it('patch(): RFC 6902 JSON Patch, all operations or none, test failures typed', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1', { lines: [{ sku: 'a', qty: 1 }] }));
    const patched = await store.patch(c.orders, 'o-1', [
      { op: 'test', path: '/status', value: 'pending' },
      { op: 'replace', path: '/status', value: 'paid' },
      { op: 'add', path: '/lines/-', value: { sku: 'b', qty: 2 } },
      { op: 'copy', from: '/lines/0', path: '/lines/0' },
      { op: 'move', from: '/total', path: '/amount' },
      { op: 'remove', path: '/lines/0' },
      { op: 'add', path: '/customer', value: { 'na/me~': 'x' } },
      { op: 'test', path: '/customer/na~1me~0', value: 'x' },
    ]);
    expect(patched).toMatchObject({
      status: 'paid',
      amount: 10,
      lines: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
      version: 2,
    });
    expect(patched).not.toHaveProperty('total');
    // A failed test throws and leaves the document as it was, earlier operations included.
    const failed = await store
      .patch(c.orders, 'o-1', [
        { op: 'replace', path: '/status', value: 'void' },
        { op: 'test', path: '/amount', value: 11 },
      ])
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(PatchTestFailedError);
    expect(failed).toMatchObject({ code: 'PATCH_TEST_FAILED', path: '/amount' });
    for (const bad of [
      [{ op: 'add', path: '/__proto__/polluted', value: 1 }],
      [{ op: 'replace', path: '/constructor', value: 1 }],
      [{ op: 'remove', path: '/nothing' }],
      [{ op: 'add', path: 'status', value: 1 }],
      [{ op: 'add', path: '/lines/9', value: 1 }],
      [{ op: 'move', from: '/lines', path: '/lines/0' }],
      [{ op: 'replace', path: '', value: [] }],
      [{ op: 'replace', path: '/id', value: 'other' }],
      [{ op: 'jump', path: '/a' }],
      [{ op: 'add', path: '/a' }],
      [{ op: 'test', path: '/a~2', value: 1 }],
    ]) {
      await expect(store.patch(c.orders, 'o-1', bad as never), JSON.stringify(bad)).rejects.toThrow(
        InvalidArgumentError,
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await store.get(c.orders, 'o-1')).toMatchObject({ status: 'paid', version: 2 });
  });

  it('bad policies are refused with typed errors', () => {
    const policies = new Policies();
    expect(() => policies.when(true as never)).toThrow(InvalidArgumentError);
    expect(() => policies.when(() => true).then({ strategy: 'optimistic' as never })).toThrow(
      InvalidArgumentError,
    );
    expect(() => policies.when(() => true).then({ strategy: 'conditional' })).toThrow(
      /needs a condition/,
    );
    expect(() => policies.when(() => true).then({ resolver: 'merge' as never })).toThrow(
      InvalidArgumentError,
    );
    expect(() => policies.when(() => true).then({ resolver: lastWriteWins })).not.toThrow();
  });

  it("the policies of a one-call write see the write's own actor, as they do for update()", async () => {
    const seen: string[] = [];
    const policies = new Policies()
      .when((ctx) => {
        seen.push(`${ctx.operation} ${ctx.actor}`);
        return false;
      })
      .then({});
    const store = new DocumentStore({
      backend: openBackend(fixture().config),
      policies,
      actor: 'store',
    });
    const c = collections(store).orders;
    const ann = { actor: 'ann' };
    try {
      await store.insert(c, order('o-1'), ann);
      await store.insertMany(c, [order('o-2')], ann);
      await store.put(c, order('o-3'), ann);
      await store.apply(c, 'o-1', { $inc: { total: 1 } }, ann);
      await store.update(
        c,
        'o-1',
        (o) => {
          o.total += 1;
        },
        ann,
      );
      await store.patch(c, 'o-1', { status: 'paid' }, ann);
      await store.delete(c, 'o-1', ann);
      await store.put(c, order('o-4'));
      expect(seen).toEqual([
        'insert ann',
        'insert ann',
        'insert ann',
        'update ann',
        'update ann',
        'patch ann',
        'delete ann',
        'insert store',
      ]);
      expect((await store.getMetadata(c, 'o-2'))?.lastModifiedBy).toBe('ann');
    } finally {
      await store.close();
    }
  });
});
