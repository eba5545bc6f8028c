import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';
import { CutProxy } from '../support/cut-proxy.js';
import { type Counter, collections } from '../support/model.js';

// Network faults are a server backend's concern: these run on PostgreSQL only.
describe('PostgreSQL: connection faults during a write', () => {
  const url = new URL(inject('postgresUrl'));
  let schema: string;
  let proxy: CutProxy;
  let direct: DocumentStore;
  let viaProxy: DocumentStore;

  const marker = 'WITH input AS';

  beforeEach(async () => {
    schema = `nc_fault_${randomBytes(6).toString('hex')}`;
    proxy = await CutProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    direct = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url.href, schema }),
    });
    viaProxy = new DocumentStore({
      backend: new PostgresBackend({ connectionString: proxied.href, schema, max: 2 }),
    });
    collections(direct);
    collections(viaProxy);
    await direct.insert('counters', { id: 'k', n: 0, log: [] });
  });

  afterEach(async () => {
    await viaProxy.close();
    await proxy.close();
    const client = new pg.Client({ connectionString: url.href });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    await direct.close();
  });

  const increment = (store: DocumentStore, tag: string) =>
    store.update<Counter>('counters', 'k', (doc) => {
      doc.n += 1;
      doc.log.push(tag);
    });

  it('a write whose reply is lost after COMMIT is recognised by its token, not applied twice', async () => {
    await viaProxy.get('counters', 'k'); // connect and migrate before arming
    const cut = proxy.arm(marker, 'afterCommit');
    const saved = await increment(viaProxy, 'once');
    await cut;
    expect(saved).toMatchObject({ n: 1, version: 2 });
    expect(await direct.get('counters', 'k')).toEqual({ id: 'k', n: 1, log: ['once'], version: 2 });
  });

  it('a write cut before it reached the server is sent again and lands once', async () => {
    await viaProxy.get('counters', 'k');
    const cut = proxy.arm(marker, 'before');
    const saved = await increment(viaProxy, 'once');
    await cut;
    expect(saved).toMatchObject({ n: 1, version: 2 });
    expect(await direct.get('counters', 'k')).toEqual({ id: 'k', n: 1, log: ['once'], version: 2 });
  });

  it('an insert whose reply is lost is a success, not a duplicate', async () => {
    await viaProxy.get('counters', 'k');
    const cut = proxy.arm(marker, 'afterCommit');
    const result = await viaProxy.insert('counters', { id: 'fresh', n: 7, log: [] });
    await cut;
    expect(result).toMatchObject({ written: true, version: 1 });
    expect(await direct.getMetadata('counters', 'fresh')).toMatchObject({ revision: 1 });
  });

  it('a batch whose reply is lost landed whole, once', async () => {
    await direct.insert('counters', { id: 'k2', n: 0, log: [] });
    const session = viaProxy.openSession();
    const docs = (await session.loadMany('counters', ['k', 'k2'])) as Counter[];
    for (const doc of docs) {
      doc.n += 1;
      session.store('counters', doc);
    }
    const cut = proxy.arm(marker, 'afterCommit');
    await session.saveChanges();
    await cut;
    for (const id of ['k', 'k2']) {
      expect(await direct.get('counters', id)).toMatchObject({ n: 1, version: 2 });
    }
  });

  for (const [what, marker, mode] of [
    [
      'a COMMIT whose reply is lost is recognised by its token, not applied twice',
      'COMMIT',
      'afterCommit',
    ],
    ['a connection cut during the locked read is retried and lands once', 'FOR UPDATE', 'before'],
  ] as const) {
    it(`contention 'lock': ${what}`, async () => {
      await viaProxy.get('counters', 'k');
      const cut = proxy.arm(marker, mode);
      const saved = await viaProxy.update<Counter>(
        'counters',
        'k',
        (doc) => {
          doc.n += 1;
          doc.log.push('locked');
        },
        { contention: 'lock' },
      );
      await cut;
      expect(saved).toMatchObject({ n: 1, version: 2 });
      expect(await direct.get('counters', 'k')).toEqual({
        id: 'k',
        n: 1,
        log: ['locked'],
        version: 2,
      });
    });
  }

  it('pg_terminate_backend on a write waiting for a row lock: retried, applied once', async () => {
    const blocker = new pg.Client({ connectionString: url.href });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${schema}".documents WHERE id = 'k' FOR UPDATE`);
      const pending = increment(direct, 'survivor');
      // Find the backend of our write, blocked on the row lock, and kill it.
      let pid: number | undefined;
      for (let i = 0; i < 200 && pid === undefined; i++) {
        // Inside a transaction pg_stat_activity is a snapshot: drop it to see new waits.
        await blocker.query('SELECT pg_stat_clear_snapshot()');
        const { rows } = await blocker.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
           WHERE wait_event_type = 'Lock' AND query LIKE '%WITH input AS%' AND pid <> pg_backend_pid()`,
        );
        pid = rows[0]?.pid;
        if (pid === undefined) await new Promise((r) => setTimeout(r, 10));
      }
      expect(pid).toBeDefined();
      await blocker.query('SELECT pg_terminate_backend($1)', [pid]);
      await blocker.query('ROLLBACK');
      const saved = await pending;
      expect(saved).toMatchObject({ n: 1, log: ['survivor'], version: 2 });
    } finally {
      await blocker.end();
    }
    expect(await direct.get('counters', 'k')).toEqual({
      id: 'k',
      n: 1,
      log: ['survivor'],
      version: 2,
    });
  });
});
