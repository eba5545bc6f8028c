import pg from 'pg';

/**
 * Makes every document write and every append on a migrated PostgreSQL schema wait a
 * random 0–20 ms after it drew its numbers and before it commits, so writers commit in
 * another order than they drew them. Returns how to undo it.
 */
export async function postgresSlowCommits(config: {
  url: string;
  schema: string;
}): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: config.url });
  await client.connect();
  const s = `"${config.schema}"`;
  try {
    await client.query(`
      CREATE FUNCTION ${s}.dawdle() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_sleep(random() * 0.02); RETURN NULL; END $$;
      CREATE TRIGGER dawdle AFTER INSERT OR UPDATE ON ${s}.documents
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.dawdle();
      CREATE TRIGGER dawdle AFTER INSERT ON ${s}.events
        FOR EACH STATEMENT EXECUTE FUNCTION ${s}.dawdle();`);
  } finally {
    await client.end();
  }
  return async () => {
    const undo = new pg.Client({ connectionString: config.url });
    await undo.connect();
    await undo.query(`DROP FUNCTION ${s}.dawdle() CASCADE`).finally(() => undo.end());
  };
}
