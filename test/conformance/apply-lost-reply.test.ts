import { expect, it } from 'vitest';
import { type Backend, DocumentStore, TransientError } from '../../src/index.js';
import { openBackend } from '../support/open-backend.js';
import { describeConformance } from './fixture.js';

interface Counter {
  id: string;
  n: number;
  by?: string;
}

// A backend whose next commit runs to its end, then `meanwhile` runs, then the caller is
// told the reply was lost (an ambiguous TransientError), as when a connection dies after
// COMMIT. Every later commit passes through.
function losingNextReply(backend: Backend, meanwhile: () => Promise<void>): Backend {
  let armed = true;
  return new Proxy(backend, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const bound = (value as (...args: unknown[]) => Promise<unknown>).bind(target);
      if (property !== 'commit') return bound;
      return async (...args: unknown[]) => {
        const result = await bound(...args);
        if (!armed) return result;
        armed = false;
        await meanwhile();
        throw new TransientError('The reply was lost after the write committed (test)', {
          ambiguous: true,
        });
      };
    },
  });
}

describeConformance('apply with a lost reply', (fixture) => {
  async function withLossyStore(
    meanwhile: (other: DocumentStore) => Promise<void>,
    body: (lossy: DocumentStore, other: DocumentStore) => Promise<void>,
    tenant?: string,
  ) {
    const { store: base, config } = fixture();
    const other = tenant ? base.withTenant(tenant) : base;
    const backend = openBackend(config);
    const lossy = new DocumentStore({
      backend: losingNextReply(backend, () => meanwhile(other)),
      actor: 'lossy',
      ...(tenant ? { tenant } : {}),
    });
    for (const store of [lossy, other]) store.collection<Counter>('hits');
    try {
      await body(lossy, other);
    } finally {
      await lossy.close();
    }
  }

  it('settles from the write log: $inc by 1 lands once, and the call returns what it made', async () => {
    await withLossyStore(
      async () => {},
      async (lossy, other) => {
        await other.insert<Counter>('hits', { id: 'c', n: 0 });
        const applied = await lossy.apply<Counter>('hits', 'c', { $inc: { n: 1 } });
        expect(applied.document).toEqual({ id: 'c', n: 1 });
        expect(applied.metadata).toMatchObject({ revision: 2, lastModifiedBy: 'lossy' });
        expect(await other.getWithMetadata<Counter>('hits', 'c')).toMatchObject({
          document: { n: 1 },
          metadata: { revision: 2, token: applied.metadata.token },
        });
      },
    );
  });

  it('a write after it leaves its outcome known and its document null, never applied twice', async () => {
    await withLossyStore(
      async (other) => {
        await other.apply<Counter>('hits', 'c', { $set: { by: 'other' } });
      },
      async (lossy, other) => {
        await other.insert<Counter>('hits', { id: 'c', n: 0 });
        const applied = await lossy.apply<Counter>('hits', 'c', { $inc: { n: 1 } });
        expect(applied).toMatchObject({ written: true, document: null, version: 2 });
        expect(await other.get<Counter>('hits', 'c')).toEqual({ id: 'c', n: 1, by: 'other' });
      },
    );
  });

  it('in a tenant, settles from that tenant’s write log, leaving the same id elsewhere alone', async () => {
    await withLossyStore(
      async () => {},
      async (lossy, other) => {
        const { store } = fixture();
        await store.insert<Counter>('hits', { id: 'c', n: 100 });
        await other.insert<Counter>('hits', { id: 'c', n: 0 });
        const applied = await lossy.apply<Counter>('hits', 'c', { $inc: { n: 1 } });
        expect(applied.document).toEqual({ id: 'c', n: 1 });
        expect(await other.get<Counter>('hits', 'c')).toEqual({ id: 'c', n: 1 });
        expect(await store.get<Counter>('hits', 'c')).toEqual({ id: 'c', n: 100 });
      },
      'acme',
    );
  });
});
