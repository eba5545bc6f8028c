import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Write } from '../../src/backends/kit/backend.js';
import { PostgresBackend } from '../../src/backends/postgres/index.js';

const schema = `nc_test_${randomBytes(5).toString('hex')}`;
const url = () => inject('postgresUrl');

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const insert = (id: string): Write => ({
  tenant: 't',
  collection: 'c',
  id,
  op: 'put',
  body: JSON.stringify({ id }),
  check: { kind: 'mustNotExist' },
  token: `${Date.now().toString(16).padStart(12, '0')}-${randomBytes(8).toString('hex')}`,
  actor: null,
});

describe('writers behind the feed gate on PostgreSQL', () => {
  afterAll(() => admin((c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));

  it('batches inserting the same new ids in opposite orders never deadlock', async () => {
    const backend = new PostgresBackend({ connectionString: url(), schema, max: 4 });
    await backend.migrate();
    // Each row insert dawdles, so both batches have inserted their first id before
    // either reaches its second: what one inserts next, the other holds uncommitted.
    await admin((c) =>
      c.query(`
        CREATE FUNCTION "${schema}".dawdle_row() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_sleep(0.2); RETURN NEW; END $$;
        CREATE TRIGGER dawdle_row BEFORE INSERT ON "${schema}".documents
          FOR EACH ROW EXECUTE FUNCTION "${schema}".dawdle_row();`),
    );
    try {
      const settled = await Promise.allSettled([
        backend.commit([insert('a'), insert('b')]),
        backend.commit([insert('b'), insert('a')]),
      ]);
      const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
      // A race on a new id may be refused as such (and tried again); a deadlock never.
      expect(failures.filter((f) => /deadlock/i.test(f))).toEqual([]);
    } finally {
      await admin((c) => c.query(`DROP FUNCTION "${schema}".dawdle_row() CASCADE`));
      await backend.close();
    }
  });

  it("a reader without the sequences' privileges is refused, never served an empty feed", async () => {
    const owner = new PostgresBackend({ connectionString: url(), schema, max: 2 });
    const [written] = await owner.commit([insert('seen')]);
    expect(written?.status).toBe('ok');
    const appended = await owner.appendToStream({
      tenant: 't',
      streamId: 's',
      events: [{ id: 'e1', type: 'E', data: '{}', metadata: null }],
      expected: { kind: 'any' },
      token: insert('s').token,
    });
    expect(appended.status).toBe('ok');
    const role = `nc_reader_${randomBytes(4).toString('hex')}`;
    // What a read-only role is commonly given: the schema and its tables, not its sequences.
    await admin((c) =>
      c.query(`
        CREATE ROLE ${role} LOGIN PASSWORD 'reader';
        GRANT USAGE ON SCHEMA "${schema}" TO ${role};
        GRANT SELECT ON ALL TABLES IN SCHEMA "${schema}" TO ${role};`),
    );
    const as = new URL(url());
    as.username = role;
    as.password = 'reader';
    const reader = new PostgresBackend({ connectionString: as.href, schema, max: 2 });
    try {
      const changes = await reader.changes('t', 0, 100).catch((error: Error) => error);
      if (!(changes instanceof Error)) expect(changes.map((c) => c.id)).toEqual(['seen']);
      const events = await reader.readAll('t', 0n, 100).catch((error: Error) => error);
      if (!(events instanceof Error)) expect(events.map((e) => e.id)).toEqual(['e1']);
    } finally {
      await reader.close();
      await owner.close();
      await admin((c) => c.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`));
    }
  });
});
