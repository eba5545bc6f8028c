import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { type Change, DocumentStore } from '../../src/index.js';

// LISTEN/NOTIFY is PostgreSQL's: the store in another process is a store on its own pool.
describe('PostgreSQL: watchers woken by another process with notify', () => {
  const url = inject('postgresUrl');
  const schema = `nc_wake_${randomBytes(6).toString('hex')}`;
  const stores: DocumentStore[] = [];
  const open = (notify: boolean) => {
    const store = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url, schema, max: 2, notify }),
    });
    stores.push(store);
    return store;
  };

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  });

  // The delay from each insert's acknowledgement to a watcher polling once a minute.
  async function delays(notify: boolean, writes: number): Promise<number[]> {
    const writer = open(notify);
    const watcher = open(notify);
    const items = writer.collection<{ id: string }>('items');
    await writer.insert(items, { id: 'first' });
    const stop = new AbortController();
    const seen = new Map<string, number>();
    const since = (await watcher.changes()).last;
    const watching = (async () => {
      for await (const change of watcher.watch({
        since,
        pollInterval: 60_000,
        signal: stop.signal,
      }))
        seen.set((change as Change).id, performance.now());
    })();
    // Let the watcher reach its wait (and listen) before writing.
    await new Promise((r) => setTimeout(r, 300));
    const acked: number[] = [];
    for (let i = 0; i < writes; i++) {
      await writer.insert(items, { id: `w${i}` });
      const at = performance.now();
      while (!seen.has(`w${i}`) && performance.now() - at < 3_000) {
        await new Promise((r) => setTimeout(r, 5));
      }
      acked.push((seen.get(`w${i}`) ?? Number.POSITIVE_INFINITY) - at);
    }
    stop.abort();
    await watching;
    return acked;
  }

  it('with notify, a watcher polling once a minute sees each write of another store within seconds', async () => {
    const woken = await delays(true, 5);
    expect(woken.every((d) => d < 3_000)).toBe(true);
  }, 60_000);

  it('without it, the same watcher waits for its poll', async () => {
    const polled = await delays(false, 2);
    expect(polled.every((d) => d === Number.POSITIVE_INFINITY)).toBe(true);
  }, 60_000);
});
