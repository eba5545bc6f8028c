import { expect, it } from 'vitest';
import { ConcurrencyError, type DocumentStore, MergeConflictError } from '../../../index.js';
import type { StoreFixture } from './fixture.js';

const HOUR = 3_600_000;

// A collection that keeps the newest `keep` revisions of each document.
const notesOf = (store: DocumentStore, keep = 10) =>
  store.collection('notes', { history: { keep } });

// The revision numbers the history holds of one document, newest first.
const revisionsOf = async (store: DocumentStore, id: string, keep?: number) =>
  (await store.history(notesOf(store, keep), id)).revisions.map((r) => r.revision);

/**
 * Revision history and what rests on it: a collection declared with `history` keeps a
 * revision of every write (a plain one none), read back newest first by `history()` and
 * one by one by `getRevision()`; `pruneRevisions` keeps the newest N and never a revision
 * it must protect; a stale `put` with `onStale: 'merge'` joins disjoint edits (even when
 * racing on separate connections) and refuses overlapping ones with `MergeConflictError`.
 */
export function historySuite(fixture: () => StoreFixture): void {
  it('keeps a revision of every write of a collection with history, newest first', async () => {
    const store = fixture().openStore({ actor: 'ann' });
    const notes = notesOf(store);
    const plain = store.collection('plain');
    const first = await store.insert(notes, { id: 'a', text: 'one' });
    await store.put(notes, { id: 'a', text: 'two' }, { check: 'none' });
    const stale = store.put(notes, { id: 'a', text: 'stale' }, { check: { version: 1 } });
    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError);
    await store.updateWhere(notes, { id: 'a' }, { $set: { text: 'three' } });
    await store.delete(notes, 'a');
    await store.insert(notes, { id: 'a', text: 'back' });
    await store.insert(plain, { id: 'a', text: 'one' });
    const page = await store.history(notes, 'a');
    expect(page.revisions.map((r) => [r.revision, r.deleted, r.document?.text ?? null])).toEqual([
      [5, false, 'back'],
      [4, true, null],
      [3, false, 'three'],
      [2, false, 'two'],
      [1, false, 'one'],
    ]);
    expect(page.next).toBeNull();
    expect(page.revisions[4]).toMatchObject({
      token: first.metadata.token,
      lastModified: first.metadata.lastModified,
      actor: 'ann',
      parents: null,
    });
    expect((await store.getRevision(notes, 'a', 3))?.document).toEqual({ id: 'a', text: 'three' });
    expect(await store.getRevision(notes, 'a', 6)).toBeNull();
    expect((await store.history(plain, 'a')).revisions).toEqual([]);
    expect((await store.withTenant('other').history(notes, 'a')).revisions).toEqual([]);
  });

  it('pages the history by limit and before, down to the oldest revision', async () => {
    const { store } = fixture();
    await store.insert(notesOf(store), { id: 'p', text: '1' });
    for (let i = 2; i <= 7; i++) {
      await store.put(notesOf(store), { id: 'p', text: `${i}` }, { check: 'none' });
    }
    const walked: number[] = [];
    let before: number | undefined;
    do {
      const options = before === undefined ? { limit: 3 } : { limit: 3, before };
      const page = await store.history(notesOf(store), 'p', options);
      expect(page.revisions.length).toBeLessThanOrEqual(3);
      walked.push(...page.revisions.map((r) => r.revision));
      before = page.next ?? undefined;
    } while (before !== undefined && walked.length <= 7);
    expect(walked).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });

  it('prunes to the newest N of each document, within limit, never a protected revision', async () => {
    const { store, openBackend } = fixture();
    await store.insert(notesOf(store, 2), { id: 'a', text: '1' });
    for (let i = 2; i <= 4; i++) {
      await store.put(notesOf(store, 2), { id: 'a', text: `${i}` }, { check: 'none' });
    }
    await store.insert(notesOf(store, 2), { id: 'b', text: '1' });
    const backend = await openBackend();
    const later = Date.now() + HOUR;
    const rule = { collection: 'notes', keep: 2, limit: 100 };
    // Every revision was committed after 0: all protected.
    expect(await backend.pruneRevisions({ ...rule, protectFrom: 0 })).toBe(0);
    expect(await backend.pruneRevisions({ ...rule, protectFrom: later, limit: 1 })).toBe(1);
    expect(await backend.pruneRevisions({ ...rule, protectFrom: later })).toBe(1);
    expect(await revisionsOf(store, 'a', 2)).toEqual([4, 3]);
    expect(await revisionsOf(store, 'b', 2)).toEqual([1]);
    expect(await store.getRevision(notesOf(store, 2), 'a', 2)).toBeNull();
    // By age: everything committed before an hour from now.
    const old = { collection: 'notes', before: later, protectFrom: later, limit: 100 };
    expect(await backend.pruneRevisions(old)).toBe(3);
    expect(await revisionsOf(store, 'a', 2)).toEqual([]);
    expect(await store.get(notesOf(store, 2), 'a')).toEqual({ id: 'a', text: '4' });
  });

  it('a stale put with onStale merge joins disjoint edits, recording both parents', async () => {
    const { store } = fixture();
    const notes = notesOf(store);
    await store.insert(notes, { id: 'o', status: 'open', text: '' });
    const mine = { id: 'o', status: 'open', text: '' };
    await store.put(notes, { ...mine, status: 'paid' }, { check: { version: 1 } });
    const edited = { ...mine, text: 'at the door' };
    const result = await store.put(notes, edited, { check: { version: 1 }, onStale: 'merge' });
    expect(result).toMatchObject({ written: true, version: 3, merged: { base: 1, theirs: 2 } });
    expect(await store.get(notes, 'o')).toEqual({ id: 'o', status: 'paid', text: 'at the door' });
    expect((await store.getRevision(notes, 'o', 3))?.parents).toEqual([1, 2]);
  });

  it('a stale put with onStale merge refuses overlapping edits and writes nothing', async () => {
    const { store } = fixture();
    const notes = notesOf(store);
    const mine = { id: 'o', status: 'open', text: '' };
    await store.insert(notes, mine);
    await store.put(notes, { ...mine, status: 'paid', text: 'x' }, { check: { version: 1 } });
    const clash = { ...mine, status: 'void', text: 'y' };
    const error = await store
      .put(notes, clash, { check: { version: 1 }, onStale: 'merge' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect([...(error as MergeConflictError).paths].sort()).toEqual(['status', 'text']);
    expect(await revisionsOf(store, 'o')).toEqual([2, 1]);
    expect(await store.get(notes, 'o')).toEqual({ id: 'o', status: 'paid', text: 'x' });
  });

  it('racing stale puts of disjoint fields on separate stores all merge, each once', async () => {
    const { store, openStore } = fixture();
    await store.insert(notesOf(store), { id: 'race' });
    // Six: each writer meets the commit of each other one once at most, within the
    // store's five merge attempts.
    const writers = Array.from({ length: 6 }, () => openStore());
    const fields = writers.map((_, i) => [`field${i}`, i] as const);
    await Promise.all(
      writers.map(async (writer, i) => {
        const seen = await writer.get(notesOf(writer), 'race');
        const edited = { ...seen, id: 'race', [`field${i}`]: i };
        return writer.put(notesOf(writer), edited, { check: { version: 1 }, onStale: 'merge' });
      }),
    );
    const final = await store.get(notesOf(store), 'race');
    expect(final).toEqual({ id: 'race', ...Object.fromEntries(fields) });
    expect(await revisionsOf(store, 'race')).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });
}
