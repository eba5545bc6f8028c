import { expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type Collection,
  type DocumentStore,
  InvalidArgumentError,
  InvalidDocumentError,
  type StandardSchemaV1,
  threeWayMerge,
  ValidationError,
} from '../../src/index.js';
import { describeConformance } from './fixture.js';
import { expectProblem, useServers } from './http-support.js';

const serve = useServers();

const Shipment = z.object({
  id: z.string(),
  status: z.enum(['open', 'shipped']),
  qty: z.number().int().min(1),
  when: z.coerce.date(),
  note: z.string().default(''),
  version: z.number().optional(),
});
type Shipment = z.infer<typeof Shipment>;

const shipments = (store: DocumentStore) =>
  store.collection('shipments', { schema: Shipment, versionField: 'version' });

const WHEN = new Date('2025-03-01T10:00:00.000Z');
const shipment = (id: string, fields: Partial<Shipment> = {}): Shipment => ({
  id,
  status: 'open',
  qty: 1,
  when: WHEN,
  note: '',
  ...fields,
});

/** A hand-written Standard Schema that answers by a promise, as one that looks things up does. */
interface Tag {
  id: string;
  name: string;
}
const asyncTag: StandardSchemaV1<unknown, Tag> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (value) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const { id, name } = value as Record<string, unknown>;
      if (typeof name !== 'string' || name.length === 0) {
        return { issues: [{ message: 'name is required', path: [{ key: 'name' }] }] };
      }
      return { value: { id: id as string, name: name.toLowerCase() } };
    },
  },
};

// What the database holds for a document, read past the schema: the changes feed.
async function storedBody(store: DocumentStore, id: string) {
  const { changes } = await store.changes({ collection: 'shipments', limit: 10_000 });
  return changes.filter((change) => change.id === id).at(-1)?.document ?? null;
}

async function refused(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ValidationError);
  const validation = error as ValidationError;
  expect(validation.code).toBe('VALIDATION_FAILED');
  expect(validation.stage).toBe('write');
  return validation;
}

