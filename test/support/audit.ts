import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { BackendConfig } from './open-backend.js';

/** One committed version of a document row, as the audit trigger copied it. */
export interface AuditRow {
  /** `lastModifiedBy`: the writer, when every writer names itself. */
  readonly actor: string | null;
  /** The body's `mark` field; `null` for a delete. */
  readonly mark: string | null;
  readonly token: string;
  readonly revision: number;
  readonly seq: number;
  readonly deleted: boolean;
}

/** One stored event, as far as the audit cares: its data's `mark` and its version. */
export interface AuditEvent {
  readonly mark: string | null;
  readonly version: number;
}

/**
 * What committed, and nothing else: a trigger copies every row version written to the
 * documents table into an audit table in the same transaction, so a rolled-back statement
 * leaves no audit row. Events are never updated, so their table is their own audit.
 */
export interface Audit {
  /** Every committed version of a document of the default tenant, in `seq` (commit) order. */
  rows(collection: string, id: string): Promise<AuditRow[]>;
  /** The events of a stream of the default tenant, in version order. */
  events(streamId: string): Promise<AuditEvent[]>;
  close(): Promise<void>;
}

const COLUMNS = 'actor, mark, token, revision, seq, deleted';

/** Installs the audit on a migrated database and opens a connection to read it. */
export async function installAudit(config: BackendConfig): Promise<Audit> {
  return config.kind === 'sqlite' ? sqliteAudit(config.filename) : postgresAudit(config);
}

function sqliteAudit(filename: string): Audit {
  const db = new BetterSqlite3(filename);
  db.pragma('busy_timeout = 5000');
  const copy = `INSERT INTO audit (tenant, collection, id, ${COLUMNS})
    VALUES (NEW.tenant, NEW.collection, NEW.id, NEW.last_modified_by,
      json_extract(NEW.body, '$.mark'), NEW.token, NEW.revision, NEW.seq, NEW.deleted);`;
  db.exec(`
    CREATE TABLE audit (n INTEGER PRIMARY KEY, tenant TEXT, collection TEXT, id TEXT,
      actor TEXT, mark TEXT, token TEXT, revision INTEGER, seq INTEGER, deleted INTEGER);
    CREATE TRIGGER audit_insert AFTER INSERT ON noclobber_documents BEGIN ${copy} END;
    CREATE TRIGGER audit_update AFTER UPDATE ON noclobber_documents BEGIN ${copy} END;`);
  const rows = db.prepare(
    `SELECT ${COLUMNS} FROM audit WHERE tenant = 'default' AND collection = ? AND id = ? ORDER BY seq`,
  );
  const events = db.prepare(
    `SELECT json_extract(data, '$.mark') AS mark, version FROM noclobber_events
     WHERE tenant = 'default' AND stream_id = ? ORDER BY version`,
  );
  return {
    rows: async (collection, id) =>
      (rows.all(collection, id) as (Omit<AuditRow, 'deleted'> & { deleted: number })[]).map(
        (row) => ({
          ...row,
          deleted: row.deleted === 1,
        }),
      ),
    events: async (streamId) => events.all(streamId) as AuditEvent[],
    close: async () => {
      db.close();
    },
  };
}

async function postgresAudit(config: { url: string; schema: string }): Promise<Audit> {
  // A pool, so the audit outlives connections a fault or a server restart ends.
  const client = new pg.Pool({ connectionString: config.url, max: 1 });
  client.on('error', () => {});
  const s = `"${config.schema}"`;
  await client.query(`
    CREATE TABLE ${s}.audit (n bigserial PRIMARY KEY, tenant text, collection text, id text,
      actor text, mark text, token text, revision bigint, seq bigint, deleted boolean);
    CREATE FUNCTION ${s}.audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO ${s}.audit (tenant, collection, id, ${COLUMNS})
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
