import { expect, it } from 'vitest';
import { DocumentNotFoundError } from '../../src/index.js';
import { order } from '../support/model.js';
import { describeConformance } from './fixture.js';

describeConformance('tenant isolation', (fixture) => {
  it('nothing one tenant does reads, writes or detects another tenant’s documents or streams', async () => {
    const { store, c } = fixture();
    const acme = store.withTenant('acme');
    const other = store.withTenant('other');
    await acme.insert(c.orders, order('secret', { total: 4242 }));
    await acme.update(c.orders, 'secret', (o) => {
      o.status = 'paid';
    });
    await acme.events.appendToStream('stream', [{ type: 'Secret', data: { total: 4242 } }]);

    // Reads see nothing, and say so the way they do for an id no one ever used.
    expect(await other.get(c.orders, 'secret')).toBeNull();
    expect(await other.getMetadata(c.orders, 'secret')).toBeNull();
    expect(await other.getWithToken(c.orders, 'secret')).toBeNull();
    expect(await other.querySession().load(c.orders, 'secret')).toBeNull();
    expect((await other.changes()).changes).toEqual([]);
    expect(await other.events.readStream('stream')).toEqual([]);
    expect(await other.events.readAll()).toEqual([]);
    expect(
      await other.events.aggregateStream('stream', { initialState: 0, evolve: (n) => n + 1 }),
    ).toEqual({
      state: 0,
      version: 0,
    });

    // Writes that need the document find none, with the error an unknown id gets.
    for (const attempt of [
      () => other.update(c.orders, 'secret', (o) => o),
      () => other.patch(c.orders, 'secret', { status: 'x' }),
      () => other.delete(c.orders, 'secret'),
    ]) {
      const theirs = await attempt().catch((e: unknown) => e);
      expect(theirs).toBeInstanceOf(DocumentNotFoundError);
      expect(String((theirs as Error).message)).not.toMatch(/4242|paid|acme/);
    }
    const versioned = await other
      .put(c.orders, order('secret', { version: 2 }))
      .catch((e: unknown) => e as Error);
    expect(versioned).toMatchObject({ actual: null });
    expect((versioned as Error).message).toMatch(/no document is stored/);
    // The same id is free in the other tenant: inserts and appends start from nothing.
    expect(await other.insert(c.orders, order('secret'))).toMatchObject({ version: 1 });
    expect(
      await other.events.appendToStream('stream', [{ type: 'Mine', data: {} }], {
        expectedVersion: 'noStream',
      }),
    ).toMatchObject({ version: 1 });

    // And the first tenant's data is untouched.
    expect(await acme.get(c.orders, 'secret')).toMatchObject({
      total: 4242,
      status: 'paid',
      version: 2,
    });
    expect((await acme.events.readStream('stream')).map((e) => e.type)).toEqual(['Secret']);
    expect((await acme.changes()).changes.map((ch) => ch.id)).toEqual(['secret']);
  });
});
