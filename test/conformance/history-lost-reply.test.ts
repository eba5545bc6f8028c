import { describe, expect, it } from 'vitest';
import type { Written } from '../../src/index.js';
import { useRig } from '../support/lost-reply-rig.js';
import { backendsUnderTest } from './backends.js';

interface Note {
  id: string;
  text: string;
}

// A write of a collection with history records its revision in place of a write-log
// record: a re-send after a lost reply must be refused by the revision's token, and the
// store must learn what landed from the revision.
describe.each(backendsUnderTest)('a history write whose reply is lost, on $name', (backend) => {
  const rig = useRig(backend, (store) => {
    store.collection<Note>('notes', { history: { keep: 100 } });
  });

  it.each([
    ['last write wins (a re-send would pass again)', 'none' as const],
    ['a version check', { version: 1 }],
  ])(
    '%s: lands once, the other write stays last, the history holds each once',
    async (name, check) => {
      const r = rig();
      const n = name.length;
      const id = `n-${n}`;
      const marker = `marker-${n}`;
      const seeder = await r.other(`seed-${n}`);
      await seeder.insert<Note>('notes', { id, text: 'seed' });
      const writer = await r.writer(marker);
      const other = await r.other(`other-${n}`);
      const armed = r.arm(marker, async () => {
        await other.put<Note>('notes', { id, text: 'theirs' }, { check: 'none' });
      });
      const result = (await writer.put<Note>('notes', { id, text: marker }, { check })) as Written;
      armed.disarm();
      expect(armed.fired).toBe(true);
      expect(armed.error).toBeUndefined();
      expect(result.written).toBe(true);
      expect(result.metadata.revision).toBe(2);
      const page = await other.history<Note>('notes', id);
      expect(page.revisions.map((rev) => [rev.revision, rev.document?.text])).toEqual([
        [3, 'theirs'],
        [2, marker],
        [1, 'seed'],
      ]);
      expect(page.revisions[1]?.token).toBe(result.metadata.token);
      expect((await other.get<Note>('notes', id))?.text).toBe('theirs');
    },
  );
});
