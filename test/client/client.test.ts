import { afterEach, expect, it } from 'vitest';
import {
  type Client,
  ConflictError,
  createClient,
  memoryQueue,
  mergeResolver,
  PreconditionRequiredError,
  type Versioned,
  WriteRefusedError,
} from '../../src/client/index.js';
import { failureOf } from '../../src/client/transport.js';
import { createHandler } from '../../src/http/index.js';
import { describeConformance, type Fixture } from '../conformance/fixture.js';
import { type Order, order } from '../support/model.js';
import { type RestartableServer, restartableServer } from '../support/restartable-server.js';

describeConformance('noclobber/client against a live server', (fixture) => {
  let server: RestartableServer | undefined;
  let clients: Client[] = [];
  afterEach(async () => {
    for (const client of clients) client.close();
    clients = [];
    await server?.close();
    server = undefined;
  });

  async function start(f: Fixture, queued = false) {
    server = await restartableServer(createHandler(f.store, { collections: [f.c.orders] }));
    const make = () => {
      const client = createClient({
        baseUrl: server?.url ?? '',
        ...(queued ? { queue: memoryQueue() } : {}),
      });
      clients.push(client);
      return client;
    };
    return { make, server };
  }

  const stored = async (f: Fixture, id: string) => f.store.get(f.c.orders, id);

  it('get keeps the ETag with the document and put sends it as If-Match', async () => {
    const f = fixture();
    const orders = (await start(f)).make().collection<Order>('orders');
    const created = await orders.put(order('o1', { lines: [{ sku: 'tea', qty: 1 }] }), {
      base: null,
    });
    expect(created).toMatchObject({ status: 'saved', id: 'o1', etag: '"1"' });
    const read = (await orders.get('o1')) as Versioned<Order>;
    expect(read.etag).toBe('"1"');
    expect(read.document.lines).toEqual([{ sku: 'tea', qty: 1 }]);
    const saved = await orders.put({ ...read.document, status: 'paid' }, { base: read });
    expect(saved).toMatchObject({ status: 'saved', etag: '"2"' });
    expect((await stored(f, 'o1'))?.status).toBe('paid');
    expect(await orders.get('missing')).toBeNull();
  });

  it('a save from a stale version is a ConflictError with base, mine and theirs; nothing is written', async () => {
    const f = fixture();
    const { make } = await start(f);
    await f.store.insert(f.c.orders, order('o1', { lines: [{ sku: 'tea', qty: 1 }] }));
    const alice = make().collection<Order>('orders');
    const bob = make().collection<Order>('orders');
    const seenByAlice = (await alice.get('o1')) as Versioned<Order>;
    const seenByBob = (await bob.get('o1')) as Versioned<Order>;
    const first = await alice.put(
      { ...seenByAlice.document, status: 'paid' },
      { base: seenByAlice },
    );
    const mine = { ...seenByBob.document, total: 99 };
    const error = await bob.put(mine, { base: seenByBob }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    const conflict = error as ConflictError<Order>;
    expect(conflict.code).toBe('EDIT_CONFLICT');
    expect(conflict.base).toEqual(seenByBob);
    expect(conflict.mine).toEqual(mine);
    expect(conflict.theirs?.etag).toBe((first as Versioned<Order>).etag);
    expect(conflict.theirs?.document.status).toBe('paid');
    expect(await stored(f, 'o1')).toMatchObject({ status: 'paid', total: 10 });
    // Without a base, the handle writes from the version it last read: still Bob's stale one.
    await expect(bob.put(mine)).rejects.toBeInstanceOf(ConflictError);
  });

  it('a merge resolver saves both edits of the same lines array, each line by its sku', async () => {
    const f = fixture();
    const { make } = await start(f);
    const lines = [
      { sku: 'tea', qty: 1 },
      { sku: 'cake', qty: 1 },
    ];
    await f.store.insert(f.c.orders, order('o1', { lines }));
    const alice = make().collection<Order>('orders');
    const resolve = mergeResolver<Order>({ identity: { lines: 'sku' } });
    const bob = make().collection<Order>('orders', { resolve });
    const a = (await alice.get('o1')) as Versioned<Order>;
    const b = (await bob.get('o1')) as Versioned<Order>;
    const tea = [{ sku: 'tea', qty: 2 }, lines[1] as Order['lines'][number]];
    await alice.put({ ...a.document, lines: tea }, { base: a });
    const cake = [lines[0] as Order['lines'][number], { sku: 'cake', qty: 3 }];
    const merged = await bob.patch(b, { lines: cake });
    expect(merged).toMatchObject({ status: 'saved', etag: '"3"' });
    expect((await stored(f, 'o1'))?.lines).toEqual([
      { sku: 'tea', qty: 2 },
      { sku: 'cake', qty: 3 },
    ]);
    // Both changed the same line differently: the resolver leaves it to the app.
    const c = (await alice.get('o1')) as Versioned<Order>;
    const d = (await bob.get('o1')) as Versioned<Order>;
    await alice.patch(c, {
      lines: [
        { sku: 'tea', qty: 5 },
        { sku: 'cake', qty: 3 },
      ],
    });
    const clash = bob.patch(d, {
      lines: [
        { sku: 'tea', qty: 7 },
        { sku: 'cake', qty: 3 },
      ],
    });
    await expect(clash).rejects.toBeInstanceOf(ConflictError);
    expect((await stored(f, 'o1'))?.lines[0]).toEqual({ sku: 'tea', qty: 5 });
  });

  it('deletes are conditional too: a stale delete and a save over a deleted document conflict', async () => {
    const f = fixture();
    const { make } = await start(f);
    await f.store.insert(f.c.orders, order('o1'));
    const alice = make().collection<Order>('orders');
    const bob = make().collection<Order>('orders');
    const a = (await alice.get('o1')) as Versioned<Order>;
    const b = (await bob.get('o1')) as Versioned<Order>;
    await alice.put({ ...a.document, status: 'paid' }, { base: a });
    const stale = (await bob.delete('o1', { base: b }).catch((e: unknown) => e)) as ConflictError;
    expect(stale).toBeInstanceOf(ConflictError);
    expect(stale.mine).toBeNull();
    expect(await stored(f, 'o1')).not.toBeNull();
    const fresh = (await bob.get('o1')) as Versioned<Order>;
    expect(await bob.delete('o1', { base: fresh })).toEqual({ status: 'deleted', id: 'o1' });
    const gone = (await alice.put({ ...a.document }).catch((e: unknown) => e)) as ConflictError;
    expect(gone).toBeInstanceOf(ConflictError);
    expect(gone.theirs).toBeNull();
    expect(await stored(f, 'o1')).toBeNull();
  });

  it('428 and 409 from the server become typed errors with stable codes', async () => {
    const f = fixture();
    const { make, server } = await start(f);
    await f.store.insert(f.c.orders, order('o1'));
    const orders = make().collection<Order>('orders');
    const required = await orders.put(order('o1', { status: 'x' })).catch((e: unknown) => e);
    expect(required).toBeInstanceOf(PreconditionRequiredError);
    expect(required).toMatchObject({ code: 'PRECONDITION_REQUIRED', status: 428 });
    const response = await fetch(`${server.url}/orders/o1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'test', path: '/status', value: 'paid' }]),
    });
    const refused = await failureOf(response);
    expect(refused).toBeInstanceOf(WriteRefusedError);
    expect(refused).toMatchObject({ code: 'WRITE_REFUSED', status: 409 });
    expect(refused.problemName).toBe('patch-test-failed');
  });

  it('edits made offline keep their base and are replayed with If-Match; a conflict surfaces, nothing is overwritten', async () => {
    const f = fixture();
    const { make, server } = await start(f, true);
    await f.store.insert(f.c.orders, order('o1', { lines: [{ sku: 'tea', qty: 1 }] }));
    await f.store.insert(f.c.orders, order('o2'));
    const client = make();
    const orders = client.collection<Order>('orders');
    const one = (await orders.get('o1')) as Versioned<Order>;
    const two = (await orders.get('o2')) as Versioned<Order>;
    await server.down();
    const queued = await orders.put(
      { ...one.document, lines: [{ sku: 'tea', qty: 2 }] },
      { base: one },
    );
    expect(queued).toEqual({ status: 'queued', id: 'o1' });
    // A second offline edit of the same document replaces the first, keeping its base.
    await orders.put({ ...one.document, lines: [{ sku: 'tea', qty: 3 }] }, { base: one });
    await orders.put({ ...two.document, status: 'paid' }, { base: two });
    expect(await client.pending()).toBe(2);
    expect((await client.sync()).pending).toBe(2);
    // Meanwhile someone else changes o1 (and not o2).
    const current = (await f.store.getWithMetadata(f.c.orders, 'o1'))?.document as Order;
    await f.store.put(f.c.orders, { ...current, status: 'shipped' });
    await server.up();
    const report = await client.sync();
    expect(report.saved).toMatchObject([{ status: 'saved', id: 'o2', etag: '"2"' }]);
    expect(report.conflicts).toHaveLength(1);
    const conflict = report.conflicts[0] as ConflictError<Order>;
    expect(conflict.base?.etag).toBe(one.etag);
    expect(conflict.mine?.lines).toEqual([{ sku: 'tea', qty: 3 }]);
    expect(conflict.theirs?.document.status).toBe('shipped');
    expect(await stored(f, 'o1')).toMatchObject({
      status: 'shipped',
      lines: [{ sku: 'tea', qty: 1 }],
    });
    expect(await stored(f, 'o2')).toMatchObject({ status: 'paid' });
    expect(await client.pending()).toBe(0);
  });

  it('a replayed offline edit is merged by the collection resolver when the paths do not overlap', async () => {
    const f = fixture();
    const { make, server } = await start(f, true);
    await f.store.insert(f.c.orders, order('o1', { lines: [{ sku: 'tea', qty: 1 }] }));
    const client = make();
    const orders = client.collection<Order>('orders', {
      resolve: mergeResolver({ identity: { lines: 'sku' } }),
    });
    const one = (await orders.get('o1')) as Versioned<Order>;
    await server.down();
    const edit = { ...one.document, lines: [...one.document.lines, { sku: 'jam', qty: 1 }] };
    expect((await orders.put(edit, { base: one })).status).toBe('queued');
    const current = (await f.store.get(f.c.orders, 'o1')) as Order;
    await f.store.put(f.c.orders, { ...current, status: 'shipped' });
    await server.up();
    const report = await client.sync();
    expect(report.conflicts).toEqual([]);
    expect(report.saved).toHaveLength(1);
    expect(await stored(f, 'o1')).toMatchObject({
      status: 'shipped',
      lines: [
        { sku: 'tea', qty: 1 },
        { sku: 'jam', qty: 1 },
      ],
    });
  });

  it('a replayed offline edit is merged by the server from its history, with no resolver; an overlap is a ConflictError', async () => {
    const f = fixture();
    const history = f.store.collection<Order>('orders_h', {
      versionField: 'version',
      history: { keep: 10 },
    });
    server = await restartableServer(createHandler(f.store, { collections: [history] }));
    const client = createClient({ baseUrl: server.url, queue: memoryQueue() });
    clients.push(client);
    await f.store.insert(history, order('o1', { lines: [{ sku: 'tea', qty: 1 }] }));
    await f.store.insert(history, order('o2'));
    const orders = client.collection<Order>('orders_h');
    const one = (await orders.get('o1')) as Versioned<Order>;
    const two = (await orders.get('o2')) as Versioned<Order>;
    await server.down();
    const edit = { ...one.document, lines: [...one.document.lines, { sku: 'jam', qty: 1 }] };
    expect((await orders.put(edit, { base: one })).status).toBe('queued');
    expect((await orders.put({ ...two.document, status: 'void' }, { base: two })).status).toBe(
      'queued',
    );
    for (const id of ['o1', 'o2']) {
      const current = (await f.store.get(history, id)) as Order;
      await f.store.put(history, { ...current, status: 'shipped' });
    }
    await server.up();
    const report = await client.sync();
    expect(report.saved).toHaveLength(1);
    expect(report.saved[0]).toMatchObject({
      id: 'o1',
      etag: '"3"',
      document: { status: 'shipped' },
    });
    expect(await f.store.get(history, 'o1')).toMatchObject({
      status: 'shipped',
      lines: [
        { sku: 'tea', qty: 1 },
        { sku: 'jam', qty: 1 },
      ],
    });
    expect(report.conflicts).toHaveLength(1);
    const conflict = report.conflicts[0] as ConflictError<Order>;
    expect(conflict).toBeInstanceOf(ConflictError);
    expect(conflict.mine?.status).toBe('void');
    expect(conflict.theirs?.document.status).toBe('shipped');
    expect(await f.store.get(history, 'o2')).toMatchObject({ status: 'shipped' });
  });

  it('watch() follows changes over SSE and resumes after a dropped connection: none skipped, none repeated', async () => {
    const f = fixture();
    const { make, server } = await start(f);
    const orders = make().collection<Order>('orders');
    await f.store.insert(f.c.orders, order('o1'));
    const stop = new AbortController();
    const changes = orders.watch({ signal: stop.signal, retryMs: 50 });
    const seen: string[] = [];
    const cursors: string[] = [];
    const take = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const { value } = await changes.next();
        seen.push(`${value?.id}:${value?.document?.status}`);
        cursors.push(value?.cursor as string);
      }
    };
    await take(1);
    await f.store.insert(f.c.orders, order('o2'));
    await take(1);
    await server.down();
    // Written while the client cannot hear: delivered after it reconnects.
    await f.store.insert(f.c.orders, order('o3'));
    await f.store.put(f.c.orders, { ...order('o1', { status: 'paid' }), version: 1 });
    await server.up();
    await take(2);
    await f.store.insert(f.c.orders, order('o4'));
    await take(1);
    stop.abort();
    expect(await changes.next()).toEqual({ value: undefined, done: true });
    expect(seen).toEqual(['o1:pending', 'o2:pending', 'o3:pending', 'o1:paid', 'o4:pending']);
    expect(new Set(cursors).size).toBe(cursors.length);
    // A watch from a change's cursor starts right after it.
    const resumed = orders.watch({ since: cursors[2] as string, retryMs: 50 });
    expect((await resumed.next()).value).toMatchObject({ id: 'o1', document: { status: 'paid' } });
    await resumed.return?.();
  });
});
