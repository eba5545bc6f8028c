import { describe, expect, it } from 'vitest';
import { useRig } from '../support/lost-reply-rig.js';
import { backendsUnderTest } from './backends.js';

interface Note {
  id: string;
  text: string;
  note: string;
}

// A merged write is a write like any other: when its reply is lost, the re-send must be
// refused by its revision's token and the store must learn that it landed, once.
describe.each(backendsUnderTest)(
  'a merged stale write whose reply is lost, on $name',
  (backend) => {
    const rig = useRig(backend, (store) => {
      store.collection<Note>('notes', { history: { keep: 100 } });
    });

    it('lands once, with its parents, and the write made meanwhile stays last', async () => {
      const r = rig();
      const id = 'm1';
      // The marker comes from the newer document, so only the merged write holds it.
      const marker = 'marker-merged';
      const other = await r.other('other-merge');
      await other.insert<Note>('notes', { id, text: 'seed', note: '' });
      await other.put<Note>('notes', { id, text: 'seed', note: marker }, { check: { version: 1 } });
      const writer = await r.writer('merging-writer');
      const armed = r.arm(marker, async () => {
        await other.put<Note>('notes', { id, text: 'theirs', note: 'late' }, { check: 'none' });
      });
      const result = await writer.put<Note>(
        'notes',
        { id, text: 'mine', note: '' },
        { check: { version: 1 }, onStale: 'merge' },
      );
      armed.disarm();
      expect(armed.fired).toBe(true);
      expect(armed.error).toBeUndefined();
      expect(result).toMatchObject({ written: true, version: 3, merged: { base: 1, theirs: 2 } });
      const page = await other.history<Note>('notes', id);
      expect(
        page.revisions.map((rev) => [
          rev.revision,
          rev.document?.text,
          rev.document?.note,
          rev.parents,
        ]),
      ).toEqual([
        [4, 'theirs', 'late', null],
        [3, 'mine', marker, [1, 2]],
        [2, 'seed', marker, null],
        [1, 'seed', '', null],
      ]);
    });
  },
);
