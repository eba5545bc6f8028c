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
