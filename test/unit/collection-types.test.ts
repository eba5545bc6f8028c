import { expect, it } from 'vitest';
import { SqliteBackend } from '../../src/backends/sqlite/index.js';
import { DocumentStore } from '../../src/index.js';

// Compile-time checks: a collection declared without a document type holds any JSON
// object, whatever options name its fields; only a type argument or a schema types it.
it('an untyped collection stays untyped whatever fields its options name', async () => {
  const store = new DocumentStore({ backend: new SqliteBackend() });
  const indexed = store.collection('indexed', { indexes: [{ field: 'code' }] });
  const unique = store.collection('unique', { unique: ['email'] });
  const versioned = store.collection('versioned', { versionField: 'version' });
  const keyed = store.collection('keyed', { idField: 'key' });
  await store.insert(indexed, { id: 'a', code: 'x', total: 1 });
  await store.insert(unique, { id: 'a', email: 'a@x', name: 'Ann' });
  await store.insert(versioned, { id: 'a', status: 'open' });
  await store.insert(keyed, { key: 'a', status: 'open' });
  // A type argument still types the options.
  interface Order {
    id: string;
    code: string;
  }
  // @ts-expect-error: no such field to index
  store.collection<Order>('typed', { indexes: [{ field: 'cod' }] });
  expect(await store.count(indexed)).toBe(1);
  await store.close();
});
