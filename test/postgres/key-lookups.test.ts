import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PostgresBackend } from '../../src/backends/postgres/index.js';
import * as sql from '../../src/backends/postgres/statements.js';
import { DocumentStore } from '../../src/index.js';

// The plan PostgreSQL keeps for a prepared statement after a few runs: the generic one.
async function genericPlan(client: pg.Client, types: string[], text: string, args: string[]) {
  const name = `p_${randomBytes(4).toString('hex')}`;
  await client.query(`PREPARE ${name}(${types.join(', ')}) AS ${text}`);
  const { rows } = await client.query(`EXPLAIN EXECUTE ${name}(${args.join(', ')})`);
  await client.query(`DEALLOCATE ${name}`);
  return rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n');
}

describe('lookups by key on PostgreSQL before the first ANALYZE', () => {
  const schema = `nc_test_${randomBytes(5).toString('hex')}`;
  const quoted = `"${schema}"`;
  const url = () => inject('postgresUrl');
  let client: pg.Client;

  beforeAll(async () => {
    const store = new DocumentStore({
      backend: new PostgresBackend({ connectionString: url(), schema }),
    });
    await store.changes();
    client = new pg.Client({ connectionString: url() });
    await client.connect();
    // No statistics for the whole test, as in a table's first minute.
    await client.query(`ALTER TABLE ${quoted}.documents SET (autovacuum_enabled = false)`);
    const docs = store.collection<{ id: string; n: number }>('docs');
    await store.insertMany(
      docs,
      Array.from({ length: 5_000 }, (_, n) => ({ id: `d${n}`, n })),
    );
    await store.close();
    await client.query(`SET plan_cache_mode = force_generic_plan`);
  });

  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${quoted} CASCADE`);
    await client.end();
  });

  const expectKeyOnly = (plan: string) => {
    expect(plan).toContain('documents_pkey');
    expect(plan).not.toMatch(/documents_tenant(_collection)?_seq/);
  };

  it('a read by id probes the key, not the feed index', async () => {
    const plan = await genericPlan(client, ['text', 'text', 'text'], sql.readOne(quoted), [
      "'default'",
      "'docs'",
      "'d7'",
    ]);
    expectKeyOnly(plan);
  });

  it.each([true, false])(
    'a single write (insert branch: %s) locks its row through the key',
    async (canInsert) => {
      const types = ['text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'bigint'];
      types.push('text', 'bigint', 'bigint', 'bool', 'bigint', 'bool', 'text');
      const args = [
        "'default'",
        "'docs'",
        "'d7'",
        "'put'",
        "'none'",
        `'{"id":"d7"}'`,
        "'t'",
        "'me'",
      ];
      args.push('NULL', 'NULL', 'NULL', 'NULL', 'false', '1000000', 'false', 'NULL');
      const plan = await genericPlan(client, types, sql.commitOne(quoted, { canInsert }), args);
      expectKeyOnly(plan);
    },
  );

  it('the feed still reads through its index', async () => {
    const plan = await genericPlan(
      client,
      ['text', 'bigint', 'int', 'bigint', 'bigint', 'text'],
      sql.changes(true)(quoted),
      ["'default'", '10', '100', '1000000', '200', "'docs'"],
    );
    expect(plan).toMatch(/documents_tenant(_collection)?_seq/);
  });
});
