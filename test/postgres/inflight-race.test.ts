import { randomBytes } from 'node:crypto';
import { connect, createServer, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore, TransientError } from '../../src/index.js';

// A proxy that forwards a marked request to the server and then resets the client's
// side at once, while the server keeps working on it (here: blocked on a row lock).
async function resetAfterSend(target: { host: string; port: number }, marker: string) {
  const sockets = new Set<Socket>();
  let armed = true;
  const server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      upstream.write(chunk);
      if (armed && chunk.includes(marker)) {
        armed = false;
        // The server has the request; the client hears only a reset.
        setTimeout(() => client.resetAndDestroy(), 50);
      }
    });
    upstream.on('data', (chunk) => {
      if (!client.destroyed) client.write(chunk);
    });
    client.on('error', () => {});
    upstream.on('error', () => client.destroy());
    client.on('close', () => setTimeout(() => upstream.destroy(), 5000));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('a re-send racing its first try, still in flight on PostgreSQL', () => {
  const schema = `nc_test_${randomBytes(5).toString('hex')}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: inject('postgresUrl') });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it.each(['update', 'put none'])(
    '%s: the increment lands once, and the caller hears so or unknown',
    async (kind) => {
      const url = inject('postgresUrl');
      const reliable = new DocumentStore({
        backend: new PostgresBackend({ connectionString: url, schema }),
      });
      const docs = reliable.collection<{ id: string; n: number; by?: string }>('docs');
      const id = `c-${kind.replace(' ', '')}`;
      await reliable.insert(docs, { id, n: 0 });
      const u = new URL(url);
      const proxy = await resetAfterSend({ host: u.hostname, port: Number(u.port) }, 'writer-mark');
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(proxy.port);
      const writer = new DocumentStore({
        backend: new PostgresBackend({ connectionString: proxied.href, schema, max: 4 }),
        actor: 'writer-mark',
      });
      const wdocs = writer.collection<{ id: string; n: number }>('docs');
      await writer.get(wdocs, id);

      const locker = new pg.Client({ connectionString: url });
      await locker.connect();
      await locker.query('BEGIN');
      await locker.query(
        `SELECT 1 FROM "${schema}".documents WHERE collection = 'docs' AND id = $1 FOR UPDATE`,
        [id],
      );
      setTimeout(() => void locker.query('COMMIT'), 800);
      let thrown: unknown;
      try {
        if (kind === 'update') await writer.update(wdocs, id, (d) => ({ ...d, n: d.n + 1 }));
        else await writer.put(wdocs, { id, n: 1 }, { check: 'none' });
      } catch (error) {
        thrown = error;
      }
      await new Promise((r) => setTimeout(r, 1000));
      await locker.end();
      const log = new pg.Client({ connectionString: url });
      await log.connect();
      const { rows } = await log.query(
        `SELECT count(*)::int AS n FROM "${schema}".writes WHERE id = $1`,
        [id],
      );
      await log.end();
      const stored = await reliable.get(docs, id);
      // insert + exactly one landing of the write
      expect(rows[0].n, 'write-log records: the insert and one write').toBe(2);
      expect(stored?.n).toBe(1);
      if (thrown !== undefined) {
        expect(thrown).toBeInstanceOf(TransientError);
        expect((thrown as TransientError).ambiguous).toBe(true);
      }
      await writer.close();
      await reliable.close();
      await proxy.close();
    },
  );
});
