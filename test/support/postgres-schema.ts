import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

/** A schema of a test file's own on the run's PostgreSQL server. */
export interface TestSchema {
  /** The server's URL (see global-setup.ts). */
  readonly url: string;
  /** The schema's name, `nc_test_…`: plain, so it needs no quoting. */
  readonly schema: string;
}

/**
 * A fresh schema for the tests of the file or `describe` block that calls it, dropped
 * with everything in it after them (what noclobber made there: tables, indexes,
 * statistics), so that a test never writes to another test's schema or the default one.
 */
export function testSchema(): TestSchema {
  const url = inject('postgresUrl');
  const schema = `nc_test_${randomBytes(5).toString('hex')}`;
  afterAll(() => dropSchema(url, schema));
  return { url, schema };
}

/** Drops `schema` and everything in it, if it is there. */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
