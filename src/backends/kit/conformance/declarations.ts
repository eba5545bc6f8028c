import { expect, it } from 'vitest';
import {
  InvalidDocumentError,
  type StandardSchemaV1,
  UniqueConstraintError,
  ValidationError,
} from '../../../index.js';
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

// A hand-written schema of the common kind whose output is the value it was given.
const asGiven: StandardSchemaV1<unknown, Counter> = {
  '~standard': {
    version: 1,
    vendor: 'noclobber-conformance',
    validate(value) {
      const input = value as Counter;
      return typeof input.n === 'number' && input.n <= 2
        ? { value: input }
        : { issues: [{ message: 'n is a number of at most 2', path: ['n'] }] };
    },
  },
};

const counted = {
  initialState: () => ({ n: 0 }),
  evolve: (state: { n: number }) => ({ n: state.n + 1 }),
};

interface Coded {
  id: string;
  code?: string;
  email?: string;
}

// Text of `length` characters that no compression makes much shorter (a database may
// compress an index entry before it measures it), the same on every run.
function incompressible(length: number): string {
  let state = 2463534242;
  let text = '';
  while (text.length < length) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    text += String.fromCharCode(33 + ((state >>> 0) % 94));
  }
  return text;
}

// A write of a value too long for the database's index entries: it lands, and the value
// is found by the indexed field, or it is refused as an invalid document and nothing of it
// is written; never a failure of the database.
async function storedOrRefused(
  write: Promise<unknown>,
  found: () => Promise<unknown>,
  unchanged: () => Promise<unknown>,
): Promise<void> {
  const outcome = await write.then(
    () => 'stored',
    (e: unknown) => e,
  );
  if (outcome === 'stored') {
    expect(await found()).toBe(true);
    return;
  }
  expect(outcome).toBeInstanceOf(InvalidDocumentError);
  expect(await unchanged()).toBe(true);
}

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

  it('a string too long for an index entry is stored and found, or refused as an invalid document', async () => {
    const { store, openStore } = fixture();
    const c = store.collection<Coded>('coded', { indexes: [{ field: 'code' }], unique: ['email'] });
    const long = incompressible(12_000);
    const isLong = (d: Coded | null) => d?.code === long || d?.email === long;
    for (const field of ['code', 'email'] as const) {
      const id = `${field}-long`;
      await storedOrRefused(
        store.insert(c, { id, [field]: long }),
        async () =>
          (await store.find(c, { [field]: long })).documents.map((d) => d.id).join() === id,
        async () => (await store.get(c, id)) === null,
      );
      // The same value made by the database itself, from atomic operations.
      const short = `${field}-short`;
      await store.insert(c, { id: short, [field]: short });
      await storedOrRefused(
        store.apply(c, short, { $set: { [field]: `${long}!` } }),
        async () => (await store.count(c, { [field]: `${long}!` })) === 1,
        async () => (await store.get(c, short))?.[field] === short,
      );
    }
    // Declared over a document that already holds one: the collection works, or its calls
    // are refused as the write would have been.
    const plain = store.collection<Coded>('undeclared');
    await store.insert(plain, { id: 'held', code: long });
    const later = openStore();
    const declared = later.collection<Coded>('undeclared', { indexes: [{ field: 'code' }] });
    await storedOrRefused(
      later.count(declared),
      async () => isLong(await later.findOne(declared, { code: long })),
      async () => isLong(await store.get(plain, 'held')),
    );
  });

  it('a write stores the document its schema accepted, whatever the caller changes after the call', async () => {
    const { store } = fixture();
    const c = store.collection<Counter>('as-given', { schema: asGiven });
    const entity = { id: 'a', n: 1, label: 'x' };
    const inserting = store.insert(c, entity);
    entity.n = 99;
    await inserting;
    const again = { id: 'a', n: 2, label: 'y' };
    const putting = store.put(c, again, { check: 'none' });
    again.n = 99;
    await putting;
    const session = store.openSession();
    const b = { id: 'b', n: 1, label: 'z' };
    session.store(c, b);
    const saving = session.saveChanges();
    b.n = 99;
    await saving;
    const stored = await store.querySession().find(c, {});
    expect(stored.documents.map((d) => [d.id, d.n])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('a batch whose documents exchange unique values is refused whole; the same change in steps lands', async () => {
    const { store } = fixture();
    const c = store.collection<Coded>('swapped', { unique: ['email'] });
    await store.insert(c, { id: 'a', email: 'a@x.org' });
    await store.insert(c, { id: 'b', email: 'b@x.org' });
    const swap = store.openSession();
    swap.store(c, { id: 'a', email: 'b@x.org' }, { check: 'none' });
    swap.store(c, { id: 'b', email: 'a@x.org' }, { check: 'none' });
    await expect(swap.saveChanges()).rejects.toBeInstanceOf(UniqueConstraintError);
    const emails = async () => (await store.find(c, {})).documents.map((d) => d.email);
    expect(await emails()).toEqual(['a@x.org', 'b@x.org']);
    const steps = store.openSession();
    steps.store(c, { id: 'a', email: 'free@x.org' }, { check: 'none' });
    steps.store(c, { id: 'b', email: 'a@x.org' }, { check: 'none' });
    await steps.saveChanges();
    await store.put(c, { id: 'a', email: 'b@x.org' }, { check: 'none' });
    expect(await emails()).toEqual(['b@x.org', 'a@x.org']);
  });
}
