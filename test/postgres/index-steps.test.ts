import pg from 'pg';
import { expect, it } from 'vitest';
import { DocumentStore, UniqueConstraintError } from '../../src/index.js';
import { postgres } from '../support/backends/postgres/index.js';

interface Item {
  id: string;
  sku: string;
}

// Another process making a collection's index holds the index lock for as long as it takes
// (a large collection's index takes minutes). This store's index steps wait for it, and the
// calls that touch none of their collections must go on: the steps may not take the pool.
it('index steps waiting for another process take one connection, so the feed and ready collections are served meanwhile', async () => {
  const { config, cleanup } = await postgres.create();
  const store = new DocumentStore({ backend: postgres.open(config, { max: 2 }) });
  const holder = new pg.Client({ connectionString: config.url });
  await holder.connect();
  const lock = `noclobber:${config.schema}:indexes`;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await holder.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]);
  };
  // Only so that a store that starves fails instead of hanging: never reached otherwise.
  const guard = setTimeout(() => void release(), 20_000);
  try {
    const ready = store.collection<Item>('ready', { unique: ['sku'] });
    await store.insert(ready, { id: 'a', sku: 'a' });
    await holder.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
    const [one] = ['one', 'two', 'three'].map((name) =>
      store.collection<Item>(name, { unique: ['sku'] }),
    );
    const startup = store.ready();
    const written = await store.insert(ready, { id: 'b', sku: 'b' });
    const page = await store.changes();
    expect(released).toBe(false);
    expect(written.metadata.revision).toBe(1);
    expect(page.changes.map((c) => c.id)).toEqual(['a', 'b']);
    await release();
    await startup;
    // Once the lock is free the steps are made, and their unique fields enforced.
    await store.insert(one as typeof ready, { id: 'x', sku: 'b' });
    await expect(store.insert(one as typeof ready, { id: 'y', sku: 'b' })).rejects.toBeInstanceOf(
      UniqueConstraintError,
    );
  } finally {
    clearTimeout(guard);
    await release();
    await holder.end();
    await store.close();
    await cleanup();
  }
});