describeConformance('validated collections', (fixture) => {
  it('types the collection by the schema output', () => {
    const { store } = fixture();
    const c = shipments(store);
    expectTypeOf(c).toEqualTypeOf<Collection<Shipment>>();
    // @ts-expect-error: the version field must be a field of the schema's output
    store.collection('other', { schema: Shipment, versionField: 'nope' });
  });

  it('stores the schema output, Dates as ISO strings, and reads them back as Dates', async () => {
    const { store } = fixture();
    const c = shipments(store);
    await store.insert(c, {
      id: 's-1',
      status: 'open',
      qty: 2,
      when: WHEN,
      extra: 1,
    } as unknown as Shipment);
    expect(await storedBody(store, 's-1')).toEqual({
      id: 's-1',
      status: 'open',
      qty: 2,
      when: '2025-03-01T10:00:00.000Z',
      note: '',
    });
    const loaded = await store.get(c, 's-1');
    expect(loaded).toEqual({ ...shipment('s-1', { qty: 2 }), version: 1 });
    expect(loaded?.when).toBeInstanceOf(Date);
    expect((await store.getWithMetadata(c, 's-1'))?.document.when).toBeInstanceOf(Date);
    expect((await store.find(c, { status: 'open' })).documents[0]?.when).toBeInstanceOf(Date);
    const session = store.openSession();
    expect((await session.load(c, 's-1'))?.when).toBeInstanceOf(Date);
    expect((await session.find(c, {})).documents[0]?.when).toBeInstanceOf(Date);
    expect((await store.querySession().load(c, 's-1'))?.when).toBeInstanceOf(Date);
    const updated = await store.update(c, 's-1', (s) => {
      expect(s.when).toBeInstanceOf(Date);
      s.when = new Date(s.when.getTime() + 86_400_000);
    });
    expect(updated).toMatchObject({ when: new Date('2025-03-02T10:00:00.000Z'), version: 2 });
    expect((await storedBody(store, 's-1'))?.when).toBe('2025-03-02T10:00:00.000Z');
  });

  it('refuses a Date without a schema, naming the schema route', async () => {
    const { store } = fixture();
    const plain = store.collection<{ id: string; when: Date }>('plain');
    await expect(store.insert(plain, { id: 'p', when: WHEN })).rejects.toThrow(
      /Field when is a Date.*toISOString\(\).*schema/,
    );
    await expect(store.insert(plain, { id: 'p', when: WHEN })).rejects.toBeInstanceOf(
      InvalidDocumentError,
    );
  });

  it('refuses an invalid document on every one-call write path, and writes nothing', async () => {
    const { store } = fixture();
    const c = shipments(store);
    const first = await store.insert(c, shipment('s-1'));

    const insert = await refused(store.insert(c, shipment('s-2', { qty: 0 })));
    expect(insert.issues).toEqual([{ message: expect.any(String), path: ['qty'] }]);
    expect(insert.collection).toBe('shipments');
    expect(insert.id).toBe('s-2');
    await refused(store.put(c, { ...shipment('s-1'), status: 'lost' } as unknown as Shipment));
    const update = await refused(
      store.update(c, 's-1', (s) => {
        s.qty = -1;
        (s as { status: string }).status = 'lost';
      }),
    );
    expect(update.issues.map((issue) => issue.path)).toEqual([['status'], ['qty']]);
    await refused(store.patch(c, 's-1', { qty: 0 }));
    await refused(store.patch(c, 's-1', [{ op: 'replace', path: '/when', value: 'not a date' }]));

    expect(await store.get(c, 's-2')).toBeNull();
    expect(await store.getMetadata(c, 's-1')).toEqual(first.metadata);
    expect((await store.changes()).changes).toHaveLength(1);
    // A patch works on the stored JSON: an ISO string is a date to the schema.
    await store.patch(c, 's-1', { when: '2026-01-01T00:00:00.000Z' });
    expect((await store.get(c, 's-1'))?.when).toEqual(new Date('2026-01-01T00:00:00.000Z'));
  });

  it('validates what sessions save: all or nothing with the batch, dirty tracking too', async () => {
    const { store } = fixture();
    const c = shipments(store);
    await store.insert(c, shipment('s-1'));
    const session = store.openSession();
    session.store(c, shipment('s-2'));
    session.store(c, shipment('s-3', { qty: 0 }));
    const error = await refused(session.saveChanges());
    expect(error.id).toBe('s-3');
    expect(await store.get(c, 's-2')).toBeNull();

    const dirty = store.openSession({ tracking: 'dirty' });
    const loaded = await dirty.load(c, 's-1');
    if (!loaded) throw new Error('s-1 is missing');
    // Loaded and untouched (a Date included): nothing to save.
    await dirty.saveChanges();
    expect((await store.getMetadata(c, 's-1'))?.revision).toBe(1);
    loaded.qty = 0;
    await refused(dirty.saveChanges());
    expect((await store.getMetadata(c, 's-1'))?.revision).toBe(1);
    loaded.qty = 5;
    await dirty.saveChanges();
    expect(await store.get(c, 's-1')).toMatchObject({ qty: 5, version: 2 });
  });

  it('runs schemas that answer by a promise, on writes and reads', async () => {
    const { store } = fixture();
    const tags = store.collection('tags', { schema: asyncTag });
    expectTypeOf(tags).toEqualTypeOf<Collection<Tag>>();
    await store.insert(tags, { id: 't-1', name: 'Urgent' });
    expect(await store.get(tags, 't-1')).toEqual({ id: 't-1', name: 'urgent' });
    const error = await refused(store.insert(tags, { id: 't-2', name: '' }));
    expect(error.issues).toEqual([{ message: 'name is required', path: ['name'] }]);
    const session = store.openSession();
    session.insert(tags, { id: 't-3', name: '' });
    await refused(session.saveChanges());
    expect(await store.get(tags, 't-2')).toBeNull();
    expect(await store.get(tags, 't-3')).toBeNull();
  });

  it('refuses atomic operations on a validated collection', async () => {
    const { store } = fixture();
    const c = shipments(store);
    await store.insert(c, shipment('s-1'));
    await expect(store.apply(c, 's-1', { $inc: { qty: -5 } })).rejects.toThrow(
      InvalidArgumentError,
    );
    expect(() => store.openSession().apply(c, 's-1', { $inc: { qty: -5 } })).toThrow(/update\(\)/);
    await expect(store.updateWhere(c, {}, { $inc: { qty: -5 } })).rejects.toThrow(
      InvalidArgumentError,
    );
    expect((await store.getMetadata(c, 's-1'))?.revision).toBe(1);
  });

  it('a built-in merge of revived dates says where the Date is and what to use instead', async () => {
    const { store } = fixture();
    const c = shipments(store);
    await store.insert(c, shipment('s-1'));
    const session = store.openSession({ resolver: threeWayMerge() });
    const mine = await session.load(c, 's-1');
    await store.update(c, 's-1', (s) => {
      s.note = 'theirs';
    });
    if (mine) session.store(c, { ...mine, qty: 2 });
    const error = await session.saveChanges().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidDocumentError);
    expect((error as Error).message).toMatch(/a Date at when\b.*resolver of your own or 'retry'/);
    expect((await store.get(c, 's-1'))?.note).toBe('theirs');
  });

  it('says which stored document no longer fits the schema', async () => {
    const { store, openStore } = fixture();
    const loose = openStore();
    await loose.insert(loose.collection('shipments'), { id: 's-9', status: 'lost' });
    const error = await shipmentsRead(store);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ stage: 'read', id: 's-9', code: 'VALIDATION_FAILED' });
  });

  it('answers an invalid HTTP write 422 with the issues, and writes nothing', async () => {
    const f = fixture();
    const c = shipments(f.store);
    await f.store.insert(c, shipment('s-1'));
    const { json } = await serve(f, 'node', { collections: [c] });
    const valid = { status: 'open', qty: 1, when: '2025-03-01T10:00:00.000Z' };
    const put = await json('PUT', '/shipments/s-2', { ...valid, qty: 0 });
    expect(await expectProblem(put, 422, 'validation-failed')).toMatchObject({
      issues: [{ path: ['qty'], message: expect.any(String) }],
    });
    await expectProblem(await json('POST', '/shipments', { ...valid, status: 'x' }), 422);
    const merge = { 'content-type': 'application/merge-patch+json' };
    await expectProblem(await json('PATCH', '/shipments/s-1', { qty: 0 }, merge), 422);
    const conditional = await json(
      'PATCH',
      '/shipments/s-1',
      { qty: 0 },
      { ...merge, 'if-match': '"1"' },
    );
    await expectProblem(conditional, 422, 'validation-failed');
    expect(await f.store.get(c, 's-2')).toBeNull();
    expect((await f.store.changes()).changes).toHaveLength(1);
    const created = await json('PUT', '/shipments/s-2', valid);
    expect(created.status).toBe(201);
    expect((await f.store.get(c, 's-2'))?.when).toEqual(WHEN);
  });
});

async function shipmentsRead(store: DocumentStore): Promise<unknown> {
  return store.get(shipments(store), 's-9').then(
    () => undefined,
    (error: unknown) => error,
  );
}
