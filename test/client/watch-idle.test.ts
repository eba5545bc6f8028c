import type { AddressInfo } from 'node:net';
import { connect, createServer, type Socket } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { createClient } from '../../src/client/index.js';
import { createHandler } from '../../src/http/index.js';
import { describeConformance } from '../conformance/fixture.js';
import { type Order, order } from '../support/model.js';
import { type RestartableServer, restartableServer } from '../support/restartable-server.js';

/**
 * A TCP proxy in front of `port` whose open connections can be stalled: from then on
 * nothing the server sends reaches the client, and neither side is told (as when a network
 * path dies silently). Connections made afterwards pass normally.
 */
async function stallingProxy(port: number) {
  const open = new Set<{ client: Socket; stalled: boolean }>();
  const proxy = createServer((client) => {
    const pair = { client, stalled: false };
    open.add(pair);
    const upstream = connect(port, '127.0.0.1');
    upstream.on('data', (chunk) => {
      if (!pair.stalled) client.write(chunk);
    });
    client.on('data', (chunk) => upstream.write(chunk));
    const gone = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', gone);
      socket.on('close', gone);
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    stall: () => {
      for (const pair of open) pair.stalled = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of open) pair.client.destroy();
        proxy.close(() => resolve());
      }),
  };
}

describeConformance('the client watch on a silently dead connection', (fixture) => {
  let server: RestartableServer | undefined;
  let proxy: Awaited<ReturnType<typeof stallingProxy>> | undefined;
  afterEach(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('no heartbeat within the idle timeout: the fetch watcher reconnects with Last-Event-ID and misses nothing', async () => {
    const f = fixture();
    server = await restartableServer(
      createHandler(f.store, { collections: [f.c.orders], eventsHeartbeat: 100 }),
    );
    proxy = await stallingProxy(Number(new URL(server.url).port));
    const sent: Record<string, string>[] = [];
    const client = createClient({
      baseUrl: proxy.url,
      fetch: (input, init) => {
        sent.push({ ...(init?.headers as Record<string, string>) });
        return fetch(input, init);
      },
    });
    const stop = new AbortController();
    const changes = client.collection<Order>('orders').watch({
      signal: stop.signal,
      transport: 'fetch',
      retryMs: 10,
      idleTimeoutMs: 1_000,
    });
    try {
      await f.store.insert(f.c.orders, order('o1'));
      const first = (await changes.next()).value;
      expect(first?.id).toBe('o1');
      proxy.stall();
      // Written while the connection is dead: it comes over the next one.
      await f.store.insert(f.c.orders, order('o2'));
      await f.store.insert(f.c.orders, order('o3'));
      const next = await Promise.race([
        changes.next(),
        new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 20_000)),
      ]);
      expect(next).toMatchObject({ value: { id: 'o2' } });
      expect((await changes.next()).value?.id).toBe('o3');
      // The connection that brought them resumed after the last change taken.
      expect(sent.map((headers) => headers['last-event-id'])).toContain(first?.cursor);
    } finally {
      stop.abort();
      client.close();
    }
  }, 30_000);
});
