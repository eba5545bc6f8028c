import { expect, it } from 'vitest';
import {
  DocumentStore,
  InvalidArgumentError,
  InvalidDocumentError,
  InvalidIdError,
  InvalidVersionError,
  NoclobberError,
  UnknownCollectionError,
} from '../../src/index.js';
import { order } from '../support/model.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance, type Fixture } from './fixture.js';

/** Asserts that nothing at all was written to the store since the fixture began. */
async function expectNothingWritten(fixture: Fixture) {
  expect((await fixture.store.changes()).changes).toEqual([]);
}

describeConformance('bad input', (fixture) => {
  it('unknown collections are refused by name, before any write', async () => {
    const { store } = fixture();
    const error = await store.insert('nope', { id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownCollectionError);
    expect(error).toMatchObject({ code: 'UNKNOWN_COLLECTION', collection: 'nope' });
    await expect(store.get('nope', 'x')).rejects.toThrow(UnknownCollectionError);
    await expect(store.update('nope', 'x', () => {})).rejects.toThrow(UnknownCollectionError);
    expect(() => store.openSession().store('nope', { id: 'x' })).toThrow(UnknownCollectionError);
    await expectNothingWritten(fixture());
  });

  it('collection names that could reach SQL or URLs badly are refused', () => {
    const { store } = fixture();
    for (const name of [
      '',
      "x'; DROP TABLE noclobber_documents; --",
      'a b',
      '_x',
      'a/b',
      'é',
      'x'.repeat(129),
    ]) {
      expect(() => store.collection(name), name).toThrow(InvalidArgumentError);
    }
    store.collection('same', { version: 'revision' });
    expect(() => store.collection('same', { version: 'token' })).toThrow(/already declared/);
  });

  it('wrong version types are refused with InvalidVersionError', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('o-1'));
    for (const version of ['1', 0, -1, 1.5, Number.NaN, null, 2 ** 53, {}]) {
      await expect(
        store.put(c.orders, order('o-1'), { check: { version: version as never } }),
        String(version),
      ).rejects.toThrow(InvalidVersionError);
    }
    for (const version of [1, '', 'x'.repeat(201)]) {
      await expect(
        store.put(c.tokened, order('t-1'), { check: { version: version as never } }),
      ).rejects.toMatchObject({ code: 'INVALID_VERSION' });
    }
    // A wrong type in the entity's own version field is caught too.
    await expect(
      store.put(c.orders, { ...order('o-1'), version: 'three' as never }),
    ).rejects.toThrow(InvalidVersionError);
    for (const revision of [0, -5, 1.5, '7']) {
      await expect(
        store.put(c.orders, order('o-1'), { check: { revisionAbove: revision as never } }),
      ).rejects.toThrow(InvalidVersionError);
    }
    expect(await store.getMetadata(c.orders, 'o-1')).toMatchObject({ revision: 1 });
  });

  it('documents JSON cannot hold exactly are refused, nothing written', async () => {
    const { store, c } = fixture();
    const cyclic: Record<string, unknown> = { id: 'cyc' };
    cyclic.self = cyclic;
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 200; i++) deep = { deep };
    const bad: unknown[] = [
      null,
      'a string',
      [order('arr')],
      { ...order('d1'), when: new Date() },
      { ...order('d2'), total: Number.NaN },
      { ...order('d3'), total: Number.POSITIVE_INFINITY },
      { ...order('d4'), big: 10n },
      { ...order('d5'), fn: () => 1 },
      { ...order('d6'), tags: new Set(['a']) },
      { ...order('d7'), list: [1, undefined, 3] },
      { ...order('d8'), sym: Symbol('x') },
      cyclic,
      { ...order('d9'), deep },
      { ...order('d11'), status: 'nul\u0000byte' },
      { ...order('d12'), status: 'lone \ud800 surrogate' },
      { ...order('d13'), 'key\u0000': 1 },
      new (class Order {
        id = 'd10';
      })(),
    ];
    for (const doc of bad) {
      await expect(store.insert(c.orders, doc as never)).rejects.toThrow(InvalidArgumentError);
    }
    await expectNothingWritten(fixture());
  });

  it('__proto__ and constructor keys are refused at any depth', async () => {
    const { store, c } = fixture();
    const poisoned = [
      JSON.parse('{"id":"p1","__proto__":{"polluted":true}}'),
      JSON.parse('{"id":"p2","nested":{"__proto__":{"polluted":true}}}'),
      JSON.parse('{"id":"p3","list":[{"constructor":{"prototype":{"polluted":true}}}]}'),
      { id: 'p4', constructor: 'x' },
    ];
    for (const doc of poisoned) {
      const error = await store.insert(c.orders, doc).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidDocumentError);
      expect(error).toMatchObject({ code: 'INVALID_DOCUMENT' });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await expectNothingWritten(fixture());
  });

  it('oversized documents are refused', async () => {
    const { config, store, c } = fixture();
    const limited = new DocumentStore({ backend: openBackend(config), maxDocumentBytes: 1024 });
    try {
      await expect(
        limited.insert(c.orders, order('big', { status: 'x'.repeat(2000) })),
      ).rejects.toThrow(/more than the limit of 1024/);
      await limited.insert(c.orders, order('fits'));
    } finally {
      await limited.close();
    }
    expect((await store.changes()).changes.map((ch) => ch.id)).toEqual(['fits']);
  });

  it('numbers JSON writes with an exponent count in full against the limit, and read back unchanged', async () => {
    const { config, store, c } = fixture();
    const extremes = [1e308, -1.7976931348623157e308, 5e-324, -1.5e-7, 1e21, 1.25e22, 123e-20];
    await store.insert(
      c.orders,
      order('extremes', { lines: extremes.map((qty) => ({ sku: 'x', qty })) }),
    );
    expect((await store.get(c.orders, 'extremes'))?.lines.map((l) => l.qty)).toEqual(extremes);
    // 1e308 is 6 bytes as JSON writes it and 309 in full (as PostgreSQL keeps and returns
    // it): four such lines fit in 2 KiB, eight do not, though their JSON is 260 bytes.
    const limited = new DocumentStore({ backend: openBackend(config), maxDocumentBytes: 2048 });
    const lines = (n: number) => Array.from({ length: n }, () => ({ sku: 'x', qty: 1e308 }));
    try {
      await limited.insert(c.orders, order('four', { lines: lines(4) }));
      const error = await limited
        .insert(c.orders, order('eight', { lines: lines(8) }))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidDocumentError);
      expect(String(error)).toMatch(/numbers written in full.*more than the limit of 2048/);
    } finally {
      await limited.close();
    }
    expect((await store.changes()).changes.map((ch) => ch.id)).toEqual(['extremes', 'four']);
  });

  it('numbers an operation writes count in full as a put counts them, on every backend', async () => {
    const { config, c } = fixture();
    const limited = new DocumentStore({ backend: openBackend(config), maxDocumentBytes: 2048 });
    const lines = (n: number) => Array.from({ length: n }, () => ({ sku: 'x', qty: 1e308 }));
    try {
      await limited.insert(c.orders, order('ops', { lines: lines(1) }));
      // Eight lines of 1e308 are past the limit in full, whichever call writes them.
      const set = limited.apply(c.orders, 'ops', { $set: { lines: lines(8) } });
      await expect(set).rejects.toThrow(NoclobberError);
      await limited.apply(c.orders, 'ops', { $push: { lines: { $each: lines(3) } } });
      await limited.apply(c.orders, 'ops', { $mul: { 'lines.0.qty': 1e-300 } });
      await expect(
        limited.apply(c.orders, 'ops', { $push: { lines: { $each: lines(4) } } }),
      ).rejects.toThrow(NoclobberError);
      // What an operation stored, a put of the same document stores too.
      const stored = await limited.get(c.orders, 'ops');
      expect(stored?.lines.map((l) => l.qty)).toEqual([1e8, 1e308, 1e308, 1e308]);
      await limited.put(c.orders, stored as NonNullable<typeof stored>);
    } finally {
      await limited.close();
    }
  });

  it('ids: empty, non-string, control characters and lone surrogates are refused', async () => {
    const { store, c } = fixture();
    const ids: unknown[] = [
      '',
      42,
      null,
      undefined,
      {},
      'a\u0000b',
      'line\nbreak',
      '\u007f',
      '\ud800',
      'x'.repeat(513),
    ];
    for (const id of ids) {
      await expect(store.get(c.orders, id as string), String(id)).rejects.toThrow(InvalidIdError);
      await expect(store.put(c.orders, order(id as string), { check: 'none' })).rejects.toThrow(
        InvalidIdError,
      );
      await expect(store.delete(c.orders, id as string)).rejects.toThrow(InvalidArgumentError);
    }
    await expectNothingWritten(fixture());
  });

  it('actors that are not a string of at most 256 characters, or hold a control character or a lone surrogate, are refused', async () => {
    const { openStore } = fixture();
    for (const actor of ['a\u0000b', 'line\nbreak', '\u007f', '\ud800', 'x'.repeat(257)]) {
      expect(() => openStore({ actor }), JSON.stringify(actor.slice(0, 10))).toThrow(
        InvalidArgumentError,
      );
    }
    // Anything else is an ordinary actor, read back as written.
    const { store, c } = fixture();
    for (const actor of ['', ' ', 'a b  c', 'o\'1 "x"', 'ünï 😀', 'x'.repeat(256)]) {
      await store.put(c.orders, order('o-1'), { check: 'none', actor });
      expect((await store.getMetadata(c.orders, 'o-1'))?.lastModifiedBy).toBe(actor);
    }
  });

  it('an actor is refused on every write path before anything is written', async () => {
    const { store, c } = fixture();
    await store.insert(c.orders, order('kept'));
    const before = (await store.changes()).changes.length;
    const metadata = await store.getMetadata(c.orders, 'kept');
    for (const actor of ['a\u0001b', '\u0000', '\ud83d', '\udc00x', 'x'.repeat(257)]) {
      const options = { actor };
      const attempts: [string, () => Promise<unknown>][] = [
        ['insert', () => store.insert(c.orders, order('new'), options)],
        ['insertMany', () => store.insertMany(c.orders, [order('new')], options)],
        ['put', () => store.put(c.orders, order('kept'), { ...options, check: 'none' })],
        ['delete', () => store.delete(c.orders, 'kept', options)],
        ['delete of none', () => store.delete(c.orders, 'none', options)],
        ['apply', () => store.apply(c.orders, 'kept', { $inc: { total: 1 } }, options)],
        [
          'update',
          () =>
            store.update(
              c.orders,
              'kept',
              (d) => {
                d.total += 1;
              },
              options,
            ),
        ],
        ['patch', () => store.patch(c.orders, 'kept', { total: 3 }, options)],
        ['updateWhere', () => store.updateWhere(c.orders, {}, { $inc: { total: 1 } }, options)],
        ['deleteWhere', () => store.deleteWhere(c.orders, {}, options)],
        ['session', async () => store.openSession(options)],
      ];
      for (const [what, attempt] of attempts) {
        const error = await attempt().catch((e: unknown) => e);
        expect(error, `${what} ${JSON.stringify(actor.slice(0, 4))}`).toBeInstanceOf(
          InvalidArgumentError,
        );
      }
    }
    expect((await store.changes()).changes.length).toBe(before);
    expect(await store.getMetadata(c.orders, 'kept')).toEqual(metadata);
  });

  it('ids with quotes, SQL, slashes and unicode are ordinary ids', async () => {
    const { store, c } = fixture();
    const ids = [
      "o'1",
      'o"2',
      "x'); DROP TABLE noclobber_documents; --",
      'orders/2024/1',
      'ünïcødé-注文-🧾',
      '%_*?',
      'x'.repeat(512),
    ];
    for (const id of ids) {
      await store.insert(c.orders, order(id));
      await store.update(c.orders, id, (o) => {
        o.total = 2;
      });
    }
    for (const id of ids) {
      expect(await store.get(c.orders, id)).toMatchObject({ id, total: 2, version: 2 });
    }
    expect(await store.get(c.orders, '%')).toBeNull();
    expect((await store.changes()).changes.map((ch) => ch.id)).toEqual(ids);
  });

  it('options that are not objects get a typed error, not a TypeError', async () => {
    const { store, c } = fixture();
    const nil = null as never;
    await expect(store.put(c.orders, order('x'), nil)).rejects.toThrow(InvalidArgumentError);
    await expect(store.insert(c.orders, order('x'), nil)).rejects.toThrow(InvalidArgumentError);
    await expect(store.delete(c.orders, 'x', nil)).rejects.toThrow(InvalidArgumentError);
    await expect(store.update(c.orders, 'x', () => {}, nil)).rejects.toThrow(InvalidArgumentError);
    await expect(store.changes(nil)).rejects.toThrow(InvalidArgumentError);
    expect(() => store.openSession(nil)).toThrow(InvalidArgumentError);
    expect(() => store.collection('other', nil)).toThrow(InvalidArgumentError);
    expect(() => store.openSession().store(c.orders, order('x'), nil)).toThrow(
      InvalidArgumentError,
    );
    await expect(
      store.update(c.orders, 'x', () => {}, { retry: { signal: {} as never } }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      store.update(c.orders, 'x', () => {}, { retry: { maxDelay: 2 ** 31 } }),
    ).rejects.toThrow(InvalidArgumentError);
    await expectNothingWritten(fixture());
  });

  it('field mappings and documents that cannot round-trip are refused', async () => {
    const { store, c } = fixture();
    for (const field of ['constructor', '__proto__', '']) {
      expect(() => store.collection(`f${field.length}`, { idField: field as never })).toThrow(
        InvalidArgumentError,
      );
      expect(() => store.collection(`v${field.length}`, { versionField: field as never })).toThrow(
        InvalidArgumentError,
      );
    }
    await expect(store.insert(c.orders, { ...order('s'), [Symbol('hidden')]: 1 })).rejects.toThrow(
      InvalidDocumentError,
    );
    await expect(
      store.put(c.orders, order('r'), { check: { revisionAbove: 2 ** 52 + 1 } }),
    ).rejects.toThrow(InvalidVersionError);
    await expectNothingWritten(fixture());
  });

  it('every refusal is a NoclobberError with a stable code', async () => {
    const { store, c } = fixture();
    const errors = await Promise.all([
      store.get('missing', 'a').catch((e: unknown) => e),
      store.get(c.orders, '').catch((e: unknown) => e),
      store.insert(c.orders, { id: 'x', n: 1n } as never).catch((e: unknown) => e),
      store.put(c.orders, order('x'), { check: { version: 'x' } }).catch((e: unknown) => e),
    ]);
    expect(errors.map((e) => (e as NoclobberError).code)).toEqual([
      'UNKNOWN_COLLECTION',
      'INVALID_ID',
      'INVALID_DOCUMENT',
      'INVALID_VERSION',
    ]);
    for (const e of errors) expect(e).toBeInstanceOf(NoclobberError);
  });
});
