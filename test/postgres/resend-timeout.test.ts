import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore, TransientError } from '../../src/index.js';
import { CutProxy } from '../support/cut-proxy.js';
import { HeldReply } from '../support/lost-reply.js';

// A write commits and its reply is lost; the runtime sends it again, and the re-send
// fails with an error the runtime does not classify (here the application's
// statement_timeout, while a third transaction holds the row). The first try landed, so
// the caller must hear "written" or "unknown" (ambiguous TransientError), not a raw
// PostgreSQL error that reads as an ordinary failure.
describe('a re-send that fails with an error of another kind', () => {
  const url = () => inject('postgresUrl');
  const schema = `nc_test_${randomBytes(5).toString('hex')}`;
  let proxy: CutProxy;
  afterAll(async () => {
    await proxy?.close();
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });
  beforeAll(async () => {
    const u = new URL(url());
    proxy = await CutProxy.start({ host: u.hostname, port: Number(u.port || 5432) });
  });

  it('statement_timeout on the re-send does not replace the outcome of a landed write', async () => {
    const reliable = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url(), schema }),
    });
    const docs = reliable.collection<{ id: string; n: number }>('docs');
    await reliable.insert(docs, { id: 'c', n: 0 });

    const proxied = new URL(url());
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    const lossy = new HeldReply({
      connectionString: proxied.href,
      schema,
      max: 2,
      poolConfig: { statement_timeout: 300 },
    });
    const writer = new DocumentStore({ backend: lossy, actor: 'writer-mark' });
    const wdocs = writer.collection<{ id: string; n: number }>('docs');
    await writer.get(wdocs, 'c'); // migrated and connected

    const locker = new pg.Client({ connectionString: url() });
    await locker.connect();
    let release: Promise<unknown> = Promise.resolve();
    void proxy.arm('writer-mark', 'afterCommit');
    lossy.meanwhile = async () => {
      // A third transaction holds the row for longer than the re-send may wait.
      await locker.query('BEGIN');
      await locker.query(
        `SELECT 1 FROM "${schema}".documents WHERE collection = 'docs' AND id = 'c' FOR UPDATE`,
      );
      release = new Promise((r) => setTimeout(r, 1500)).then(() => locker.query('COMMIT'));
    };
    let thrown: unknown;
    try {
      await writer.update(wdocs, 'c', (d) => ({ ...d, n: d.n + 1 }));
    } catch (error) {
      thrown = error;
    }
    await release;
    await locker.end();
    const stored = await reliable.get(docs, 'c');
    expect(stored?.n, 'the first try committed').toBe(1);
    if (thrown !== undefined) {
      expect(String(thrown)).not.toMatch(/statement timeout/);
      expect(thrown).toBeInstanceOf(TransientError);
      expect((thrown as TransientError).ambiguous).toBe(true);
    }
    await writer.close();
    await reliable.close();
  });
});
