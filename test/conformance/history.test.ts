import { expect, it } from 'vitest';
import { AlreadyLandedError, type Backend, type Write } from '../../src/backends/kit/backend.js';
import { newToken } from '../../src/core/token.js';
import {
  ConcurrencyError,
  DocumentStore,
  InvalidArgumentError,
  type NoclobberError,
  type Written,
} from '../../src/index.js';
import { WriteLogPruner } from '../../src/store/write-log-pruner.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

interface Note {
  id: string;
  text: string;
  n?: number;
  v?: number;
}

// A raw history write as the store plans it, for driving a backend directly.
const write = (id: string, check: Write['check'], text = 'x'): Write => ({
  tenant: 'default',
  collection: 'notes',
  id,
  op: 'put',
  body: JSON.stringify({ id, text }),
  check,
  token: newToken(),
  actor: 'ann',
  history: true,
});

const HOUR = 3_600_000;

describeConformance('revision history', (fixture) => {
  const opened: (Backend | DocumentStore)[] = [];
  const backend = async () => {
    const b = openBackend(fixture().config);
    opened.push(b);
    await b.migrate();
    return b;
  };
  const store = (options: { keep: number } | { keepFor: number } = { keep: 100 }) => {
    const s = new DocumentStore({ backend: openBackend(fixture().config), actor: 'ann' });
    opened.push(s);
    return { s, notes: s.collection<Note>('notes', { history: options, versionField: 'v' }) };
  };
  const closeAll = () => Promise.all(opened.splice(0).map((o) => o.close()));

  it('records every write and delete, newest first, each with its document, token and actor', async () => {
    const { s, notes } = store();
    try {
      const first = await s.insert(notes, { id: 'a', text: 'one' });
      const second = await s.put(notes, { id: 'a', text: 'two' }, { check: 'none' });
      await s.apply(notes, 'a', { $inc: { n: 5 } });
      await s.delete(notes, 'a');
      await s.insert(notes, { id: 'a', text: 'back' });
      const page = await s.history(notes, 'a');
      expect(page.next).toBeNull();
      expect(page.revisions.map((r) => [r.revision, r.deleted, r.document?.text ?? null])).toEqual([
        [5, false, 'back'],
        [4, true, null],
        [3, false, 'two'],
        [2, false, 'two'],
        [1, false, 'one'],
      ]);
      expect(page.revisions[2]?.document?.n).toBe(5);
      expect(page.revisions[3]?.token).toBe((second as Written).metadata.token);
      expect(page.revisions[4]).toMatchObject({
        token: first.metadata.token,
        actor: 'ann',
        parents: null,
        lastModified: first.metadata.lastModified,
      });
      // The version field holds the revision's own version.
      expect(page.revisions[4]?.document).toEqual({ id: 'a', text: 'one', v: 1 });
      // A query session reads the same history.
      const session = s.querySession();
      expect(
        (await session.history(notes, 'a', { limit: 2 })).revisions.map((r) => r.revision),
      ).toEqual([5, 4]);
      expect((await session.getRevision(notes, 'a', 1))?.document?.text).toBe('one');
      const one = await s.getRevision(notes, 'a', 2);
      expect(one?.document).toEqual({ id: 'a', text: 'two', v: 2 });
      expect(await s.getRevision(notes, 'a', 6)).toBeNull();
      expect(await s.getRevision(notes, 'nothing', 1)).toBeNull();
    } finally {
      await closeAll();
    }
  });

  it('pages with limit and before, down to the oldest kept', async () => {
    const { s, notes } = store();
    try {
      await s.insert(notes, { id: 'p', text: '1' });
      for (let i = 2; i <= 7; i++)
        await s.put(notes, { id: 'p', text: String(i) }, { check: 'none' });
      const seen: number[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await s.history(notes, 'p', { limit: 3, ...(before ? { before } : {}) });
        expect(page.revisions.length).toBeLessThanOrEqual(3);
        seen.push(...page.revisions.map((r) => r.revision));
        if (page.next === null) break;
        before = page.next;
      }
      expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
    } finally {
      await closeAll();
    }
  });

  it('a write that fails, alone or in a batch, leaves no revision', async () => {
    const { s, notes } = store();
    try {
      await s.insert(notes, { id: 'a', text: 'one' });
      await expect(
        s.put(notes, { id: 'a', text: 'stale' }, { check: { version: 7 } }),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      const session = s.openSession();
      await session.store(notes, { id: 'b', text: 'fresh' });
      await session.insert(notes, { id: 'a', text: 'taken' });
      await expect(session.saveChanges()).rejects.toBeTruthy();
      expect((await s.history(notes, 'a')).revisions.map((r) => r.revision)).toEqual([1]);
      expect((await s.history(notes, 'b')).revisions).toEqual([]);
      expect(await s.get(notes, 'b')).toBeNull();
      // A batch that lands records every one of its writes.
      const ok = s.openSession();
      await ok.store(notes, { id: 'b', text: 'fresh' });
      await ok.store(notes, { id: 'c', text: 'fresh' });
      await ok.saveChanges();
      expect((await s.history(notes, 'b')).revisions).toHaveLength(1);
      expect((await s.history(notes, 'c')).revisions).toHaveLength(1);
    } finally {
      await closeAll();
    }
  });

  it('a batch mixing collections with and without history records each write once, where it belongs', async () => {
    const { s, notes } = store();
    try {
      const plain = s.collection<Note>('plain');
      const session = s.openSession();
      session.store(notes, { id: 'm', text: 'kept' });
      session.store(plain, { id: 'm', text: 'not kept' });
      await session.saveChanges();
      const kept = await s.getMetadata(notes, 'm');
      const other = await s.getMetadata(plain, 'm');
      expect((await s.history(notes, 'm')).revisions.map((r) => r.token)).toEqual([kept?.token]);
      expect((await s.history(plain, 'm')).revisions).toEqual([]);
      const b = await backend();
      const landed = await b.landed('default', [kept?.token as string, other?.token as string]);
      expect(landed.get(kept?.token as string)).toMatchObject({ collection: 'notes', id: 'm' });
      expect(landed.get(other?.token as string)).toMatchObject({ collection: 'plain', id: 'm' });
    } finally {
      await closeAll();
    }
  });

  it('conditional bulk writes record a revision of each document they write', async () => {
    const { s, notes } = store();
    try {
      await s.insert(notes, { id: 'a', text: 'x', n: 1 });
      await s.insert(notes, { id: 'b', text: 'x', n: 1 });
      await s.insert(notes, { id: 'c', text: 'y', n: 1 });
      const updated = await s.updateWhere(notes, { text: 'x' }, { $inc: { n: 1 } });
      expect(updated.written).toHaveLength(2);
      await s.deleteWhere(notes, { id: 'b' });
      const a = (await s.history(notes, 'a')).revisions;
      expect(a.map((r) => [r.revision, r.document?.n])).toEqual([
        [2, 2],
        [1, 1],
      ]);
      const b = (await s.history(notes, 'b')).revisions;
      expect(b.map((r) => [r.revision, r.deleted])).toEqual([
        [3, true],
        [2, false],
        [1, false],
      ]);
      expect((await s.history(notes, 'c')).revisions).toHaveLength(1);
      // Each document's revision carries its token, which landed() finds.
      const bk = await backend();
      const token = a[0]?.token as string;
      expect((await bk.landed('default', [token])).get(token)).toMatchObject({
        id: 'a',
        revision: 2,
      });
    } finally {
      await closeAll();
    }
  });

  it("a tenant never sees another tenant's revisions", async () => {
    const { s, notes } = store();
    try {
      await s.insert(notes, { id: 'a', text: 'mine' });
      const other = s.withTenant('other');
      expect((await other.history(notes, 'a')).revisions).toEqual([]);
      expect(await other.getRevision(notes, 'a', 1)).toBeNull();
      await other.insert(notes, { id: 'a', text: 'theirs' });
      expect((await s.getRevision(notes, 'a', 1))?.document?.text).toBe('mine');
      expect((await other.getRevision(notes, 'a', 1))?.document?.text).toBe('theirs');
    } finally {
      await closeAll();
    }
  });

  it('a collection without history records none', async () => {
    const { s } = store();
    try {
      const plain = s.collection<Note>('plain');
      await s.insert(plain, { id: 'a', text: 'one' });
      expect((await s.history(plain, 'a')).revisions).toEqual([]);
    } finally {
      await closeAll();
    }
  });

  it('bad input is refused with InvalidArgumentError, nothing read', async () => {
    const { s, notes } = store();
    try {
      const bad: [string, () => Promise<unknown>][] = [
        ['limit 0', () => s.history(notes, 'a', { limit: 0 })],
        ['limit too large', () => s.history(notes, 'a', { limit: 1001 })],
        ['before -1', () => s.history(notes, 'a', { before: -1 })],
        ['before 1.5', () => s.history(notes, 'a', { before: 1.5 })],
        ['revision string', () => s.getRevision(notes, 'a', '1' as unknown as number)],
        ['revision 0', () => s.getRevision(notes, 'a', 0)],
      ];
      for (const [, call] of bad) {
        await expect(call()).rejects.toBeInstanceOf(InvalidArgumentError);
      }
      for (const history of [{}, { keep: 0 }, { keepFor: -5 }, { keep: 1, keepFor: 1 }, 'x']) {
        expect(() =>
          s.collection(`h${Math.random()}`.replace('.', ''), { history } as never),
        ).toThrow(InvalidArgumentError);
      }
      const error = await s.history(notes, 'a', { limit: 0 }).catch((e: NoclobberError) => e);
      expect((error as NoclobberError).code).toBe('INVALID_ARGUMENT');
    } finally {
      await closeAll();
    }
  });

  it('landed() answers from the history after the write log let the token go, and a re-send never lands', async () => {
    const b = await backend();
    try {
      const first = write('a', { kind: 'none' });
      expect((await b.commit([first]))[0]?.status).toBe('ok');
      const pruner = new WriteLogPruner({ keep: 600_000 });
      // Seen from two hours ahead, the write log has let every record of that time go.
      await pruner.prune(b, Date.now() + 2 * HOUR);
      const record = (await b.landed('default', [first.token])).get(first.token);
      expect(record).toMatchObject({ collection: 'notes', id: 'a', revision: 1 });
      // The same write sent again (its reply lost): refused whole, nothing written.
      await expect(b.commit([first])).rejects.toBeInstanceOf(AlreadyLandedError);
      const batch = [write('b', { kind: 'none' }), first];
      await expect(b.commit(batch)).rejects.toBeInstanceOf(AlreadyLandedError);
      expect((await b.read('default', 'notes', ['a', 'b'])).size).toBe(1);
      expect(
        await b.revisions(
          { tenant: 'default', collection: 'notes', id: 'a' },
          { before: null, limit: 10 },
        ),
      ).toHaveLength(1);
      // Another tenant's token is not ours.
      expect((await b.landed('other', [first.token])).size).toBe(0);
    } finally {
      await closeAll();
    }
  });

  it('pruning keeps the newest N of each document, and nothing younger than the write log keep', async () => {
    const { s, notes } = store({ keep: 2 });
    try {
      await s.insert(notes, { id: 'a', text: '1' });
      for (let i = 2; i <= 5; i++)
        await s.put(notes, { id: 'a', text: String(i) }, { check: 'none' });
      await s.insert(notes, { id: 'b', text: '1' });
      const b = openBackend(fixture().config);
      opened.push(b);
      const pruner = new WriteLogPruner({ keep: 600_000 });
      // Every revision is younger than the write log's keep: none may go.
      expect(await pruner.pruneHistory(b, [notes])).toBe(0);
      expect((await s.history(notes, 'a')).revisions).toHaveLength(5);
      // Two hours ahead: all but the newest two of each document go.
      expect(await pruner.pruneHistory(b, [notes], Date.now() + 2 * HOUR)).toBe(3);
      expect((await s.history(notes, 'a')).revisions.map((r) => r.revision)).toEqual([5, 4]);
      expect((await s.history(notes, 'b')).revisions.map((r) => r.revision)).toEqual([1]);
      expect(await s.getRevision(notes, 'a', 3)).toBeNull();
      expect((await s.get(notes, 'a'))?.text).toBe('5');
    } finally {
      await closeAll();
    }
  });

  it('pruning by keepFor deletes revisions older than it, and only past the write log keep', async () => {
    const { s, notes } = store({ keepFor: HOUR });
    try {
      await s.insert(notes, { id: 'a', text: '1' });
      await s.put(notes, { id: 'a', text: '2' }, { check: 'none' });
      const b = openBackend(fixture().config);
      opened.push(b);
      // The write log keeps 24 hours: a keepFor of an hour still keeps them that long.
      const longLog = new WriteLogPruner();
      expect(await longLog.pruneHistory(b, [notes], Date.now() + 2 * HOUR)).toBe(0);
      const pruner = new WriteLogPruner({ keep: 600_000 });
      expect(await pruner.pruneHistory(b, [notes], Date.now() + HOUR / 2)).toBe(0);
      expect(await pruner.pruneHistory(b, [notes], Date.now() + 2 * HOUR)).toBe(2);
      expect((await s.history(notes, 'a')).revisions).toEqual([]);
      expect((await s.get(notes, 'a'))?.text).toBe('2');
    } finally {
      await closeAll();
    }
  });
});
