import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore, TransientError } from '../../src/index.js';
import { type PostgresServer, startOwnPostgres, whenUp } from '../support/postgres-server.js';

// The documents: `n` counts the calls that changed them.
type Item = { id: string; kind: string; n: number };

const COUNT = 4000;
const ids = Array.from({ length: COUNT }, (_, i) => `i${String(i).padStart(5, '0')}`);
const last = ids.at(-1) as string;

// What a call that was under way during the restart ended in: its result, or what it threw.
type Outcome = { result: Awaited<ReturnType<DocumentStore['updateWhere']>> } | { error: unknown };

describe('PostgreSQL restarted, or the connection ended, in the middle of a long updateWhere', () => {
  const schema = 'nc_restart';
  let server: PostgresServer;
  let sql: pg.Pool;

  beforeAll(async () => {
    // A server of its own, always embedded: the test restarts it.
    server = await startOwnPostgres();
    sql = new pg.Pool({ connectionString: server.url, max: 1 });
    sql.on('error', () => {});
  }, 60_000);
  afterAll(async () => {
    await sql?.end();
    await server?.stop();
  });

  // Waits until a statement holding `text` waits for a row lock: then it has locked every
  // row before it, in id order. Asked outside any transaction, where the view is a snapshot.
  const waitingOnLock = async (text: string) => {
    for (;;) {
      const found = await sql.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
        [`%${text}%`],
      );
      if (found.rows.length > 0) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  // A store on a collection of its own holding COUNT documents at n = 0, and a call of
  // updateWhere over all of them stopped in their middle: another transaction holds the
  // last row, so the call has locked every row before it and waits.
  async function stoppedCall(collection: string) {
    const store = new DocumentStore({
      backend: new PostgresBackend({ connectionString: server.url, schema }),
      actor: 'bulk',
    });
    const items = store.collection<Item>(collection);
    await store.insertMany(
      items,
      ids.map((id) => ({ id, kind: 'a', n: 0 })),
    );
    const blocker = new pg.Client({ connectionString: server.url });
    blocker.on('error', () => {});
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query(
      `SELECT 1 FROM ${schema}.documents WHERE collection = $1 AND id = $2 FOR UPDATE`,
      [collection, last],
    );
    const call = () =>
      store.updateWhere(items, { kind: 'a' }, { $inc: { n: 1 } }, { limit: 10_000 });
    const pending: Promise<Outcome> = call().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const { rows } = await waitingOnLock('WITH matched AS');
    return { store, items, blocker, pending, call, pid: rows[0]?.pid as number };
  }

  // Every document of `collection` at the same count and revision (all or nothing), and the
  // call's own write-log record once if it landed; returns how many times it landed.
  async function appliedTo(collection: string): Promise<number> {
    const counts = await whenUp(() =>
      sql.query<{ n: string; docs: string; revision: string }>(
        `SELECT body->>'n' AS n, revision::text, count(*)::text AS docs FROM ${schema}.documents
         WHERE collection = $1 GROUP BY 1, 2`,
        [collection],
      ),
    );
    expect(counts.rows).toHaveLength(1);
    const [{ n, docs, revision }] = counts.rows as [{ n: string; docs: string; revision: string }];
    expect(Number(docs)).toBe(COUNT);
    const applied = Number(n);
    expect(Number(revision)).toBe(applied + 1);
    const calls = await sql.query(
      `SELECT revision FROM ${schema}.writes WHERE id = '' AND collection = $1`,
      [collection],
    );
    expect(calls.rows.map((r) => Number(r.revision))).toEqual(applied === 1 ? [COUNT] : []);
    return applied;
  }

  it(`restarted: a call over ${COUNT} matches is applied whole and once, or not at all with an ambiguous error; the store writes on after it`, async () => {
    const { store, items, blocker, pending, call } = await stoppedCall('restarted');
    try {
      await server.restart?.();
      const outcome = await pending;
      await blocker.end().catch(() => {});
      const applied = await appliedTo('restarted');
      if ('result' in outcome) {
        expect(applied).toBe(1);
        expect(outcome.result.written.map((w) => [w.id, w.version])).toEqual(
          ids.map((id) => [id, 2]),
        );
      } else {
        expect(outcome.error).toBeInstanceOf(TransientError);
        expect((outcome.error as TransientError).ambiguous).toBe(true);
        expect([0, 1]).toContain(applied);
      }
      // The store writes on once the server is back, on fresh connections.
      expect((await call()).written).toHaveLength(COUNT);
      expect(await store.count(items, { n: applied + 1 })).toBe(COUNT);
    } finally {
      await store.close();
    }
  }, 120_000);

  it(`terminated (pg_terminate_backend) in the middle of ${COUNT} matches: sent again and applied once`, async () => {
    const { store, blocker, pending, pid } = await stoppedCall('terminated');
    try {
      await sql.query('SELECT pg_terminate_backend($1)', [pid]);
      await blocker.query('ROLLBACK');
      await blocker.end();
      const outcome = await pending;
      expect(await appliedTo('terminated')).toBe(1);
      expect('result' in outcome && outcome.result.written.map((w) => [w.id, w.version])).toEqual(
        ids.map((id) => [id, 2]),
      );
    } finally {
      await store.close();
    }
  }, 120_000);
});
