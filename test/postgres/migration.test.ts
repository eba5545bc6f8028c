import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import { migrationSteps } from '../../src/backends/postgres/schema.js';
import { DocumentStore } from '../../src/index.js';

const url = () => inject('postgresUrl');
const schemas: string[] = [];

afterAll(async () => {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
});

// A schema as version 3 left it, with its counters moved on as if writes and appends had
// taken numbers (some of them rolled-back or overwritten since).
async function versionThree(counter: number, eventCounter: number): Promise<string> {
  const schema = `nc_test_${randomBytes(5).toString('hex')}`;
  schemas.push(schema);
  const q = `"${schema}"`;
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${q}`);
    for (const step of migrationSteps(q).slice(0, 3)) await client.query(step);
    await client.query(`
      CREATE TABLE ${q}.schema_version (version INTEGER NOT NULL);
      INSERT INTO ${q}.schema_version VALUES (3);
      INSERT INTO ${q}.documents (tenant, collection, id, body, revision, token, seq, last_modified)
        SELECT 'default', 'orders', 'a', '{"total":1}', 1, 't-a', ${counter}, 0 WHERE ${counter} > 0;
      UPDATE ${q}.counter SET value = ${counter};
      UPDATE ${q}.event_counter SET value = ${eventCounter};`);
  } finally {
    await client.end();
  }
  return schema;
}

it.each([
  [57, 9],
  [0, 0],
])(
  'a schema at version 3 (counters at %i and %i) upgrades and numbers on past its counters',
  async (counter, eventCounter) => {
    const schema = await versionThree(counter, eventCounter);
    const store = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url(), schema }),
    });
    try {
      const orders = store.collection<{ id: string; total: number }>('orders');
      const written = await store.insert(orders, { id: 'b', total: 2 });
      expect(written.metadata.seq).toBe(counter + 1);
      const appended = await store.events.appendToStream('s', [
        { type: 'A', data: {} },
        { type: 'A', data: {} },
      ]);
      expect(appended.events.map((e) => e.position)).toEqual([
        BigInt(eventCounter + 1),
        BigInt(eventCounter + 2),
      ]);
      const feed = await store.changes();
      expect(feed.changes.map((c) => c.id)).toEqual(counter > 0 ? ['a', 'b'] : ['b']);
      expect((await store.events.readAll()).map((e) => e.position)).toEqual([
        BigInt(eventCounter + 1),
        BigInt(eventCounter + 2),
      ]);
    } finally {
      await store.close();
    }
  },
);

it('an upgrade waits for a write of the previous release in flight, and numbers on past it', async () => {
  const schema = await versionThree(57, 9);
  const q = `"${schema}"`;
  // The previous release's write: the counter row moved on and held, the row not yet committed.
  const old = new pg.Client({ connectionString: url() });
  await old.connect();
  const backend = new PostgresBackend({ connectionString: url(), schema });
  try {
    await old.query('BEGIN');
    const [taken] = (
      await old.query<{ value: string }>(
        `UPDATE ${q}.counter SET value = value + 1 WHERE id = 1 RETURNING value`,
      )
    ).rows;
    await old.query(
      `INSERT INTO ${q}.documents (tenant, collection, id, body, revision, token, seq, last_modified)
       VALUES ('default', 'orders', 'old', '{}', 1, 't-old', $1, 0)`,
      [taken?.value],
    );
    const migrated = backend.migrate();
    // The upgrade has started and waits on the write in flight (seen from outside its
    // transaction: pg_stat_activity stands still within one).
    const watch = new pg.Client({ connectionString: url() });
    await watch.connect();
    for (;;) {
      const { rows } = await watch.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND query LIKE '%${q}.counter%'`,
      );
      if (Number(rows[0]?.n) > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await watch.end();
    await old.query('COMMIT');
    await migrated;
    const [outcome] = await backend.commit([
      {
        tenant: 'default',
        collection: 'orders',
        id: 'new',
        op: 'put',
        body: '{}',
        check: { kind: 'none' },
        token: 't-new',
        actor: null,
      },
    ]);
    expect(outcome?.status === 'ok' && outcome.metadata.seq).toBe(Number(taken?.value) + 1);
  } finally {
    await old.end();
    await backend.close();
  }
});
