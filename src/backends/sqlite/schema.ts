import type { Database } from 'better-sqlite3';
import { runMigrationSync, type VersionRow } from '../kit/migrate.js';
import { HISTORY_FUNCTION, PARENTS_FUNCTION } from './history.js';
import { prepareStatement } from './statement-cache.js';

// The trigger that records a document write: in the write log, or with `history` as a
// revision row (for the statements `noclobber_history()` marks), and moves the counter on.
function logTrigger(name: string, event: string, history: boolean): string {
  const record = history
    ? `INSERT INTO noclobber_revisions
         (tenant, collection, id, revision, token, seq, body, deleted, at, actor, parents)
       VALUES (NEW.tenant, NEW.collection, NEW.id, NEW.revision, NEW.token, NEW.seq,
         NEW.body, NEW.deleted, NEW.last_modified, NEW.last_modified_by, ${PARENTS_FUNCTION}());`
    : `INSERT INTO noclobber_writes (tenant, token, collection, id, revision, seq, at)
       VALUES (NEW.tenant, NEW.token, NEW.collection, NEW.id, NEW.revision, NEW.seq, NEW.last_modified);`;
  return `CREATE TRIGGER noclobber_log_${name} AFTER ${event} ON noclobber_documents
   WHEN ${history ? '' : 'NOT '}${HISTORY_FUNCTION}()
   BEGIN ${record}
     UPDATE noclobber_writes SET seq = NEW.seq WHERE token = '~' AND tenant = '';
   END;`;
}

