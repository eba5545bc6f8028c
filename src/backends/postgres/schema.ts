import type { Pool } from 'pg';
import { type MigrationStatement, runMigration, type VersionRow } from '../kit/migrate.js';
import { transientOf } from './errors.js';
import { lockedTransaction } from './locked-transaction.js';

// Each entry upgrades from version index to index + 1; `S` is the quoted schema name.
// Never edit a shipped entry: add one.
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
    CREATE TABLE ${s}.documents (
      tenant text NOT NULL,
      collection text NOT NULL,
      id text NOT NULL,
      body jsonb,
      revision bigint NOT NULL,
      token text NOT NULL,
      seq bigint NOT NULL,
      last_modified bigint NOT NULL,
      last_modified_by text,
      deleted boolean NOT NULL DEFAULT false,
      PRIMARY KEY (tenant, collection, id)
    );
    CREATE INDEX documents_tenant_seq ON ${s}.documents (tenant, seq);
    CREATE TABLE ${s}.counter (id int PRIMARY KEY, value bigint NOT NULL);
    INSERT INTO ${s}.counter (id, value) VALUES (1, 0);`,
  // 2: event streams. Positions come from a counter row held to commit, so they follow
  // commit order (a sequence would not).
  (s) => `
    CREATE TABLE ${s}.streams (
      tenant text NOT NULL,
      stream_id text NOT NULL,
      version bigint NOT NULL,
      PRIMARY KEY (tenant, stream_id)
    );
    CREATE TABLE ${s}.events (
      position bigint PRIMARY KEY,
      tenant text NOT NULL,
      stream_id text NOT NULL,
      version bigint NOT NULL,
      id text NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL,
      metadata jsonb,
      recorded_at bigint NOT NULL,
      UNIQUE (tenant, stream_id, version)
    );
    CREATE INDEX events_tenant_position ON ${s}.events (tenant, position);
    CREATE TABLE ${s}.event_counter (id int PRIMARY KEY, value bigint NOT NULL);
    INSERT INTO ${s}.event_counter (id, value) VALUES (1, 0);`,
  // 3: the write log. Every committed write (and append) records its writer-made token in
  // the statement that commits it; the key makes a second commit of one token impossible,
  // so a batch whose reply was lost can be sent again without landing twice, and "did my
  // write land?" stays answerable after the document moved on. Tokens begin with their
  // time (UUIDv7), so the key grows at its right edge and old records are one key range. The index on
  // (tenant, collection, seq) lets a collection's feed read only that collection's rows;
  // `size`, the length of the JSON text a document was written with, lets a feed page be
  // cut at its byte budget without measuring every candidate body.
  (s) => `
    CREATE TABLE ${s}.writes (
      tenant text NOT NULL,
      token text NOT NULL,
      collection text,
      id text NOT NULL,
      revision bigint NOT NULL,
      seq bigint NOT NULL,
      at bigint NOT NULL,
      CONSTRAINT writes_token PRIMARY KEY (token, tenant)
    );
    CREATE INDEX documents_tenant_collection_seq ON ${s}.documents (tenant, collection, seq);
    ALTER TABLE ${s}.documents ADD COLUMN size integer;
    UPDATE ${s}.documents SET size = octet_length(body::text) WHERE body IS NOT NULL;`,
  // 4: seq and event positions come from sequences, not counter rows held to commit, so
  // writes to different documents commit in parallel. Readers of the feeds stay gapless
  // through the feed gates (see `gate.ts`). Each sequence goes on from its counter, and
  // the counters go: a process still running older code then fails loudly instead of
  // handing out numbers the sequences hand out too. The counters are locked first: a
  // write of older code in flight has moved its counter but not committed, and the
  // sequence must go on past the number it took.
  (s) => `
    LOCK TABLE ${s}.counter, ${s}.event_counter IN ACCESS EXCLUSIVE MODE;
    CREATE SEQUENCE ${s}.seq AS bigint;
    SELECT setval('${s}.seq', greatest(value, 1), value > 0) FROM ${s}.counter;
    CREATE SEQUENCE ${s}.event_position AS bigint;
    SELECT setval('${s}.event_position', greatest(value, 1), value > 0) FROM ${s}.event_counter;
    DROP TABLE ${s}.counter;
    DROP TABLE ${s}.event_counter;`,
  // 5: revision history, for collections that keep it. A write records its revision row
  // in the statement that commits it. The body is the JSON text as written (text, not
  // jsonb: it is read back whole, never queried, and parsing it again cost the write).
  // Tokens are unique here as in the write log, and time-ordered, so old revisions are
  // one key range for the pruner. `parents`: the revisions a merged revision joined.
  (s) => `
    CREATE TABLE ${s}.revisions (
      tenant text NOT NULL,
      collection text NOT NULL,
      id text NOT NULL,
      revision bigint NOT NULL,
      token text NOT NULL,
      seq bigint NOT NULL,
      body text,
      deleted boolean NOT NULL,
      at bigint NOT NULL,
      actor text,
      parents bigint[],
      CONSTRAINT revisions_key PRIMARY KEY (tenant, collection, id, revision),
      CONSTRAINT revisions_token UNIQUE (token, tenant)
    );`,
  // 6: the feed's indexes answer only statements that bound seq. Before a table's first
  // ANALYZE, PostgreSQL costs a lookup by (tenant, collection, id) the same through the
  // key and through (tenant, collection, seq), and took the latter, reading the whole
  // collection on every write. A partial index is a candidate only for statements that
  // imply its predicate, and every feed read compares seq.
  (s) => `
    DROP INDEX ${s}.documents_tenant_seq;
    CREATE INDEX documents_tenant_seq ON ${s}.documents (tenant, seq) WHERE seq IS NOT NULL;
    DROP INDEX ${s}.documents_tenant_collection_seq;
    CREATE INDEX documents_tenant_collection_seq ON ${s}.documents (tenant, collection, seq)
      WHERE seq IS NOT NULL;`,
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The migration steps for the quoted schema name, step `i` upgrading version `i` to `i + 1`. */
export const migrationSteps = (quoted: string): string[] => MIGRATIONS.map((step) => step(quoted));

/**
 * Brings the schema to `SCHEMA_VERSION` in one transaction under an advisory lock, so
 * processes that start at once migrate one after the other and find the work done.
 */
export async function migrate(pool: Pool, schema: string, quoted: string): Promise<void> {
  const migration = {
    steps: migrationSteps(quoted),
    versionTable: `${quoted}.schema_version`,
    subject: `Schema ${schema}`,
  };
  try {
    await runMigration(migration, (body) => exclusively(pool, schema, quoted, body));
  } catch (error) {
    // A lost or refused connection is worth another try (the store makes it); the
    // transaction left nothing half done.
    throw transientOf(error, false) ?? error;
  }
}

// One transaction holding the schema's advisory lock, on a connection of its own.
async function exclusively(
  pool: Pool,
  schema: string,
  quoted: string,
  body: (run: (statement: MigrationStatement) => Promise<readonly VersionRow[]>) => Promise<void>,
): Promise<void> {
  await lockedTransaction(pool, `noclobber:${schema}`, async (client) => {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
    await body(async ({ sql, read }) => {
      const result = await client.query<VersionRow>(sql);
      return read ? result.rows : [];
    });
  });
}
