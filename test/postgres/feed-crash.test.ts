import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';
import { type PostgresServer, startOwnPostgres, whenUp } from '../support/postgres-server.js';

const gated = (schema: string) =>
  `nextval(CASE WHEN pg_advisory_xact_lock_shared(hashtext('"${schema}".seq')) IS NOT NULL
     THEN '"${schema}".seq'::regclass END)`;

describe('the feed horizon on PostgreSQL across a crash of the server', () => {
  const schema = 'nc_crash';
  let server: PostgresServer;
  beforeAll(async () => {
    // A server of its own, always embedded: the test crashes it.
    server = await startOwnPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  const client = async () => {
    const c = new pg.Client({ connectionString: server.url });
    c.on('error', () => {});
    await c.connect();
    return c;
  };

  it('numbers drawn by writers the crash ended, handed out again after it, are not passed over', async () => {
    const store = new DocumentStore({
      backend: new PostgresBackend({ connectionString: server.url, schema }),
    });
    const docs = store.collection<{ id: string }>('docs');
    const [first, second, admin] = [await client(), await client(), await client()];
    try {
      await store.insert(docs, { id: 'before' });
      expect((await store.changes({ since: 0 })).changes.map((c) => c.id)).toEqual(['before']);
      // After a checkpoint the next number drawn is logged ahead in a WAL record of its
      // own, which nothing flushes while its writer is in flight: a crash loses it.
      await admin.query('CHECKPOINT');
      await first.query('BEGIN');
      await second.query('BEGIN');
      const { rows } = await first.query<{ seq: string; pid: number }>(
        `SELECT ${gated(schema)}::text AS seq, pg_backend_pid() AS pid`,
      );
      await second.query(`SELECT ${gated(schema)}`);
      const lost = Number(rows[0]?.seq);
      // The reader sees both writers hold the gate.
      expect((await store.changes({ since: 0 })).changes.map((c) => c.id)).toEqual(['before']);
      // A crash of one backend resets the whole server: both writers are gone, and the
      // sequence goes on from the last number its flushed WAL covers.
      process.kill(rows[0]?.pid as number, 'SIGKILL');
      await whenUp(() => store.changes({ since: 0 }));
      const late = await whenUp(client);
      try {
        await late.query('BEGIN');
        const drawn = await late.query<{ seq: string }>(
          `INSERT INTO "${schema}".documents (tenant, collection, id, body, revision, token, seq,
             last_modified, last_modified_by, deleted)
           SELECT 'default', 'docs', 'late', '{"id":"late"}', 1, 'T-late', ${gated(schema)}, 0, 'test', false
           RETURNING seq::text`,
        );
        // The crash made the sequence hand out a number it had handed out before.
        expect(Number(drawn.rows[0]?.seq)).toBeLessThanOrEqual(lost + 1);
        await whenUp(() => store.insert(docs, { id: 'after' }));
        const page = (await store.changes({ since: 0 })).changes;
        await late.query('COMMIT');
        const since = page.at(-1)?.metadata.seq ?? 0;
        const rest = (await store.changes({ since })).changes;
        const seen = [...page, ...rest].map((c) => c.id);
        expect(seen).toContain('late');
        expect(seen).toContain('after');
      } finally {
        await late.end();
      }
    } finally {
      for (const c of [first, second, admin]) await c.end().catch(() => {});
      await store.close();
    }
  }, 60_000);
});
