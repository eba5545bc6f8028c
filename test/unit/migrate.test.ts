import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Migration,
  type MigrationStatement,
  runMigration,
  runMigrationSync,
  type VersionRow,
} from '../../src/backends/kit/index.js';

// The kit's runner on a real (in-memory) SQLite database with steps of the test's own:
// each step makes a table and logs its number, so the log says which steps ran, in what
// order, and whether a transaction that failed left any of them behind.
const STEPS = [1, 2, 3].map(
  (n) => `CREATE TABLE t${n} (x INTEGER); INSERT INTO step_log (step) VALUES (${n});`,
);
const migration = (steps: readonly string[] = STEPS): Migration => ({
  steps,
  versionTable: 'schema_version',
  subject: 'This test database',
});

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

/** A database whose schema is at `version`, as the runner with the first steps left it. */
function databaseAt(version: number): Database.Database {
  const db = new Database(':memory:');
  open.push(db);
  db.exec('CREATE TABLE step_log (n INTEGER PRIMARY KEY, step INTEGER NOT NULL)');
  if (version > 0) runMigrationSync(migration(STEPS.slice(0, version)), syncTransaction(db));
  db.exec('DELETE FROM step_log');
  return db;
}

const execute = (db: Database.Database, { sql, read }: MigrationStatement) => {
  if (read) return db.prepare(sql).all() as VersionRow[];
  db.exec(sql);
  return [];
};

const syncTransaction =
  (db: Database.Database) =>
  (body: (run: (s: MigrationStatement) => readonly VersionRow[]) => void) =>
    db.transaction(() => body((statement) => execute(db, statement))).immediate();

// The asynchronous driver's transaction, by hand, as a driver with awaited statements has it.
const asyncTransaction =
  (db: Database.Database) =>
  async (
    body: (run: (s: MigrationStatement) => Promise<readonly VersionRow[]>) => Promise<void>,
  ) => {
    db.exec('BEGIN IMMEDIATE');
    try {
      await body(async (statement) => execute(db, statement));
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  };

const drivers = [
  {
    name: 'runMigrationSync',
    migrate: async (db: Database.Database, m: Migration) =>
      runMigrationSync(m, syncTransaction(db)),
  },
  {
    name: 'runMigration',
    migrate: (db: Database.Database, m: Migration) => runMigration(m, asyncTransaction(db)),
  },
];

const stepsRun = (db: Database.Database) =>
  (db.prepare('SELECT step FROM step_log ORDER BY n').all() as { step: number }[]).map(
    (row) => row.step,
  );
const versions = (db: Database.Database) =>
  db.prepare('SELECT version FROM schema_version').all() as VersionRow[];
const tables = (db: Database.Database) =>
  (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 't_' ORDER BY name",
      )
      .all() as { name: string }[]
  ).map((row) => row.name);

describe.each(drivers)('$name', ({ migrate }) => {
  it('a new database gets every step once, in order, and one version row', async () => {
    const db = databaseAt(0);
    await migrate(db, migration());
    expect(stepsRun(db)).toEqual([1, 2, 3]);
    expect(versions(db)).toEqual([{ version: 3 }]);
  });

  it('an older database gets only the steps it lacks; a current one gets none', async () => {
    const db = databaseAt(1);
    await migrate(db, migration());
    expect(stepsRun(db)).toEqual([2, 3]);
    expect(versions(db)).toEqual([{ version: 3 }]);
    await migrate(db, migration());
    expect(stepsRun(db)).toEqual([2, 3]);
    expect(versions(db)).toEqual([{ version: 3 }]);
  });

  it('a failing step leaves nothing of the migration behind: earlier steps and version undone', async () => {
    const db = databaseAt(1);
    const broken = [...STEPS.slice(0, 2), 'INSERT INTO no_such_table VALUES (1);'];
    await expect(migrate(db, migration(broken))).rejects.toThrow(/no_such_table/);
    expect(stepsRun(db)).toEqual([]);
    expect(tables(db)).toEqual(['t1']);
    expect(versions(db)).toEqual([{ version: 1 }]);
  });

  it('a schema newer than the steps is refused, by name, and left as it is', async () => {
    const db = databaseAt(3);
    await expect(migrate(db, migration(STEPS.slice(0, 2)))).rejects.toThrow(
      'This test database has noclobber schema version 3, newer than this release understands (2); upgrade noclobber',
    );
    expect(versions(db)).toEqual([{ version: 3 }]);
  });
});
