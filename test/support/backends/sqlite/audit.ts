import BetterSqlite3 from 'better-sqlite3';
import type { Audit, AuditEvent, AuditRow } from '../../audit.js';

const COLUMNS = 'actor, mark, token, revision, seq, deleted';

/** The audit (see test/support/audit.ts) on a migrated SQLite file: triggers into a table. */
export function sqliteAudit(filename: string): Audit {
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
