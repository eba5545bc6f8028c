import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';

// close() waits for operations in flight instead of ending the pool under them.
describe('close() with an operation in flight', () => {
  // An operation that is waiting for a pooled connection when close() ends the pool
  // never settles: neither its result nor an error ever reaches the caller.
  it('an operation in flight at close() settles', async () => {
    const store = new DocumentStore({
      backend: new PostgresBackend({
        connectionString: inject('postgresUrl'),
        schema: `nc_test_${randomBytes(5).toString('hex')}`,
      }),
    });
    const docs = store.collection('docs');
    await store.get(docs, 'warm');
    const inFlight = store.put(docs, { id: 'x' }, { check: 'none' }).then(
      () => 'written',
      (error: unknown) => `failed: ${String(error)}`,
    );
    await store.close();
    const settled = await Promise.race([
      inFlight,
      new Promise((r) => setTimeout(() => r('never settled'), 3000)),
    ]);
    expect(settled).not.toBe('never settled');
  });
});
