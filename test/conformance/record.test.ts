import { expect, it } from 'vitest';
import { checkHistory, History, recordInsert, recordUpdate } from '../../src/testing/index.js';
import { describeConformance } from './fixture.js';

interface Counter {
  id: string;
  log: string[];
}

describeConformance('noclobber/testing recipes', (fixture) => {
  const apply = (log: string[] | undefined, value: string) =>
    value === 'created' ? [] : [...(log ?? []), value];

  it('recordInsert and recordUpdate make a whole history: a correct store checks clean', async () => {
    const { store } = fixture();
    const counters = store.collection<Counter>('recorded');
    const history = new History<string>();
    expect(
      await recordInsert(history, 'setup', store, counters, { id: 'c', log: [] }, 'created'),
    ).toEqual({ id: 'c', log: [] });
    const writers = ['w1', 'w2', 'w3', 'w4'];
    await Promise.all(
      writers.map((w) =>
        recordUpdate(history, w, store, counters, 'c', `tag-${w}`, (doc) => {
          doc.log.push(`tag-${w}`);
        }),
      ),
    );
    const final = await store.getWithMetadata(counters, 'c');
    if (!final) throw new Error('counters/c is gone');
    const state = new Map([
      ['recorded/c', { revision: final.metadata.revision, state: final.document.log }],
    ]);
    expect(checkHistory(history, state, { apply })).toMatchObject({ valid: true, violations: [] });
    // A second insert of the same id is recorded as failed, and the history stays clean.
    expect(
      await recordInsert(history, 'late', store, 'recorded', { id: 'c', log: [] }, 'created'),
    ).toBeUndefined();
    expect(checkHistory(history, state, { apply }).valid).toBe(true);
  });

  it('without the insert recorded, the checker cannot account for revision 1', async () => {
    const { store } = fixture();
    const counters = store.collection<Counter>('unrecorded');
    const history = new History<string>();
    await store.insert(counters, { id: 'c', log: [] });
    await recordUpdate(history, 'w1', store, counters, 'c', 'tag-w1', (doc) => {
      doc.log.push('tag-w1');
    });
    const final = await store.getWithMetadata(counters, 'c');
    if (!final) throw new Error('counters/c is gone');
    const state = new Map([
      ['unrecorded/c', { revision: final.metadata.revision, state: final.document.log }],
    ]);
    expect(checkHistory(history, state, { apply }).valid).toBe(false);
  });
});
