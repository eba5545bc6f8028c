import { expect, it } from 'vitest';
import { type StandardSchemaV1, ValidationError } from '../../../index.js';
import type { StoreFixture } from './fixture.js';

interface Counter {
  id: string;
  n: number;
  label: string;
}

// A schema of the suite's own (a backend's repository need not install a schema library):
// `n` a number of at most 2, `label` defaulted, nothing else kept.
const counterSchema: StandardSchemaV1<unknown, Counter> = {
  '~standard': {
    version: 1,
    vendor: 'noclobber-conformance',
    validate(value) {
      const input = value as Record<string, unknown>;
      if (typeof input.n !== 'number' || input.n > 2) {
        return { issues: [{ message: 'n is a number of at most 2', path: ['n'] }] };
      }
      const label = typeof input.label === 'string' ? input.label : 'none';
      return { value: { id: String(input.id), n: input.n, label } };
    },
  },
};

const counted = {
  initialState: () => ({ n: 0 }),
  evolve: (state: { n: number }) => ({ n: state.n + 1 }),
};

/**
 * What a collection's declarations guard whatever the write path: its schema and its
 * unique fields, on writes the store makes for itself (inline projections) as on those an
 * application makes.
 */
export function declarationsSuite(fixture: () => StoreFixture): void {
  it('an inline projection stores what its collection’s schema makes, and appends nothing it refuses', async () => {
    const { store } = fixture();
    const views = store.collection<Counter>('views', { schema: counterSchema });
    store.events.project({ collection: views, aggregate: counted });
    const event = { type: 'Counted', data: {} };
    await store.events.appendToStream('s', [event]);
    // The schema's output, default filled in, is what is stored and read.
    expect(await store.get(views, 's')).toEqual({ id: 's', n: 1, label: 'none' });
    await store.events.appendToStream('s', [event]);
    const refused = await store.events.appendToStream('s', [event]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect(refused).toMatchObject({ collection: 'views', id: 's', stage: 'write' });
    expect(await store.events.readStream('s')).toHaveLength(2);
    expect(await store.get(views, 's')).toEqual({ id: 's', n: 2, label: 'none' });
  });
}
