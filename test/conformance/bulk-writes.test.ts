import { expect, it } from 'vitest';
import { AlreadyLandedError } from '../../src/backends/kit/backend.js';
import { type BulkWrite, bulkRowToken } from '../../src/backends/kit/bulk.js';
import { newToken } from '../../src/core/token.js';
import {
  DocumentStore,
  InvalidArgumentError,
  InvalidConditionError,
  InvalidDocumentError,
  InvalidOperationsError,
  OperationTypeError,
} from '../../src/index.js';
import { installAudit } from '../support/audit.js';
import { openBackend } from '../support/open-backend.js';
import { type RacerResult, SEATS } from '../support/racer.js';
import { runRacers } from '../support/racers.js';
import { describeConformance } from './fixture.js';

interface Item {
  id: string;
  kind: string;
  n: number;
  tags?: string[];
}

interface Seat {
  id: string;
  status: string;
  by?: string;
}

const ROUNDS = 200;
const CLIENTS = 8;

describeConformance('updateWhere and deleteWhere', (fixture) => {
  const items = (store: DocumentStore) => store.collection<Item>('items');
  const seed = async (store: DocumentStore, count: number, kind = 'a') => {
    for (let i = 0; i < count; i++) {
      await store.insert(items(store), { id: `i${i}`, kind, n: i });
    }
  };
  const metadataOf = async (store: DocumentStore, count: number) =>
    Promise.all(Array.from({ length: count }, (_, i) => store.getMetadata(items(store), `i${i}`)));

  it(`the seat race: ${CLIENTS} clients x ${ROUNDS} seats of "book if open" book each seat once`, async () => {
    const { store, config } = fixture();
    const seats = store.collection<Seat>(SEATS);
    // Migrated first: the audit hooks into the tables.
    await store.get(seats, 'none');
    const audit = await installAudit(config);
    try {
      const ids = Array.from({ length: ROUNDS }, (_, r) => `s${String(r).padStart(3, '0')}`);
      for (const id of ids) await store.insert(seats, { id, status: 'open' });
      const results = (await runRacers(
        'thread',
        Array.from({ length: CLIENTS }, (_, i) => ({
          kind: 'book' as const,
          config,
          seats: ids,
          tag: `c${i}`,
        })),
      )) as Extract<RacerResult, { kind: 'book' }>[];
      const winners = new Map<string, string[]>();
      results.forEach((result, i) => {
        for (const id of result.booked) winners.set(id, [...(winners.get(id) ?? []), `c${i}`]);
      });
      // Every seat booked, and by exactly one client: zero double bookings.
      expect([...winners.keys()].sort()).toEqual(ids);
      expect([...winners.values()].filter((w) => w.length !== 1)).toEqual([]);
      for (const id of ids) {
        const [winner] = winners.get(id) as string[];
        // What committed: the insert, then one booking, by the client told it won.
        const rows = await audit.rows(SEATS, id);
        expect(rows.map((row) => [row.revision, row.actor])).toEqual([
          [1, null],
          [2, winner],
        ]);
        expect(await store.get(seats, id)).toEqual({ id, status: 'booked', by: winner });
      }
    } finally {
      await audit.close();
    }
  }, 240_000);

  it('changes the matching documents in one call: revision + 1, new token, seq, feed entry', async () => {
    const { store } = fixture();
    await seed(store, 4);
    await store.insert(items(store), { id: 'other', kind: 'b', n: 1 });
    const before = await metadataOf(store, 4);
    const since = (await store.changes({ limit: 1000 })).last;
    const result = await store.updateWhere(
      items(store),
      { kind: 'a', n: { $gte: 1 } },
      { $inc: { n: 10 }, $push: { tags: 'x' } },
      { actor: 'bulk' },
    );
    expect(result.more).toBe(false);
    expect(result.written.map((w) => w.id)).toEqual(['i1', 'i2', 'i3']);
    for (const w of result.written) {
      const old = before[Number(w.id.slice(1))];
      expect(w.version).toBe(2);
      expect(w.metadata.revision).toBe(2);
      expect(w.metadata.token).not.toBe(old?.token);
      expect(w.metadata.seq).toBeGreaterThan(since);
      expect(w.metadata.lastModifiedBy).toBe('bulk');
      expect(await store.getMetadata(items(store), w.id)).toEqual(w.metadata);
    }
    expect(new Set(result.written.map((w) => w.metadata.seq)).size).toBe(3);
    expect(await store.get(items(store), 'i2')).toEqual({
      id: 'i2',
      kind: 'a',
      n: 12,
      tags: ['x'],
    });
    expect(await store.get(items(store), 'i0')).toEqual({ id: 'i0', kind: 'a', n: 0 });
    const { changes } = await store.changes({ since });
    expect(changes.map((c) => [c.id, c.metadata.revision, c.deleted])).toEqual([
      ['i1', 2, false],
      ['i2', 2, false],
      ['i3', 2, false],
    ]);
    // A document written by the bulk call is as any other: a version check on it holds.
    await store.apply(items(store), 'i1', { $inc: { n: 1 } }, { check: { version: 2 } });
  });

  it('records every document written, and the call, in the write log', async () => {
    const { store, config } = fixture();
    await seed(store, 3);
    const result = await store.updateWhere(items(store), {}, { $set: { kind: 'z' } });
    const backend = openBackend(config);
    try {
      const tokens = result.written.map((w) => w.metadata.token);
      const landed = await backend.landed('default', tokens);
      for (const w of result.written) {
        expect(landed.get(w.metadata.token)).toMatchObject({
          collection: 'items',
          id: w.id,
          revision: w.metadata.revision,
          seq: BigInt(w.metadata.seq),
        });
      }
      const call = tokens[0]?.replace(/\.1$/, '') as string;
      expect(tokens).toEqual([1, 2, 3].map((n) => bulkRowToken(call, n)));
      expect((await backend.landed('default', [call])).get(call)?.revision).toBe(3);
    } finally {
      await backend.close();
    }
  });

  it('bounds a call by limit, in id order, and says when more may match', async () => {
    const { store } = fixture();
    await seed(store, 5);
    const first = await store.updateWhere(
      items(store),
      { kind: 'a' },
      { $set: { kind: 'b' } },
      { limit: 2 },
    );
    expect(first.written.map((w) => w.id)).toEqual(['i0', 'i1']);
    expect(first.more).toBe(true);
    const rest = await store.deleteWhere(items(store), { kind: 'a' }, { limit: 10 });
    expect(rest.written.map((w) => w.id)).toEqual(['i2', 'i3', 'i4']);
    expect(rest.more).toBe(false);
    for (const limit of [0, 10_001, 1.5]) {
      await expect(
        store.updateWhere(items(store), {}, { $set: { kind: 'c' } }, { limit }),
      ).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });

  it('deletes: tombstones in the feed, gone from reads, and never matched again', async () => {
    const { store } = fixture();
    await seed(store, 3);
    const before = await metadataOf(store, 3);
    const since = Math.max(...before.map((m) => m?.seq ?? 0));
    const deleted = await store.deleteWhere(items(store), { n: { $lt: 2 } });
    expect(deleted.written.map((w) => [w.id, w.version])).toEqual([
      ['i0', 2],
      ['i1', 2],
    ]);
    expect(await store.get(items(store), 'i0')).toBeNull();
    const { changes } = await store.changes({ since });
    expect(changes.map((c) => [c.id, c.deleted, c.document])).toEqual([
      ['i0', true, null],
      ['i1', true, null],
    ]);
    // Deleted documents are never matched, by either call.
    expect((await store.deleteWhere(items(store), { n: { $lt: 2 } })).written).toEqual([]);
    const updated = await store.updateWhere(items(store), {}, { $set: { kind: 'q' } });
    expect(updated.written.map((w) => w.id)).toEqual(['i2']);
    expect(await store.count(items(store), {})).toBe(1);
  });

  it("writes only the store's tenant", async () => {
    const { store } = fixture();
    const other = store.withTenant('other');
    await seed(store, 2);
    await seed(other, 2);
    const result = await other.updateWhere(items(other), {}, { $set: { kind: 'mine' } });
    expect(result.written.map((w) => w.id)).toEqual(['i0', 'i1']);
    expect((await store.get(items(store), 'i0'))?.kind).toBe('a');
    expect((await other.get(items(other), 'i0'))?.kind).toBe('mine');
    await store.deleteWhere(items(store), {});
    expect(await other.count(items(other), {})).toBe(2);
  });

  it('a forgotten filter, or one whose every test is undefined, is refused, never taken for every document', async () => {
    const { store } = fixture();
    await seed(store, 3);
    const session = store.openSession();
    const owner: string | undefined = undefined;
    const refused: (() => Promise<unknown>)[] = [
      () => store.deleteWhere(items(store), undefined as never),
      () => store.updateWhere(items(store), undefined as never, { $set: { kind: 'b' } }),
      () => store.deleteWhere(items(store), { kind: owner }),
      () => store.updateWhere(items(store), { kind: owner }, { $set: { kind: 'b' } }),
      () => session.deleteWhere(items(store), { kind: owner }),
    ];
    for (const call of refused) await expect(call()).rejects.toBeInstanceOf(InvalidConditionError);
    expect(await store.count(items(store), { kind: 'a' })).toBe(3);
    const everything = await store.deleteWhere(items(store), {});
    expect(everything.written.map((w) => w.id)).toEqual(['i0', 'i1', 'i2']);
  });

  it('all or nothing: operations that do not fit one document write none', async () => {
    const { store } = fixture();
    await seed(store, 3);
    await store.insert(items(store), { id: 'i9', kind: 'a', n: 'text' as never });
    const before = await metadataOf(store, 3);
    const since = (await store.changes({ since: 0, limit: 1000 })).last;
    const error = await store
      .updateWhere(items(store), { kind: 'a' }, { $inc: { n: 1 } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationTypeError);
    expect(error).toMatchObject({ collection: 'items', id: 'i9' });
    const small = new DocumentStore({
      backend: openBackend(fixture().config),
      maxDocumentBytes: 60,
    });
    try {
      await expect(
        small.updateWhere(items(small), { kind: 'a' }, { $set: { tags: ['x'.repeat(50)] } }),
      ).rejects.toBeInstanceOf(InvalidDocumentError);
    } finally {
      await small.close();
    }
    expect(await metadataOf(store, 3)).toEqual(before);
    expect((await store.changes({ since })).changes).toEqual([]);
    // Refused before anything is sent.
    await expect(
      store.updateWhere(items(store), { n: { $near: 1 } } as never, { $inc: { n: 1 } }),
    ).rejects.toBeInstanceOf(InvalidConditionError);
    await expect(
      store.updateWhere(items(store), {}, { $nope: { n: 1 } } as never),
    ).rejects.toBeInstanceOf(InvalidOperationsError);
    await expect(store.updateWhere(items(store), {}, { $set: { id: 'x' } })).rejects.toBeInstanceOf(
      InvalidOperationsError,
    );
  });

  // A lost reply with real faults, and the writes of others meanwhile: bulk-lost-reply.test.ts.
  it('a call sent again with its token is refused whole, even when nothing matches now', async () => {
    const { store, config } = fixture();
    await seed(store, 3);
    const backend = openBackend(config);
    try {
      const bulk: BulkWrite = {
        tenant: 'default',
        collection: 'items',
        op: 'delete',
        filter: null,
        limit: 5,
        token: newToken(),
        actor: null,
      };
      expect((await backend.writeWhere(bulk)).status).toBe('ok');
      await expect(backend.writeWhere({ ...bulk, limit: 1 })).rejects.toBeInstanceOf(
        AlreadyLandedError,
      );
      expect(await store.count(items(store), {})).toBe(0);
    } finally {
      await backend.close();
    }
  });
});
