import { describe, expect, it } from 'vitest';
import { isFound } from '../../src/backends/kit/backend.js';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';
import { testSchema } from '../support/postgres-schema.js';

describe('find() on PostgreSQL', () => {
  const { url, schema } = testSchema();

  it('reads the metadata a read by id does, whatever the actor: none, empty, with spaces', async () => {
    const backend = new PostgresBackend({ connectionString: url, schema });
    const store = new DocumentStore({ backend });
    try {
      const docs = store.collection<{ id: string; n: number }>('docs');
      const actors = [undefined, '', ' two  spaces ', '7 8 9'];
      for (const [n, actor] of actors.entries()) {
        await store.insert(docs, { id: `d${n}`, n }, actor === undefined ? {} : { actor });
      }
      // A second revision, so revision and seq differ from each other.
      await store.update(docs, 'd1', (doc) => {
        doc.n += 10;
      });
      const ids = actors.map((_, n) => `d${n}`);
      const read = await backend.read('default', 'docs', ids);
      const rows = await backend.find('default', 'docs', {
        filter: null,
        sort: [],
        after: undefined,
        limit: 10,
      });
      const found = rows.filter(isFound);
      expect(rows.map((f) => f.id)).toEqual(ids);
      expect(found).toHaveLength(ids.length);
      for (const f of found) {
        expect(f.metadata).toEqual(read.get(f.id)?.metadata);
        expect(JSON.parse(f.body)).toEqual(JSON.parse(read.get(f.id)?.body as string));
      }
      expect(found.map((f) => f.metadata.lastModifiedBy).slice(2)).toEqual([
        ' two  spaces ',
        '7 8 9',
      ]);
    } finally {
      await store.close();
    }
  });
});
