import Database from 'better-sqlite3';
import { expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

// A caller that walks through every limit must not have each query planned again, nor push
// the statements of other callers out of the cache.
it('a caller cycling limits 1..1000 prepares a bounded number of query statements', async () => {
  const db = new Database(':memory:');
  const store = new DocumentStore({ backend: new SqliteBackend({ database: db }) });
  const c = store.collection<{ id: string; total: number }>('docs', {
    indexes: [{ field: 'total', type: 'number' }],
  });
  await store.insertMany(c, [
    { id: 'a', total: 1 },
    { id: 'b', total: 2 },
  ]);
  const prepare = db.prepare.bind(db);
  let prepared = 0;
  db.prepare = ((text: string) => {
    if (text.includes('LIMIT')) prepared++;
    return prepare(text);
  }) as typeof db.prepare;
  for (let round = 0; round < 2; round++)
    for (let limit = 1; limit <= 1000; limit++)
      await store.find(c, { total: { $gte: 0 } }, { sort: ['total'], limit });
  expect(prepared).toBeLessThan(100);
  await store.close();
  db.close();
});
