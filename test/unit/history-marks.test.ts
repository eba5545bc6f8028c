import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';
import { checkHistory, History, withLostReplies } from '../../src/testing/index.js';

const replace = { apply: (_: string | undefined, v: string) => v };

describe('checkHistory with committed versions', () => {
  it('finds a write applied twice that unknown writes would otherwise explain', () => {
    const history = new History<string>();
    history.invoke('p', 'k', 'a', 0, 'a').ok({ revision: 1 });
    history.invoke('p', 'k', 'b', undefined, 'b').ok({ revision: 3 });
    history.invoke('q', 'k', 'c', undefined, 'c').unknown(new Error('lost'));
    const final = { revision: 3, state: 'b' };
    // Revision 2 could be the unknown write: without versions nothing is wrong.
    expect(checkHistory(history, new Map([['k', final]]), replace).valid).toBe(true);
    const versions = [
      { revision: 1, mark: 'a' },
      { revision: 2, mark: 'b' },
      { revision: 3, mark: 'b' },
    ];
    const result = checkHistory(history, new Map([['k', { ...final, versions }]]), replace);
    expect(result.violations.map((v) => v.kind)).toEqual(['applied-twice']);
  });

  it('finds accepted writes missing and refused ones committed', () => {
    const history = new History<string>();
    history.invoke('p', 'k', 'a', 0, 'a').ok({ revision: 1 });
    history.invoke('p', 'k', 'b', undefined, 'b').fail(new Error('refused'));
    const versions = [{ revision: 1, mark: 'b' }];
    const result = checkHistory(history, new Map([['k', { revision: 1, state: 'b', versions }]]));
    expect(result.violations.map((v) => v.kind).sort()).toEqual(['lost-write', 'phantom-write']);
  });

  it('places an accepted write without a revision in exactly one unclaimed revision', () => {
    const history = new History<string | undefined>();
    const model = { apply: (_: string | undefined, v: string | undefined) => v };
    history.invoke('p', 'k', 'a', 0).ok({ revision: 1 });
    history.invoke('p', 'k', undefined).ok({});
    expect(
      checkHistory(history, new Map([['k', { revision: 2, state: undefined }]]), model).valid,
    ).toBe(true);
    // Nothing left for it: it was lost.
    const lost = checkHistory(history, new Map([['k', { revision: 1, state: 'a' }]]), model);
    expect(lost.violations.map((v) => v.kind)).toContain('lost-update');
  });
});

describe('withLostReplies', () => {
  it('commits the write, then loses its reply', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'noclobber-lost-'));
    try {
      const backend = withLostReplies(new SqliteBackend({ filename: join(dir, 's.db') }), {
        rate: 1,
      });
      const store = new DocumentStore({ backend });
      const direct = new DocumentStore({
        backend: new SqliteBackend({ filename: join(dir, 's.db') }),
      });
      store.collection('docs');
      direct.collection('docs');
      await direct.insert('docs', { id: 'a', n: 1 });
      // The store learns from the write log that its write landed: reported, applied once.
      const result = await store.put('docs', { id: 'a', n: 2 }, { check: 'none' });
      expect(result).toMatchObject({ written: true, metadata: { revision: 2 } });
      expect(backend.lostReplies).toBe(1);
      expect(await direct.getMetadata('docs', 'a')).toMatchObject({ revision: 2 });
      expect(await direct.get('docs', 'a')).toMatchObject({ n: 2 });
      await store.close();
      await direct.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
