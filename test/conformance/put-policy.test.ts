import { expect, it, onTestFinished } from 'vitest';
import { DocumentStore, Policies } from '../../src/index.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

interface Note {
  id: string;
  title: string;
  body: string;
  version?: number;
}

describeConformance('put() under policies', (fixture) => {
  it('rules see a put once: an insert without a version, an update with the version it carries or checks, and the update rule merges it', async () => {
    const seen: string[] = [];
    const policies = new Policies()
      .when((ctx) => {
        seen.push(ctx.operation);
        return ctx.operation === 'update';
      })
      .then({ onStale: 'merge' });
    const store = new DocumentStore({ backend: openBackend(fixture().config), policies });
    onTestFinished(() => store.close());
    const notes = store.collection<Note>('notes_put_policy', {
      history: { keep: 10 },
      versionField: 'version',
    });

    await store.put(notes, { id: 'n1', title: 'a', body: 'a' });
    expect(seen.splice(0)).toEqual(['insert']);

    await store.put(notes, { id: 'n1', title: 'b', body: 'a', version: 1 });
    expect(seen.splice(0)).toEqual(['update']);

    // Both stale, made from version 1: the update rule merges each with what came since.
    const carried = await store.put(notes, { id: 'n1', title: 'a', body: 'c', version: 1 });
    expect(seen.splice(0)).toEqual(['update']);
    expect(carried).toHaveProperty('merged.base', 1);
    const checked = await store.put(
      notes,
      { id: 'n1', title: 'a', body: 'a', extra: 'd' } as Note,
      { check: { version: 1 } },
    );
    expect(seen.splice(0)).toEqual(['update']);
    expect(checked).toHaveProperty('merged.base', 1);
    expect(await store.get(notes, 'n1')).toMatchObject({ title: 'b', body: 'c', extra: 'd' });
  });
});
