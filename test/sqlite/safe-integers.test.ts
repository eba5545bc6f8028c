import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

interface Item {
  id: string;
  n: number;
  group: number;
  version?: number;
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

// An application's connection that reads integers as BigInt must not change what the
// store reads or writes: every number the store hands back is a number, as it stored it.
it('an application connection with defaultSafeIntegers(true) works as any other', async () => {
  dir = await mkdtemp(join(tmpdir(), 'noclobber-safe-integers-'));
  const db = new Database(join(dir, 'app.db'));
  db.defaultSafeIntegers(true);
  const store = new DocumentStore({ backend: new SqliteBackend({ database: db }) });
  const c = store.collection<Item>('items', {
    versionField: 'version',
    indexes: [{ field: 'group', type: 'number' }],
  });
  try {
    await store.insertMany(c, [
      { id: 'a', n: 1, group: 1 },
      { id: 'b', n: 2, group: 1 },
      { id: 'c', n: 3, group: 2 },
    ]);
    const a = await store.get(c, 'a');
    expect(a).toEqual({ id: 'a', n: 1, group: 1, version: 1 });
    await store.put(c, { ...(a as Item), n: 10 });
    const page = await store.find(c, { group: 1 }, { sort: ['n'] });
    expect(page.documents.map((d) => [d.id, d.n, d.version])).toEqual([
      ['b', 2, 1],
      ['a', 10, 2],
    ]);
    expect(await store.count(c, { group: 1 })).toBe(2);
    const updated = await store.updateWhere(c, { group: 1 }, { $inc: { n: 1 } });
    expect(updated.written.map((w) => w.id).sort()).toEqual(['a', 'b']);
    expect((await store.get(c, 'a'))?.n).toBe(11);
    const { changes, last } = await store.changes({ collection: 'items' });
    expect(typeof last).toBe('number');
    expect(changes.every((change) => typeof change.metadata.seq === 'number')).toBe(true);
  } finally {
    await store.close();
    db.close();
  }
});
