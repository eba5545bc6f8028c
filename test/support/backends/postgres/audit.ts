import pg from 'pg';
import type { Audit, AuditEvent, AuditRow } from '../../audit.js';

/** The audit (see test/support/audit.ts) on a migrated PostgreSQL schema: a trigger function. */
export async function postgresAudit(config: { url: string; schema: string }): Promise<Audit> {
  // A pool, so the audit outlives connections a fault or a server restart ends.
  const client = new pg.Pool({ connectionString: config.url, max: 1 });
  client.on('error', () => {});
  const s = `"${config.schema}"`;
  await client.query(`
    CREATE TABLE ${s}.audit (n bigserial PRIMARY KEY, tenant text, collection text, id text,
      actor text, mark text, token text, revision bigint, seq bigint, deleted boolean);
    CREATE FUNCTION ${s}.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${s}.audit (tenant, collection, id, actor, mark, token, revision, seq, deleted)
      VALUES (NEW.tenant, NEW.collection, NEW.id, NEW.last_modified_by, NEW.body->>'mark',
        NEW.token, NEW.revision, NEW.seq, NEW.deleted);
      RETURN NULL;
    END $$;
    CREATE TRIGGER audit AFTER INSERT OR UPDATE ON ${s}.documents
      FOR EACH ROW EXECUTE FUNCTION ${s}.audit_row();`);
  return {
    async rows(collection, id) {
      const { rows } = await client.query<AuditRow>(
        `SELECT actor, mark, token, revision::int, seq::int, deleted FROM ${s}.audit
         WHERE tenant = 'default' AND collection = $1 AND id = $2 ORDER BY seq`,
        [collection, id],
      );
      return rows;
    },
    async events(streamId) {
      const { rows } = await client.query<AuditEvent>(
        `SELECT data->>'mark' AS mark, version::int FROM ${s}.events
         WHERE tenant = 'default' AND stream_id = $1 ORDER BY version`,
        [streamId],
      );
      return rows;
    },
    close: () => client.end(),
  };
}
