import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore, TransientError } from '../../src/index.js';
import { testSchema } from '../support/postgres-schema.js';

interface Item {
  id: string;
  kind: string;
  n: number;
}

// node-postgres' query_timeout (a pool option noclobber passes through) stops waiting for
// a reply, and the pool closes that connection; the statement goes on in the server and
// may still commit. For a write that is a lost reply: the caller must hear "written" (the
// write log says so) or "unknown" (an ambiguous TransientError), never an error that
// reads as "not written" while the write lands afterwards.
describe('PostgreSQL: a bulk write whose reply the client stopped waiting for', () => {
  const { url, schema } = testSchema();

  // The bulk statements of the schema still running (or waiting) in the server, as a
  // connection outside any transaction sees them (inside one, the view is a snapshot).
  const running = async (watcher: pg.Client, waiting: boolean) => {
    const { rows } = await watcher.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE state = 'active' AND query LIKE '%WITH matched AS%' AND query LIKE $1
         AND ($2::bool IS FALSE OR wait_event_type = 'Lock')`,
      [`%"${schema}"%`, waiting],
    );
    return Number(rows[0]?.n);
  };
  const until = async (done: () => Promise<boolean>) => {
    while (!(await done())) await new Promise((resolve) => setTimeout(resolve, 10));
  };

  it('updateWhere past query_timeout, then committed by the server: settled by the write log, or unknown; applied once', async () => {
    const direct = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url, schema }),
    });
    const items = direct.collection<Item>('items');
    const writer = new DocumentStore({
      backend: new PostgresBackend({
        connectionString: url,
        schema,
        poolConfig: { query_timeout: 300 },
      }),
      actor: 'slow-writer',
    });
    const admin = new pg.Client({ connectionString: url });
    const watcher = new pg.Client({ connectionString: url });
    await admin.connect();
    await watcher.connect();
    try {
      for (const id of ['i0', 'i1', 'i2']) await direct.insert(items, { id, kind: 'a', n: 0 });
      await writer.ready();
      // Another transaction holds the last row, past the client's patience.
      await admin.query('BEGIN');
      await admin.query(`SELECT 1 FROM "${schema}".documents WHERE id = 'i2' FOR UPDATE`);
      let settled = false;
      const call = writer
        .updateWhere(writer.collection<Item>('items'), { kind: 'a' }, { $inc: { n: 1 } })
        .then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        )
        .finally(() => {
          settled = true;
        });
      // Once the call gave up on its first try (it settled, or sent the write again), the
      // row is let go: the first try, still in the server, commits.
      await until(async () => settled || (await running(watcher, true)) >= 2);
      await admin.query('COMMIT');
      const outcome = await call;
      await until(async () => (await running(watcher, false)) === 0);

      const docs = (await direct.find(items, {}, { sort: ['id'] })).documents;
      const applied = docs[0]?.n as number;
      expect(docs.map((d) => d.n)).toEqual([applied, applied, applied]);
      expect([0, 1]).toContain(applied);
      if ('result' in outcome) {
        expect(applied).toBe(1);
        expect(outcome.result.written.map((w) => [w.id, w.version])).toEqual([
          ['i0', 2],
          ['i1', 2],
          ['i2', 2],
        ]);
      } else if (!(outcome.error instanceof TransientError && outcome.error.ambiguous)) {
        // Any other failure says nothing was written, and must be true.
        expect(applied, `told: ${String(outcome.error)}`).toBe(0);
      }
    } finally {
      await admin.end();
      await watcher.end();
      await writer.close();
      await direct.close();
    }
  });
});
