import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { DocumentStore } from '../../src/index.js';
import { testSchema } from '../support/postgres-schema.js';

describe('the feed horizon on PostgreSQL, with a writer in flight', () => {
  const { url, schema } = testSchema();

  it('a reader never passes a number drawn and not committed, and writers never wait for it', async () => {
    const store = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url, schema }),
    });
    const docs = store.collection<{ id: string }>('docs');
    await store.insert(docs, { id: 'before' });
    expect((await store.changes({ since: 0 })).changes).toHaveLength(1);
    // A writer in another connection draws the next number under the gate, as writes do,
    // and holds it uncommitted.
    const held = new pg.Client({ connectionString: url });
    await held.connect();
    try {
      await held.query('BEGIN');
      const { rows } = await held.query<{ seq: string }>(
        `SELECT pg_advisory_xact_lock_shared(hashtext('"${schema}".seq')) IS NOT NULL AS open,
           nextval('"${schema}".seq')::text AS seq`,
      );
      const drawn = Number(rows[0]?.seq);
      await store.insert(docs, { id: 'after' });
      const reading = store.changes({ since: 0 });
      // Writers go on while the reader waits for the one in flight: no one ever waits for
      // the gate (a reader taking it exclusively would, and writers behind it).
      let writing = true;
      const writes = (async () => {
        for (let i = 0; i < 5; i++) await store.insert(docs, { id: `meanwhile-${i}` });
      })().finally(() => {
        writing = false;
      });
      let queued = 0;
      while (writing) {
        const { rows: waits } = await held.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
             AND objid::bigint = hashtext('"${schema}".seq')::bigint & 4294967295`,
        );
        queued += Number(waits[0]?.n);
      }
      await writes;
      expect(queued).toBe(0);
      const page = await reading;
      expect(page.changes.map((c) => c.id)).toEqual(['before']);
      expect(page.changes.every((c) => c.metadata.seq < drawn)).toBe(true);
      await held.query('ROLLBACK');
      const all = await store.changes({ since: 0 });
      expect(all.changes.map((c) => c.id)).toEqual([
        'before',
        'after',
        ...Array.from({ length: 5 }, (_, i) => `meanwhile-${i}`),
      ]);
    } finally {
      await held.end();
      await store.close();
    }
  });

  it('a writer committing while the reader waits is in its page', async () => {
    const store = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url, schema: `${schema}` }),
    });
    const docs = store.collection<{ id: string }>('later');
    await store.changes();
    const held = new pg.Client({ connectionString: url });
    await held.connect();
    try {
      await held.query('BEGIN');
      await held.query(
        `INSERT INTO "${schema}".documents (tenant, collection, id, body, revision, token, seq, last_modified, last_modified_by, deleted)
         SELECT 'default', 'later', 'held', '{"id":"held"}', 1, 'T', nextval(CASE WHEN pg_advisory_xact_lock_shared(hashtext('"${schema}".seq')) IS NOT NULL THEN '"${schema}".seq'::regclass END), 0, 'test', false`,
      );
      await store.insert(docs, { id: 'mine' });
      const reading = store.changes({ since: 0, collection: 'later' });
      setTimeout(() => void held.query('COMMIT'), 50);
      const page = await reading;
      expect(page.changes.map((c) => c.id)).toEqual(['held', 'mine']);
    } finally {
      await held.end();
      await store.close();
    }
  });
});
