import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Write, WriteOutcome } from '../../src/backends/kit/backend.js';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { INSERT_CHUNK_ROWS } from '../../src/backends/postgres/insert-many.js';
import { testSchema } from '../support/postgres-schema.js';

const { url, schema } = testSchema();

const idOf = (i: number) => `r-${String(i).padStart(6, '0')}`;

const insert = (i: number): Write => ({
  tenant: 't',
  collection: 'c',
  id: idOf(i),
  op: 'put',
  body: JSON.stringify({ id: idOf(i), n: i }),
  check: { kind: 'mustNotExist' },
  token: `${Date.now().toString(16).padStart(12, '0')}-${randomBytes(8).toString('hex')}`,
  actor: null,
});

// Sessions of this database waiting on a lock, read afresh (the holder reads it inside its
// transaction, which would otherwise keep seeing its first reading).
const WAITING = `SELECT count(*)::int AS n FROM pg_stat_activity, pg_stat_clear_snapshot()
  WHERE datname = current_database() AND wait_event_type = 'Lock'`;

describe('bulk inserts on PostgreSQL', () => {
  it('two calls over the same ids in opposite orders, each past its first chunk, never deadlock', async () => {
    const backend = new PostgresBackend({ connectionString: url, schema, max: 4 });
    await backend.migrate();
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // More than two chunks; a third transaction holds a key both calls meet in their
      // second chunk, so each call has written a chunk before it goes on.
      const n = 2 * INSERT_CHUNK_ROWS + 100;
      const held = INSERT_CHUNK_ROWS + 50;
      await holder.query('BEGIN');
      await holder.query(
        `INSERT INTO "${schema}".documents
           (tenant, collection, id, body, size, revision, token, seq, last_modified, deleted)
         VALUES ('t', 'c', $1, '{}', 2, 1, 'held', 0, 0, false)`,
        [idOf(held)],
      );
      const ids = Array.from({ length: n }, (_, i) => i);
      const calls = Promise.allSettled([
        backend.insertMany(ids.map(insert)),
        backend.insertMany([...ids].reverse().map(insert)),
      ]);
      // Both calls blocked (on the held key, or on each other) before the key is let go.
      for (let tries = 0; ; tries++) {
        const { rows } = await holder.query<{ n: number }>(WAITING);
        if ((rows[0]?.n ?? 0) >= 2) break;
        if (tries > 500) throw new Error('the calls never met the held key');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await holder.query('ROLLBACK');
      const settled = await calls;
      const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
      expect(failures).toEqual([]);
      const outcomes = settled.map((s) => (s.status === 'fulfilled' ? s.value : []));
      const landedAll = (o: WriteOutcome[]) => o.every((x) => x.status === 'ok');
      expect(outcomes.filter(landedAll)).toHaveLength(1);
      const lost = outcomes.find((o) => !landedAll(o)) ?? [];
      expect(lost.some((o) => o.status === 'duplicate')).toBe(true);
      expect(lost.some((o) => o.status === 'ok')).toBe(false);
    } finally {
      await holder.end();
      await backend.close();
    }
  });
});