// Each entry upgrades the schema from version index to index + 1. Never edit a shipped
// entry: add a new one, so files created by older releases upgrade in order.
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE noclobber_documents (
     tenant TEXT NOT NULL,
     collection TEXT NOT NULL,
     id TEXT NOT NULL,
     body TEXT,
     revision INTEGER NOT NULL,
     token TEXT NOT NULL,
     seq INTEGER NOT NULL,
     last_modified INTEGER NOT NULL,
     last_modified_by TEXT,
     deleted INTEGER NOT NULL DEFAULT 0,
     PRIMARY KEY (tenant, collection, id)
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX noclobber_documents_seq ON noclobber_documents (seq);
   CREATE INDEX noclobber_documents_tenant_seq ON noclobber_documents (tenant, seq);`,
  // 2: the last seq handed out lives in a counter row kept by triggers, so every write
  // stays one statement; a counter row costs one page per commit where the global unique
  // index on seq cost two. The counter starts at the highest seq already used.
  `CREATE TABLE noclobber_counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
   INSERT INTO noclobber_counter (id, seq)
     VALUES (1, (SELECT coalesce(max(seq), 0) FROM noclobber_documents));
   CREATE TRIGGER noclobber_seq_on_insert AFTER INSERT ON noclobber_documents
   BEGIN UPDATE noclobber_counter SET seq = NEW.seq WHERE id = 1; END;
   CREATE TRIGGER noclobber_seq_on_update AFTER UPDATE OF seq ON noclobber_documents
   BEGIN UPDATE noclobber_counter SET seq = NEW.seq WHERE id = 1; END;
   DROP INDEX noclobber_documents_seq;`,
  // 3: event streams. A stream row holds the stream's version; an event's position is its
  // rowid, so positions follow commit order (SQLite has one writer at a time).
  `CREATE TABLE noclobber_streams (
     tenant TEXT NOT NULL,
     stream_id TEXT NOT NULL,
     version INTEGER NOT NULL,
     PRIMARY KEY (tenant, stream_id)
   ) WITHOUT ROWID;
   CREATE TABLE noclobber_events (
     position INTEGER PRIMARY KEY,
     tenant TEXT NOT NULL,
     stream_id TEXT NOT NULL,
     version INTEGER NOT NULL,
     id TEXT NOT NULL,
     type TEXT NOT NULL,
     data TEXT NOT NULL,
     metadata TEXT,
     recorded_at INTEGER NOT NULL,
     UNIQUE (tenant, stream_id, version)
   );
   CREATE INDEX noclobber_events_tenant_position ON noclobber_events (tenant, position);`,
  // 4: the write log (see the PostgreSQL schema). Triggers record every document write in
  // the statement that makes it, so the key on the token refuses a second commit of one
  // write; appends record theirs in their own transaction. Keyed by (token, tenant) with
  // no rowid: one b-tree, growing at its right edge as time-ordered tokens arrive. The index on (tenant, collection,
  // seq) lets a collection's feed read only that collection's rows.
  `CREATE TABLE noclobber_writes (
     tenant TEXT NOT NULL,
     token TEXT NOT NULL,
     collection TEXT,
     id TEXT NOT NULL,
     revision INTEGER NOT NULL,
     seq INTEGER NOT NULL,
     at INTEGER NOT NULL,
     PRIMARY KEY (token, tenant)
   ) WITHOUT ROWID;
   CREATE INDEX noclobber_documents_tenant_collection_seq
     ON noclobber_documents (tenant, collection, seq);
   CREATE TRIGGER noclobber_log_insert AFTER INSERT ON noclobber_documents
   BEGIN INSERT INTO noclobber_writes (tenant, token, collection, id, revision, seq, at)
     VALUES (NEW.tenant, NEW.token, NEW.collection, NEW.id, NEW.revision, NEW.seq, NEW.last_modified);
   END;
   CREATE TRIGGER noclobber_log_update AFTER UPDATE OF token ON noclobber_documents
   BEGIN INSERT INTO noclobber_writes (tenant, token, collection, id, revision, seq, at)
     VALUES (NEW.tenant, NEW.token, NEW.collection, NEW.id, NEW.revision, NEW.seq, NEW.last_modified);
   END;`,
  // 5: the last seq handed out moves from its own table into a row of the write log whose
  // key sorts after every token (`~`: tokens are lowercase hex) under no tenant (tenants are
  // never empty). New records land beside it at the log's right edge, so a write dirties one
  // page fewer, and the log's triggers move it on, so two triggers fewer run per write.
  `INSERT INTO noclobber_writes (tenant, token, collection, id, revision, seq, at)
     VALUES ('', '~', NULL, '', 0, (SELECT seq FROM noclobber_counter WHERE id = 1), 0);
   DROP TRIGGER noclobber_seq_on_insert;
   DROP TRIGGER noclobber_seq_on_update;
   DROP TABLE noclobber_counter;
   DROP TRIGGER noclobber_log_insert;
   DROP TRIGGER noclobber_log_update;
   CREATE TRIGGER noclobber_log_insert AFTER INSERT ON noclobber_documents
   BEGIN INSERT INTO noclobber_writes (tenant, token, collection, id, revision, seq, at)
     VALUES (NEW.tenant, NEW.token, NEW.collection, NEW.id, NEW.revision, NEW.seq, NEW.last_modified);
     UPDATE noclobber_writes SET seq = NEW.seq WHERE token = '~' AND tenant = '';
   END;
   CREATE TRIGGER noclobber_log_update AFTER UPDATE OF token ON noclobber_documents
   BEGIN INSERT INTO noclobber_writes (tenant, token, collection, id, revision, seq, at)
     VALUES (NEW.tenant, NEW.token, NEW.collection, NEW.id, NEW.revision, NEW.seq, NEW.last_modified);
     UPDATE noclobber_writes SET seq = NEW.seq WHERE token = '~' AND tenant = '';
   END;`,
  // 6: revision history (see the PostgreSQL schema), for collections that keep it. A write
  // of such a collection records its revision row instead of a write-log record, by the
  // same statement (triggers), so the write stays one statement and one row more than
  // before. `noclobber_history()` (a function of the connection, see `history.ts`) says
  // whether the statement under way writes one. Its token is unique here as in the write
  // log, and `landed` reads both. The counter row moves on with every write either way.
  `CREATE TABLE noclobber_revisions (
     tenant TEXT NOT NULL,
     collection TEXT NOT NULL,
     id TEXT NOT NULL,
     revision INTEGER NOT NULL,
     token TEXT NOT NULL,
     seq INTEGER NOT NULL,
     body TEXT,
     deleted INTEGER NOT NULL,
     at INTEGER NOT NULL,
     actor TEXT,
     parents TEXT,
     PRIMARY KEY (tenant, collection, id, revision)
   ) WITHOUT ROWID;
   CREATE UNIQUE INDEX noclobber_revisions_token ON noclobber_revisions (token, tenant);
   DROP TRIGGER noclobber_log_insert;
   DROP TRIGGER noclobber_log_update;
   ${logTrigger('insert', 'INSERT', false)}
   ${logTrigger('update', 'UPDATE OF token', false)}
   ${logTrigger('revision_insert', 'INSERT', true)}
   ${logTrigger('revision_update', 'UPDATE OF token', true)}`,
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the file's schema to `SCHEMA_VERSION`. Runs in one `BEGIN IMMEDIATE` transaction,
 * so when two processes open a new file at once one creates the tables and the other
 * waits on the busy timeout, then finds them there.
 */
export function migrate(db: Database): void {
  const migration = {
    steps: MIGRATIONS,
    versionTable: 'noclobber_schema',
    subject: 'This database',
  };
  runMigrationSync(migration, (body) =>
    db
      .transaction(() =>
        body(({ sql, read }) => {
          if (read) return prepareStatement(db, sql).all() as VersionRow[];
          db.exec(sql);
          return [];
        }),
      )
      .immediate(),
  );
}
