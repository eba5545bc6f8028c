import { describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore, TransientError } from '../../src/index.js';
import { closedPort } from '../support/closed-port.js';

describe('PostgreSQL that cannot be reached', () => {
  it('a refused connection is a TransientError that certainly wrote nothing, from the first-use migration on', async () => {
    const port = await closedPort();
    const store = new DocumentStore({
      backend: new PostgresBackend({
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        poolConfig: { connectionTimeoutMillis: 2_000 },
      }),
    });
    const c = store.collection('orders');
    try {
      for (const call of [
        () => store.insert(c, { id: 'a' }),
        () => store.get(c, 'a'),
        () => store.update(c, 'a', () => {}),
        () => store.events.appendToStream('s', [{ type: 'Opened', data: {} }]),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TransientError);
        expect(error).toMatchObject({ code: 'TRANSIENT_FAILURE', ambiguous: false });
      }
    } finally {
      await store.close();
    }
  });
});
