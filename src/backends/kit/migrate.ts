/**
 * The schema migration every backend runs, written once: a version table, a refusal of a
 * schema newer than this release understands, the missing steps in order, the version
 * recorded, all in one exclusive transaction. A dialect supplies its steps and how to run
 * a statement inside that transaction; the runner decides what runs.
 */

/** A backend's migrations: its steps, where it keeps the version, how it names the database. */
export interface Migration {
  /**
   * Step `i` upgrades the schema from version `i` to `i + 1`; the number of steps is the
   * version this release writes and reads. A step may hold several statements. Never edit
   * a shipped step: add one, so databases made by older releases upgrade in order.
   */
  readonly steps: readonly string[];
  /** The table holding the version, as the dialect names it (quoted, schema-qualified). */
  readonly versionTable: string;
  /** What a refusal calls the database, e.g. `Schema app` or `This database`. */
  readonly subject: string;
}

/** One statement the runner sends; a `read` one returns its rows, the others nothing. */
export interface MigrationStatement {
  readonly sql: string;
  readonly read: boolean;
}

/** A row of the version table. */
export interface VersionRow {
  readonly version: number;
}

/** Runs one statement inside the migration's transaction (synchronous drivers). */
export type RunMigrationStatement = (statement: MigrationStatement) => readonly VersionRow[];

/**
 * Brings the schema to `migration.steps.length`, through a synchronous driver.
 * `transaction(body)` must open one exclusive transaction (no other migration may run
 * until it ends: SQLite's `BEGIN IMMEDIATE`), call `body` with a way to run statements in
 * it, commit when `body` returns and roll back when it throws, throwing on.
 */
export function runMigrationSync(
  migration: Migration,
  transaction: (body: (run: RunMigrationStatement) => void) => void,
): void {
  transaction((run) => {
    const plan = statements(migration);
    let next = plan.next();
    while (!next.done) next = plan.next(run(next.value));
  });
}

/**
 * Brings the schema to `migration.steps.length`, through an asynchronous driver.
 * `transaction(body)` must open one exclusive transaction (PostgreSQL: `BEGIN` and a
 * transaction-level advisory lock), await `body` with a way to run statements in it,
 * commit when it resolves and roll back when it rejects, rejecting on.
 */
export async function runMigration(
  migration: Migration,
  transaction: (
    body: (run: (statement: MigrationStatement) => Promise<readonly VersionRow[]>) => Promise<void>,
  ) => Promise<void>,
): Promise<void> {
  await transaction(async (run) => {
    const plan = statements(migration);
    let next = plan.next();
    while (!next.done) next = plan.next(await run(next.value));
  });
}

// The migration as the statements it sends, each given the rows of the one before: one
// logic for every driver, synchronous or not. The version is a count of steps, an integer
// written into the SQL, so the statements need no parameters in any dialect.
function* statements(
  migration: Migration,
): Generator<MigrationStatement, void, readonly VersionRow[]> {
  const { steps, versionTable: table, subject } = migration;
  const latest = steps.length;
  yield { sql: `CREATE TABLE IF NOT EXISTS ${table} (version INTEGER NOT NULL)`, read: false };
  const rows = yield { sql: `SELECT version FROM ${table}`, read: true };
  const current = rows[0]?.version ?? 0;
  if (current > latest) {
    throw new Error(
      `${subject} has noclobber schema version ${current}, newer than this release understands (${latest}); upgrade noclobber`,
    );
  }
  for (let version = current; version < latest; version++) {
    yield { sql: steps[version] as string, read: false };
  }
  if (rows.length === 0) {
    yield { sql: `INSERT INTO ${table} (version) VALUES (${latest})`, read: false };
  } else if (current < latest) {
    yield { sql: `UPDATE ${table} SET version = ${latest}`, read: false };
  }
}
