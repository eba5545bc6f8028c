import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../src/index.js';
import { useRig } from '../support/lost-reply-rig.js';
import { backendsUnderTest } from './backends.js';

interface Item {
  id: string;
  kind: string;
  n: number;
}

const ITEMS = 'items';
const itemsOf = (store: DocumentStore) => store.collection<Item>(ITEMS);

// A bulk write commits and its reply is lost (PostgreSQL: a proxy drops it and resets the
// connection; SQLite: the backend throws after its COMMIT); another writer then moves some
// of its documents on, and only then does the writer hear of the loss. Whatever it is told,
// the audit of what committed must show its write of each document once, before the other's.
describe.each(backendsUnderTest)('a bulk write whose reply is lost, on $name', (backend) => {
  const rig = useRig(backend, (store) => {
    itemsOf(store);
  });
  let played = 0;

  // Seeds `count` documents of a kind of the test's own; returns their ids and the kind.
  async function seeded(count: number) {
    const n = ++played;
    const kind = `k${n}`;
    const seeder = await rig().other(`seed-${n}`);
    const ids = Array.from({ length: count }, (_, i) => `${kind}-${i}`);
    for (const id of ids) await seeder.insert(itemsOf(seeder), { id, kind, n: 0 });
    return { n, kind, ids };
  }

  // Who committed each version of a document, in order.
  const writersOf = async (id: string) =>
    (await rig().audit.rows(ITEMS, id)).map((row) => row.actor);

  // Plays a lost reply: `meanwhile` runs once the write committed, before its loss is told.
  async function losing<R>(
    writer: string,
    meanwhile: (other: DocumentStore) => Promise<unknown>,
    write: (store: DocumentStore) => Promise<R>,
    options: { transaction?: boolean } = {},
  ): Promise<R> {
    const store = await rig().writer(writer);
    const other = await rig().other(`other-of-${writer}`);
    const armed = rig().arm(writer, () => meanwhile(other), options);
    try {
      return await write(store);
    } finally {
      armed.disarm();
      expect(armed.error, 'the other writer failed').toBeUndefined();
      expect(armed.fired, 'no reply was lost').toBe(true);
    }
  }

  it('updateWhere: each matched document changed once, the answer what committed, the later writes kept', async () => {
    const { n, kind, ids } = await seeded(5);
    const writer = `bulk-${n}`;
    const result = await losing(
      writer,
      async (other) => {
        await other.delete(itemsOf(other), ids[1] as string);
        await other.apply(itemsOf(other), ids[2] as string, { $set: { kind: 'moved' } });
      },
      (store) => store.updateWhere(itemsOf(store), { kind }, { $inc: { n: 1 } }),
    );
    expect(result.written.map((w) => [w.id, w.version])).toEqual(ids.map((id) => [id, 2]));
    for (const id of ids) {
      const writers = await writersOf(id);
      expect(
        writers.filter((w) => w === writer),
        id,
      ).toHaveLength(1);
      expect(writers[1], id).toBe(writer);
    }
    const reader = await rig().other(`reader-${n}`);
    expect(await reader.get(itemsOf(reader), ids[1] as string)).toBeNull();
    expect(await reader.get(itemsOf(reader), ids[2] as string)).toEqual({
      id: ids[2],
      kind: 'moved',
      n: 1,
    });
    expect(await reader.count(itemsOf(reader), { kind, n: 1 })).toBe(3);
  });

  it('deleteWhere: each matched document deleted once, a document inserted again after it kept', async () => {
    const { n, kind, ids } = await seeded(4);
    const writer = `bulk-${n}`;
    const result = await losing(
      writer,
      (other) => other.insert(itemsOf(other), { id: ids[0] as string, kind: 'again', n: 9 }),
      (store) => store.deleteWhere(itemsOf(store), { kind }),
    );
    expect(result.written.map((w) => [w.id, w.version])).toEqual(ids.map((id) => [id, 2]));
    for (const id of ids) {
      expect(
        (await writersOf(id)).filter((w) => w === writer),
        id,
      ).toHaveLength(1);
    }
    expect(await writersOf(ids[0] as string)).toEqual([`seed-${n}`, writer, `other-of-${writer}`]);
    const reader = await rig().other(`reader-${n}`);
    expect(await reader.count(itemsOf(reader), { kind })).toBe(0);
    expect(await reader.get(itemsOf(reader), ids[0] as string)).toMatchObject({ kind: 'again' });
  });

  it('insertMany: each document inserted once, the answer what committed, a later delete kept', async () => {
    const n = ++played;
    const writer = `bulk-${n}`;
    const fresh = Array.from({ length: 100 }, (_, i) => ({
      id: `new${n}-${i}`,
      kind: 'new',
      n: i,
    }));
    const written = await losing(
      writer,
      (other) => other.delete(itemsOf(other), fresh[7]?.id as string),
      (store) => store.insertMany(itemsOf(store), fresh),
      { transaction: true },
    );
    expect(written.map((w) => [w.id, w.written, w.version])).toEqual(
      fresh.map((d) => [d.id, true, 1]),
    );
    for (const { id } of fresh) {
      expect(
        (await writersOf(id)).filter((w) => w === writer),
        id,
      ).toHaveLength(1);
    }
    const reader = await rig().other(`reader-${n}`);
    expect(await reader.get(itemsOf(reader), fresh[7]?.id as string)).toBeNull();
    expect(await reader.count(itemsOf(reader), { kind: 'new' })).toBe(99);
  });
});
