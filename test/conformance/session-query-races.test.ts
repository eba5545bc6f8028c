import { expect, it } from 'vitest';
import { DocumentStore } from '../../src/index.js';
import { afterAnswer } from '../support/after-answer.js';
import { describeConformance } from './fixture.js';

interface Tab {
  id: string;
  status: 'open' | 'paid';
}

describeConformance('session queries under concurrent writes', (fixture) => {
  it("a session's count() leaves out its deletes as the count saw them, whatever is written meanwhile", async () => {
    const f = fixture();
    const writer = f.store.collection<Tab>('tabs');
    // Writes of another client, each landing right after one count statement answers.
    const meanwhile: (() => Promise<unknown>)[] = [];
    const backend = afterAnswer(f.backend.open(f.config), 'count', async () => {
      await meanwhile.shift()?.();
    });
    const store = new DocumentStore({ backend });
    try {
      const tabs = store.collection<Tab>('tabs');
      await f.store.insert(writer, { id: 'x', status: 'open' });
      await f.store.insert(writer, { id: 'y', status: 'open' });
      await f.store.insert(writer, { id: 'z', status: 'paid' });
      const session = store.openSession();
      session.delete(tabs, 'x');
      session.delete(tabs, 'z');
      // Only y is open and kept, before those writes and after them.
      const settle = (id: string, status: Tab['status']) => () =>
        f.store.update(writer, id, (tab) => {
          tab.status = status;
        });
      meanwhile.push(settle('x', 'paid'));
      expect(await session.count(tabs, { status: 'open' })).toBe(1);
      meanwhile.push(settle('z', 'open'));
      expect(await session.count(tabs, { status: 'open' })).toBe(1);
      expect(meanwhile).toEqual([]);
      expect(await store.count(tabs, { status: 'open' })).toBe(2);
    } finally {
      await store.close();
    }
  });
});
